import { readdir, readFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../functions/sync/handler';
import type { RunSummary } from '../functions/sync/run';
import { readManifest } from '../functions/sync/snapshot-reader';
import { DATA_MODEL } from '../shared/data-model';
import type { DomainGraphSchema } from '../shared/elimity-model';
import { expectedGraph, receivedGraph } from './helpers/expected-graph';
import { type StandIns, startStandIns, withEnv } from './helpers/stand-ins';
import { startElimityReceiver } from './stand-ins/elimity-receiver';

let s: StandIns;

beforeAll(async () => {
  s = await startStandIns({
    okta: { orgOptions: { seed: 11, users: 400, groups: 30, apps: 10, bigGroupMembers: 120 } },
  });
});
afterAll(async () => {
  await s?.stop();
});
beforeEach(() => {
  s.okta.setScenario([]);
  s.elimity.setDataModel(DATA_MODEL);
});

/** Runs the handler, capturing everything it writes (its logs through console, its metrics). */
async function invoke(event: unknown, env: Record<string, string> = {}) {
  const original = process.stdout.write.bind(process.stdout);
  const consoles = {
    log: console.log,
    info: console.info,
    warn: console.warn,
    error: console.error,
  };
  let output = '';
  const keep = (...args: unknown[]) => {
    output += `${args.map(String).join(' ')}\n`;
  };
  Object.assign(console, { log: keep, info: keep, warn: keep, error: keep });
  process.stdout.write = ((chunk: string | Uint8Array) => {
    output += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  }) as typeof process.stdout.write;
  try {
    const summary = await withEnv({ ...s.env, ...env }, () =>
      handler(event, { getRemainingTimeInMillis: () => 600_000 }),
    );
    return { summary, error: undefined, output };
  } catch (error) {
    return { summary: undefined, error: error as Error, output };
  } finally {
    process.stdout.write = original;
    Object.assign(console, consoles);
  }
}

const runIdOf = (snapshot: string) => snapshot.split('/').filter(Boolean).at(-1) ?? '';

function model(change: (m: DomainGraphSchema) => void): DomainGraphSchema {
  const m = structuredClone(DATA_MODEL);
  change(m);
  return m;
}

async function succeed(event: unknown = {}): Promise<RunSummary> {
  const { summary, error } = await invoke(event);
  if (!summary) throw error;
  return summary;
}

describe('schema awareness', () => {
  it("leaves out what the source's data model lacks, says so in one alert, and posts the rest", async () => {
    s.elimity.setDataModel(
      model((m) => {
        m.entityAttributeTypes = m.entityAttributeTypes.filter(
          (a) => !(a.entityTypeId === 'user' && a.id === 'lastLogin'),
        );
        m.relationshipTypes = m.relationshipTypes?.filter(
          (r) => !(r.fromEntityTypeId === 'group' && r.toEntityTypeId === 'application'),
        );
        m.relationshipAttributeTypes = m.relationshipAttributeTypes.filter(
          (a) => a.parentType !== 'group',
        );
      }),
    );
    const summary = await succeed();
    const received = s.elimity.latest();
    expect(
      received?.entities.some((e) =>
        e.attributeAssignments.some((a) => a.attributeTypeId === 'lastLogin'),
      ),
    ).toBe(false);
    expect(received?.relationships.some((r) => r.fromEntityType === 'group')).toBe(false);
    expect(summary.counts.appGroupAssignments).toBe(0);
    expect(summary.counts.users).toBe(s.okta.org.counts.users);
    const alerts = s.elimity.logs.filter((l) => l.level === 'alert').slice(-1);
    expect(alerts[0]?.message).toMatch(
      /left out attribute user\/lastLogin on [\d,]+ entities: not in the data model/,
    );
    expect(alerts[0]?.message).toMatch(/left out [\d,]+ relationships group->application/);
  });

  it('fails before reading Okta when the data model lacks a required entity type', async () => {
    s.elimity.setDataModel(
      model((m) => {
        m.entityTypes = m.entityTypes.filter((t) => t.id !== 'application');
      }),
    );
    s.okta.requests.length = 0;
    const posted = s.elimity.snapshots.length;
    const { error } = await invoke({});
    expect(error?.message).toMatch(
      /data model has no entity type application; import data-model.json/,
    );
    expect(s.okta.requests).toHaveLength(0);
    expect(s.elimity.snapshots).toHaveLength(posted);
  });

  it('fails at once, before reading Okta, when the Elimity credentials are wrong', async () => {
    s.okta.requests.length = 0;
    s.elimity.failNext(1, 401, undefined, { route: 'domain-graph-schema' });
    const { error } = await invoke({});
    expect(error?.message).toMatch(/elimity: .*401.*check the source id and source token/i);
    expect(s.okta.requests).toHaveLength(0);
  });
});

describe('the mass-deletion guard', () => {
  it('refuses a snapshot with no users at all (a token without an admin role), posts nothing', async () => {
    s.okta.setScenario([
      {
        path: '/api/v1/users',
        times: Number.POSITIVE_INFINITY,
        respond: { status: 200, body: '[]' },
      },
    ]);
    const posted = s.elimity.snapshots.length;
    const { error } = await invoke({});
    // Group members missing from an empty users list are not fetched one by one: the list is incomplete.
    expect(error?.message).toMatch(
      /users referenced by memberships or assignments are missing from the users list \(which has 0\)/,
    );
    expect(s.elimity.snapshots).toHaveLength(posted);
    expect(s.elimity.logs.at(-1)).toMatchObject({ level: 'alert' });
  });

  it('refuses a large drop against the last posted snapshot, and posts it with force, saying so', async () => {
    await succeed(); // the baseline
    const doomed = s.okta.org.userIds().slice(0, Math.ceil(s.okta.org.counts.users * 0.3));
    for (const id of doomed) s.okta.org.deleteUser(id);
    const posted = s.elimity.snapshots.length;

    const refused = await invoke({});
    expect(refused.error?.message).toMatch(
      /users dropped from \d+ to \d+ \(−\d+\.\d %, more than the 20 % allowed\)/,
    );
    expect(refused.error?.message).toMatch(/run once with \{"force": true\}/);
    expect(s.elimity.snapshots).toHaveLength(posted);

    // A higher threshold lets it through without force.
    const relaxed = await invoke({ dryRun: true }, { MAX_DROP_PERCENT: '50' });
    expect(relaxed.summary?.status).toBe('succeeded');

    const forced = await invoke({ force: true });
    expect(forced.summary).toMatchObject({ status: 'succeeded', posted: true });
    expect(s.elimity.snapshots).toHaveLength(posted + 1);
    expect(forced.output).toMatch(/mass-deletion guard overridden by force/);
    const manifest = await readManifest(s.store, runIdOf(forced.summary?.snapshot ?? ''));
    expect(manifest.forced).toBe(true);
    expect(receivedGraph(s.elimity.latest() ?? { entities: [], relationships: [] })).toEqual(
      expectedGraph(s.okta.org),
    );
  });
});

describe('the mass-deletion guard, per Elimity source', () => {
  it('compares with the last snapshot posted to the same source, not to another one', async () => {
    const other = await startElimityReceiver({ token: s.elimity.token, sourceId: '77' });
    // A small drop with a small threshold: the org stays large enough for the tests after this.
    const strict = { MAX_DROP_PERCENT: '1' };
    const toOther = { ...strict, ELIMITY_URL: other.url, ELIMITY_SOURCE_ID: other.sourceId };
    try {
      await succeed(); // the baseline of the stand-ins' source
      const doomed = s.okta.org.userIds().slice(0, Math.ceil(s.okta.org.counts.users * 0.05));
      for (const id of doomed) s.okta.org.deleteUser(id);

      // A source that never received a snapshot from this store has nothing to compare with.
      const first = await invoke({}, toOther);
      expect(first.summary).toMatchObject({ status: 'succeeded', posted: true });
      expect(first.output).toMatch(/no snapshot posted to this Elimity source yet/);
      expect(other.snapshots).toHaveLength(1);

      // The original source still holds the larger org: the drop is refused there.
      const posted = s.elimity.snapshots.length;
      const refused = await invoke({}, strict);
      expect(refused.error?.message).toMatch(
        /mass-deletion guard: refusing to post: users dropped/,
      );
      expect(s.elimity.snapshots).toHaveLength(posted);
      // Accept the smaller org as the new baseline, for the tests after this one.
      expect((await invoke({ force: true })).summary?.posted).toBe(true);
    } finally {
      await other.stop();
    }
  });
});

describe('replay', () => {
  it('posts a stored snapshot again without calling Okta', async () => {
    const original = await succeed();
    const first = s.elimity.latest();
    s.okta.requests.length = 0;
    const replayed = await succeed({ replay: original.snapshot });
    expect(replayed).toMatchObject({
      status: 'succeeded',
      posted: true,
      oktaRequests: 0,
      snapshot: original.snapshot,
    });
    expect(replayed.counts).toEqual(original.counts);
    expect(s.okta.requests).toHaveLength(0);
    const again = s.elimity.latest();
    expect(again && receivedGraph(again)).toEqual(first && receivedGraph(first));
    expect(s.elimity.logs.at(-1)?.message).toMatch(/replayed from/);
  });

  it('refuses to replay a failed (incomplete) run', async () => {
    s.okta.setScenario([
      { path: '/api/v1/users', page: 2, times: Number.POSITIVE_INFINITY, respond: { status: 500 } },
    ]);
    const failed = await invoke({}, { OKTA_MAX_RETRIES: '0' });
    expect(failed.error).toBeDefined();
    s.okta.setScenario([]);
    const location = failed.error?.message.match(/raw snapshot: ([^)\s]+)/)?.[1];
    const manifests = await listRunManifests();
    const failedRun = manifests.find((m) => m.status === 'failed');
    if (!failedRun) throw new Error('no failed run');
    const snapshot = `s3://${s.env.SNAPSHOT_BUCKET}/okta-snapshots/runs/${failedRun.runId}/`;
    expect(location ?? snapshot).toBeTruthy();
    const posted = s.elimity.snapshots.length;
    const { error } = await invoke({ replay: snapshot });
    expect(error?.message).toMatch(
      /cannot replay .*: its manifest says failed; an incomplete extraction is never posted/,
    );
    expect(s.elimity.snapshots).toHaveLength(posted);
  });

  it('rejects a location that is not a snapshot location', async () => {
    const { error } = await invoke({ replay: 'ftp://nowhere' });
    expect(error?.message).toMatch(/could not start: .*snapshot location/);
  });
});

describe('bad input from Okta', () => {
  it('refuses an org with no users at all, even without memberships to notice it by', async () => {
    s.okta.setScenario([
      {
        path: '/api/v1/users',
        times: Number.POSITIVE_INFINITY,
        respond: { status: 200, body: '[]' },
      },
      {
        path: /^\/api\/v1\/groups\/[^/]+\/users$/,
        times: Number.POSITIVE_INFINITY,
        respond: { status: 200, body: '[]' },
      },
      {
        path: /^\/api\/v1\/apps\/[^/]+\/users$/,
        times: Number.POSITIVE_INFINITY,
        respond: { status: 200, body: '[]' },
      },
    ]);
    const posted = s.elimity.snapshots.length;
    const { error } = await invoke({});
    expect(error?.message).toMatch(
      /mass-deletion guard: refusing to post: the snapshot has no users at all/,
    );
    expect(s.elimity.snapshots).toHaveLength(posted);
  });

  it('fails naming the resource, the page, the item, its id and the field', async () => {
    const bad = JSON.stringify([
      { id: '00ubadrecord', status: 'ACTIVE', profile: 'not an object' },
    ]);
    s.okta.setScenario([
      { path: '/api/v1/users', page: 1, times: 1, respond: { status: 200, body: bad } },
    ]);
    const posted = s.elimity.snapshots.length;
    const { error } = await invoke({});
    expect(error?.message).toMatch(
      /okta users page http:\/\/127\.0\.0\.1:\d+\/api\/v1\/users\?\S+: item 0 \(id 00ubadrecord\): profile: /,
    );
    expect(s.elimity.snapshots).toHaveLength(posted);
  });

  it('tolerates unknown fields and odd but legal values', async () => {
    // The real first page of users, one of them with odd but legal values, and the real next link.
    const ids = s.okta.org.userIds().slice(0, 200);
    const users = ids.map((id) => s.okta.org.user(id));
    const first = users[0];
    users[0] = {
      ...first,
      surprise: { nested: [1, null, 'x'] },
      profile: {
        ...first?.profile,
        department: 42,
        title: ['a', 'b'],
        nickName: null,
        costCenter: { odd: true },
      },
    } as never;
    const next = `${s.okta.url}/api/v1/users?search=status%20pr&limit=200&after=${ids.at(-1)}`;
    s.okta.setScenario([
      {
        path: '/api/v1/users',
        page: 1,
        times: 1,
        respond: {
          status: 200,
          body: JSON.stringify(users),
          headers: { link: `<${next}>; rel="next"` },
        },
      },
    ]);
    const { summary, error } = await invoke({ dryRun: true });
    expect(error).toBeUndefined();
    expect(summary?.status).toBe('succeeded');
  });
});

describe('secrets hygiene', () => {
  it('refuses to follow a next link to another origin, and sends it nothing', async () => {
    const seen: IncomingHttpHeaders[] = [];
    const other = createServer((req, res) => {
      seen.push(req.headers);
      res.end('[]');
    });
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    const port = (other.address() as AddressInfo).port;
    const page = JSON.stringify([s.okta.org.user(s.okta.org.userIds()[0] ?? '')]);
    s.okta.setScenario([
      {
        path: '/api/v1/users',
        page: 1,
        times: 1,
        respond: {
          status: 200,
          body: page,
          headers: {
            link: `<http://localhost:${port}/api/v1/users?after=x&limit=200>; rel="next"`,
          },
        },
      },
    ]);
    const posted = s.elimity.snapshots.length;
    const { error } = await invoke({});
    await new Promise<void>((r) => other.close(() => r()));
    expect(error?.message).toMatch(/refusing to send the API token to http:\/\/localhost:\d+/);
    expect(seen).toHaveLength(0);
    expect(s.elimity.snapshots).toHaveLength(posted);
  });

  it('never writes either token to logs, errors, snapshots, manifests or summaries', async () => {
    const tokens = [
      s.okta.token,
      s.elimity.token,
      Buffer.from(`${s.elimity.sourceId}:${s.elimity.token}`).toString('base64'),
    ];
    const ok = await invoke({});
    s.okta.setScenario([
      {
        path: '/api/v1/groups',
        page: 1,
        times: Number.POSITIVE_INFINITY,
        respond: { status: 503, body: '<html>down</html>' },
      },
    ]);
    const failed = await invoke({}, { OKTA_MAX_RETRIES: '1' });
    s.okta.setScenario([]);
    const badToken = await invoke({}, {}); // baseline again, then a wrong Okta token via a new secret id
    expect(ok.summary?.status).toBe('succeeded');
    expect(failed.error).toBeDefined();
    expect(badToken.summary?.status).toBe('succeeded');

    const written: string[] = [
      ok.output,
      failed.output,
      badToken.output,
      JSON.stringify(ok.summary),
      String(failed.error?.message),
      String(failed.error?.stack),
      JSON.stringify(s.elimity.logs),
      JSON.stringify(Object.fromEntries(Object.entries(process.env))),
    ];
    for await (const text of everythingStored(s.s3.directory)) written.push(text);
    expect(written.length).toBeGreaterThan(10);
    for (const text of written) {
      for (const token of tokens) expect(text.includes(token)).toBe(false);
    }
  });
});

async function listRunManifests() {
  const texts: string[] = [];
  for await (const text of everythingStored(s.s3.directory, /manifest\.json/)) texts.push(text);
  return texts.flatMap((t) => {
    try {
      return [JSON.parse(t) as { runId: string; status: string }];
    } catch {
      return [];
    }
  });
}

/** Every object s3rver holds, as text (gzip parts unzipped). */
async function* everythingStored(dir: string, only?: RegExp): AsyncGenerator<string> {
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    if (only && !only.test(path)) continue;
    if (entry.name.endsWith('._S3rver_metadata.json')) continue;
    const bytes = await readFile(path);
    yield bytes[0] === 0x1f && bytes[1] === 0x8b
      ? gunzipSync(bytes).toString('utf8')
      : bytes.toString('utf8');
  }
}
