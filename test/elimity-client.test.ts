import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { inflateSync } from 'node:zlib';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeSnapshotBody, encodeSnapshotBodyToFile } from '../functions/sync/elimity-body';
import {
  basicAuthorization,
  createElimityClient,
  type ElimityClientOptions,
  elimityEndpointUrl,
} from '../functions/sync/elimity-client';
import type { Entity, Relationship } from '../shared/elimity-model';
import { ConfigError, DataError, UpstreamError } from '../shared/errors';
import {
  type ElimityReceiver,
  readProjectDataModel,
  startElimityReceiver,
} from './stand-ins/elimity-receiver';
import { sampleSnapshot } from './stand-ins/elimity-sample';

const TOKEN = 'tok-S3cret-never-shown';
const WRONG_TOKEN = 'tok-Wrong-never-shown';
// Every error thrown in this file is checked, cause chain included, for credentials.
const thrown: unknown[] = [];

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    thrown.push(error);
    return error;
  }
  throw new Error('expected a rejection');
}

async function* slowly<T>(items: T[]): AsyncGenerator<T> {
  for (const item of items) {
    await Promise.resolve();
    yield item;
  }
}

describe('encodeSnapshotBody', () => {
  it('inflates (zlib, RFC 1950) to the exact JSON of the items, entities first', async () => {
    const { entities, relationships } = sampleSnapshot();
    const encoded = await encodeSnapshotBody({ entities, relationships });
    // 0x78 is the zlib header's CMF byte (deflate, 32 KiB window); gzip would start 0x1f 0x8b.
    expect(encoded.body[0]).toBe(0x78);
    const json = inflateSync(encoded.body).toString('utf8');
    expect(json).toBe(JSON.stringify({ entities, relationships }));
    expect(encoded).toMatchObject({
      entityCount: entities.length,
      relationshipCount: relationships.length,
      uncompressedBytes: Buffer.byteLength(json),
    });
  });

  it('writes the same bytes to a file as it builds in memory, and counts them', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'body-test-'));
    try {
      const file = path.join(dir, 'body.zlib');
      const inMemory = await encodeSnapshotBody(sampleSnapshot());
      const inFile = await encodeSnapshotBodyToFile(sampleSnapshot(), file);
      expect(await readFile(file)).toEqual(inMemory.body);
      expect(Buffer.from(await inFile.body.arrayBuffer())).toEqual(inMemory.body);
      expect(inFile).toMatchObject({
        compressedBytes: inMemory.body.length,
        uncompressedBytes: inMemory.uncompressedBytes,
        entityCount: inMemory.entityCount,
        relationshipCount: inMemory.relationshipCount,
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reads async iterables', async () => {
    const { entities, relationships } = sampleSnapshot();
    const encoded = await encodeSnapshotBody({
      entities: slowly(entities),
      relationships: slowly(relationships),
    });
    expect(JSON.parse(inflateSync(encoded.body).toString('utf8'))).toEqual({
      entities,
      relationships,
    });
  });

  it('encodes empty input as empty arrays', async () => {
    const encoded = await encodeSnapshotBody({ entities: [], relationships: [] });
    expect(inflateSync(encoded.body).toString('utf8')).toBe('{"entities":[],"relationships":[]}');
    expect(encoded).toMatchObject({ entityCount: 0, relationshipCount: 0, uncompressedBytes: 34 });
  });

  it('streams many items across chunks and counts UTF-8 bytes', async () => {
    function* users(): Generator<Entity> {
      for (let i = 0; i < 20_000; i++) {
        yield { id: `00u${i}`, name: `Zoë ${i} 名前`, type: 'user', attributeAssignments: [] };
      }
    }
    function* memberships(): Generator<Relationship> {
      for (let i = 0; i < 20_000; i++) {
        yield {
          fromEntityId: `00u${i}`,
          fromEntityType: 'user',
          toEntityId: '00g1',
          toEntityType: 'group',
          attributeAssignments: [],
        };
      }
    }
    const encoded = await encodeSnapshotBody({ entities: users(), relationships: memberships() });
    const json = inflateSync(encoded.body).toString('utf8');
    expect(json).toBe(
      JSON.stringify({ entities: [...users()], relationships: [...memberships()] }),
    );
    expect(encoded.uncompressedBytes).toBe(Buffer.byteLength(json));
    expect(encoded.entityCount).toBe(20_000);
    expect(encoded.body.length).toBeLessThan(encoded.uncompressedBytes / 5);
  });

  it('keeps the dateTime example as integer UTC fields', async () => {
    // elimity-api.md §3.2: Unix 1668603363 is 2022-11-16 12:56:03 UTC.
    const value = { year: 2022, month: 11, day: 16, hour: 12, minute: 56, second: 3 };
    const entity: Entity = {
      id: '00u1',
      name: 'Ana',
      type: 'user',
      attributeAssignments: [{ attributeTypeId: 'lastLogin', value: { type: 'dateTime', value } }],
    };
    const encoded = await encodeSnapshotBody({ entities: [entity], relationships: [] });
    const json = inflateSync(encoded.body).toString('utf8');
    expect(json).toContain(
      '{"type":"dateTime","value":{"year":2022,"month":11,"day":16,"hour":12,"minute":56,"second":3}}',
    );
    const decoded = JSON.parse(json).entities[0].attributeAssignments[0].value.value;
    const { year, month, day, hour, minute, second } = decoded;
    expect(Date.UTC(year, month - 1, day, hour, minute, second) / 1000).toBe(1668603363);
  });

  it('refuses an item that is not a JSON object', async () => {
    const error = await caught(
      encodeSnapshotBody({ entities: [undefined as unknown as Entity], relationships: [] }),
    );
    expect(error).toBeInstanceOf(DataError);
    expect((error as Error).message).toContain('entities[0]');
  });
});

describe('basicAuthorization and elimityEndpointUrl', () => {
  it('matches the Python client test vector (42, foo)', () => {
    expect(basicAuthorization('42', 'foo')).toBe('Basic NDI6Zm9v');
  });

  it('keeps a tenant path prefix, with or without a trailing slash', () => {
    for (const base of ['https://x.example/tenant', 'https://x.example/tenant/']) {
      expect(elimityEndpointUrl(new URL(base), '42', 'snapshots').href).toBe(
        'https://x.example/tenant/api/sources/42/snapshots',
      );
    }
    expect(elimityEndpointUrl(new URL('https://x.example'), '7', 'connector-logs').href).toBe(
      'https://x.example/api/sources/7/connector-logs',
    );
  });
});

describe('createElimityClient', () => {
  let receiver: ElimityReceiver;
  let waits: number[];

  const client = (overrides: Partial<ElimityClientOptions> = {}) =>
    createElimityClient({
      baseUrl: new URL(receiver.url),
      sourceId: receiver.sourceId,
      token: TOKEN,
      sleep: async (ms) => {
        waits.push(ms);
      },
      ...overrides,
    });
  const snapshotPosts = () => receiver.requests.filter((r) => r.path.endsWith('/snapshots'));
  const sampleBody = async () => (await encodeSnapshotBody(sampleSnapshot())).body;

  beforeEach(async () => {
    receiver = await startElimityReceiver({ token: TOKEN });
    waits = [];
  });
  afterEach(async () => {
    await receiver.stop();
  });

  it('posts a snapshot the receiver accepts', async () => {
    const body = await sampleBody();
    await client().postSnapshot(body);
    expect(receiver.latest()).toMatchObject({ ...sampleSnapshot(), compressedBytes: body.length });
    expect(snapshotPosts()).toEqual([
      { method: 'POST', path: '/api/sources/42/snapshots', status: 204 },
    ]);
    expect(waits).toEqual([]);
  });

  it('keeps the tenant path prefix of the base URL', async () => {
    await receiver.stop();
    receiver = await startElimityReceiver({ token: TOKEN, pathPrefix: '/tenant-a' });
    await client().postSnapshot(await sampleBody());
    expect(receiver.snapshots).toHaveLength(1);
    expect(receiver.requests[0]?.path).toBe('/tenant-a/api/sources/42/snapshots');
  });

  it('fails at once on 401 with a hint and no retry', async () => {
    const error = await caught(client({ token: WRONG_TOKEN }).postSnapshot(await sampleBody()));
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ service: 'elimity', operation: 'post snapshot', status: 401 });
    expect((error as Error).message).toContain('check the source id and source token');
    expect(snapshotPosts()).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  it('fails at once on 404 for a wrong source id', async () => {
    const error = await caught(client({ sourceId: '43' }).postSnapshot(await sampleBody()));
    expect(error).toMatchObject({ status: 404 });
    expect((error as Error).message).toContain(
      'check ELIMITY_URL (the tenant base URL without /api) and ELIMITY_SOURCE_ID',
    );
    expect(receiver.requests).toHaveLength(1);
  });

  it('fails at once on 403 with the imports hint', async () => {
    receiver.failNext(1, 403);
    const error = await caught(client().postSnapshot(await sampleBody()));
    expect(error).toMatchObject({ status: 403 });
    expect((error as Error).message).toContain(
      'the credentials are not allowed to import into this source (check the source id, and that imports are enabled)',
    );
    expect(snapshotPosts()).toHaveLength(1);
  });

  it("fails at once on 400 quoting the server's errorMessage", async () => {
    const { entities, relationships } = sampleSnapshot();
    const bad = { ...entities[0], type: 'device' } as unknown as Entity;
    const { body } = await encodeSnapshotBody({ entities: [bad], relationships: [] });
    const error = await caught(client().postSnapshot(body));
    expect(error).toMatchObject({ status: 400 });
    const message = (error as Error).message;
    expect(message).toContain('entities[0].type: unknown entity type "device"');
    expect(message).toContain('data model');
    expect(relationships).toHaveLength(4);
    expect(waits).toEqual([]);
  });

  it('posts a file-backed body in full on every attempt (a retry re-reads the file)', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'body-test-'));
    try {
      const encoded = await encodeSnapshotBodyToFile(sampleSnapshot(), path.join(dir, 'body'));
      receiver.failNext(1, 500);
      await client().postSnapshot(encoded.body);
      expect(snapshotPosts().map((r) => r.status)).toEqual([500, 204]);
      expect(receiver.latest()).toMatchObject({
        ...sampleSnapshot(),
        compressedBytes: encoded.compressedBytes,
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('retries 500 twice, then succeeds on the third attempt with growing backoff', async () => {
    receiver.failNext(2, 500, '{"errorMessage":"boom"}');
    await client().postSnapshot(await sampleBody());
    expect(snapshotPosts().map((r) => r.status)).toEqual([500, 500, 204]);
    expect(waits).toHaveLength(2);
    // 2 s then 4 s, each ±20 % jitter.
    expect(waits[0]).toBeGreaterThanOrEqual(1600);
    expect(waits[0]).toBeLessThanOrEqual(2400);
    expect(waits[1]).toBeGreaterThanOrEqual(3200);
    expect(waits[1]).toBeLessThanOrEqual(4800);
  });

  it('caps the backoff at 30 s and stops after maxAttempts', async () => {
    receiver.failNext(10, 503);
    const error = await caught(
      client({ maxAttempts: 6, random: () => 0.5 }).postSnapshot(await sampleBody()),
    );
    expect(error).toMatchObject({ status: 503 });
    expect((error as Error).message).toContain('503 Service Unavailable after 6 attempts');
    expect(waits).toEqual([2000, 4000, 8000, 16000, 30000]);
  });

  it('honours Retry-After on 429', async () => {
    receiver.failNext(1, 429, undefined, { headers: { 'retry-after': '7' } });
    await client().postSnapshot(await sampleBody());
    expect(waits).toEqual([7000]);
    expect(snapshotPosts().map((r) => r.status)).toEqual([429, 204]);
  });

  it('retries an attempt that times out', async () => {
    receiver.failNext(1, 503, undefined, { delayMs: 2000 });
    await client({ timeoutMs: 200 }).postSnapshot(await sampleBody());
    expect(receiver.snapshots).toHaveLength(1);
    expect(waits).toHaveLength(1);
  });

  it('retries network errors, then fails with the cause', async () => {
    await receiver.stop();
    const error = await caught(client().postSnapshot(await sampleBody()));
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as Error).message).toBe(
      'elimity: post snapshot: network error (ECONNREFUSED) after 4 attempts',
    );
    expect((error as UpstreamError).status).toBeUndefined();
    expect(waits).toHaveLength(3);
  });

  it('does not start a retry that would end after the deadline', async () => {
    let clock = 1_000_000;
    receiver.failNext(5, 502);
    const error = await caught(
      client({
        now: () => clock,
        random: () => 0.5,
        deadline: clock + 5_000,
        sleep: async (ms) => {
          waits.push(ms);
          clock += ms;
        },
      }).postSnapshot(await sampleBody()),
    );
    expect(error).toMatchObject({ status: 502 });
    expect((error as Error).message).toContain("run's deadline");
    // First wait ~2 s fits, the second (~4 s) would cross the deadline.
    expect(snapshotPosts()).toHaveLength(2);
    expect(waits).toHaveLength(1);
  });

  it('does not send at all once the deadline has passed', async () => {
    const error = await caught(
      client({ deadline: Date.now() - 1 }).postSnapshot(await sampleBody()),
    );
    expect((error as Error).message).toContain("not attempted: the run's deadline has passed");
    expect(await client({ deadline: Date.now() - 1 }).log([{ level: 'info', message: 'x' }])).toBe(
      false,
    );
    expect(receiver.requests).toEqual([]);
  });

  it("keeps the server's errorMessage of the last transient failure", async () => {
    receiver.failNext(2, 500, '{"errorMessage":"database unavailable"}');
    const error = await caught(client({ maxAttempts: 2 }).postSnapshot(await sampleBody()));
    expect((error as Error).message).toBe(
      'elimity: post snapshot: 500 Internal Server Error (database unavailable) after 2 attempts',
    );
    expect(error).toMatchObject({ status: 500 });
  });

  it('sends connector logs with RFC 3339 UTC timestamps', async () => {
    const ok = await client().log([
      { level: 'info', message: 'sync started', timestamp: new Date(Date.UTC(2025, 2, 7, 9, 15)) },
      { level: 'alert', message: 'dropped 3 attributes' },
    ]);
    expect(ok).toBe(true);
    expect(receiver.logs.map(({ level, message }) => ({ level, message }))).toEqual([
      { level: 'info', message: 'sync started' },
      { level: 'alert', message: 'dropped 3 attributes' },
    ]);
    expect(receiver.logs[0]?.timestamp).toBe('2025-03-07T09:15:00.000Z');
    expect(receiver.logs[1]?.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('retries a failed log call once, and returns false instead of throwing', async () => {
    receiver.failNext(1, 500, undefined, { route: 'connector-logs' });
    expect(await client().log([{ level: 'info', message: 'a' }])).toBe(true);
    receiver.failNext(2, 500, undefined, { route: 'connector-logs' });
    expect(await client().log([{ level: 'info', message: 'b' }])).toBe(false);
    const logPosts = receiver.requests.filter((r) => r.path.endsWith('/connector-logs'));
    expect(logPosts.map((r) => r.status)).toEqual([500, 204, 500, 500]);
    expect(await client({ token: WRONG_TOKEN }).log([{ level: 'info', message: 'c' }])).toBe(false);
    expect(receiver.logs.map((l) => l.message)).toEqual(['a']);
  });

  it('log() never throws, even when the server is down or the entry is broken', async () => {
    await receiver.stop();
    expect(await client().log([{ level: 'alert', message: 'x' }])).toBe(false);
    expect(
      await client().log([{ level: 'info', message: 'y', timestamp: new Date(Number.NaN) }]),
    ).toBe(false);
  });

  it('reads the domain graph schema (data-model.json)', async () => {
    const schema = await client().getDomainGraphSchema();
    expect(schema).toEqual(await readProjectDataModel());
    expect(schema.entityTypes.map((t) => t.id)).toEqual(['user', 'group', 'application']);
  });

  it('turns a malformed schema into a DataError naming the endpoint and the field', async () => {
    const model = await readProjectDataModel();
    const broken = { ...model, entityAttributeTypes: [{ id: 'x', entityTypeId: 'user' }] };
    receiver.failNext(1, 200, JSON.stringify(broken), { route: 'domain-graph-schema' });
    const error = await caught(client().getDomainGraphSchema());
    expect(error).toBeInstanceOf(DataError);
    expect((error as Error).message).toContain('domain-graph-schema');
    expect((error as Error).message).toContain('field entityAttributeTypes.0.type');

    receiver.failNext(1, 200, '<html>proxy</html>', { route: 'domain-graph-schema' });
    const notJson = await caught(client().getDomainGraphSchema());
    expect(notJson).toBeInstanceOf(DataError);
    expect((notJson as Error).message).toContain('not JSON');
  });

  it('maps schema auth failures like the upload', async () => {
    const error = await caught(client({ token: WRONG_TOKEN }).getDomainGraphSchema());
    expect(error).toMatchObject({ operation: 'get domain graph schema', status: 401 });
  });

  it('rejects configuration mistakes before any request', async () => {
    const base = { baseUrl: new URL(receiver.url), sourceId: '42', token: TOKEN };
    const cases: Array<[Partial<ElimityClientOptions>, string]> = [
      [{ baseUrl: new URL(`${receiver.url}/api`) }, 'without /api'],
      [{ baseUrl: new URL('ftp://x.example') }, 'http(s)'],
      [{ sourceId: 'abc' }, 'numeric source id'],
      [{ token: '' }, 'token is empty'],
      [{ maxAttempts: 0 }, 'maxAttempts'],
    ];
    for (const [override, message] of cases) {
      let error: unknown;
      try {
        createElimityClient({ ...base, ...override });
      } catch (e) {
        error = e;
        thrown.push(e);
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toContain(message);
    }
    expect(receiver.requests).toEqual([]);
  });
});

afterAll(() => {
  // No error, however printed (cause chain included), may reveal a token or the Basic header.
  expect(thrown.length).toBeGreaterThan(10);
  const secrets = [TOKEN, WRONG_TOKEN, Buffer.from(`42:${TOKEN}`).toString('base64')];
  for (const error of thrown) {
    const printed = `${(error as Error).message}\n${inspect(error, { depth: 10 })}`;
    for (const secret of secrets) expect(printed).not.toContain(secret);
  }
});
