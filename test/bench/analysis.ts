/**
 * Pure analysis of a simulator request log: requests per rate-limit bucket, each bucket's rate, the
 * rate-limit lower bound of a crawl, 429s (and those in steady state), and per-bucket timelines.
 */
import type { RateLimitBucket } from '../okta-simulator/rate-limits';

/** The fields of a simulator `RequestLogEntry` the analysis reads. */
export interface LoggedRequest {
  bucket: RateLimitBucket;
  status: number | null;
  /** Simulated ms when the request arrived. */
  at: number;
  /** Simulated ms until the answer finished, or null. */
  simulatedLatencyMs: number | null;
}

export interface BucketFigures {
  /** Requests the bucket granted (everything but 429s): what the crawl needed from it. */
  requests: number;
  /** 429s answered in this bucket. */
  rateLimited: number;
  /** 429s more than one window after the bucket's first request (steady state). */
  rateLimitedSteady: number;
  /** The token's calls per minute in this bucket (its `X-Rate-Limit-Limit`). */
  ratePerMinute: number;
  /** requests ÷ rate, in simulated ms: the least time this bucket alone needs. */
  minMs: number;
  /** First and last arrival, relative to the run's first request (simulated ms). */
  firstMs: number;
  lastMs: number;
  /** The longest pause between two consecutive arrivals in this bucket (simulated ms). */
  maxGapMs: number;
  /** Granted requests per 60 s window counted from the bucket's first request. */
  perWindow: number[];
}

export interface LogAnalysis {
  buckets: Partial<Record<RateLimitBucket, BucketFigures>>;
  /** The largest `minMs`: no crawl with this token can be faster (simulated ms). */
  lowerBoundMs: number;
  /** The bucket that sets the bound. */
  boundingBucket: RateLimitBucket | undefined;
  /** Σ minMs ÷ max minMs: the most running the buckets side by side can gain over one by one. */
  maxSpeedupFromOverlap: number;
  /** From the first request's arrival to the last answer's end (simulated ms). */
  spanMs: number;
  requests: number;
  rateLimited: number;
  rateLimitedSteady: number;
}

/**
 * Analyses a log. `ratePerMinute(bucket)` is the token's limit per window of `windowMs` (Okta's
 * windows are a minute); the bound counts only granted requests, since a refused one spends nothing.
 */
export function analyseLog(
  log: readonly LoggedRequest[],
  ratePerMinute: (bucket: RateLimitBucket) => number,
  windowMs = 60_000,
): LogAnalysis {
  const start = log.reduce((min, r) => Math.min(min, r.at), Number.POSITIVE_INFINITY);
  let end = Number.NEGATIVE_INFINITY;
  const byBucket = new Map<RateLimitBucket, LoggedRequest[]>();
  for (const r of log) {
    end = Math.max(end, r.at + (r.simulatedLatencyMs ?? 0));
    const list = byBucket.get(r.bucket);
    if (list) list.push(r);
    else byBucket.set(r.bucket, [r]);
  }
  const buckets: LogAnalysis['buckets'] = {};
  let lowerBoundMs = 0;
  let boundingBucket: RateLimitBucket | undefined;
  let sumMinMs = 0;
  let total = 0;
  let limited = 0;
  let limitedSteady = 0;
  for (const [bucket, entries] of byBucket) {
    const sorted = [...entries].sort((a, b) => a.at - b.at);
    const first = sorted[0]?.at ?? start;
    const granted = sorted.filter((r) => r.status !== 429);
    const refused = sorted.filter((r) => r.status === 429);
    const steady = refused.filter((r) => r.at >= first + windowMs);
    const rate = ratePerMinute(bucket);
    const minMs = (granted.length / rate) * windowMs;
    let maxGapMs = 0;
    for (let i = 1; i < sorted.length; i++) {
      const gap = (sorted[i]?.at ?? 0) - (sorted[i - 1]?.at ?? 0);
      maxGapMs = Math.max(maxGapMs, gap);
    }
    const perWindow: number[] = [];
    for (const r of granted) {
      const w = Math.floor((r.at - first) / windowMs);
      while (perWindow.length <= w) perWindow.push(0);
      perWindow[w] = (perWindow[w] ?? 0) + 1;
    }
    buckets[bucket] = {
      requests: granted.length,
      rateLimited: refused.length,
      rateLimitedSteady: steady.length,
      ratePerMinute: rate,
      minMs,
      firstMs: first - start,
      lastMs: (sorted.at(-1)?.at ?? first) - start,
      maxGapMs,
      perWindow,
    };
    if (minMs > lowerBoundMs) {
      lowerBoundMs = minMs;
      boundingBucket = bucket;
    }
    sumMinMs += minMs;
    total += sorted.length;
    limited += refused.length;
    limitedSteady += steady.length;
  }
  return {
    buckets,
    lowerBoundMs,
    boundingBucket,
    maxSpeedupFromOverlap: lowerBoundMs > 0 ? sumMinMs / lowerBoundMs : 1,
    spanMs: log.length > 0 ? end - start : 0,
    requests: total,
    rateLimited: limited,
    rateLimitedSteady: limitedSteady,
  };
}

/** Minutes with one decimal, for tables. */
export function minutes(ms: number): string {
  return (ms / 60_000).toFixed(1);
}

/** A logged request with what the latency model needs: its request number and objects returned. */
export interface NumberedRequest extends LoggedRequest {
  /** Position in the simulator's log (the simulator's request number, which seeds its jitter). */
  index: number;
  objects: number;
}

export interface Demagnified {
  /** First arrival to last answer, as measured in simulated time. */
  measuredMs: number;
  /** The same with local overhead counted once instead of `scale` times where it was on the path. */
  correctedMs: number;
  /** Per bucket (a sequential crawler's phases): measured, corrected, and whether 429s bound it. */
  phases: Partial<
    Record<RateLimitBucket, { measuredMs: number; correctedMs: number; rateLimited: boolean }>
  >;
}

/**
 * Under a time scale s, every real millisecond of CPU (client parsing, the simulator rendering
 * JSON, timer slack) shows as s simulated milliseconds; on real Okta it would be one. For a
 * sequential crawler whose phases are one bucket each, a phase without 429s is a chain of round
 * trips: its real-world length is the latency model's time for its requests plus the overhead
 * counted once. A phase with 429s is bound by its windows, which absorb the overhead, so it is kept
 * as measured. `modelMs(index, objects)` is the simulator's latency model for one request.
 */
export function demagnify(
  log: readonly NumberedRequest[],
  scale: number,
  modelMs: (index: number, objects: number) => number,
): Demagnified {
  const phases: Demagnified['phases'] = {};
  const byBucket = new Map<RateLimitBucket, NumberedRequest[]>();
  let start = Number.POSITIVE_INFINITY;
  let end = Number.NEGATIVE_INFINITY;
  for (const r of log) {
    start = Math.min(start, r.at);
    end = Math.max(end, r.at + (r.simulatedLatencyMs ?? 0));
    const list = byBucket.get(r.bucket);
    if (list) list.push(r);
    else byBucket.set(r.bucket, [r]);
  }
  let saved = 0;
  for (const [bucket, entries] of byBucket) {
    let first = Number.POSITIVE_INFINITY;
    let last = Number.NEGATIVE_INFINITY;
    for (const r of entries) {
      first = Math.min(first, r.at);
      last = Math.max(last, r.at + (r.simulatedLatencyMs ?? 0));
    }
    const measuredMs = last - first;
    const rateLimited = entries.some((r) => r.status === 429);
    let correctedMs = measuredMs;
    if (!rateLimited) {
      const modelled = entries.reduce((sum, r) => sum + modelMs(r.index, r.objects), 0);
      const overheadRealMs = Math.max(0, (measuredMs - modelled) / scale);
      correctedMs = Math.min(measuredMs, modelled + overheadRealMs);
    }
    saved += measuredMs - correctedMs;
    phases[bucket] = { measuredMs, correctedMs, rateLimited };
  }
  const measuredMs = log.length > 0 ? end - start : 0;
  return { measuredMs, correctedMs: measuredMs - saved, phases };
}
