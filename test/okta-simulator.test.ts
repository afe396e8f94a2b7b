import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BIG_GROUP_NAME,
  bucketOf,
  generateOrg,
  NESTED_GROUP_NAME,
  type OktaAppUser,
  type OktaGroup,
  type OktaSimulator,
  type OktaUser,
  type Org,
  SIGN_ON_MODES,
  startOktaSimulator,
  USER_STATUSES,
} from './okta-simulator/index';

// ── helpers ──────────────────────────────────────────────────────────────────

function auth(sim: OktaSimulator): Record<string, string> {
  return { Authorization: `SSWS ${sim.token}` };
}

/** Splits a (possibly comma-folded) Link header into rel → URL. */
function parseLinks(header: string | null): Record<string, string> {
  const links: Record<string, string> = {};
  for (const match of (header ?? '').matchAll(/<([^>]*)>\s*;\s*rel="([^"]+)"/g)) {
    const [, url, rel] = match;
    if (url !== undefined && rel !== undefined) links[rel] = url;
  }
  return links;
}

async function get(sim: OktaSimulator, pathOrUrl: string): Promise<Response> {
  const url = pathOrUrl.startsWith('http') ? pathOrUrl : `${sim.url}${pathOrUrl}`;
  return fetch(url, { headers: auth(sim) });
}

/** Follows `rel="next"` to the end; returns all items and every page's response. */
async function fetchAll<T = Record<string, unknown>>(
  sim: OktaSimulator,
  path: string,
): Promise<{ items: T[]; pages: Response[] }> {
  const items: T[] = [];
  const pages: Response[] = [];
  let url: string | undefined = `${sim.url}${path}`;
  while (url) {
    const res = await get(sim, url);
    expect(res.status, url).toBe(200);
    items.push(...((await res.json()) as T[]));
    pages.push(res);
    url = parseLinks(res.headers.get('link')).next;
    expect(pages.length).toBeLessThan(1000);
  }
  return { items, pages };
}

/** Raw header lines (fetch folds repeated headers; this does not). */
function rawHeaderLines(sim: OktaSimulator, path: string, name: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${sim.url}${path}`, { headers: auth(sim) }, (res) => {
      const lines: string[] = [];
      for (let i = 0; i < res.rawHeaders.length; i += 2) {
        if (res.rawHeaders[i]?.toLowerCase() === name) lines.push(res.rawHeaders[i + 1] ?? '');
      }
      res.resume();
      res.on('end', () => resolve(lines));
    });
    req.on('error', reject);
    req.end();
  });
}

function allUsers(org: Org): OktaUser[] {
  return Array.from({ length: org.userSlots }, (_, i) => org.renderUser(i));
}

function allGroups(org: Org): OktaGroup[] {
  return Array.from({ length: org.groupSlots }, (_, i) => org.renderGroup(i));
}

// ── generator ────────────────────────────────────────────────────────────────

describe('generateOrg', () => {
  const org = generateOrg();
  const users = allUsers(org);
  const groups = allGroups(org);
  const apps = org.appIds().map((id) => org.app(id));

  it('is deterministic for a seed and differs between seeds', () => {
    const snapshot = (o: Org) =>
      JSON.stringify({
        users: allUsers(o),
        groups: Array.from({ length: o.groupSlots }, (_, i) =>
          o.renderGroup(i, { expandStats: true, expandApp: true }),
        ),
        apps: o.appIds().map((id) => [o.app(id), o.appUsers(id), o.appGroups(id)]),
        members: o.groupIds().map((id) => o.groupMemberIds(id)),
      });
    const small = { seed: 7, users: 300, groups: 30, apps: 12, bigGroupMembers: 150 };
    expect(snapshot(generateOrg(small))).toBe(snapshot(generateOrg(small)));
    expect(generateOrg({ ...small, seed: 8 }).userIds()).not.toEqual(generateOrg(small).userIds());
    // Rendering twice gives the same object.
    expect(org.renderUser(17)).toEqual(org.renderUser(17));
  });

  it('has the default sizes and Okta-style unique ids', () => {
    const counts = org.counts;
    expect([counts.users, counts.groups, counts.apps]).toEqual([2000, 200, 50]);
    const check = (ids: string[], prefix: string) => {
      expect(new Set(ids).size).toBe(ids.length);
      for (const id of ids) expect(id).toMatch(new RegExp(`^${prefix}[0-9A-Za-z]{17}$`));
    };
    check(org.userIds(), '00u');
    check(org.groupIds(), '00g');
    check(org.appIds(), '0oa');
    expect(counts.memberships).toBe(
      org.groupIds().reduce((sum, id) => sum + org.groupMemberIds(id).length, 0),
    );
  });

  it('has every user status, a few % DEPROVISIONED', () => {
    const byStatus = new Map<string, number>();
    for (const u of users) byStatus.set(u.status, (byStatus.get(u.status) ?? 0) + 1);
    for (const status of USER_STATUSES) expect(byStatus.get(status), status).toBeGreaterThan(0);
    expect(byStatus.get('ACTIVE')).toBeGreaterThan(users.length / 2);
    expect(byStatus.get('DEPROVISIONED')).toBeGreaterThanOrEqual(users.length * 0.03);
  });

  it('has null and absent timestamps and display names', () => {
    const some = (predicate: (u: OktaUser) => boolean) => users.some(predicate);
    expect(some((u) => u.lastLogin === null)).toBe(true);
    expect(some((u) => !('lastLogin' in u))).toBe(true);
    expect(some((u) => u.activated === null)).toBe(true);
    expect(some((u) => !('activated' in u))).toBe(true);
    expect(some((u) => !('statusChanged' in u))).toBe(true);
    expect(some((u) => u.passwordChanged === null)).toBe(true);
    expect(some((u) => !('passwordChanged' in u))).toBe(true);
    expect(some((u) => u.profile.displayName === '')).toBe(true);
    expect(some((u) => !('displayName' in u.profile))).toBe(true);
    for (const u of users) {
      expect(u.created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);
      expect(u._links).toEqual({ self: { href: `${org.origin}/api/v1/users/${u.id}` } });
    }
  });

  it('has base and custom profile attributes of every JSON type', () => {
    const kinds = new Set<string>();
    for (const u of users) {
      for (const [key, value] of Object.entries(u.profile)) {
        if (value === null) kinds.add('null');
        else if (Array.isArray(value)) {
          if (value.length > 0) kinds.add(`array of ${typeof value[0]}`);
        } else kinds.add(typeof value);
        if (typeof value === 'string' && /<b>|<script>/.test(value)) kinds.add(`html:${key}`);
      }
    }
    for (const kind of [
      'string',
      'number',
      'boolean',
      'null',
      'array of number',
      'array of string',
    ]) {
      expect(kinds, kind).toContain(kind);
    }
    expect([...kinds].some((k) => k.startsWith('html:'))).toBe(true);
    for (const key of [
      'login',
      'email',
      'firstName',
      'lastName',
      'title',
      'department',
      'division',
      'organization',
      'costCenter',
      'employeeNumber',
      'manager',
      'managerId',
      'countryCode',
      'userType',
    ]) {
      expect(
        users.every((u) => key in u.profile),
        key,
      ).toBe(true);
    }
    expect(
      users
        .filter((u) => u.profile.managerId !== null)
        .every((u) => org.userIds().includes(u.profile.managerId as string)),
    ).toBe(true);
  });

  it('has non-Latin names with only ≤3-byte UTF-8 characters, and every credential provider', () => {
    const names = users.map((u) => `${u.profile.firstName} ${u.profile.lastName}`).join('\n');
    expect(names).toMatch(/\p{Script=Greek}/u);
    expect(names).toMatch(/\p{Script=Han}/u);
    expect(names).toMatch(/\p{Script=Arabic}/u);
    const everything = JSON.stringify({ users, groups, apps });
    expect([...everything].every((ch) => (ch.codePointAt(0) ?? 0) <= 0xffff)).toBe(true);
    const providers = new Set(users.map((u) => u.credentials.provider.type));
    expect([...providers].sort()).toEqual(['ACTIVE_DIRECTORY', 'FEDERATION', 'LDAP', 'OKTA']);
  });

  it('has Everyone, APP_GROUPs, OKTA_GROUPs, empty groups, a nested name and the 1,001 group', () => {
    const everyone = groups.filter((g) => g.type === 'BUILT_IN');
    expect(everyone.map((g) => g.profile.name)).toEqual(['Everyone']);
    const notDeprovisioned = org.userIdsWithoutDeprovisioned();
    expect(org.groupMemberIds(everyone[0]?.id ?? '')).toEqual(notDeprovisioned);

    const appGroups = groups.filter((g) => g.type === 'APP_GROUP');
    expect(appGroups.length).toBeGreaterThan(10);
    for (const g of appGroups) {
      expect(g.objectClass).toEqual(['okta:windows_security_principal']);
      expect(g.profile).toMatchObject({
        dn: expect.stringMatching(/^CN=/),
        samAccountName: g.profile.name,
        windowsDomainQualifiedName: `CORP\\${g.profile.name}`,
      });
      expect(g._links.source).toEqual({ href: `${org.origin}/api/v1/apps/${org.appIds()[0]}` });
    }
    const oktaGroups = groups.filter((g) => g.type === 'OKTA_GROUP');
    expect(oktaGroups.every((g) => g.objectClass[0] === 'okta:user_group')).toBe(true);

    const sizes = org.groupIds().map((id) => org.groupMemberIds(id).length);
    expect(sizes.filter((n) => n === 0).length).toBeGreaterThanOrEqual(3);
    const big = groups.find((g) => g.profile.name === BIG_GROUP_NAME);
    expect(org.groupMemberIds(big?.id ?? '')).toHaveLength(1001);
    expect(groups.some((g) => g.profile.name === NESTED_GROUP_NAME)).toBe(true);
    expect(new Set(groups.map((g) => g.profile.name)).size).toBe(groups.length);
  });

  it('has apps of every sign-on mode, ACTIVE and INACTIVE, with and without features', () => {
    const modes = new Set(apps.map((a) => a?.signOnMode));
    for (const mode of SIGN_ON_MODES) expect(modes, mode).toContain(mode);
    expect(apps.some((a) => a?.status === 'INACTIVE')).toBe(true);
    expect(apps.some((a) => a?.features.length === 0)).toBe(true);
    expect(apps.some((a) => (a?.features.length ?? 0) >= 2)).toBe(true);
    const saml = apps.find((a) => a?.signOnMode === 'SAML_2_0');
    const oidc = apps.find((a) => a?.signOnMode === 'OPENID_CONNECT');
    expect(saml?.settings).toHaveProperty('signOn.ssoAcsUrl');
    expect(oidc?.settings).toHaveProperty('oauthClient.redirect_uris');
  });

  it('lists app users consistently with direct and group assignments', () => {
    const scopes = { usersOnly: 0, groupsOnly: 0, both: 0, none: 0, directAndViaGroup: 0 };
    const deprovisioned = new Set(
      org.userIds().filter((id) => org.user(id)?.status === 'DEPROVISIONED'),
    );
    for (const appId of org.appIds()) {
      const appUsers = org.appUsers(appId);
      const assigned = org.appGroups(appId);
      expect(assigned.map((g) => g.priority)).toEqual(assigned.map((_, i) => i));
      const ids = appUsers.map((u) => u.id);
      expect(new Set(ids).size).toBe(ids.length);
      const viaGroups = new Set(assigned.flatMap((g) => org.groupMemberIds(g.id)));
      // Every non-deprovisioned member of an assigned group is an app user.
      for (const member of viaGroups) {
        if (!deprovisioned.has(member)) expect(ids).toContain(member);
      }
      for (const u of appUsers) {
        expect(deprovisioned.has(u.id)).toBe(false);
        if (u.scope === 'GROUP') {
          expect(viaGroups.has(u.id)).toBe(true);
          const groupId = u._links.group?.href.split('/').pop() ?? '';
          expect(org.groupMemberIds(groupId)).toContain(u.id);
        } else if (viaGroups.has(u.id)) scopes.directAndViaGroup++;
      }
      const hasUser = appUsers.some((u) => u.scope === 'USER');
      const hasGroup = assigned.length > 0;
      if (hasUser && hasGroup) scopes.both++;
      else if (hasUser) scopes.usersOnly++;
      else if (hasGroup) scopes.groupsOnly++;
      else scopes.none++;
    }
    for (const [kind, count] of Object.entries(scopes)) expect(count, kind).toBeGreaterThan(0);
    const counts = org.counts;
    expect(counts.appUserAssignments).toBe(
      org.appIds().reduce((s, id) => s + org.appUsers(id).length, 0),
    );
  });

  it('applies mutations: added users join Everyone, deleted objects vanish', () => {
    const o = generateOrg({ seed: 3, users: 100, groups: 12, apps: 8, bigGroupMembers: 50 });
    const before = o.counts;
    const everyone = o.groupIds()[0] ?? '';
    const target = o.groupIds()[2] ?? '';
    const id = o.addUser({ groupIds: [target] });
    expect(o.userIds()).toContain(id);
    expect(o.groupMemberIds(everyone)).toContain(id);
    expect(o.groupMemberIds(target)).toContain(id);
    expect(o.counts.users).toBe(before.users + 1);

    const groupId = o.appGroups(o.appIds()[3] ?? '').find((g) => g.id !== everyone)?.id ?? '';
    o.deleteGroup(groupId);
    expect(o.groupIds()).not.toContain(groupId);
    expect(o.appGroups(o.appIds()[3] ?? '').map((g) => g.id)).not.toContain(groupId);
    o.deleteUser(id);
    expect(o.user(id)).toBeUndefined();
    expect(o.groupMemberIds(everyone)).not.toContain(id);
    const appId = o.appIds()[5] ?? '';
    o.deleteApp(appId);
    expect(o.app(appId)).toBeUndefined();
  });
});

// ── server: default org ──────────────────────────────────────────────────────

describe('startOktaSimulator with the default org', () => {
  let sim: OktaSimulator;
  beforeAll(async () => {
    sim = await startOktaSimulator();
  });
  afterAll(async () => {
    await sim.stop();
  });

  it('pages all users with search=status pr and hides DEPROVISIONED without it (T1)', async () => {
    const all = await fetchAll<OktaUser>(sim, '/api/v1/users?search=status%20pr&limit=200');
    expect(all.items.map((u) => u.id)).toEqual(sim.org.userIds());
    expect(all.pages).toHaveLength(10);
    expect(all.items[3]).toEqual(sim.org.renderUser(3));
    const plain = await fetchAll<OktaUser>(sim, '/api/v1/users');
    expect(plain.items.map((u) => u.id)).toEqual(sim.org.userIdsWithoutDeprovisioned());
    expect(plain.items.some((u) => u.status === 'DEPROVISIONED')).toBe(false);
    const filtered = await fetchAll<OktaUser>(
      sim,
      `/api/v1/users?filter=${encodeURIComponent('status eq "DEPROVISIONED"')}`,
    );
    expect(filtered.items.length).toBeGreaterThan(0);
    expect(filtered.items.every((u) => u.status === 'DEPROVISIONED')).toBe(true);
    const either = await fetchAll<OktaUser>(
      sim,
      `/api/v1/users?search=${encodeURIComponent('status eq "STAGED" or status eq "suspended"')}`,
    );
    expect(new Set(either.items.map((u) => u.status))).toEqual(new Set(['STAGED', 'SUSPENDED']));
  });

  it('sends Link as separate header lines, and next keeps every query parameter', async () => {
    const lines = await rawHeaderLines(sim, '/api/v1/users?search=status%20pr&limit=5', 'link');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe(`<${sim.url}/api/v1/users?search=status%20pr&limit=5>; rel="self"`);
    const next = new URL(/<([^>]+)>; rel="next"/.exec(lines[1] ?? '')?.[1] ?? '');
    expect(next.searchParams.get('search')).toBe('status pr');
    expect(next.searchParams.get('limit')).toBe('5');
    expect(next.searchParams.get('after')).toBe(sim.org.userIds()[4]);

    const groups = await get(sim, '/api/v1/groups?limit=3&expand=stats,app');
    const groupsNext = parseLinks(groups.headers.get('link')).next ?? '';
    expect(new URL(groupsNext).searchParams.get('expand')).toBe('stats,app');
    // The groups cursor contains + and =, so it only survives proper encoding.
    expect(groupsNext).toMatch(/after=g1%2B[^&]*%3D/);
    const rawCursor = decodeURIComponent(/after=([^&]+)/.exec(groupsNext)?.[1] ?? '');
    const mangled = await get(sim, `/api/v1/groups?limit=3&after=${rawCursor}`);
    expect(mangled.status).toBe(400);
    expect(((await mangled.json()) as { errorCode: string }).errorCode).toBe('E0000054');
  });

  it('pages groups with expand=stats,app; stats equal member lists; 1,001 members take two pages', async () => {
    const { items } = await fetchAll<OktaGroup>(sim, '/api/v1/groups?limit=200&expand=stats,app');
    expect(items.map((g) => g.id)).toEqual(sim.org.groupIds());
    for (const g of items) {
      expect(Boolean(g._embedded?.app), g.profile.name).toBe(g.type === 'APP_GROUP');
      const members = await fetchAll<OktaUser>(sim, `/api/v1/groups/${g.id}/users?limit=1000`);
      expect(members.items.length).toBe(g._embedded?.stats?.usersCount);
      expect(members.items.map((u) => u.id)).toEqual(sim.org.groupMemberIds(g.id));
      if (g.profile.name === BIG_GROUP_NAME) expect(members.pages).toHaveLength(2);
    }
    const appsCount = items.reduce((s, g) => s + (g._embedded?.stats?.appsCount ?? 0), 0);
    expect(appsCount).toBe(sim.org.counts.appGroupAssignments);
  });

  it('clamps limits and applies per-endpoint defaults (T3, T4, B6)', async () => {
    const cases: [string, number][] = [
      ['/api/v1/users?limit=500', 200],
      ['/api/v1/users', 200],
      ['/api/v1/groups?limit=10000', 200],
      ['/api/v1/apps', 20],
      ['/api/v1/apps?limit=0', 20],
      ['/api/v1/apps?limit=1000', 50],
    ];
    for (const [path, expected] of cases) {
      const res = await get(sim, path);
      expect(((await res.json()) as unknown[]).length, path).toBe(expected);
    }
    const big = sim.org.groupIds()[1] ?? '';
    const first = await get(sim, `/api/v1/groups/${big}/users?limit=10000`);
    expect(((await first.json()) as unknown[]).length).toBe(1000);
    expect(parseLinks(first.headers.get('link')).next).toContain('limit=1000');
    const slack = sim.org.appIds()[3] ?? '';
    expect(
      ((await (await get(sim, `/api/v1/apps/${slack}/users`)).json()) as unknown[]).length,
    ).toBe(50);
    expect(
      ((await (await get(sim, `/api/v1/apps/${slack}/users?limit=900`)).json()) as unknown[])
        .length,
    ).toBe(500);
  });

  it('lists apps with ACTIVE and INACTIVE, filters by status, and serves sub-lists equal to the org', async () => {
    const all = await fetchAll<{ id: string; status: string }>(sim, '/api/v1/apps');
    expect(all.items.map((a) => a.id)).toEqual(sim.org.appIds());
    expect(all.pages).toHaveLength(3);
    expect(
      new URL(parseLinks(all.pages[0]?.headers.get('link') ?? '').next ?? '').searchParams.get(
        'after',
      ),
    ).toMatch(/^\d+$/);
    const active = await fetchAll<{ status: string }>(
      sim,
      `/api/v1/apps?limit=200&filter=${encodeURIComponent('status eq "ACTIVE"')}`,
    );
    expect(active.items.every((a) => a.status === 'ACTIVE')).toBe(true);
    expect(active.items.length).toBeLessThan(all.items.length);
    const both = await fetchAll(
      sim,
      `/api/v1/apps?limit=200&filter=${encodeURIComponent('status eq "ACTIVE" or status eq "INACTIVE"')}`,
    );
    expect(both.items).toHaveLength(all.items.length);
    for (const appId of sim.org.appIds()) {
      const users = await fetchAll<OktaAppUser>(sim, `/api/v1/apps/${appId}/users?limit=500`);
      expect(users.items).toEqual(sim.org.appUsers(appId));
      const groups = await fetchAll(sim, `/api/v1/apps/${appId}/groups?limit=200`);
      expect(groups.items).toEqual(sim.org.appGroups(appId));
    }
  });

  it('omits Link on single-page sub-lists but not on top-level lists (okta-sdk-java #870)', async () => {
    const small = sim.org.groupIds().find((id) => sim.org.groupMemberIds(id).length === 3) ?? '';
    const members = await get(sim, `/api/v1/groups/${small}/users`);
    expect(members.headers.get('link')).toBeNull();
    expect((await members.json()) as unknown[]).toHaveLength(3);
    const apps = await get(sim, '/api/v1/apps?limit=200');
    expect(parseLinks(apps.headers.get('link'))).toEqual({
      self: `${sim.url}/api/v1/apps?limit=200`,
    });
  });

  it('serves single objects and answers 404 E0000007 for unknown ids', async () => {
    const id = sim.org.userIds()[0] ?? '';
    const user = (await (await get(sim, `/api/v1/users/${id}`)).json()) as OktaUser;
    expect(user.id).toBe(id);
    expect(Object.keys(user._links)).toEqual(expect.arrayContaining(['self', 'deactivate']));
    const byLogin = (await (
      await get(sim, `/api/v1/users/${encodeURIComponent(user.profile.login)}`)
    ).json()) as OktaUser;
    expect(byLogin.id).toBe(id);
    const groupId = sim.org.groupIds()[0] ?? '';
    expect(
      ((await (await get(sim, `/api/v1/groups/${groupId}`)).json()) as OktaGroup).profile.name,
    ).toBe('Everyone');
    const cases: [string, string][] = [
      ['/api/v1/users/00uNOPE', 'Not found: Resource not found: 00uNOPE (User)'],
      ['/api/v1/groups/00gNOPE', 'Not found: Resource not found: 00gNOPE (UserGroup)'],
      ['/api/v1/groups/00gNOPE/users', 'Not found: Resource not found: 00gNOPE (UserGroup)'],
      ['/api/v1/apps/0oaNOPE', 'Not found: Resource not found: 0oaNOPE (AppInstance)'],
      ['/api/v1/apps/0oaNOPE/users', 'Not found: Resource not found: 0oaNOPE (AppInstance)'],
      ['/api/v1/apps/0oaNOPE/groups', 'Not found: Resource not found: 0oaNOPE (AppInstance)'],
    ];
    for (const [path, summary] of cases) {
      const res = await get(sim, path);
      expect(res.status, path).toBe(404);
      expect(await res.json()).toMatchObject({
        errorCode: 'E0000007',
        errorSummary: summary,
        errorLink: 'E0000007',
      });
    }
  });

  it('rejects missing or wrong tokens with 401 E0000011 and never logs the token', async () => {
    for (const headers of [
      {},
      { Authorization: 'SSWS wrong' },
      { Authorization: `Bearer ${sim.token}` },
    ]) {
      const res = await fetch(`${sim.url}/api/v1/users`, { headers });
      expect(res.status).toBe(401);
      const body = (await res.json()) as Record<string, unknown>;
      expect(body).toEqual({
        errorCode: 'E0000011',
        errorSummary: 'Invalid token provided',
        errorLink: 'E0000011',
        errorId: expect.stringMatching(/^oae\w+$/),
        errorCauses: [],
      });
    }
    expect(sim.requests.filter((r) => !r.authorized).length).toBeGreaterThanOrEqual(3);
    expect(JSON.stringify(sim.requests)).not.toContain(sim.token);
  });

  it('answers 405 for other methods, 404 for unknown paths, 400 for bad search', async () => {
    const post = await fetch(`${sim.url}/api/v1/users`, {
      method: 'POST',
      headers: auth(sim),
      body: '{}',
    });
    expect(post.status).toBe(405);
    expect(((await post.json()) as { errorCode: string }).errorCode).toBe('E0000022');
    expect((await get(sim, '/api/v1/nothing')).status).toBe(404);
    const bad = await get(sim, `/api/v1/users?search=${encodeURIComponent('profile.foo sw "x"')}`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { errorCode: string }).errorCode).toBe('E0000031');
    const both = await get(sim, '/api/v1/users?search=status%20pr&filter=status%20pr');
    expect(((await both.json()) as { errorCode: string }).errorCode).toBe('E0000033');
  });

  it('sends the standard headers and logs each request', async () => {
    const res = await get(sim, '/api/v1/users?limit=1');
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(Number.isNaN(Date.parse(res.headers.get('date') ?? ''))).toBe(false);
    expect(res.headers.get('x-okta-request-id')).toMatch(/^\w{20,}$/);
    for (const name of ['x-rate-limit-limit', 'x-rate-limit-remaining', 'x-rate-limit-reset']) {
      expect(res.headers.get(name), name).toMatch(/^\d+$/);
    }
    const entry = sim.requests.at(-1);
    expect(entry).toMatchObject({
      method: 'GET',
      path: '/api/v1/users',
      query: { limit: '1' },
      status: 200,
      bucket: '/api/v1/users',
      authorized: true,
      requestId: res.headers.get('x-okta-request-id'),
    });
    expect(entry?.latencyMs).toBeGreaterThanOrEqual(0);
  });
});

// ── rate limits, clock, mutations ────────────────────────────────────────────

const SMALL_ORG = { seed: 5, users: 120, groups: 15, apps: 8, bigGroupMembers: 60 };

describe('rate limits and clock', () => {
  it.each([
    ['/api/v1/apps', '/api/v1/apps*'],
    ['/api/v1/apps/0oa1/users', '/api/v1/apps*'],
    ['/api/v1/apps/0oa1/groups', '/api/v1/apps*'],
    ['/api/v1/apps/0oa1', '/api/v1/apps/{id}'],
    ['/api/v1/groups', '/api/v1/groups'],
    ['/api/v1/groups/00g1', '/api/v1/groups/{id}*'],
    ['/api/v1/groups/00g1/users', '/api/v1/groups/{id}*'],
    ['/api/v1/users', '/api/v1/users'],
    ['/api/v1/users/00u1', '/api/v1/users/{id}'],
    ['/api/v1/users/00u1/groups', '/api/v1/*'],
    ['/api/v1/logs', '/api/v1/*'],
  ])('bucket of %s is %s', (path, bucket) => {
    expect(bucketOf(path)).toBe(bucket);
  });

  it('answers 429 E0000047 once a token spent its 50 % of a bucket, until its window resets', async () => {
    let clock = Date.UTC(2025, 0, 1, 10, 0, 17, 250); // windows start at the first request, not :00
    const sim = await startOktaSimulator({
      orgOptions: SMALL_ORG,
      now: () => clock,
      clockSkewMs: 5000,
      rateLimits: { '/api/v1/apps*': 6 }, // the token's default share is 50 %: 3
    });
    try {
      const remaining: string[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await get(sim, '/api/v1/apps');
        expect(res.status).toBe(200);
        remaining.push(res.headers.get('x-rate-limit-remaining') ?? '');
        clock += 1000;
      }
      expect(remaining).toEqual(['2', '1', '0']);
      const limited = await get(sim, `/api/v1/apps/${sim.org.appIds()[0]}/users`);
      expect(limited.status).toBe(429);
      expect(await limited.json()).toMatchObject({
        errorCode: 'E0000047',
        errorSummary: 'API call exceeded rate limit due to too many requests.',
      });
      const start = Date.UTC(2025, 0, 1, 10, 0, 17, 250) + 5000;
      expect(limited.headers.get('x-rate-limit-limit')).toBe('3');
      expect(limited.headers.get('x-rate-limit-remaining')).toBe('0');
      expect(limited.headers.get('x-rate-limit-reset')).toBe(
        String(Math.ceil((start + 60_000) / 1000)),
      );
      expect(Date.parse(limited.headers.get('date') ?? '')).toBe(
        Math.floor((clock + 5000) / 1000) * 1000,
      );
      expect((await get(sim, `/api/v1/apps/${sim.org.appIds()[0]}`)).status).toBe(200); // other bucket
      clock += 60_000;
      expect((await get(sim, '/api/v1/apps')).status).toBe(200);
      expect(sim.requests.map((r) => r.status)).toEqual([200, 200, 200, 429, 200, 200]);
    } finally {
      await sim.stop();
    }
  });

  it('answers the concurrency 429 (limit 0, remaining 0) beyond the in-flight limit', async () => {
    const sim = await startOktaSimulator({
      orgOptions: SMALL_ORG,
      concurrencyLimit: 1,
      scenario: [{ path: '/api/v1/groups', fault: 'stall' }],
    });
    try {
      const stalled = fetch(`${sim.url}/api/v1/groups`, { headers: auth(sim) }).catch(
        () => 'aborted',
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(sim.inFlight()).toBe(1);
      const res = await get(sim, '/api/v1/users');
      expect(res.status).toBe(429);
      expect([
        res.headers.get('x-rate-limit-limit'),
        res.headers.get('x-rate-limit-remaining'),
      ]).toEqual(['0', '0']);
      await sim.stop();
      expect(await stalled).toBe('aborted');
    } finally {
      await sim.stop().catch(() => undefined);
    }
  });
});

describe('objects that change during a run', () => {
  it('404s a group deleted between the list and its members; shows a user added mid-run', async () => {
    const sim = await startOktaSimulator({ orgOptions: SMALL_ORG });
    try {
      const first = await get(sim, '/api/v1/users?search=status%20pr&limit=50');
      const next = parseLinks(first.headers.get('link')).next ?? '';
      const added = sim.org.addUser();
      const rest = await fetchAll<OktaUser>(sim, next.slice(sim.url.length));
      expect(rest.items.map((u) => u.id)).toContain(added);
      const groupId = sim.org.groupIds()[4] ?? '';
      sim.org.deleteGroup(groupId);
      const res = await get(sim, `/api/v1/groups/${groupId}/users`);
      expect(res.status).toBe(404);
      const appId = sim.org.appIds()[4] ?? '';
      sim.org.deleteApp(appId);
      expect((await get(sim, `/api/v1/apps/${appId}/groups`)).status).toBe(404);
    } finally {
      await sim.stop();
    }
  });

  it('with nextOnFullPage, a full last page announces next and the next page is []', async () => {
    const sim = await startOktaSimulator({
      orgOptions: { ...SMALL_ORG, apps: 10 },
      nextOnFullPage: true,
    });
    try {
      const all = await fetchAll(sim, '/api/v1/apps?limit=5');
      expect(all.pages).toHaveLength(3);
      expect(all.items).toHaveLength(10);
      expect(sim.requests.map((r) => r.query.after === undefined)).toEqual([true, false, false]);
    } finally {
      await sim.stop();
    }
  });
});

// ── faults ───────────────────────────────────────────────────────────────────

describe('fault rules', () => {
  let sim: OktaSimulator;
  beforeAll(async () => {
    sim = await startOktaSimulator({ orgOptions: SMALL_ORG });
  });
  afterAll(async () => {
    await sim.stop();
  });
  const USERS = /^\/api\/v1\/users$/;
  const page2 = async () => {
    const res = await get(sim, '/api/v1/users?search=status%20pr&limit=50');
    expect(res.status).toBe(200);
    return parseLinks(res.headers.get('link')).next ?? '';
  };

  it('responds with a canned 500 HTML page on page 2 only, once', async () => {
    sim.setScenario([
      {
        path: USERS,
        page: 2,
        times: 1,
        respond: { status: 500, body: '<html><body>Internal error</body></html>' },
      },
    ]);
    const next = await page2();
    const failed = await get(sim, next);
    expect(failed.status).toBe(500);
    expect(failed.headers.get('content-type')).toContain('text/html');
    expect(await failed.text()).toContain('Internal error');
    expect((await get(sim, next)).status).toBe(200);
    expect(sim.appliedFaults()).toEqual([1]);
    expect(sim.requests.at(-2)?.fault).toBe('respond 500');
  });

  it('responds with a 429 carrying custom and concurrency-style headers', async () => {
    sim.setScenario([
      {
        path: USERS,
        nth: 2,
        respond: { status: 429, rateLimit: { limit: 0, remaining: 0, resetInSeconds: 114 } },
      },
      {
        path: '/api/v1/groups',
        respond: { status: 429, headers: { 'X-Rate-Limit-Reset': '1762239660' } },
      },
    ]);
    expect((await get(sim, '/api/v1/users')).status).toBe(200); // nth: 2 skips the first
    const before = Math.ceil(Date.now() / 1000);
    const res = await get(sim, '/api/v1/users');
    expect(res.status).toBe(429);
    expect(await res.json()).toMatchObject({ errorCode: 'E0000047' });
    expect(res.headers.get('x-rate-limit-limit')).toBe('0');
    expect(res.headers.get('x-rate-limit-remaining')).toBe('0');
    expect(Number(res.headers.get('x-rate-limit-reset')) - before).toBeGreaterThanOrEqual(113);
    expect((await get(sim, '/api/v1/users')).status).toBe(200); // times defaults to 1
    const groups = await get(sim, '/api/v1/groups');
    expect(groups.headers.get('x-rate-limit-reset')).toBe('1762239660');
  });

  it('applies Infinity times and query conditions', async () => {
    sim.setScenario([
      {
        path: /^\/api\/v1\/apps/,
        query: { limit: '7' },
        times: Number.POSITIVE_INFINITY,
        respond: { status: 503 },
      },
    ]);
    for (let i = 0; i < 4; i++) expect((await get(sim, '/api/v1/apps?limit=7')).status).toBe(503);
    expect((await get(sim, '/api/v1/apps?limit=8')).status).toBe(200);
    expect(sim.appliedFaults()).toEqual([4]);
  });

  it('makes next equal self', async () => {
    sim.setScenario([{ path: USERS, page: 2, fault: 'next-equals-self' }]);
    const next = await page2();
    const res = await get(sim, next);
    const links = parseLinks(res.headers.get('link'));
    expect(links.next).toBe(links.self);
    expect(links.self).toBe(next);
  });

  it('serves an empty page whose next continues the list', async () => {
    sim.setScenario([]);
    const next = await page2();
    const expected = (await (await get(sim, next)).json()) as OktaUser[];
    sim.setScenario([{ path: USERS, page: 2, fault: 'empty-page-with-next' }]);
    const empty = await get(sim, next);
    expect(await empty.json()).toEqual([]);
    const continued = parseLinks(empty.headers.get('link')).next ?? '';
    expect(continued).not.toBe(next);
    expect(await (await get(sim, continued)).json()).toEqual(expected);
  });

  it('truncates or garbles the JSON body', async () => {
    sim.setScenario([
      { path: USERS, fault: 'truncated-json' },
      { path: USERS, nth: 2, fault: 'malformed-json' },
    ]);
    const truncated = await get(sim, '/api/v1/users?limit=3');
    expect(truncated.status).toBe(200);
    const text = await truncated.text();
    expect(
      JSON.stringify(
        sim.org
          .userIdsWithoutDeprovisioned()
          .slice(0, 3)
          .map((id) => sim.org.renderUser(sim.org.userIds().indexOf(id))),
      ),
    ).toContain(text);
    expect(() => JSON.parse(text)).toThrow();
    const garbled = await get(sim, '/api/v1/users?limit=3');
    await expect(garbled.json()).rejects.toThrow();
  });

  it('resets the connection before or during the body', async () => {
    sim.setScenario([
      { path: USERS, fault: 'reset' },
      { path: USERS, nth: 2, fault: 'reset-mid-body' },
    ]);
    await expect(get(sim, '/api/v1/users')).rejects.toThrow();
    await expect(get(sim, '/api/v1/users').then((r) => r.text())).rejects.toThrow();
    expect(sim.appliedFaults()).toEqual([1, 1]);
    expect(sim.requests.slice(-2).map((r) => r.status)).toEqual([null, null]);
  });

  it('stalls until the client times out, and delays when asked', async () => {
    sim.setScenario([
      { path: USERS, fault: 'stall' },
      { path: '/api/v1/groups', delayMs: 150 },
    ]);
    await expect(
      fetch(`${sim.url}/api/v1/users`, { headers: auth(sim), signal: AbortSignal.timeout(200) }),
    ).rejects.toThrow();
    expect(sim.requests.at(-1)?.status).toBeNull();
    const started = performance.now();
    expect((await get(sim, '/api/v1/groups')).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('duplicates the rate-limit headers', async () => {
    sim.setScenario([{ path: USERS, fault: 'duplicate-rate-limit-headers' }]);
    const lines = await rawHeaderLines(sim, '/api/v1/users', 'x-rate-limit-reset');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe(lines[1]);
  });

  it('rejects rules that are ambiguous', () => {
    expect(() => sim.setScenario([{ path: USERS }])).toThrow(/needs respond/);
    expect(() =>
      sim.setScenario([{ path: USERS, fault: 'stall', respond: { status: 500 } }]),
    ).toThrow();
  });
});
