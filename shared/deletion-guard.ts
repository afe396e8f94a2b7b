/**
 * The mass-deletion guard: Elimity replaces a source's whole data set with every snapshot, so a
 * snapshot that is suddenly much smaller than the last one posted would delete real data there
 * (an empty users list from a token that lost its admin role, a half-configured org). Pure.
 */

/** The kinds the guard compares, in the order they are reported. */
export const GUARDED_COUNTS = [
  'users',
  'groups',
  'applications',
  'groupMemberships',
  'appUserAssignments',
  'appGroupAssignments',
] as const;

export type GuardedCount = (typeof GUARDED_COUNTS)[number];

export type GuardVerdict = { ok: true } | { ok: false; reasons: string[] };

/**
 * Refuses when there are no users at all, or when any kind dropped by more than `maxDropPercent`
 * against the last posted snapshot. Without a previous snapshot only the no-users rule applies.
 */
export function checkMassDeletion(
  current: Record<GuardedCount, number>,
  previous: Partial<Record<string, number>> | undefined,
  maxDropPercent: number,
): GuardVerdict {
  const reasons: string[] = [];
  if (current.users === 0) {
    reasons.push(
      'the snapshot has no users at all (an API token without an admin role gets an empty list from Okta)',
    );
  }
  if (previous) {
    for (const kind of GUARDED_COUNTS) {
      const before = previous[kind];
      if (before === undefined || before <= 0) continue;
      const now = current[kind];
      const dropPercent = ((before - now) / before) * 100;
      if (dropPercent > maxDropPercent) {
        reasons.push(
          `${kind} dropped from ${before} to ${now} (−${dropPercent.toFixed(1)} %, more than the ${maxDropPercent} % allowed)`,
        );
      }
    }
  }
  return reasons.length === 0 ? { ok: true } : { ok: false, reasons };
}
