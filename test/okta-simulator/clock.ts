/**
 * Simulated time. With `timeScale` s, one real millisecond is s simulated milliseconds: a benchmark
 * can play Okta minutes in seconds while every ratio (bucket sizes per window, window length,
 * latency) stays the same. The `Date` and `X-Rate-Limit-Reset` headers, rate-limit windows and the
 * request log's `at` are all in simulated time; only real sleeps are divided by the scale.
 */
export interface SimulatedClock {
  /** Simulated milliseconds since the epoch (the org's clock, without skew). */
  now(): number;
  /** Simulated milliseconds per real millisecond (1 = real time). */
  readonly timeScale: number;
  /** Real milliseconds that `simulatedMs` take. */
  toRealMs(simulatedMs: number): number;
}

/**
 * A clock over `realNow` (default `Date.now`). At scale 1 it is `realNow` itself; otherwise simulated
 * time starts at `realNow()` and runs `timeScale` times as fast, so an injected `now` still drives
 * it (advancing a fake `now` by 1 s advances simulated time by `timeScale` s).
 */
export function simulatedClock(realNow: () => number = Date.now, timeScale = 1): SimulatedClock {
  if (!(timeScale > 0 && Number.isFinite(timeScale))) {
    throw new Error('timeScale must be a positive number');
  }
  if (timeScale === 1) return { now: realNow, timeScale, toRealMs: (ms) => ms };
  const anchor = realNow();
  return {
    now: () => anchor + (realNow() - anchor) * timeScale,
    timeScale,
    toRealMs: (ms) => ms / timeScale,
  };
}
