import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../functions/sync/handler';
import { readManifest, readRecords } from '../functions/sync/snapshot-reader';
import type { Manifest } from '../functions/sync/snapshot-writer';
import { ENV } from '../shared/config';
import { expectedGraph, receivedGraph } from './helpers/expected-graph';
import { SNAPSHOT_BUCKET, type StandIns, startStandIns, withEnv } from './helpers/stand-ins';
import { BIG_GROUP_NAME } from './okta-simulator';

let s: StandIns;

beforeAll(async () => {
  s = await startStandIns();
});
afterAll(async () => {
  await s?.stop();
});
beforeEach(() => {
  s.okta.setScenario([]);
});

const invoke = (event: unknown, env: Record<string, string> = {}) =>
  withEnv({ ...s.env, ...env }, () => handler(event, { getRemainingTimeInMillis: () => 600_000 }));

async function manifests(): Promise<Manifest[]> {
  const client = new S3Client({
    endpoint: s.s3.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    forcePathStyle: true,
  });
  const listed = await client.send(
    new ListObjectsV2Command({ Bucket: SNAPSHOT_BUCKET, Prefix: 'okta-snapshots/runs/' }),
  );
  client.destroy();
  const runIds = new Set(
    (listed.Contents ?? []).map((o) => o.Key?.split('/')[2]).filter((id): id is string => !!id),
  );
  return Promise.all([...runIds].map((id) => readManifest(s.store, id)));
}

function runIdOf(snapshot: string): string {
  const id = snapshot.split('/').filter(Boolean).at(-1);
  if (!id) throw new Error(`no run id in ${snapshot}`);
  return id;
}

function bigGroupId(): string {
  const id = s.okta.org
    .groupIds()
    .find((g) => s.okta.org.group(g)?.profile.name === BIG_GROUP_NAME);
  if (!id) throw new Error('no big group');
  return id;
}

describe('the sync handler against the local stand-ins', () => {
  it('posts exactly the org: every user (deprovisioned too), group, app and relationship', async () => {
    const before = s.elimity.snapshots.length;
    const summary = await invoke({});

    expect(summary.status).toBe('succeeded');
    expect(summary.posted).toBe(true);
    expect(s.elimity.snapshots).toHaveLength(before + 1);
    const received = s.elimity.latest();
    if (!received) throw new Error('nothing received');
    const expected = expectedGraph(s.okta.org);
    expect(receivedGraph(received)).toEqual(expected);

    const org = s.okta.org.counts;
    expect(summary.counts).toEqual({
      users: org.users,
      groups: org.groups,
      applications: org.apps,
      groupMemberships: org.memberships,
      appUserAssignments: org.appUserAssignments,
      appGroupAssignments: org.appGroupAssignments,
    });
    expect(summary.oktaRequests).toBeGreaterThan(0);
    expect(summary.snapshot).toMatch(
      new RegExp(`^s3://${SNAPSHOT_BUCKET}/okta-snapshots/runs/[^/]+/$`),
    );

    // Nothing was fetched one by one: every member and assignee came from the lists.
    expect(
      s.okta.requests.filter((r) => /^\/api\/v1\/(users|groups)\/[^/]+$/.test(r.path)),
    ).toEqual([]);

    // A deprovisioned user is there, marked inactive.
    const deprovisioned = s.okta.org
      .userIds()
      .find((id) => s.okta.org.user(id)?.status === 'DEPROVISIONED');
    const entity = received.entities.find((e) => e.id === deprovisioned);
    expect(entity?.attributeAssignments).toEqual(
      expect.arrayContaining([
        { attributeTypeId: 'status', value: { type: 'string', value: 'DEPROVISIONED' } },
        { attributeTypeId: 'active', value: { type: 'boolean', value: false } },
      ]),
    );

    // The group of 1,001 members came in two pages and is complete.
    const big = bigGroupId();
    const memberPages = s.okta.requests.filter((r) => r.path === `/api/v1/groups/${big}/users`);
    expect(memberPages).toHaveLength(2);
    expect(received.relationships.filter((r) => r.toEntityId === big)).toHaveLength(1001);

    // The raw snapshot is complete, checksummed, and marked succeeded.
    const manifest = await readManifest(s.store, runIdOf(summary.snapshot));
    expect(manifest).toMatchObject({ status: 'succeeded', posted: true, oktaOrg: s.okta.url });
    expect(manifest.requests.total).toBe(summary.oktaRequests);
    let userRecords = 0;
    for await (const record of readRecords(s.store, manifest, 'users')) {
      expect(record.status).toBe(200);
      userRecords++;
    }
    expect(userRecords).toBe(Math.ceil(org.users / 200));

    // Elimity got an info summary in its connector log.
    expect(s.elimity.logs.at(-1)).toMatchObject({ level: 'info' });
    expect(s.elimity.logs.at(-1)?.message).toContain(`${org.users.toLocaleString('en-US')} users`);
  });

  it('skips member calls for groups whose stats say they are empty', async () => {
    s.okta.requests.length = 0;
    await invoke({});
    const emptyGroups = s.okta.org
      .groupIds()
      .filter((g) => s.okta.org.groupMemberIds(g).length === 0);
    expect(emptyGroups.length).toBeGreaterThan(0);
    for (const g of emptyGroups) {
      expect(s.okta.requests.some((r) => r.path === `/api/v1/groups/${g}/users`)).toBe(false);
    }
  });

  it('handles pages without a Link header (single-page sub-lists) as complete lists', async () => {
    s.okta.requests.length = 0;
    const summary = await invoke({});
    expect(summary.status).toBe('succeeded');
    // Every app's group list fits in one page, which the simulator serves without any Link header.
    const appGroupCalls = s.okta.requests.filter((r) =>
      /^\/api\/v1\/apps\/[^/]+\/groups$/.test(r.path),
    );
    expect(appGroupCalls).toHaveLength(s.okta.org.appIds().length);
    expect(
      receivedGraph(s.elimity.latest() ?? { entities: [], relationships: [] }).appGroups,
    ).toEqual(expectedGraph(s.okta.org).appGroups);
  });

  it('ends a list whose next link equals self, without looping, and stays complete', async () => {
    const big = bigGroupId();
    s.okta.setScenario([
      { path: `/api/v1/groups/${big}/users`, page: 2, fault: 'next-equals-self', times: 1 },
    ]);
    const summary = await invoke({});
    expect(summary.status).toBe('succeeded');
    expect(
      s.okta.requests.filter((r) => r.path === `/api/v1/groups/${big}/users`).length,
    ).toBeGreaterThan(0);
    expect(receivedGraph(s.elimity.latest() ?? { entities: [], relationships: [] })).toEqual(
      expectedGraph(s.okta.org),
    );
    const manifest = await readManifest(s.store, runIdOf(summary.snapshot));
    expect(manifest.anomalies).toEqual([expect.stringContaining(`members of group ${big}`)]);
  });

  it('waits out a 429 until X-Rate-Limit-Reset by the Date header, then succeeds', async () => {
    s.okta.setScenario([
      {
        path: '/api/v1/users',
        page: 2,
        times: 1,
        respond: { status: 429, rateLimit: { limit: 600, remaining: 0, resetInSeconds: 1 } },
      },
    ]);
    s.okta.requests.length = 0;
    const summary = await invoke({});
    expect(summary.status).toBe('succeeded');
    const userPages = s.okta.requests.filter((r) => r.path === '/api/v1/users');
    const limited = userPages.findIndex((r) => r.status === 429);
    expect(limited).toBeGreaterThanOrEqual(0);
    const retry = userPages[limited + 1];
    // Reset is 1 s after the 429's Date (whole seconds), plus the one-second margin.
    expect((retry?.at ?? 0) - (userPages[limited]?.at ?? 0)).toBeGreaterThanOrEqual(1000);
    expect(receivedGraph(s.elimity.latest() ?? { entities: [], relationships: [] })).toEqual(
      expectedGraph(s.okta.org),
    );
    // While the users list waited, the other lists went on; none of its users was fetched by id.
    expect(s.okta.requests.filter((r) => /^\/api\/v1\/users\/[^/]+$/.test(r.path))).toEqual([]);
  });

  it('retries a transient 500 with an HTML body and succeeds', async () => {
    s.okta.setScenario([
      {
        path: '/api/v1/groups',
        page: 1,
        times: 2,
        respond: { status: 502, body: '<html>Bad gateway</html>' },
      },
    ]);
    const summary = await invoke({});
    expect(summary.status).toBe('succeeded');
  });

  it('fails loudly and posts nothing when a page keeps failing with 500', async () => {
    s.okta.setScenario([
      { path: '/api/v1/users', page: 3, times: Number.POSITIVE_INFINITY, respond: { status: 500 } },
    ]);
    const posted = s.elimity.snapshots.length;
    const before = new Set((await manifests()).map((m) => m.runId));

    await expect(invoke({}, { [ENV.oktaMaxRetries]: '2' })).rejects.toThrow(
      /okta: list users: HTTP 500 \(gave up after 3 attempts\)/,
    );

    expect(s.elimity.snapshots).toHaveLength(posted);
    const failed = (await manifests()).filter((m) => !before.has(m.runId));
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ status: 'failed', posted: false });
    expect(failed[0]?.error).toMatch(/HTTP 500/);
    expect(failed[0]?.finishedAt).not.toBeNull();
    // The parts fetched before the failure are kept for diagnosis.
    expect(failed[0]?.parts.length).toBeGreaterThan(0);
    expect(s.elimity.logs.at(-1)).toMatchObject({ level: 'alert' });
    expect(s.elimity.logs.at(-1)?.message).toMatch(/nothing was posted/);
  });

  it('removes its temporary body file after a post, and after a post that failed', async () => {
    // The compressed body waits in a file under the temp dir (Lambda: /tmp, kept across warm runs).
    const dir = await mkdtemp(path.join(tmpdir(), 'sync-tmp-'));
    try {
      const summary = await invoke({}, { TMPDIR: dir });
      expect(summary).toMatchObject({ status: 'succeeded', posted: true });
      expect(await readdir(dir)).toEqual([]);

      s.elimity.failNext(1, 400, '{"errorMessage":"rejected"}');
      await expect(invoke({}, { TMPDIR: dir })).rejects.toThrow(/post snapshot/);
      expect(await readdir(dir)).toEqual([]);

      // The body really goes there: a temp dir that does not exist fails the run, posting nothing.
      const posted = s.elimity.snapshots.length;
      await expect(invoke({}, { TMPDIR: path.join(dir, 'missing') })).rejects.toThrow(/ENOENT/);
      expect(s.elimity.snapshots).toHaveLength(posted);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('extracts and stores but posts nothing on {"dryRun": true}', async () => {
    const posted = s.elimity.snapshots.length;
    const summary = await invoke({ dryRun: true });
    expect(summary).toMatchObject({ status: 'succeeded', posted: false });
    expect(summary.counts.users).toBe(s.okta.org.counts.users);
    expect(s.elimity.snapshots).toHaveLength(posted);
    const manifest = await readManifest(s.store, runIdOf(summary.snapshot));
    expect(manifest).toMatchObject({ status: 'succeeded', dryRun: true, posted: false });
  });

  it('rejects an invalid event before any network call', async () => {
    s.okta.requests.length = 0;
    await expect(invoke({ dryRun: 'yes' })).rejects.toThrow(/dryRun must be true or false/);
    expect(s.okta.requests).toHaveLength(0);
  });

  it('names the variable when the environment is wrong, before any network call', async () => {
    s.okta.requests.length = 0;
    s.secrets.requests.length = 0;
    await expect(invoke({}, { [ENV.oktaOrgUrl]: 'http://okta.example.com' })).rejects.toThrow(
      /OKTA_ORG_URL must use https/,
    );
    expect(s.okta.requests).toHaveLength(0);
    expect(s.secrets.requests).toHaveLength(0);
  });
});
