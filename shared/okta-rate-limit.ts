/**
 * Okta rate-limit facts as pure functions: which bucket a path falls into, what the
 * `X-Rate-Limit-*` headers say, and how long to wait after a 429 (okta-api.md §6).
 */

/** Buckets by most specific path, as Okta matches them (okta-api.md §6.2). */
export type OktaBucket =
  | 'users-list'
  | 'user-by-id'
  | 'groups-list'
  | 'group'
  | 'apps'
  | 'app-by-id'
  | 'other';

/** Maps a request path to its rate-limit bucket. */
export function bucketOf(pathname: string): OktaBucket {
  const path = pathname.replace(/\/+$/, '');
  const segments = path.split('/').filter(Boolean); // ['api','v1','users',…]
  if (segments[0] !== 'api' || segments[1] !== 'v1') return 'other';
  const [, , resource, id, ...rest] = segments;
  switch (resource) {
    case 'users':
      if (id === undefined) return 'users-list';
      return rest.length === 0 ? 'user-by-id' : 'other';
    case 'groups':
      if (id === undefined) return 'groups-list';
      // `/api/v1/groups/rules` is its own endpoint family; it falls in "everything else".
      return id === 'rules' ? 'other' : 'group';
    case 'apps':
      // `/api/v1/apps/{id}` has its own bucket; the list and every sub-resource share `apps*`.
      return id !== undefined && rest.length === 0 ? 'app-by-id' : 'apps';
    default:
      return 'other';
  }
}

/** What one response said about its bucket; times are epoch ms on the server's clock. */
export interface RateLimitReading {
  limit: number | undefined;
  remaining: number | undefined;
  /** Smallest plausible reset time; Okta sometimes repeats the header (OKTA-112507). */
  resetAt: number | undefined;
  /** The response's own `Date`, so waits do not depend on the local clock. */
  serverNow: number | undefined;
}

function numbersIn(value: string | null): number[] {
  if (value === null) return [];
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => /^\d+$/.test(s))
    .map(Number);
}

/** Reads the rate-limit headers, tolerating repeated or comma-joined values. */
export function readRateLimit(headers: { get(name: string): string | null }): RateLimitReading {
  const limit = numbersIn(headers.get('x-rate-limit-limit'));
  const remaining = numbersIn(headers.get('x-rate-limit-remaining'));
  const resets = numbersIn(headers.get('x-rate-limit-reset'));
  const date = headers.get('date');
  const serverNow = date === null ? Number.NaN : Date.parse(date);
  return {
    limit: limit.length ? Math.min(...limit) : undefined,
    remaining: remaining.length ? Math.min(...remaining) : undefined,
    // Repeated values (OKTA-112507): the earliest, as Okta's Python SDK does; if it was too early
    // the next answer is another 429 with fresh headers, which is cheaper than a run-ending wait.
    resetAt: resets.length ? Math.min(...resets) * 1000 : undefined,
    serverNow: Number.isFinite(serverNow) ? serverNow : undefined,
  };
}

/** A 429 with `Limit: 0, Remaining: 0` is the org-wide concurrency limit, not a per-minute bucket. */
export function isConcurrencyLimited(reading: RateLimitReading): boolean {
  return reading.limit === 0 && reading.remaining === 0;
}

/**
 * How long to wait after a per-minute 429: until `X-Rate-Limit-Reset` measured against the
 * response's `Date`, plus a second (okta-api.md §6.4). Undefined when the headers do not say.
 */
export function waitAfterRateLimit(
  reading: RateLimitReading,
  localNow: number,
): number | undefined {
  if (reading.resetAt === undefined) return undefined;
  const now = reading.serverNow ?? localNow;
  return Math.max(0, reading.resetAt - now) + 1000;
}
