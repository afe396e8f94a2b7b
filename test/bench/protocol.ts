/** What the bench passes to its child processes and what they print back (one JSON line). */

/** Given to a child in the `BENCH_PARAMS` environment variable. */
export interface ChildParams {
  orgUrl: string;
  token: string;
  /** Real epoch ms where the simulator's clock and the real one coincide (see clock.ts). */
  anchor: number;
  /** Simulated ms per real ms. */
  scale: number;
  /** Ours: a fresh directory for the raw snapshot (removed afterwards unless `keepSnapshot`). */
  snapshotDir?: string;
  keepSnapshot?: boolean;
  /** Ours: OKTA_CONCURRENCY, when not the product default. */
  concurrency?: number;
  /** Baseline: the SDK's maxRetries on 429 (its default is 2). */
  maxRetries?: number;
}

export const PARAMS_ENV = 'BENCH_PARAMS';

export function readParams(): ChildParams {
  const raw = process.env[PARAMS_ENV];
  if (!raw) throw new Error(`${PARAMS_ENV} is not set: run this through npm run bench`);
  return JSON.parse(raw) as ChildParams;
}

/** Process figures both children report. */
export interface ProcessFigures {
  /** Peak resident set size of the child process (MiB), from `process.resourceUsage().maxRSS`. */
  peakRssMiB: number;
  /** Highest of each `process.memoryUsage()` field, sampled every 100 ms (MiB). */
  peaks: MemoryPeaks;
  /** CPU time (user + system) of the child (real ms). */
  cpuMs: number;
  /** Real time of the measured part (ms). */
  realMs: number;
}

export interface OursResult extends ProcessFigures {
  kind: 'ours';
  status: 'succeeded' | 'failed';
  error?: string;
  counts: Record<string, number>;
  oktaRequests: number;
  byBucket: Record<string, number>;
  /** 429s the client saw, and of those the concurrency kind (`X-Rate-Limit-Limit: 0`). */
  rateLimited: number;
  concurrencyLimited: number;
  retries: number;
  /** Bucket limits the pacer learned from `X-Rate-Limit-Limit`. */
  learnedLimits: Record<string, number>;
  /** Simulated ms from the run's start to the end of the extraction (pages stored). */
  crawlMs: number;
  /** Real ms after the extraction: Elimity body built and compressed, manifest written. */
  postRealMs: number;
  /** runSync's own durationMs: simulated, so post-extraction CPU counts `scale` times. */
  scaledTotalMs: number;
  /** Memory peaks during the extraction, and after it (Elimity body), sampled (MiB). */
  crawlPeaks: MemoryPeaks;
  postPeaks: MemoryPeaks;
  /** Bytes of the raw snapshot on disk (gzip parts + manifest). */
  snapshotBytes: number;
  compressedBodyBytes?: number;
  uncompressedBodyBytes?: number;
}

export interface BaselineResult extends ProcessFigures {
  kind: 'baseline';
  status: 'succeeded' | 'failed';
  error?: string;
  counts: Record<string, number>;
  /** Simulated ms from the first request to the last item. */
  wallMs: number;
  /** 429s the SDK saw, by kind, and how many it retried. */
  rateLimited: number;
  concurrencyLimited: number;
  retried: number;
  maxRetries: number;
}

export type ChildResult = OursResult | BaselineResult;

/** Peaks of `process.memoryUsage()` fields over a phase (MiB). */
export interface MemoryPeaks {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

/**
 * Samples `process.memoryUsage()` every `intervalMs`; `mark()` closes a phase and returns its peaks
 * (the overall peaks keep running).
 */
export function memorySampler(intervalMs = 100): {
  overall: () => MemoryPeaks;
  mark: () => MemoryPeaks;
  stop: () => void;
} {
  const zero = (): MemoryPeaks => ({
    rss: 0,
    heapUsed: 0,
    heapTotal: 0,
    external: 0,
    arrayBuffers: 0,
  });
  const overall = zero();
  let phase = zero();
  const keys = Object.keys(overall) as (keyof MemoryPeaks)[];
  const sample = () => {
    const m = process.memoryUsage();
    for (const k of keys) {
      const mib = m[k] / 1024 / 1024;
      overall[k] = Math.max(overall[k], mib);
      phase[k] = Math.max(phase[k], mib);
    }
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  return {
    overall: () => ({ ...overall }),
    mark: () => {
      sample();
      const peaks = phase;
      phase = zero();
      return peaks;
    },
    stop: () => clearInterval(timer),
  };
}

export function processFigures(
  sampler: ReturnType<typeof memorySampler>,
  cpuStart: NodeJS.CpuUsage,
  realMs: number,
): ProcessFigures {
  const cpu = process.cpuUsage(cpuStart);
  return {
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    peaks: sampler.overall(),
    cpuMs: (cpu.user + cpu.system) / 1000,
    realMs,
  };
}
