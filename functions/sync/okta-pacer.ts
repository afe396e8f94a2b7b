import type { OktaBucket, RateLimitReading } from '../../shared/okta-rate-limit';

/** Cancellable sleep: resolves after `ms`, or at once when the signal aborts. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** A sleep on real timers that never keeps the process alive after it is cancelled. */
export const realSleep: Sleep = (ms, signal) =>
  new Promise((resolve) => {
    if (signal?.aborted || ms <= 0) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/** Okta rate-limit windows last a minute; allow a little skew before distrusting a reset time. */
const MAX_WINDOW_MS = 65_000;

interface BucketState {
  limit: number | undefined;
  remaining: number | undefined;
  /** Window reset on the server clock (ms), to tell a new window from a late answer. */
  resetServer: number | undefined;
  /** The same moment on the local clock. */
  resetLocal: number | undefined;
  inFlight: number;
  /** A bucket we have never heard from gets one request at a time until its headers arrive. */
  learned: boolean;
}

export interface PacerStats {
  /** Requests currently allowed in flight (shrinks on concurrency 429s). */
  maxInFlight: number;
  /** Per bucket: the learned limit, for reports. */
  limits: Partial<Record<OktaBucket, number>>;
}

/**
 * Keeps requests within Okta's limits before Okta has to say no: a global cap on requests in
 * flight, and per bucket the remaining calls of the current window learned from
 * `X-Rate-Limit-*` headers (minus the calls already in flight).
 */
export class OktaPacer {
  private readonly buckets = new Map<OktaBucket, BucketState>();
  private inFlight = 0;
  private maxInFlight: number;
  private successesSinceShrink = 0;
  private readonly waiters = new Set<() => void>();

  constructor(
    private readonly ceiling: number,
    private readonly now: () => number,
    private readonly sleep: Sleep,
  ) {
    this.maxInFlight = ceiling;
  }

  private state(bucket: OktaBucket): BucketState {
    let s = this.buckets.get(bucket);
    if (!s) {
      s = {
        limit: undefined,
        remaining: undefined,
        resetServer: undefined,
        resetLocal: undefined,
        inFlight: 0,
        learned: false,
      };
      this.buckets.set(bucket, s);
    }
    return s;
  }

  /** Local time (ms) from which a request in this bucket may start, ignoring the global cap. */
  readyAt(bucket: OktaBucket): number {
    const now = this.now();
    const s = this.state(bucket);
    if (!s.learned) return s.inFlight === 0 ? now : Number.POSITIVE_INFINITY;
    if (s.resetLocal !== undefined && now >= s.resetLocal) {
      // The window has turned over: the full limit is available again until headers say otherwise.
      s.remaining = s.limit;
      s.resetLocal = undefined;
    }
    if (s.remaining === undefined) return now;
    if (s.remaining - s.inFlight > 0) return now;
    // Okta's Date header has whole seconds: allow one second of skew after the reset.
    return s.resetLocal === undefined ? now : s.resetLocal + 1000;
  }

  /** True when a request could start now in this bucket and under the global cap. */
  canStart(bucket: OktaBucket): boolean {
    return this.inFlight < this.maxInFlight && this.readyAt(bucket) <= this.now();
  }

  /** Waits until a request in this bucket may start, then counts it as in flight. */
  async acquire(bucket: OktaBucket, signal?: AbortSignal): Promise<void> {
    for (;;) {
      if (signal?.aborted) throw signal.reason ?? new Error('aborted');
      const readyAt = this.readyAt(bucket);
      const now = this.now();
      if (this.inFlight < this.maxInFlight && readyAt <= now) break;
      if (this.inFlight >= this.maxInFlight || !Number.isFinite(readyAt)) {
        await this.nextRelease(signal);
      } else {
        await this.sleep(readyAt - now, signal);
      }
    }
    this.inFlight++;
    this.state(bucket).inFlight++;
  }

  /** Ends a request: learns from its headers and lets the next one go. */
  release(bucket: OktaBucket, reading: RateLimitReading | undefined): void {
    this.inFlight--;
    const s = this.state(bucket);
    s.inFlight--;
    if (reading) this.observe(s, reading);
    for (const wake of [...this.waiters]) wake();
  }

  /** A concurrency 429 (org-wide limit): halve what we allow in flight; it grows back slowly. */
  onConcurrencyLimited(): void {
    this.maxInFlight = Math.max(1, Math.floor(this.maxInFlight / 2));
    this.successesSinceShrink = 0;
  }

  /** Any successful answer: after a run of them, allow one more request in flight again. */
  onSuccess(): void {
    if (this.maxInFlight >= this.ceiling) return;
    if (++this.successesSinceShrink >= 20) {
      this.maxInFlight++;
      this.successesSinceShrink = 0;
    }
  }

  stats(): PacerStats {
    const limits: Partial<Record<OktaBucket, number>> = {};
    for (const [bucket, s] of this.buckets) if (s.limit !== undefined) limits[bucket] = s.limit;
    return { maxInFlight: this.maxInFlight, limits };
  }

  private observe(s: BucketState, reading: RateLimitReading): void {
    // Limit 0 is the concurrency variant: it says nothing about the per-minute bucket.
    if (reading.limit === 0) return;
    if (reading.limit !== undefined) s.limit = reading.limit;
    if (reading.remaining === undefined || reading.resetAt === undefined) return;
    s.learned = true;
    const now = this.now();
    const offset = now - (reading.serverNow ?? now);
    if (s.resetServer === undefined || reading.resetAt > s.resetServer) {
      s.resetServer = reading.resetAt;
      // Okta's windows are a minute long: a reset further away is not believed (bounded waits).
      s.resetLocal = Math.min(reading.resetAt + offset, now + MAX_WINDOW_MS);
      s.remaining = reading.remaining;
    } else if (reading.resetAt === s.resetServer) {
      // Answers can arrive out of order: within one window the smallest remaining is the truth.
      s.remaining = Math.min(s.remaining ?? reading.remaining, reading.remaining);
    }
  }

  private nextRelease(signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        this.waiters.delete(wake);
        signal?.removeEventListener('abort', wake);
        resolve();
      };
      this.waiters.add(wake);
      signal?.addEventListener('abort', wake, { once: true });
    });
  }
}
