/**
 * The Okta simulator's limits and time: per-token share of the rate-limit buckets, the Workforce
 * preset, headers on every response, the org-wide concurrency limit, the time scale and the latency
 * model (okta-api.md §6).
 */
import { Agent } from 'node:http';
import { describe, expect, it } from 'vitest';
import {
  bucketOf,
  OKTA_LATENCY,
  type OktaSimulator,
  type RateLimitBucket,
  sampleLatency,
  startOktaSimulator,
  WORKFORCE_RATE_LIMITS,
} from './okta-simulator/index';
import { linksOf, rawGet } from './okta-simulator/raw-http';

const SMALL_ORG = { seed: 9, users: 120, groups: 15, apps: 8, bigGroupMembers: 60 };

function get(sim: OktaSimulator, path: string, token = sim.token) {
  return rawGet(path.startsWith('http') ? path : `${sim.url}${path}`, {
    Authorization: `SSWS ${token}`,
  });
}

const header = (res: { headers: Map<string, string[]> }, name: string) =>
  res.headers.get(name)?.join(', ');

async function withSim(
  options: Parameters<typeof startOktaSimulator>[0],
  body: (sim: OktaSimulator) => Promise<void>,
): Promise<void> {
  const sim = await startOktaSimulator({ orgOptions: SMALL_ORG, ...options });
  try {
    await body(sim);
  } finally {
    await sim.stop();
  }
}

describe('rate-limit buckets', () => {
  it("shows a token 50 % of each Workforce bucket (rateLimits: 'workforce')", async () => {
    await withSim(
      { rateLimits: 'workforce', now: () => Date.UTC(2025, 5, 1, 9, 0, 31) },
      async (sim) => {
        const appId = sim.org.appIds()[2] ?? '';
        const groupId = sim.org.groupIds()[2] ?? '';
        const userId = sim.org.userIds()[2] ?? '';
        const paths: string[] = [
          '/api/v1/apps',
          `/api/v1/apps/${appId}/users`,
          `/api/v1/apps/${appId}/groups`,
          `/api/v1/apps/${appId}`,
          '/api/v1/groups',
          `/api/v1/groups/${groupId}`,
          `/api/v1/groups/${groupId}/users`,
          '/api/v1/users',
          `/api/v1/users/${userId}`,
          `/api/v1/users/${userId}/roles`,
        ];
        for (const path of paths) {
          const res = await get(sim, path);
          const bucket: RateLimitBucket = bucketOf(path);
          expect(header(res, 'x-rate-limit-limit'), path).toBe(
            String(WORKFORCE_RATE_LIMITS[bucket] / 2),
          );
        }
        expect(WORKFORCE_RATE_LIMITS).toEqual({
          '/api/v1/apps*': 100,
          '/api/v1/apps/{id}': 500,
          '/api/v1/groups': 500,
          '/api/v1/groups/{id}*': 1000,
          '/api/v1/users': 600,
          '/api/v1/users/{id}': 2000,
          '/api/v1/*': 1200,
        });
      },
    );
  });

  it('answers 429 at the token share of the apps* bucket (50 of 100), other buckets unaffected', async () => {
    const clock = Date.UTC(2025, 5, 1, 9, 0, 31, 400);
    await withSim({ rateLimits: 'workforce', now: () => clock }, async (sim) => {
      const appId = sim.org.appIds()[3] ?? '';
      const statuses: number[] = [];
      for (let i = 0; i < 51; i++) {
        statuses.push(
          (await get(sim, i % 2 ? '/api/v1/apps' : `/api/v1/apps/${appId}/users`)).status,
        );
      }
      expect(statuses.slice(0, 50).every((s) => s === 200)).toBe(true);
      expect(statuses[50]).toBe(429);
      const limited = await get(sim, `/api/v1/apps/${appId}/groups`);
      expect(limited.status).toBe(429);
      expect(JSON.parse(limited.body)).toMatchObject({ errorCode: 'E0000047' });
      expect(header(limited, 'x-rate-limit-limit')).toBe('50');
      expect(header(limited, 'x-rate-limit-remaining')).toBe('0');
      // The window began at the first request (…:31.4), not at a wall-clock minute.
      expect(header(limited, 'x-rate-limit-reset')).toBe(
        String(Math.ceil((clock + 60_000) / 1000)),
      );
      expect((await get(sim, `/api/v1/apps/${appId}`)).status).toBe(200);
    });
  });

  it('gives every token its own share while all of them spend the org-wide bucket', async () => {
    const other = 'other-integration-token';
    await withSim(
      { rateLimits: { '/api/v1/groups': 4 }, tokenShare: 0.75, extraTokens: [other] },
      async (sim) => {
        const mine = [];
        for (let i = 0; i < 4; i++) mine.push((await get(sim, '/api/v1/groups')).status);
        expect(mine).toEqual([200, 200, 200, 429]); // 75 % of 4
        const theirs = await get(sim, '/api/v1/groups', other);
        expect(theirs.status).toBe(200); // its own share, and the org's last request
        expect(header(theirs, 'x-rate-limit-limit')).toBe('3');
        expect(header(theirs, 'x-rate-limit-remaining')).toBe('0'); // the org bucket is spent
        expect((await get(sim, '/api/v1/groups', other)).status).toBe(429);
      },
    );
  });

  it('sends Date and the three X-Rate-Limit headers on every response, faults included', async () => {
    await withSim({ clockSkewMs: -7000 }, async (sim) => {
      sim.setScenario([
        { path: '/api/v1/apps', fault: 'gateway-error' },
        { path: '/api/v1/groups', fault: 'truncated-json' },
        { path: '/api/v1/users', query: { limit: '9' }, respond: { status: 503 } },
      ]);
      const responses = [
        await get(sim, '/api/v1/users'),
        await get(sim, '/api/v1/users', 'bad'),
        await get(sim, '/api/v1/users/00uNope'),
        await get(sim, '/api/v1/nothing'),
        await get(sim, '/api/v1/apps'),
        await get(sim, '/api/v1/groups'),
        await get(sim, '/api/v1/users?limit=9'),
      ];
      expect(responses.map((r) => r.status)).toEqual([200, 401, 404, 404, 502, 200, 503]);
      for (const res of responses) {
        const date = Date.parse(header(res, 'date') ?? '');
        expect(Math.abs(date - (Date.now() - 7000))).toBeLessThan(3000);
        for (const name of ['x-rate-limit-limit', 'x-rate-limit-remaining', 'x-rate-limit-reset']) {
          expect(header(res, name), `${res.status} ${name}`).toMatch(/^\d+$/);
        }
      }
    });
  });
});

describe('the concurrency limit', () => {
  it('admits 75 requests in flight by default and answers the 76th with the concurrency 429', async () => {
    const agent = new Agent({ keepAlive: false, maxSockets: 200 });
    await withSim(
      { scenario: [{ path: '/api/v1/groups', fault: 'stall', times: Infinity }] },
      async (sim) => {
        const stalled = Array.from({ length: 75 }, () =>
          rawGet(`${sim.url}/api/v1/groups`, { Authorization: `SSWS ${sim.token}` }, agent).catch(
            () => 'closed',
          ),
        );
        for (let i = 0; i < 100 && sim.inFlight() < 75; i++) {
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        expect(sim.inFlight()).toBe(75);
        const before = Math.ceil(Date.now() / 1000);
        const refused = await get(sim, '/api/v1/users');
        expect(refused.status).toBe(429);
        expect(JSON.parse(refused.body)).toMatchObject({ errorCode: 'E0000047' });
        expect(header(refused, 'x-rate-limit-limit')).toBe('0');
        expect(header(refused, 'x-rate-limit-remaining')).toBe('0');
        const reset = Number(header(refused, 'x-rate-limit-reset'));
        expect(reset - before).toBeGreaterThanOrEqual(59); // an estimate, about a minute ahead
        expect(reset - before).toBeLessThanOrEqual(62);
        // A refused request does not hold a slot: the next one is refused too, not admitted.
        expect((await get(sim, '/api/v1/users')).status).toBe(429);
        await sim.stop();
        expect(new Set(await Promise.all(stalled))).toEqual(new Set(['closed']));
      },
    );
    agent.destroy();
  });

  it('counts requests that are slow because of latency', async () => {
    await withSim(
      { concurrencyLimit: 2, latency: { baseMs: 150, perObjectMs: 0, jitter: 0 } },
      async (sim) => {
        const results = await Promise.all([1, 2, 3].map(() => get(sim, '/api/v1/users?limit=1')));
        expect(results.map((r) => r.status).sort()).toEqual([200, 200, 429]);
      },
    );
  });
});

describe('time scale and latency', () => {
  it('plays one Okta minute per real second at timeScale 60: Date, windows and resets', async () => {
    let real = Date.UTC(2025, 5, 1, 9, 0, 10, 0);
    await withSim(
      { now: () => real, timeScale: 60, rateLimits: { '/api/v1/users': 2 } },
      async (sim) => {
        const start = real;
        const first = await get(sim, '/api/v1/users?limit=1');
        expect(Date.parse(header(first, 'date') ?? '')).toBe(start);
        expect(header(first, 'x-rate-limit-reset')).toBe(
          String(Math.ceil((start + 60_000) / 1000)),
        );
        real += 500; // half a real second = 30 simulated seconds
        expect(sim.now()).toBe(start + 30_000);
        const second = await get(sim, '/api/v1/users?limit=1');
        expect(Date.parse(header(second, 'date') ?? '')).toBe(start + 30_000);
        expect(second.status).toBe(429); // token share: 1 of 2
        expect(sim.requests.map((r) => r.at)).toEqual([start, start + 30_000]);
        real += 500; // one real second after the first request the simulated window has passed
        const third = await get(sim, '/api/v1/users?limit=1');
        expect(third.status).toBe(200);
        expect(header(third, 'x-rate-limit-reset')).toBe(
          String(Math.ceil((start + 120_000) / 1000)),
        );
      },
    );
  });

  it('samples latency around 80 ms + 1 ms per object with jitter', () => {
    const samples = (objects: number) =>
      Array.from({ length: 4000 }, (_, i) => sampleLatency(OKTA_LATENCY, i, objects));
    for (const objects of [0, 200, 1000]) {
      const values = samples(objects).sort((a, b) => a - b);
      const mean = values.reduce((s, v) => s + v, 0) / values.length;
      const expected = 80 + objects;
      expect(Math.abs(mean - expected) / expected, `mean for ${objects}`).toBeLessThan(0.03);
      const p10 = values[400] ?? 0;
      const p90 = values[3600] ?? 0;
      expect(p10).toBeLessThan(expected * 0.8); // a distribution, not a constant
      expect(p90).toBeGreaterThan(expected * 1.2);
      expect(values[0]).toBeGreaterThan(0);
    }
    expect(sampleLatency(OKTA_LATENCY, 17, 50)).toBe(sampleLatency(OKTA_LATENCY, 17, 50));
  });

  it('sleeps the scaled latency, growing with the page size, and logs both clocks', async () => {
    await withSim(
      { latency: { baseMs: 300, perObjectMs: 4, jitter: 0 }, timeScale: 10 },
      async (sim) => {
        const small = performance.now();
        await get(sim, '/api/v1/users?limit=1');
        const smallMs = performance.now() - small;
        const big = performance.now();
        await get(sim, '/api/v1/users?limit=100');
        const bigMs = performance.now() - big;
        expect(smallMs).toBeGreaterThanOrEqual(29); // (300 + 4) / 10
        expect(bigMs).toBeGreaterThanOrEqual(69); // (300 + 400) / 10
        expect(bigMs).toBeLessThan(600); // scaled, not the simulated 700 ms
        const [a, b] = sim.requests;
        expect([a?.objects, b?.objects]).toEqual([1, 100]);
        expect(b?.simulatedLatencyMs).toBeGreaterThanOrEqual(690);
        expect((b?.simulatedLatencyMs ?? 0) / (b?.latencyMs ?? 1)).toBeCloseTo(10, 5);
        expect(b?.bucket).toBe('/api/v1/users');
      },
    );
  });

  it('keeps the default fast: no latency, generous limits, scale 1', async () => {
    await withSim({}, async (sim) => {
      const res = await get(sim, '/api/v1/apps');
      expect(header(res, 'x-rate-limit-limit')).toBe('5000'); // 50 % of 100 × 100
      expect(sim.timeScale).toBe(1);
      expect(sim.requests[0]?.latencyMs).toBeLessThan(200);
      expect(linksOf(res.headers.get('link')).self).toBe(`${sim.url}/api/v1/apps`);
    });
  });
});
