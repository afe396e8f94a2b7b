import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  parseSnapshotLocation,
  readManifest,
  readRecords,
} from '../functions/sync/snapshot-reader';
import {
  createDirSnapshotStore,
  createS3SnapshotStore,
  createSnapshotStore,
  type SnapshotStore,
} from '../functions/sync/snapshot-store';
import {
  createSnapshotWriter,
  type Manifest,
  markLatestSucceeded,
  type PartInfo,
  readLatestSucceeded,
  runPrefix,
  type SnapshotRecord,
  type SnapshotResource,
  UNRECORDED_SOURCE,
  writeManifest,
} from '../functions/sync/snapshot-writer';
import { ConfigError, DataError, UpstreamError } from '../shared/errors';
import { DEFAULT_TEST_BUCKET, type S3StandIn, s3EnvFor, startS3 } from './stand-ins/s3';

let s3: S3StandIn;
let client: S3Client;
let dir: string;

beforeAll(async () => {
  s3 = await startS3();
  client = new S3Client({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  dir = await mkdtemp(path.join(tmpdir(), 'snapshot-store-'));
});

afterAll(async () => {
  client?.destroy();
  await s3?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const stores: [string, () => SnapshotStore][] = [
  ['s3', () => createS3SnapshotStore(client, DEFAULT_TEST_BUCKET, 'okta-snapshots/')],
  ['dir', () => createDirSnapshotStore(dir)],
];

const text = (bytes: Uint8Array | undefined) =>
  bytes === undefined ? undefined : Buffer.from(bytes).toString('utf8');

describe.each(stores)('%s snapshot store', (_kind, makeStore) => {
  it('round-trips an object and answers undefined for a missing key', async () => {
    const store = makeStore();
    await store.put('runs/r1/hello.txt', Buffer.from('héllo\n'), 'text/plain');
    expect(text(await store.get('runs/r1/hello.txt'))).toBe('héllo\n');
    await store.put('runs/r1/hello.txt', Buffer.from('again'), 'text/plain');
    expect(text(await store.get('runs/r1/hello.txt'))).toBe('again');
    expect(await store.get('runs/r1/missing.txt')).toBeUndefined();
  });

  it('stores a Uint8Array view without the bytes around it', async () => {
    const store = makeStore();
    const backing = Buffer.from('xxPAYLOADyy');
    await store.put('view.bin', backing.subarray(2, 9), 'application/octet-stream');
    expect(text(await store.get('view.bin'))).toBe('PAYLOAD');
  });

  it('refuses keys that could escape the prefix', async () => {
    const store = makeStore();
    await expect(store.put('../x', Buffer.from('x'), 'text/plain')).rejects.toThrow(/invalid/);
    await expect(store.get('/abs')).rejects.toThrow(/invalid/);
  });
});

describe('SnapshotStore.describe', () => {
  it('gives s3:// addresses with the prefix and absolute paths for folders', () => {
    expect(createS3SnapshotStore(client, 'b-1', 'p/q/').describe('runs/x/manifest.json')).toBe(
      's3://b-1/p/q/runs/x/manifest.json',
    );
    expect(createS3SnapshotStore(client, 'b-1', '').describe('runs/x/')).toBe('s3://b-1/runs/x/');
    expect(createDirSnapshotStore('/tmp/snaps').describe('runs/x/manifest.json')).toBe(
      '/tmp/snaps/runs/x/manifest.json',
    );
    expect(createDirSnapshotStore('/tmp/snaps').describe('runs/x/')).toBe('/tmp/snaps/runs/x/');
    expect(createDirSnapshotStore('rel').describe('a')).toBe(path.resolve('rel', 'a'));
  });

  it('picks the store from a SnapshotTarget', () => {
    const target = { kind: 's3', bucket: 'b-1', prefix: 'okta/' } as const;
    expect(createSnapshotStore(target, client).describe('k')).toBe('s3://b-1/okta/k');
    expect(createSnapshotStore({ kind: 'dir', dir: '/d' }).describe('k')).toBe('/d/k');
  });
});

describe('S3 snapshot store errors', () => {
  it('names the bucket and key when the bucket does not exist', async () => {
    const store = createS3SnapshotStore(client, 'no-such-bucket', 'p/');
    const put = store.put('runs/r/x.json', Buffer.from('{}'), 'application/json');
    await expect(put).rejects.toBeInstanceOf(UpstreamError);
    await expect(put).rejects.toThrow(
      /^s3: put runs\/r\/x\.json: s3:\/\/no-such-bucket\/p\/runs\/r\/x\.json: NoSuchBucket/,
    );
    await expect(store.get('runs/r/x.json')).rejects.toThrow(
      /s3: get runs\/r\/x\.json: .*NoSuchBucket/,
    );
  });

  it('works with a client configured only by the endpoint environment variables', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, s3EnvFor(s3.endpoint));
    const envClient = new S3Client({});
    try {
      const store = createSnapshotStore(
        { kind: 's3', bucket: DEFAULT_TEST_BUCKET, prefix: 'env/' },
        envClient,
      );
      await store.put('k.txt', Buffer.from('via env'), 'text/plain');
      expect(text(await store.get('k.txt'))).toBe('via env');
    } finally {
      envClient.destroy();
      process.env = saved;
    }
  });
});

// Bodies that a line-based format could break: newlines, quotes, separators, non-ASCII.
const awkwardBodies = [
  '[{"id":"00u1","profile":{"login":"zoë@example.com","note":"line1\\nline2"}}]',
  'raw\nnewline\r\nand "quotes" and \\ backslash',
  'unicode: 日本語 ✓ \u2028 \u2029 😀 \u0000',
  '',
];

function record(i: number, body: string, parentId?: string): SnapshotRecord {
  return {
    url: `https://example.okta.com/api/v1/x?after=${i}`,
    fetchedAt: new Date(Date.UTC(2026, 11, 3, 19, 20, i)).toISOString(),
    status: 200,
    ...(parentId === undefined ? {} : { parentId }),
    body,
  };
}

function manifestFor(runId: string, parts: PartInfo[]): Manifest {
  return {
    formatVersion: 1,
    runId,
    oktaOrg: 'https://example.okta.com',
    startedAt: '2026-12-03T19:20:00.000Z',
    finishedAt: '2026-12-03T19:25:00.000Z',
    status: 'succeeded',
    counts: { users: 3, groups: 1 },
    requests: { total: 10, rateLimited: 1, byBucket: { users: 4, groups: 6 } },
    parts,
  };
}

async function collect(store: SnapshotStore, manifest: Manifest, resource: SnapshotResource) {
  const out: SnapshotRecord[] = [];
  for await (const r of readRecords(store, manifest, resource)) out.push(r);
  return out;
}

describe.each(stores)('raw snapshot on the %s store', (kind, makeStore) => {
  it('round-trips records of several resources exactly', async () => {
    const store = makeStore();
    const runId = `2026-12-03T19-20-00Z-${kind}1`;
    const writer = createSnapshotWriter(store, runId);
    const users = awkwardBodies.map((body, i) => record(i, body));
    const members = [record(10, '[]', '00g1'), record(11, '[{"id":"00u1"}]', '00g2')];
    for (const r of users) await writer.append('users', r);
    for (const r of members) await writer.append('group-members', r);
    const parts = await writer.close();
    expect(parts.map((p) => p.key)).toEqual([
      `runs/${runId}/parts/users/00001.ndjson.gz`,
      `runs/${runId}/parts/group-members/00001.ndjson.gz`,
    ]);
    expect(await writer.close()).toEqual(parts);

    const written: Manifest = {
      ...manifestFor(runId, parts),
      posted: true,
      dryRun: false,
      gone: { users: ['00u9'], groups: [], apps: ['0oa9'] },
      anomalies: ['list users: next link repeats a visited page; list ended'],
    };
    await writeManifest(store, runId, written);
    const manifest = await readManifest(store, runId);
    expect(manifest).toEqual(written);
    expect(await collect(store, manifest, 'users')).toEqual(users);
    expect(await collect(store, manifest, 'group-members')).toEqual(members);
    expect(await collect(store, manifest, 'apps')).toEqual([]);
  });

  it('round-trips records far larger than a gunzip chunk, and lines ending on a chunk boundary', async () => {
    const store = makeStore();
    const runId = `run-${kind}-big-lines`;
    const writer = createSnapshotWriter(store, runId);
    // One Okta page of 1,000 members is over a megabyte: it spans many 16 KiB gunzip chunks.
    const sizes = [16 * 1024, 50_000, 1, 1_500_000, 16 * 1024 - 1, 0, 200_000];
    const records = sizes.map((n, i) => record(i, `${'é'.repeat(n % 7)}${'y'.repeat(n)}`));
    for (const r of records) await writer.append('group-members', r);
    const parts = await writer.close();
    const manifest = manifestFor(runId, parts);
    await writeManifest(store, runId, manifest);
    expect(await collect(store, await readManifest(store, runId), 'group-members')).toEqual(
      records,
    );
  });

  it('splits a resource into ordered parts and records their sha256', async () => {
    const store = makeStore();
    const runId = `run-${kind}-parts`;
    const writer = createSnapshotWriter(store, runId, { partBytes: 300 });
    const users = Array.from({ length: 25 }, (_, i) =>
      record(i, `{"id":"00u${i}","pad":"${'x'.repeat(i * 7)}"}`),
    );
    const groups = Array.from({ length: 9 }, (_, i) => record(i, `{"id":"00g${i}"}`));
    // Interleaved and unawaited, as a concurrent crawl would append.
    await Promise.all(
      users.flatMap((u, i) => [
        writer.append('users', u),
        ...(groups[i] ? [writer.append('groups', groups[i])] : []),
      ]),
    );
    const parts = await writer.close();
    const userParts = parts.filter((p) => p.resource === 'users');
    expect(userParts.length).toBeGreaterThan(3);
    expect(userParts.map((p) => p.key)).toEqual(
      userParts.map(
        (_, i) => `runs/${runId}/parts/users/${String(i + 1).padStart(5, '0')}.ndjson.gz`,
      ),
    );
    expect(userParts.slice(0, -1).every((p) => p.uncompressedBytes >= 300)).toBe(true);
    expect(parts.reduce((n, p) => n + p.records, 0)).toBe(34);

    const { createHash } = await import('node:crypto');
    for (const part of parts) {
      const stored = await store.get(part.key);
      expect(stored?.byteLength).toBe(part.compressedBytes);
      expect(
        createHash('sha256')
          .update(stored ?? new Uint8Array())
          .digest('hex'),
      ).toBe(part.sha256);
    }

    await writeManifest(store, runId, manifestFor(runId, parts));
    const manifest = await readManifest(store, runId);
    expect(await collect(store, manifest, 'users')).toEqual(users);
    expect(await collect(store, manifest, 'groups')).toEqual(groups);
  });

  it('uploads parts while the run proceeds, before close', async () => {
    const store = makeStore();
    const writer = createSnapshotWriter(store, `run-${kind}-early`, { partBytes: 1 });
    await writer.append('apps', record(1, '[]'));
    expect(writer.parts()).toHaveLength(1);
    expect(await store.get(writer.parts()[0]?.key ?? '')).toBeDefined();
  });

  it('refuses a part whose bytes changed after the manifest was written', async () => {
    const store = makeStore();
    const runId = `run-${kind}-corrupt`;
    const writer = createSnapshotWriter(store, runId);
    await writer.append('apps', record(1, '[{"id":"0oa1"}]'));
    const parts = await writer.close();
    await writeManifest(store, runId, manifestFor(runId, parts));
    const part = parts[0];
    if (!part) throw new Error('no part written');
    const { gzipSync } = await import('node:zlib');
    await store.put(
      part.key,
      gzipSync(`${JSON.stringify(record(1, 'tampered'))}\n`),
      'application/gzip',
    );
    const manifest = await readManifest(store, runId);
    const read = collect(store, manifest, 'apps');
    await expect(read).rejects.toBeInstanceOf(DataError);
    await expect(collect(store, manifest, 'apps')).rejects.toThrow(
      /apps\/00001\.ndjson\.gz: sha256 .* does not match/,
    );
  });

  it('names the part and line of a malformed record', async () => {
    const store = makeStore();
    const runId = `run-${kind}-badline`;
    const { gzipSync } = await import('node:zlib');
    const { createHash } = await import('node:crypto');
    const body = gzipSync(`${JSON.stringify(record(1, 'ok'))}\n{"url":"x"}\n`);
    const key = `runs/${runId}/parts/users/00001.ndjson.gz`;
    await store.put(key, body, 'application/gzip');
    const part: PartInfo = {
      resource: 'users',
      key,
      records: 2,
      uncompressedBytes: 0,
      compressedBytes: body.byteLength,
      sha256: createHash('sha256').update(body).digest('hex'),
    };
    await expect(collect(store, manifestFor(runId, [part]), 'users')).rejects.toThrow(
      /users\/00001\.ndjson\.gz line 2: invalid record/,
    );
  });

  it('reports a missing manifest as a DataError naming its key', async () => {
    const store = makeStore();
    const read = readManifest(store, 'never-ran');
    await expect(read).rejects.toBeInstanceOf(DataError);
    await expect(read).rejects.toThrow(/runs\/never-ran\/manifest\.json: manifest not found/);
  });

  it('round-trips latest-succeeded.json', async () => {
    const store = makeStore();
    expect(await readLatestSucceeded(store)).toBeUndefined();
    const runId = `run-${kind}-latest`;
    await markLatestSucceeded(store, runId, manifestFor(runId, []));
    expect(await readLatestSucceeded(store)).toEqual({
      runId,
      manifestKey: `runs/${runId}/manifest.json`,
      finishedAt: '2026-12-03T19:25:00.000Z',
      counts: { users: 3, groups: 1 },
    });
  });

  it('keeps the newest posted run per Elimity source in latest-succeeded.json', async () => {
    const store = makeStore();
    const a = 'https://a.elimity.test/api/sources/1/';
    const b = 'https://b.elimity.test/api/sources/2/';
    const posted = (runId: string, elimitySource: string, users: number): Manifest => ({
      ...manifestFor(runId, []),
      counts: { users },
      elimitySource,
    });
    await markLatestSucceeded(store, `run-${kind}-a1`, posted(`run-${kind}-a1`, a, 10));
    await markLatestSucceeded(store, `run-${kind}-b1`, posted(`run-${kind}-b1`, b, 20));
    await markLatestSucceeded(store, `run-${kind}-a2`, posted(`run-${kind}-a2`, a, 30));
    const latest = await readLatestSucceeded(store);
    expect(latest).toMatchObject({
      runId: `run-${kind}-a2`,
      elimitySource: a,
      counts: { users: 30 },
    });
    expect(latest?.bySource?.[a]).toMatchObject({ runId: `run-${kind}-a2`, counts: { users: 30 } });
    expect(latest?.bySource?.[b]).toMatchObject({ runId: `run-${kind}-b1`, counts: { users: 20 } });
  });

  it('keeps a pointer from before sources were recorded as the baseline of sources without one', async () => {
    const store = makeStore();
    const legacy = `run-${kind}-legacy`;
    // What an earlier version wrote: no elimitySource, no bySource.
    await store.put(
      'latest-succeeded.json',
      Buffer.from(
        JSON.stringify({
          runId: legacy,
          manifestKey: `runs/${legacy}/manifest.json`,
          finishedAt: '2026-12-01T03:00:00.000Z',
          counts: { users: 2000 },
        }),
      ),
      'application/json',
    );
    const b = 'https://b.elimity.test/api/sources/2/';
    const runB = `run-${kind}-b`;
    await markLatestSucceeded(store, runB, {
      ...manifestFor(runB, []),
      counts: { users: 1500 },
      elimitySource: b,
    });
    const latest = await readLatestSucceeded(store);
    expect(latest?.bySource?.[b]).toMatchObject({ runId: runB });
    expect(latest?.bySource?.[UNRECORDED_SOURCE]).toMatchObject({
      runId: legacy,
      counts: { users: 2000 },
    });
  });

  it('parses its own printed location back to the same target and run', () => {
    const store = makeStore();
    const location = store.describe(runPrefix('2026-12-03T19-20-00Z-ab12'));
    const { target, runId } = parseSnapshotLocation(location);
    expect(runId).toBe('2026-12-03T19-20-00Z-ab12');
    expect(createSnapshotStore(target, client).describe(runPrefix(runId))).toBe(location);
  });
});

describe('createSnapshotWriter', () => {
  it('fails appends and close after an upload failed, keeping the parts written before', async () => {
    let puts = 0;
    const store: SnapshotStore = {
      describe: (key) => `mem:${key}`,
      get: async () => undefined,
      put: async () => {
        puts += 1;
        if (puts === 2) throw new UpstreamError('s3', 'put x', 'boom');
      },
    };
    const writer = createSnapshotWriter(store, 'run-fail', { partBytes: 1 });
    await writer.append('users', record(1, 'a'));
    await expect(writer.append('users', record(2, 'b'))).rejects.toThrow('boom');
    await expect(writer.append('groups', record(3, 'c'))).rejects.toThrow('boom');
    await expect(writer.close()).rejects.toThrow('boom');
    expect(writer.parts()).toHaveLength(1);
  });

  it('refuses run ids that are not one key segment', () => {
    const store = createDirSnapshotStore('/tmp/unused');
    expect(() => createSnapshotWriter(store, '../x')).toThrow(ConfigError);
    expect(() => createSnapshotWriter(store, 'a/b')).toThrow(ConfigError);
  });
});

describe('parseSnapshotLocation', () => {
  const s3Target = (bucket: string, prefix: string) => ({ kind: 's3', bucket, prefix });
  const ok: [string, unknown, string][] = [
    [
      's3://bkt/okta-snapshots/runs/2026-12-03T19-20-00Z-ab12/',
      s3Target('bkt', 'okta-snapshots/'),
      '2026-12-03T19-20-00Z-ab12',
    ],
    ['s3://bkt/okta-snapshots/runs/r1', s3Target('bkt', 'okta-snapshots/'), 'r1'],
    ['s3://bkt/okta-snapshots/runs/r1/manifest.json', s3Target('bkt', 'okta-snapshots/'), 'r1'],
    ['s3://bkt/runs/r1/', s3Target('bkt', ''), 'r1'],
    ['s3://bkt/a/runs/b/runs/r1/', s3Target('bkt', 'a/runs/b/'), 'r1'],
    ['  s3://bkt/p/runs/r1/  ', s3Target('bkt', 'p/'), 'r1'],
    ['/abs/dir/runs/r1/', { kind: 'dir', dir: '/abs/dir' }, 'r1'],
    ['/abs/dir/runs/r1', { kind: 'dir', dir: '/abs/dir' }, 'r1'],
    ['/abs/dir/runs/r1/manifest.json', { kind: 'dir', dir: '/abs/dir' }, 'r1'],
    ['rel/runs/r1/', { kind: 'dir', dir: path.resolve('rel') }, 'r1'],
  ];
  it.each(ok)('parses %s', (location, target, runId) => {
    expect(parseSnapshotLocation(location)).toEqual({ target, runId });
  });

  it.each([
    '',
    's3://',
    's3://bkt',
    's3://bkt/',
    's3://bkt/prefix/',
    's3://Bad_Bucket/runs/r1/',
    's3://bkt/runs/r1/parts/users/00001.ndjson.gz',
    's3://bkt/p/runs/../',
    's3://bkt//runs/r1/',
    'https://bkt.s3.amazonaws.com/runs/r1/',
    '/abs/dir/',
    '/abs/dir/runs/',
    '/abs/dir/runs/r1/other.json',
  ])('refuses %j with a ConfigError', (location) => {
    expect(() => parseSnapshotLocation(location)).toThrow(ConfigError);
  });
});
