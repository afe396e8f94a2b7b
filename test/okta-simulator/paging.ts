/** Page sizes, cursors and `Link` headers, the way Okta does them. */

/** Default and maximum `limit` of one list endpoint. */
export interface LimitRule {
  default: number;
  max: number;
}

/** The effective page size: default when absent or invalid, clamped to the maximum. */
export function effectiveLimit(raw: string | null, rule: LimitRule): number {
  if (raw === null || !/^\d+$/.test(raw.trim())) return rule.default;
  const requested = Number(raw);
  if (requested <= 0) return rule.default;
  return Math.min(requested, rule.max);
}

/**
 * The `next` URL: every query parameter the client sent except `limit` and `after`, then the
 * effective `limit` and the new `after`. Values are percent-encoded (spaces as %20), so a cursor
 * containing `+` or `=` round-trips only if the client follows the URL verbatim.
 */
export function nextPageUrl(
  origin: string,
  path: string,
  params: URLSearchParams,
  limit: number,
  after: string,
): string {
  const pairs: string[] = [];
  for (const [key, value] of params) {
    if (key === 'limit' || key === 'after') continue;
    pairs.push(`${encodeURIComponent(key)}=${encodeURIComponent(value)}`);
  }
  pairs.push(`limit=${limit}`, `after=${encodeURIComponent(after)}`);
  return `${origin}${path}?${pairs.join('&')}`;
}

/** `Link` header lines (Okta sends one line per relation). */
export function linkHeaderLines(selfUrl: string, nextUrl: string | undefined): string[] {
  const lines = [`<${selfUrl}>; rel="self"`];
  if (nextUrl !== undefined) lines.push(`<${nextUrl}>; rel="next"`);
  return lines;
}

/** Groups-list cursors look like `g1+<base64 of the id>=`: opaque and in need of encoding. */
export function encodeGroupCursor(groupId: string): string {
  return `g1+${Buffer.from(groupId, 'utf8').toString('base64')}`;
}

/** The group id inside a groups-list cursor, or undefined when it is not one of ours. */
export function decodeGroupCursor(cursor: string): string | undefined {
  if (!cursor.startsWith('g1+')) return undefined;
  const encoded = cursor.slice(3);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) return undefined;
  return Buffer.from(encoded, 'base64').toString('utf8');
}

/** Apps-list cursors are numeric strings, like Okta's (e.g. `16278919418571`). */
const APP_CURSOR_BASE = 16_278_919_418_571;

/** Cursor after the app at `index`. */
export function encodeAppCursor(index: number): string {
  return String(APP_CURSOR_BASE + index);
}

/** App index inside an apps-list cursor, or undefined when invalid. */
export function decodeAppCursor(cursor: string): number | undefined {
  if (!/^\d+$/.test(cursor)) return undefined;
  const index = Number(cursor) - APP_CURSOR_BASE;
  return index >= 0 && Number.isSafeInteger(index) ? index : undefined;
}

/** First position in an ascending array whose value is greater than `value`. */
export function firstGreater(values: ArrayLike<number>, value: number): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((values[mid] ?? 0) <= value) low = mid + 1;
    else high = mid;
  }
  return low;
}

/**
 * Walks positions `start…length-1`, keeping those `accept` allows, until `limit` are taken.
 * `hasMore` is exact when `lookahead` is true; otherwise it is "the page is full" (Okta-like:
 * a full last page still announces a `next` that returns `[]`).
 */
export function takePage(
  start: number,
  length: number,
  limit: number,
  accept: (position: number) => boolean,
  lookahead: boolean,
): { positions: number[]; hasMore: boolean } {
  const positions: number[] = [];
  let position = start;
  for (; position < length && positions.length < limit; position++) {
    if (accept(position)) positions.push(position);
  }
  if (positions.length < limit) return { positions, hasMore: false };
  if (!lookahead) return { positions, hasMore: true };
  for (; position < length; position++) if (accept(position)) return { positions, hasMore: true };
  return { positions, hasMore: false };
}
