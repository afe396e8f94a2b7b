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

/** Named bucket tables for the `rateLimits` option. */
export type RateLimitPreset = 'generous' | 'workforce' | 'unlimited';

/** Share of every bucket one API token may use, unless configured otherwise (okta-api.md §6.2). */
export const DEFAULT_TOKEN_SHARE = 0.5;

/** The three headers' values for one response. */
export interface RateLimitState {
  limit: number;
  remaining: number;
  /** UTC epoch seconds when the window resets. */
  resetEpochSeconds: number;
}

/** One minute, in simulated milliseconds. */
export const WINDOW_MS = 60_000;

interface Window {
  start: number;
  /** Requests of every token in this window (the org-wide bucket). */
  used: number;
  /** Requests per token (principal) in this window. */
  byPrincipal: Map<string, number>;
}

/**
 * Counts requests per bucket in 60-second windows that start at the first request after the
 * previous window ended, so they are not aligned to wall-clock minutes. Each bucket has an org-wide
 * size; each token (principal) may use `tokenShare` of it and sees that share as its
 * `X-Rate-Limit-Limit`. A request is refused when the token's share or the org bucket is spent.
 */
export class RateLimiter {
  private windows = new Map<RateLimitBucket, Window>();

  constructor(
    private readonly limits: Readonly<Record<RateLimitBucket, number>>,
    private readonly now: () => number,
    private readonly tokenShare = 1,
  ) {
    if (!(tokenShare > 0 && tokenShare <= 1)) throw new Error('tokenShare must be in (0, 1]');
  }

  /** The limit a token sees for `bucket`: its share of the org bucket, at least 1. */
  tokenLimit(bucket: RateLimitBucket): number {
    return Math.max(1, Math.floor(this.limits[bucket] * this.tokenShare));
  }

  /** Spends one request from `bucket`; `allowed` is false when the window is exhausted. */
  take(bucket: RateLimitBucket, principal = ''): RateLimitState & { allowed: boolean } {
    const window = this.current(bucket);
    const used = window.byPrincipal.get(principal) ?? 0;
    const allowed = used < this.tokenLimit(bucket) && window.used < this.limits[bucket];
    if (allowed) {
      window.used++;
      window.byPrincipal.set(principal, used + 1);
    }
    return { allowed, ...this.state(bucket, window, principal) };
  }

  /** The bucket's state for a token without spending a request. */
  peek(bucket: RateLimitBucket, principal = ''): RateLimitState {
    return this.state(bucket, this.current(bucket), principal);
  }

  /** Forgets all windows. */
  reset(): void {
    this.windows.clear();
  }

  private current(bucket: RateLimitBucket): Window {
    const now = this.now();
    let window = this.windows.get(bucket);
    if (!window || now >= window.start + WINDOW_MS) {
      window = { start: now, used: 0, byPrincipal: new Map() };
      this.windows.set(bucket, window);
    }
    return window;
  }

  private state(bucket: RateLimitBucket, window: Window, principal: string): RateLimitState {
    const limit = this.tokenLimit(bucket);
    const own = limit - (window.byPrincipal.get(principal) ?? 0);
    const org = this.limits[bucket] - window.used;
    return {
      limit,
      remaining: Math.max(0, Math.min(own, org)),
      resetEpochSeconds: Math.ceil((window.start + WINDOW_MS) / 1000),
    };
  }
}

/**
 * Resolves the `rateLimits` option into a full table of org-wide bucket sizes: a preset name, or
 * overrides of the generous table (Workforce × 100).
 */
export function resolveRateLimits(
  option: RateLimitPreset | Partial<Record<RateLimitBucket, number>> | undefined,
): Record<RateLimitBucket, number> {
  if (option === 'unlimited') {
    return Object.fromEntries(
      Object.keys(WORKFORCE_RATE_LIMITS).map((bucket) => [bucket, UNLIMITED]),
    ) as Record<RateLimitBucket, number>;
  }
  if (option === 'workforce') return { ...WORKFORCE_RATE_LIMITS };
  if (option === 'generous' || option === undefined) return { ...GENEROUS_RATE_LIMITS };
  return { ...GENEROUS_RATE_LIMITS, ...option };
}
