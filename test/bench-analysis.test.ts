import { describe, expect, it } from 'vitest';
import { analyseLog, demagnify, type LoggedRequest } from './bench/analysis';
import { anchorOf, scaledClock } from './bench/clock';
import { simulatedClock } from './okta-simulator/index';

const rates = (bucket: string) => (bucket === '/api/v1/apps*' ? 50 : 500);

function req(bucket: LoggedRequest['bucket'], at: number, status = 200): LoggedRequest {
  return { bucket, at, status, simulatedLatencyMs: 100 };
}

describe('bench lower bound', () => {
  it('is the largest requests ÷ rate over the buckets, counting only granted requests', () => {
    const log = [
      ...Array.from({ length: 100 }, (_, i) => req('/api/v1/apps*', i * 1000)),
      req('/api/v1/apps*', 30_000, 429),
      ...Array.from({ length: 500 }, (_, i) => req('/api/v1/groups/{id}*', i * 10)),
    ];
    const a = analyseLog(log, rates);
    expect(a.buckets['/api/v1/apps*']?.requests).toBe(100);
    expect(a.buckets['/api/v1/apps*']?.minMs).toBe(120_000); // 100 ÷ 50 per minute
    expect(a.buckets['/api/v1/groups/{id}*']?.minMs).toBe(60_000);
    expect(a.lowerBoundMs).toBe(120_000);
    expect(a.boundingBucket).toBe('/api/v1/apps*');
    expect(a.maxSpeedupFromOverlap).toBeCloseTo(1.5);
    expect(a.rateLimited).toBe(1);
    // The 429 came in the bucket's first window: not steady state.
    expect(a.rateLimitedSteady).toBe(0);
    expect(a.spanMs).toBe(99_000 + 100);
  });

  it('counts 429s after the first window of their bucket as steady state', () => {
    const log = [
      req('/api/v1/users', 10_000),
      req('/api/v1/apps*', 20_000),
      req('/api/v1/apps*', 70_000, 429),
      req('/api/v1/apps*', 81_000, 429),
    ];
    const a = analyseLog(log, rates);
    expect(a.buckets['/api/v1/apps*']?.rateLimitedSteady).toBe(1);
    expect(a.buckets['/api/v1/apps*']?.firstMs).toBe(10_000);
    expect(a.buckets['/api/v1/apps*']?.maxGapMs).toBe(50_000);
    expect(a.buckets['/api/v1/apps*']?.perWindow).toEqual([1]);
  });
});

describe('bench CPU de-magnification', () => {
  it('counts overhead once in round-trip phases and keeps rate-limited phases as measured', () => {
    // Scale 10; every request is modelled at 100 ms; 40 ms of simulated time between round trips
    // is 4 real ms of local work.
    const users = [0, 140, 280].map((at, index) => ({
      ...req('/api/v1/users', at),
      index,
      objects: 1,
    }));
    const apps = [
      { ...req('/api/v1/apps*', 1000), index: 3, objects: 1 },
      { ...req('/api/v1/apps*', 1140, 429), index: 4, objects: 0 },
      { ...req('/api/v1/apps*', 61_000), index: 5, objects: 1 },
    ];
    const d = demagnify([...users, ...apps], 10, () => 100);
    expect(d.phases['/api/v1/users']).toEqual({
      measuredMs: 380,
      correctedMs: 308,
      rateLimited: false,
    });
    expect(d.phases['/api/v1/apps*']?.correctedMs).toBe(60_100);
    expect(d.measuredMs).toBe(61_100);
    expect(d.correctedMs).toBe(61_100 - 72);
  });
});

describe('bench clock', () => {
  it('recovers the simulator clock anchor and runs in step with it', () => {
    let real = 1_700_000_000_000;
    const sim = simulatedClock(() => real, 60);
    real += 1234;
    const anchor = anchorOf(sim.now(), real, 60);
    const ours = scaledClock(anchor, 60, () => real);
    for (const step of [0, 1, 999, 60_000]) {
      real += step;
      expect(ours.now()).toBeCloseTo(sim.now(), 3);
    }
  });
});
