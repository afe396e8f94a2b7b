/**
 * One test per fault kind of the Okta simulator (okta-peers.md §3 fault classes) that the base
 * suite in okta-simulator.test.ts does not already cover.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  FAULT_KINDS,
  FOREIGN_ORIGIN,
  type OktaSimulator,
  type OktaUser,
  parseFaultRules,
  startOktaSimulator,
} from './okta-simulator/index';
import { linksOf, type RawResponse, rawGet } from './okta-simulator/raw-http';

const SMALL_ORG = { seed: 13, users: 160, groups: 16, apps: 10, bigGroupMembers: 70 };
const USERS = /^\/api\/v1\/users$/;
const FIRST_PAGE = '/api/v1/users?search=status%20pr&limit=50';

let sim: OktaSimulator;
beforeAll(async () => {
  sim = await startOktaSimulator({ orgOptions: SMALL_ORG });
});
afterAll(async () => {
  await sim.stop();
});
beforeEach(() => {
  sim.setScenario([]);
});

function get(pathOrUrl: string, token = sim.token): Promise<RawResponse> {
  const url = pathOrUrl.startsWith('http') ? pathOrUrl : `${sim.url}${pathOrUrl}`;
  return rawGet(url, { Authorization: `SSWS ${token}` });
}
const one = (res: RawResponse, name: string) => res.headers.get(name)?.join(', ') ?? null;
const next = (res: RawResponse) => linksOf(res.headers.get('link')).next ?? '';
const errorCode = (res: RawResponse) => (JSON.parse(res.body) as { errorCode: string }).errorCode;

/** The URL of page 2 of the users list, fetched without faults. */
async function page2Url(): Promise<string> {
  const first = await get(FIRST_PAGE);
  expect(first.status).toBe(200);
  return next(first);
}

describe('429 bursts', () => {
  it('rate-limited: a burst of bucket 429s with the bucket limit, remaining 0 and the window reset', async () => {
    const before = await get('/api/v1/users?limit=1');
    sim.setScenario([{ path: USERS, fault: 'rate-limited', times: 3 }]);
    const burst = [
      await get('/api/v1/users'),
      await get('/api/v1/users'),
      await get('/api/v1/users'),
    ];
    for (const res of burst) {
      expect(res.status).toBe(429);
      expect(errorCode(res)).toBe('E0000047');
      expect(one(res, 'x-rate-limit-limit')).toBe(one(before, 'x-rate-limit-limit'));
      expect(one(res, 'x-rate-limit-remaining')).toBe('0');
      expect(one(res, 'x-rate-limit-reset')).toBe(one(before, 'x-rate-limit-reset'));
    }
    expect((await get('/api/v1/users')).status).toBe(200);
    expect(sim.appliedFaults()).toEqual([3]);
  });

  it('concurrency-limited: limit 0, remaining 0 and an estimated reset about a minute ahead', async () => {
    sim.setScenario([{ path: USERS, fault: 'concurrency-limited', times: 2 }]);
    const now = Math.ceil(Date.now() / 1000);
    for (let i = 0; i < 2; i++) {
      const res = await get('/api/v1/users');
      expect(res.status).toBe(429);
      expect([one(res, 'x-rate-limit-limit'), one(res, 'x-rate-limit-remaining')]).toEqual([
        '0',
        '0',
      ]);
      expect(Number(one(res, 'x-rate-limit-reset')) - now).toBeGreaterThanOrEqual(59);
    }
    expect(sim.requests.at(-1)?.fault).toBe('concurrency-limited');
  });

  it('a 429 whose X-Rate-Limit-Reset is repeated on two lines or comma-joined on one', async () => {
    sim.setScenario([
      { path: USERS, fault: 'rate-limited', rateLimitHeaders: 'duplicate' },
      { path: USERS, nth: 2, fault: 'rate-limited', rateLimitHeaders: 'comma-joined' },
    ]);
    const repeated = await get('/api/v1/users');
    const lines = repeated.headers.get('x-rate-limit-reset') ?? [];
    expect(repeated.status).toBe(429);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe(lines[1]);
    const joined = await get('/api/v1/users');
    const joinedLines = joined.headers.get('x-rate-limit-reset') ?? [];
    expect(joined.status).toBe(429);
    expect(joinedLines).toHaveLength(1);
    expect(joinedLines[0]).toMatch(/^(\d+), \1$/);
  });

  it('comma-joined-rate-limit-headers on a normal 200', async () => {
    sim.setScenario([{ path: USERS, fault: 'comma-joined-rate-limit-headers' }]);
    const res = await get('/api/v1/users?limit=2');
    expect(res.status).toBe(200);
    for (const name of ['x-rate-limit-limit', 'x-rate-limit-remaining', 'x-rate-limit-reset']) {
      expect(res.headers.get(name), name).toEqual([expect.stringMatching(/^(\d+), \1$/)]);
    }
  });
});

describe('server and transport faults', () => {
  it('gateway-error: 502 with an HTML body', async () => {
    sim.setScenario([{ path: /^\/api\/v1\/groups\/[^/]+\/users$/, fault: 'gateway-error' }]);
    const res = await get(`/api/v1/groups/${sim.org.groupIds()[1]}/users`);
    expect(res.status).toBe(502);
    expect(one(res, 'content-type')).toContain('text/html');
    expect(res.body).toContain('502 Bad Gateway');
    expect(() => JSON.parse(res.body)).toThrow();
  });

  it('5xx bursts with HTML bodies, then recovery', async () => {
    sim.setScenario([
      {
        path: USERS,
        times: 2,
        respond: { status: 504, body: '<html><body>Gateway Timeout</body></html>' },
      },
    ]);
    expect((await get('/api/v1/users')).status).toBe(504);
    const second = await get('/api/v1/users');
    expect([second.status, one(second, 'content-type')]).toEqual([504, 'text/html; charset=utf-8']);
    expect((await get('/api/v1/users')).status).toBe(200);
  });
});

describe('Link anomalies', () => {
  it('repeated-cursor: next carries the same cursor again, in a URL that differs from self', async () => {
    const url2 = await page2Url();
    const expected = JSON.parse((await get(url2)).body) as OktaUser[];
    sim.setScenario([{ path: USERS, page: 2, fault: 'repeated-cursor' }]);
    const page2 = await get(url2);
    const links = linksOf(page2.headers.get('link'));
    expect(links.next).not.toBe(links.self);
    const cursorOf = (url: string) => new URL(url).searchParams.get('after');
    expect(cursorOf(links.next ?? '')).toBe(cursorOf(url2));
    const again = JSON.parse((await get(links.next ?? '')).body) as OktaUser[];
    expect(again.map((u) => u.id)).toEqual(expected.map((u) => u.id));
  });

  it('comma-joined-link and linkStyle comma-joined: self and next on one Link line', async () => {
    sim.setScenario([{ path: USERS, fault: 'comma-joined-link' }]);
    const res = await get(FIRST_PAGE);
    const lines = res.headers.get('link') ?? [];
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^<[^>]+>; rel="self", <[^>]+>; rel="next"$/);
    const joined = await startOktaSimulator({ orgOptions: SMALL_ORG, linkStyle: 'comma-joined' });
    try {
      const page = await rawGet(`${joined.url}/api/v1/apps?limit=3`, {
        Authorization: `SSWS ${joined.token}`,
      });
      expect(page.headers.get('link')).toHaveLength(1);
      expect(Object.keys(linksOf(page.headers.get('link')))).toEqual(['self', 'next']);
    } finally {
      await joined.stop();
    }
  });

  it('several Link lines by default, with next first under link-next-first', async () => {
    expect((await get(FIRST_PAGE)).headers.get('link')).toHaveLength(2);
    sim.setScenario([{ path: USERS, fault: 'link-next-first' }]);
    const lines = (await get(FIRST_PAGE)).headers.get('link') ?? [];
    expect(lines.map((l) => /rel="(\w+)"/.exec(l)?.[1])).toEqual(['next', 'self']);
  });

  it('percent-encoded cursors round-trip only when next is followed verbatim', async () => {
    const first = await get('/api/v1/groups?limit=4');
    const url = next(first);
    expect(url).toMatch(/after=g1%2B[A-Za-z0-9%]+/);
    expect((await get(url)).status).toBe(200);
    const decodedOnce = url.replace(
      /after=([^&]+)/,
      (_, c: string) => `after=${decodeURIComponent(c)}`,
    );
    expect(errorCode(await get(decodedOnce))).toBe('E0000054');
  });

  it('foreign-next: next points to another origin, which never sees the token unless followed', async () => {
    const seen: (string | undefined)[] = [];
    const foreign = createServer((req, res) => {
      seen.push(req.headers.authorization);
      res.end('[]');
    });
    await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
    const foreignOrigin = `http://127.0.0.1:${(foreign.address() as AddressInfo).port}`;
    try {
      sim.setScenario([
        { path: USERS, fault: 'foreign-next', origin: foreignOrigin },
        { path: USERS, nth: 2, fault: 'foreign-next' },
      ]);
      const res = await get(FIRST_PAGE);
      const nextUrl = new URL(next(res));
      expect(nextUrl.origin).toBe(foreignOrigin);
      expect(nextUrl.pathname).toBe('/api/v1/users');
      expect(nextUrl.searchParams.get('after')).toBe(sim.org.userIds()[49]);
      expect(new URL(next(await get(FIRST_PAGE))).origin).toBe(FOREIGN_ORIGIN);
      expect(seen).toEqual([]);
    } finally {
      await new Promise((resolve) => foreign.close(resolve));
    }
  });

  it('expired-cursor: 400 E0000054 on page 2, and the same cursor works once the rule is spent', async () => {
    const url2 = await page2Url();
    sim.setScenario([{ path: USERS, page: 2, fault: 'expired-cursor' }]);
    const expired = await get(url2);
    expect(expired.status).toBe(400);
    expect(JSON.parse(expired.body)).toMatchObject({
      errorCode: 'E0000054',
      errorSummary: 'Invalid paging request.',
      errorLink: 'E0000054',
      errorCauses: [],
    });
    expect((await get(url2)).status).toBe(200);
  });
});

describe('auth faults', () => {
  it('invalid-token: 401 E0000011 mid-run for a token that was valid (revoked)', async () => {
    sim.setScenario([{ path: /^\/api\/v1\//, nth: 2, times: Infinity, fault: 'invalid-token' }]);
    expect((await get('/api/v1/users?limit=1')).status).toBe(200);
    for (const path of ['/api/v1/users', '/api/v1/groups']) {
      const res = await get(path);
      expect([res.status, errorCode(res)]).toEqual([401, 'E0000011']);
    }
  });

  it('forbidden: 403 E0000006 for a token whose admin lacks the permission', async () => {
    sim.setScenario([{ path: /^\/api\/v1\/apps/, times: Infinity, fault: 'forbidden' }]);
    const res = await get('/api/v1/apps');
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body)).toMatchObject({
      errorCode: 'E0000006',
      errorSummary: 'You do not have permission to perform the requested action',
    });
  });

  it('empty-list: 200 [] without next, what a token without an admin role gets (T15)', async () => {
    sim.setScenario([{ path: USERS, times: Infinity, fault: 'empty-list' }]);
    const res = await get(FIRST_PAGE);
    expect([res.status, res.body]).toEqual([200, '[]']);
    expect(Object.keys(linksOf(res.headers.get('link')))).toEqual(['self']);
  });
});

describe('the org changes during a run', () => {
  it('object-deleted: a group listed a moment ago answers 404 E0000007, and leaves the list', async () => {
    const groups = JSON.parse((await get('/api/v1/groups?limit=200')).body) as { id: string }[];
    const victim = groups[5]?.id ?? '';
    sim.setScenario([{ path: `/api/v1/groups/${victim}/users`, fault: 'object-deleted' }]);
    const res = await get(`/api/v1/groups/${victim}/users`);
    expect(res.status).toBe(404);
    expect(JSON.parse(res.body)).toMatchObject({
      errorCode: 'E0000007',
      errorSummary: `Not found: Resource not found: ${victim} (UserGroup)`,
    });
    const after = JSON.parse((await get('/api/v1/groups?limit=200')).body) as { id: string }[];
    expect(after.map((g) => g.id)).not.toContain(victim);
  });

  it('object-deleted on an app and a user', async () => {
    const appId = sim.org.appIds()[4] ?? '';
    const userId = sim.org.userIds()[7] ?? '';
    sim.setScenario([
      { path: /^\/api\/v1\/apps\/[^/]+\/users$/, fault: 'object-deleted' },
      { path: /^\/api\/v1\/users\/[^/]+$/, fault: 'object-deleted' },
    ]);
    expect(errorCode(await get(`/api/v1/apps/${appId}/users`))).toBe('E0000007');
    expect(errorCode(await get(`/api/v1/users/${userId}`))).toBe('E0000007');
    expect(sim.org.appIds()).not.toContain(appId);
    expect(sim.org.userIds()).not.toContain(userId);
  });

  it('create-user: a user created while the list is paged appears at its end', async () => {
    const before = sim.org.counts.users;
    sim.setScenario([
      { path: USERS, page: 2, fault: 'create-user', newUser: { status: 'STAGED' } },
    ]);
    const seen: string[] = [];
    let url: string | undefined = `${sim.url}${FIRST_PAGE}`;
    while (url) {
      const res: RawResponse = await get(url);
      seen.push(...(JSON.parse(res.body) as OktaUser[]).map((u) => u.id));
      url = linksOf(res.headers.get('link')).next;
    }
    expect(sim.org.counts.users).toBe(before + 1);
    const created = sim.org.userIds().at(-1) ?? '';
    expect(seen.at(-1)).toBe(created);
    expect(sim.org.user(created)?.status).toBe('STAGED');
    expect(seen).toEqual(sim.org.userIds());
  });
});

describe('fault rules as data', () => {
  it('parses JSON rules (regex paths, times null = Infinity) and rejects unknown kinds', () => {
    const rules = parseFaultRules(
      '[{"path":"^/api/v1/apps","fault":"rate-limited","times":null},{"path":"/api/v1/users","page":2,"fault":"expired-cursor"}]',
    );
    expect(rules[0]?.path).toBeInstanceOf(RegExp);
    expect(rules[0]?.times).toBe(Number.POSITIVE_INFINITY);
    expect(rules[1]).toEqual({ path: '/api/v1/users', page: 2, fault: 'expired-cursor' });
    expect(() => parseFaultRules('[{"path":"/x","fault":"nope"}]')).toThrow(/unknown fault/);
    expect(FAULT_KINDS).toHaveLength(new Set(FAULT_KINDS).size);
  });
});
