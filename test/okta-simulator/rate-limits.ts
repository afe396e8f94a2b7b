/** Per-minute rate-limit buckets, keyed by Okta's bucket paths (okta-api.md §6.2). */

/** Bucket names, written like the paths in Okta's rate-limit table. */
export type RateLimitBucket =
  | '/api/v1/apps*'
  | '/api/v1/apps/{id}'
  | '/api/v1/groups'
  | '/api/v1/groups/{id}*'
  | '/api/v1/users'
  | '/api/v1/users/{id}'
  | '/api/v1/*';

/** Workforce per-minute limits as published until Dec 2025. */
export const WORKFORCE_RATE_LIMITS: Readonly<Record<RateLimitBucket, number>> = {
  '/api/v1/apps*': 100,
  '/api/v1/apps/{id}': 500,
  '/api/v1/groups': 500,
  '/api/v1/groups/{id}*': 1000,
  '/api/v1/users': 600,
  '/api/v1/users/{id}': 2000,
  '/api/v1/*': 1200,
};

/** Simulator default: Workforce × 100, so normal test runs never see a 429. */
export const GENEROUS_RATE_LIMITS: Readonly<Record<RateLimitBucket, number>> = Object.fromEntries(
  Object.entries(WORKFORCE_RATE_LIMITS).map(([bucket, limit]) => [bucket, limit * 100]),
) as Record<RateLimitBucket, number>;

/** Limit reported by every bucket in `'unlimited'` mode. */
export const UNLIMITED = 1_000_000_000;

/** The most specific bucket of a request path: exact buckets first, then prefix buckets. */
export function bucketOf(path: string): RateLimitBucket {
  if (path === '/api/v1/users') return '/api/v1/users';
  if (/^\/api\/v1\/users\/[^/]+$/.test(path)) return '/api/v1/users/{id}';
  if (path === '/api/v1/groups') return '/api/v1/groups';
  if (/^\/api\/v1\/groups\/[^/]+(\/.*)?$/.test(path)) return '/api/v1/groups/{id}*';
  if (/^\/api\/v1\/apps\/[^/]+$/.test(path)) return '/api/v1/apps/{id}';
  if (path === '/api/v1/apps' || path.startsWith('/api/v1/apps/')) return '/api/v1/apps*';
  return '/api/v1/*';
}

/** The three headers' values for one response. */
export interface RateLimitState {
  limit: number;
  remaining: number;
  /** UTC epoch seconds when the window resets. */
  resetEpochSeconds: number;
}

const WINDOW_MS = 60_000;

/**
 * Counts requests per bucket in 60-second windows that start at the first request after the
 * previous window ended, so they are not aligned to wall-clock minutes.
 */
export class RateLimiter {
  private windows = new Map<RateLimitBucket, { start: number; used: number }>();

  constructor(
    private readonly limits: Readonly<Record<RateLimitBucket, number>>,
    private readonly now: () => number,
  ) {}

  /** Spends one request from `bucket`; `allowed` is false when the window is exhausted. */
  take(bucket: RateLimitBucket): RateLimitState & { allowed: boolean } {
    const window = this.current(bucket);
    const limit = this.limits[bucket];
    const allowed = window.used < limit;
    if (allowed) window.used++;
    return { allowed, ...this.state(bucket, window) };
  }

  /** The bucket's state without spending a request. */
  peek(bucket: RateLimitBucket): RateLimitState {
    return this.state(bucket, this.current(bucket));
  }

  /** Forgets all windows. */
  reset(): void {
    this.windows.clear();
  }

  private current(bucket: RateLimitBucket): { start: number; used: number } {
    const now = this.now();
    let window = this.windows.get(bucket);
    if (!window || now >= window.start + WINDOW_MS) {
      window = { start: now, used: 0 };
      this.windows.set(bucket, window);
    }
    return window;
  }

  private state(bucket: RateLimitBucket, window: { start: number; used: number }): RateLimitState {
    const limit = this.limits[bucket];
    return {
      limit,
      remaining: Math.max(0, limit - window.used),
      resetEpochSeconds: Math.ceil((window.start + WINDOW_MS) / 1000),
    };
  }
}

/** Resolves the `rateLimits` option into a full table. */
export function resolveRateLimits(
  option: 'unlimited' | Partial<Record<RateLimitBucket, number>> | undefined,
): Record<RateLimitBucket, number> {
  if (option === 'unlimited') {
    return Object.fromEntries(
      Object.keys(WORKFORCE_RATE_LIMITS).map((bucket) => [bucket, UNLIMITED]),
    ) as Record<RateLimitBucket, number>;
  }
  return { ...GENEROUS_RATE_LIMITS, ...option };
}
