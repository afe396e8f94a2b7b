/**
 * The benchmark's shared simulated clock. The simulator's clock (test/okta-simulator/clock.ts) is
 * `anchor + (realNow() − anchor) × scale`; the crawler child process gets the same anchor and scale,
 * so its `now()` agrees with the simulator's `Date` and `X-Rate-Limit-Reset` headers exactly (both
 * read the same machine's `Date.now`).
 */
import type { Sleep } from '../../functions/sync/okta-pacer';
import { realSleep } from '../../functions/sync/okta-pacer';

export interface ScaledClock {
  /** Simulated ms since the epoch. */
  now: () => number;
  /** Sleeps `ms` simulated ms (ms / scale real ms); cancellable like `realSleep`. */
  sleep: Sleep;
}

/** The simulated clock over `anchor` (real epoch ms where simulated and real time coincide). */
export function scaledClock(anchor: number, scale: number, realNow = Date.now): ScaledClock {
  if (!(scale > 0 && Number.isFinite(scale))) throw new Error('scale must be a positive number');
  if (scale === 1) return { now: realNow, sleep: realSleep };
  return {
    now: () => anchor + (realNow() - anchor) * scale,
    sleep: (ms, signal) => realSleep(ms / scale, signal),
  };
}

/**
 * Recovers the anchor of a simulated clock from one simultaneous reading: `simulated` is what the
 * clock returned while its `realNow` returned `real`. (For scale 1 any anchor works; `real` is used.)
 */
export function anchorOf(simulated: number, real: number, scale: number): number {
  if (scale === 1) return real;
  return (simulated - real * scale) / (1 - scale);
}

/** A `Date.now` that remembers what it last returned, to read a clock's anchor back. */
export function recordingNow(): { now: () => number; last: () => number } {
  let last = 0;
  return {
    now: () => {
      last = Date.now();
      return last;
    },
    last: () => last,
  };
}
