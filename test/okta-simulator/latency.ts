import { randomFor, STREAM } from './random';

/**
 * How long Okta takes to answer, in simulated milliseconds: `baseMs + perObjectMs × objects`,
 * multiplied by a log-normal factor with mean 1 and spread `jitter` (σ of its logarithm), so most
 * answers are near the mean and a few are much slower, as real Okta's are.
 */
export interface LatencyModel {
  baseMs: number;
  /** Extra time per object in the page. */
  perObjectMs: number;
  /** σ of the log-normal factor; 0 = no jitter. */
  jitter: number;
  /** Seed of the jitter (the sequence is deterministic per request number). Default 1. */
  seed?: number;
}

/** Roughly what real Okta shows: 80 ms plus 1 ms per object, with jitter. */
export const OKTA_LATENCY: Readonly<LatencyModel> = { baseMs: 80, perObjectMs: 1, jitter: 0.35 };

/** No latency at all (the simulator's default, so tests stay fast). */
export const NO_LATENCY: Readonly<LatencyModel> = { baseMs: 0, perObjectMs: 0, jitter: 0 };

/** Resolves the `latency` option. */
export function resolveLatency(option: 'okta' | 'none' | LatencyModel | undefined): LatencyModel {
  if (option === 'okta') return OKTA_LATENCY;
  if (option === undefined || option === 'none') return NO_LATENCY;
  return option;
}

/** Latency of request number `requestNumber` returning `objects` objects, in simulated ms. */
export function sampleLatency(model: LatencyModel, requestNumber: number, objects: number): number {
  const mean = model.baseMs + model.perObjectMs * objects;
  if (mean <= 0) return 0;
  if (model.jitter <= 0) return mean;
  const r = randomFor(model.seed ?? 1, STREAM.latency, requestNumber);
  // Box–Muller: a standard normal from two uniforms (1 - u avoids log(0)).
  const z = Math.sqrt(-2 * Math.log(1 - r.next())) * Math.cos(2 * Math.PI * r.next());
  const sigma = model.jitter;
  return mean * Math.exp(sigma * z - (sigma * sigma) / 2);
}
