/** Generated timestamps are relative to this fixed instant, never the wall clock. */
export const GENERATION_BASE_MS = Date.UTC(2025, 10, 1, 6, 0, 0);

const DAY_MS = 86_400_000;

/** Okta's timestamp format: ISO 8601 UTC with milliseconds (always `.000`, as Okta stores seconds). */
export function oktaTimestamp(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString();
}

/** A timestamp `days` (fractional allowed) before the generation base. */
export function daysBeforeBase(days: number): number {
  return GENERATION_BASE_MS - Math.round(days * DAY_MS);
}

/** A random instant between `fromMs` and the generation base. */
export function between(fromMs: number, fraction: number, toMs = GENERATION_BASE_MS): number {
  return fromMs + Math.floor((toMs - fromMs) * fraction);
}
