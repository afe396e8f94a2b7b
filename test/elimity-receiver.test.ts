import { deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DomainGraphSchema } from '../shared/elimity-model';
import {
  type ElimityReceiver,
  readProjectDataModel,
  startElimityReceiver,
  summarizeSnapshot,
} from './stand-ins/elimity-receiver';
import { sampleSnapshot } from './stand-ins/elimity-sample';

type Doc = Record<string, unknown>;

let receiver: ElimityReceiver;

beforeEach(async () => {
  receiver = await startElimityReceiver();
});
afterEach(async () => {
  await receiver.stop();
});

const auth = () =>
  `Basic ${Buffer.from(`${receiver.sourceId}:${receiver.token}`).toString('base64')}`;
const endpoint = (name: string, sourceId = receiver.sourceId) =>
  `${receiver.url}/api/sources/${sourceId}/${name}`;

async function postSnapshotBytes(
  body: Uint8Array,
  headers: Record<string, string> = {},
): Promise<{ status: number; errorMessage?: string }> {
  const response = await fetch(endpoint('snapshots'), {
    method: 'POST',
    headers: { authorization: auth(), 'content-type': 'application/octet-stream', ...headers },
    body,
  });
  const text = await response.text();
  return { status: response.status, ...(text ? JSON.parse(text) : {}) };
}

const postDoc = (doc: unknown) => postSnapshotBytes(deflateSync(JSON.stringify(doc)));

/** The sample snapshot with one change applied. */
function sampleWith(change: (doc: Doc & ReturnType<typeof sampleSnapshot>) => void): Doc {
  const doc = sampleSnapshot();
  change(doc);
  return doc;
}

/** items[i], or a test failure when it is missing (keeps noUncheckedIndexedAccess honest). */
function nth<T>(items: T[], i: number): T {
  const item = items[i];
  if (item === undefined) throw new Error(`no item ${i}`);
  return item;
}

const dateTime = { year: 2021, month: 3, day: 4, hour: 5, minute: 6, second: 7 };

describe('startElimityReceiver: snapshots', () => {
  it('accepts a valid snapshot with 204 and records it decoded', async () => {
    const body = deflateSync(JSON.stringify(sampleSnapshot()));
    expect(await postSnapshotBytes(body)).toEqual({ status: 204 });
    expect(receiver.latest()).toMatchObject({ ...sampleSnapshot(), compressedBytes: body.length });
    expect(receiver.latest()?.receivedAt).toBeInstanceOf(Date);
  });

  it('accepts a chunked body (no Content-Length), as the Go client streams it', async () => {
    const bytes = deflateSync(JSON.stringify(sampleSnapshot()));
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.subarray(0, 10));
        controller.enqueue(bytes.subarray(10));
        controller.close();
      },
    });
    const response = await fetch(endpoint('snapshots'), {
      method: 'POST',
      headers: { authorization: auth(), 'content-type': 'application/octet-stream' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(204);
    expect(receiver.snapshots).toHaveLength(1);
  });

  it('tolerates streamItems and historyTimestamp', async () => {
    const doc = sampleWith((d) => {
      const group = d.entities.splice(2, 1)[0];
      const membership = d.relationships.splice(0, 1)[0];
      d.streamItems = [
        { type: 'entity', entity: group },
        { type: 'relationship', relationship: membership },
      ];
      d.historyTimestamp = dateTime;
    });
    expect(await postDoc(doc)).toEqual({ status: 204 });
    expect(summarizeSnapshot(receiver.latest() ?? { entities: [], relationships: [] })).toEqual(
      summarizeSnapshot(sampleSnapshot()),
    );
    expect(receiver.latest()?.historyTimestamp).toEqual(dateTime);
  });

  // Each row breaks one rule; the 400 must say which, and where.
  const rejections: Array<
    [string, () => Promise<{ status: number; errorMessage?: string }>, string]
  > = [
    [
      'wrong Content-Type',
      () =>
        postSnapshotBytes(deflateSync(JSON.stringify(sampleSnapshot())), {
          'content-type': 'application/json',
        }),
      'Content-Type must be application/octet-stream (got application/json)',
    ],
    [
      'a Content-Encoding header',
      () =>
        postSnapshotBytes(deflateSync(JSON.stringify(sampleSnapshot())), {
          'content-encoding': 'deflate',
        }),
      'Content-Encoding must not be set',
    ],
    ['an empty body', () => postSnapshotBytes(new Uint8Array()), 'the body is empty'],
    [
      'a gzip body',
      () => postSnapshotBytes(gzipSync(JSON.stringify(sampleSnapshot()))),
      'the body is gzip',
    ],
    [
      'a raw deflate body',
      () => postSnapshotBytes(deflateRawSync(JSON.stringify(sampleSnapshot()))),
      'raw deflate without the zlib header',
    ],
    [
      'an uncompressed body',
      () => postSnapshotBytes(Buffer.from(JSON.stringify(sampleSnapshot()))),
      'the body is uncompressed JSON',
    ],
    [
      'garbage',
      () => postSnapshotBytes(Buffer.from([0x00, 0x01, 0x02, 0x03])),
      'not a zlib (RFC 1950) stream',
    ],
    [
      'invalid UTF-8',
      () => postSnapshotBytes(deflateSync(Buffer.from([0x7b, 0xff, 0x7d]))),
      'not valid UTF-8',
    ],
    ['not JSON', () => postSnapshotBytes(deflateSync('{"entities": [')), 'not valid JSON'],
    ['a JSON array', () => postDoc([]), 'the document must be a JSON object'],
    ['missing relationships', () => postDoc({ entities: [] }), '"relationships" must be an array'],
    [
      'relationships before entities',
      () => postDoc({ relationships: [], entities: [] }),
      '"entities" must come before "relationships"',
    ],
    [
      'an unknown top-level field',
      () => postDoc({ entities: [], relationships: [], extra: 1 }),
      'unknown top-level field "extra"',
    ],
    [
      'a bad historyTimestamp',
      () => postDoc({ entities: [], relationships: [], historyTimestamp: '2021-03-04T05:06:07Z' }),
      'historyTimestamp: a dateTime value must be an object',
    ],
    [
      'a numeric entity id',
      () => postDoc(sampleWith((d) => Object.assign(d.entities[3] ?? {}, { id: 7 }))),
      'entities[3].id: must be a non-empty string',
    ],
    [
      'an empty entity name',
      () => postDoc(sampleWith((d) => Object.assign(d.entities[1] ?? {}, { name: '' }))),
      'entities[1].name: must be a non-empty string',
    ],
    [
      'an unknown entity type',
      () => postDoc(sampleWith((d) => Object.assign(d.entities[3] ?? {}, { type: 'device' }))),
      'entities[3].type: unknown entity type "device"',
    ],
    [
      'missing attributeAssignments',
      () =>
        postDoc(
          sampleWith((d) => Object.assign(d.entities[3] ?? {}, { attributeAssignments: null })),
        ),
      'entities[3].attributeAssignments: must be an array',
    ],
    [
      'an unknown entity field',
      () => postDoc(sampleWith((d) => Object.assign(d.entities[1] ?? {}, { active: true }))),
      'entities[1]: unknown field "active"',
    ],
    [
      'a duplicate (type, id)',
      () => postDoc(sampleWith((d) => d.entities.push(nth(sampleSnapshot().entities, 1)))),
      'entities[4]: duplicate entity (type "user", id "00u2bo"), first at entities[1]',
    ],
    [
      'an unknown attribute',
      () =>
        postDoc(
          sampleWith((d) =>
            d.entities[1]?.attributeAssignments.push({
              attributeTypeId: 'shoeSize',
              value: { type: 'number', value: 42 },
            }),
          ),
        ),
      'entities[1].attributeAssignments[0].attributeTypeId: unknown attribute "shoeSize" for entity type "user"',
    ],
    [
      'an attribute of another entity type',
      () =>
        postDoc(
          sampleWith((d) =>
            d.entities[3]?.attributeAssignments.push({
              attributeTypeId: 'login',
              value: { type: 'string', value: 'x' },
            }),
          ),
        ),
      'unknown attribute "login" for entity type "application"',
    ],
    [
      'a value type that differs from the declared type',
      () =>
        postDoc(
          sampleWith((d) =>
            d.entities[1]?.attributeAssignments.push({
              attributeTypeId: 'active',
              value: { type: 'string', value: 'true' },
            }),
          ),
        ),
      'value.type: "string" but attribute "active" of entity type "user" is declared "boolean"',
    ],
    [
      'a string value that is not a string',
      () =>
        postDoc(
          sampleWith((d) =>
            d.entities[1]?.attributeAssignments.push({
              attributeTypeId: 'login',
              value: { type: 'string', value: 5 as unknown as string },
            }),
          ),
        ),
      'attributeAssignments[0].value.value: a string value must be a JSON string',
    ],
    [
      'a number value encoded as a string',
      () =>
        postDoc(
          sampleWith((d) =>
            d.entities[2]?.attributeAssignments.splice(0, 1, {
              attributeTypeId: 'memberCount',
              value: { type: 'number', value: '2' as unknown as number },
            }),
          ),
        ),
      'a number value must be a finite JSON number',
    ],
    [
      'a number value that is null (NaN after JSON.stringify)',
      () =>
        postDoc(
          sampleWith((d) =>
            d.entities[2]?.attributeAssignments.splice(0, 1, {
              attributeTypeId: 'memberCount',
              value: { type: 'number', value: Number.NaN },
            }),
          ),
        ),
      'a number value must be a finite JSON number',
    ],
    [
      'a boolean value encoded as a string',
      () =>
        postDoc(
          sampleWith((d) =>
            d.entities[1]?.attributeAssignments.push({
              attributeTypeId: 'active',
              value: { type: 'boolean', value: 'true' as unknown as boolean },
            }),
          ),
        ),
      'a boolean value must be true or false',
    ],
    [
      'a dateTime encoded as an ISO string',
      () =>
        postDoc(
          sampleWith((d) =>
            d.entities[1]?.attributeAssignments.push({
              attributeTypeId: 'lastLogin',
              value: { type: 'dateTime', value: '2021-03-04T05:06:07Z' as never },
            }),
          ),
        ),
      'a dateTime value must be an object {year, month, day, hour, minute, second}',
    ],
    [
      'a dateTime with month 13',
      () =>
        postDoc(
          sampleWith((d) =>
            d.entities[1]?.attributeAssignments.push({
              attributeTypeId: 'lastLogin',
              value: { type: 'dateTime', value: { ...dateTime, month: 13 } },
            }),
          ),
        ),
      'value.value.month: must be an integer 1–12 (got 13)',
    ],
    [
      'a dateTime with a fraction of a second',
      () =>
        postDoc(
          sampleWith((d) =>
            d.entities[1]?.attributeAssignments.push({
              attributeTypeId: 'lastLogin',
              value: { type: 'dateTime', value: { ...dateTime, second: 7.5 } },
            }),
          ),
        ),
      'value.value.second: must be an integer 0–59 (got 7.5)',
    ],
    [
      'a dateTime with an extra field',
      () =>
        postDoc(
          sampleWith((d) =>
            d.entities[1]?.attributeAssignments.push({
              attributeTypeId: 'lastLogin',
              value: { type: 'dateTime', value: { ...dateTime, millisecond: 5 } as never },
            }),
          ),
        ),
      'a dateTime value has only year, month, day, hour, minute, second (unexpected millisecond)',
    ],
    [
      'a dateTime that is not a calendar date',
      () =>
        postDoc(
          sampleWith((d) =>
            d.entities[1]?.attributeAssignments.push({
              attributeTypeId: 'lastLogin',
              value: { type: 'dateTime', value: { ...dateTime, month: 2, day: 30 } },
            }),
          ),
        ),
      '2021-2-30 is not a calendar date',
    ],
    [
      'the same attribute twice in one entity',
      () =>
        postDoc(
          sampleWith((d) =>
            d.entities[0]?.attributeAssignments.push({
              attributeTypeId: 'login',
              value: { type: 'string', value: 'other@example.com' },
            }),
          ),
        ),
      'entities[0].attributeAssignments[3].attributeTypeId: attribute "login" is assigned twice',
    ],
    [
      'a relationship with an unknown entity type',
      () =>
        postDoc(
          sampleWith((d) => Object.assign(d.relationships[0] ?? {}, { fromEntityType: 'device' })),
        ),
      'relationships[0].fromEntityType: unknown entity type "device"',
    ],
    [
      'a relationship pair not in relationshipTypes',
      () =>
        postDoc(
          sampleWith((d) =>
            d.relationships.push({
              fromEntityId: '0oa1sf',
              fromEntityType: 'application',
              toEntityId: '00u1ana',
              toEntityType: 'user',
              attributeAssignments: [],
            }),
          ),
        ),
      'relationships[4]: relationship type application → user is not in the data model',
    ],
    [
      'a dangling relationship',
      () =>
        postDoc(sampleWith((d) => Object.assign(d.relationships[1] ?? {}, { toEntityId: '00gX' }))),
      'relationships[1].toEntityId: no entity of type "group" with id "00gX" in this snapshot',
    ],
    [
      'a duplicate relationship',
      () =>
        postDoc(sampleWith((d) => d.relationships.push(nth(sampleSnapshot().relationships, 0)))),
      'relationships[4]: duplicate relationship, first at relationships[0]',
    ],
    [
      'a relationship attribute of another pair',
      () =>
        postDoc(
          sampleWith((d) =>
            d.relationships[0]?.attributeAssignments.push({
              attributeTypeId: 'assignmentScope',
              value: { type: 'string', value: 'USER' },
            }),
          ),
        ),
      'unknown attribute "assignmentScope" for relationship type user → group',
    ],
    [
      'a relationship attribute of the wrong type',
      () =>
        postDoc(
          sampleWith((d) =>
            d.relationships[3]?.attributeAssignments.splice(0, 1, {
              attributeTypeId: 'priority',
              value: { type: 'string', value: '0' },
            }),
          ),
        ),
      'attribute "priority" of relationship type group → application is declared "number"',
    ],
    [
      'a relationship without attributeAssignments',
      () =>
        postDoc(
          sampleWith((d) =>
            Object.assign(d.relationships[0] ?? {}, { attributeAssignments: undefined }),
          ),
        ),
      'relationships[0].attributeAssignments: must be an array',
    ],
  ];

  it.each(rejections)('rejects %s with 400 saying so', async (_name, post, expected) => {
    const result = await post();
    expect(result.status).toBe(400);
    expect(result.errorMessage).toContain(expected);
    expect(receiver.snapshots).toEqual([]);
    expect(receiver.requests.at(-1)?.status).toBe(400);
  });

  it('reports many problems at once, capped', async () => {
    const doc = sampleWith((d) => {
      for (const e of d.entities) e.name = '';
      for (let i = 0; i < 12; i++) {
        d.entities.push({ id: `x${i}`, name: '', type: 'user', attributeAssignments: [] });
      }
    });
    const { errorMessage } = await postDoc(doc);
    expect(errorMessage).toMatch(/^snapshot rejected: entities\[0\]\.name/);
    expect(errorMessage).toContain('(and 6 more)');
  });

  it('rejects an archived attribute and checks date and time values', async () => {
    const model = await readProjectDataModel();
    const custom: DomainGraphSchema = {
      ...model,
      entityAttributeTypes: [
        ...model.entityAttributeTypes.map((a) =>
          a.entityTypeId === 'user' && a.id === 'costCenter' ? { ...a, archived: true } : a,
        ),
        { id: 'birthday', entityTypeId: 'user', type: 'date', archived: false },
        { id: 'shiftStart', entityTypeId: 'user', type: 'time', archived: false },
      ],
    };
    receiver.setDataModel(custom);
    const withValues = (values: Array<[string, unknown]>) =>
      sampleWith((d) => {
        nth(d.entities, 1).attributeAssignments = values.map(([id, value]) => ({
          attributeTypeId: id,
          value: value as never,
        }));
      });
    expect(
      await postDoc(
        withValues([
          ['birthday', { type: 'date', value: { year: 2000, month: 2, day: 29 } }],
          ['shiftStart', { type: 'time', value: { hour: 23, minute: 59, second: 59 } }],
        ]),
      ),
    ).toEqual({ status: 204 });
    const archived = await postDoc(withValues([['costCenter', { type: 'string', value: 'CC1' }]]));
    expect(archived.errorMessage).toContain(
      'attribute "costCenter" of entity type "user" is archived',
    );
    const badTime = await postDoc(
      withValues([['shiftStart', { type: 'time', value: { hour: 24, minute: 0, second: 0 } }]]),
    );
    expect(badTime.errorMessage).toContain('value.value.hour: must be an integer 0–23 (got 24)');
    const badDate = await postDoc(
      withValues([['birthday', { type: 'date', value: { year: 2001, month: 2, day: 29 } }]]),
    );
    expect(badDate.errorMessage).toContain('2001-2-29 is not a calendar date');
  });

  it('allows any pair of known types when the model has no relationshipTypes', async () => {
    const { relationshipTypes: _ignored, ...model } = await readProjectDataModel();
    receiver.setDataModel(model);
    const doc = sampleWith((d) =>
      d.relationships.push({
        fromEntityId: '0oa1sf',
        fromEntityType: 'application',
        toEntityId: '00u1ana',
        toEntityType: 'user',
        attributeAssignments: [],
      }),
    );
    expect(await postDoc(doc)).toEqual({ status: 204 });
  });

  it('answers 413 above maxBodyBytes', async () => {
    await receiver.stop();
    receiver = await startElimityReceiver({ maxBodyBytes: 16 });
    const result = await postSnapshotBytes(deflateSync(JSON.stringify(sampleSnapshot())));
    expect(result.status).toBe(413);
  });
});

describe('startElimityReceiver: routes and auth', () => {
  it('answers 404 for unknown paths and wrong source ids, 405 for wrong methods', async () => {
    const body = deflateSync(JSON.stringify(sampleSnapshot()));
    const post = (url: string) =>
      fetch(url, {
        method: 'POST',
        headers: { authorization: auth(), 'content-type': 'application/octet-stream' },
        body,
      });
    expect((await post(`${receiver.url}/api/snapshots`)).status).toBe(404);
    expect((await post(endpoint('imports'))).status).toBe(404);
    expect((await post(endpoint('constructor'))).status).toBe(404);
    const wrongSource = await post(endpoint('snapshots', '43'));
    expect(wrongSource.status).toBe(404);
    expect(await wrongSource.json()).toEqual({ errorMessage: 'source 43 not found' });
    const get = await fetch(endpoint('snapshots'), { headers: { authorization: auth() } });
    expect(get.status).toBe(405);
    expect(receiver.requests.map((r) => r.status)).toEqual([404, 404, 404, 404, 405]);
    expect(receiver.snapshots).toEqual([]);
  });

  it('answers 401 without the right Basic credentials', async () => {
    const body = deflateSync(JSON.stringify(sampleSnapshot()));
    for (const authorization of [
      undefined,
      `Basic ${Buffer.from(`${receiver.sourceId}:nope`).toString('base64')}`,
      `Bearer ${receiver.token}`,
    ]) {
      const response = await fetch(endpoint('snapshots'), {
        method: 'POST',
        headers: {
          'content-type': 'application/octet-stream',
          ...(authorization ? { authorization } : {}),
        },
        body,
      });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toContain('Basic');
    }
    expect(receiver.snapshots).toEqual([]);
  });

  it('uses the given source id and token', async () => {
    await receiver.stop();
    receiver = await startElimityReceiver({ sourceId: '42', token: 'foo' });
    const response = await fetch(endpoint('domain-graph-schema'), {
      headers: { authorization: 'Basic NDI6Zm9v' },
    });
    expect(response.status).toBe(200);
  });

  it('serves the current data model', async () => {
    const get = async () =>
      (await fetch(endpoint('domain-graph-schema'), { headers: { authorization: auth() } })).json();
    expect(await get()).toEqual(await readProjectDataModel());
    const small: DomainGraphSchema = {
      entityTypes: [{ id: 'user' }],
      entityAttributeTypes: [],
      relationshipAttributeTypes: [],
    };
    receiver.setDataModel(small);
    expect(await get()).toEqual(small);
  });

  it('failNext answers the next n snapshot posts with the given status, then recovers', async () => {
    receiver.failNext(2, 503, '{"errorMessage":"busy"}', { headers: { 'retry-after': '1' } });
    const body = deflateSync(JSON.stringify(sampleSnapshot()));
    const first = await fetch(endpoint('snapshots'), {
      method: 'POST',
      headers: { authorization: auth(), 'content-type': 'application/octet-stream' },
      body,
    });
    expect(first.status).toBe(503);
    expect(first.headers.get('retry-after')).toBe('1');
    expect(await first.json()).toEqual({ errorMessage: 'busy' });
    expect((await postSnapshotBytes(body)).status).toBe(503);
    expect((await postSnapshotBytes(body)).status).toBe(204);
    expect(receiver.snapshots).toHaveLength(1);
  });
});

describe('startElimityReceiver: connector logs', () => {
  const postLogs = async (body: string, contentType = 'application/json') => {
    const response = await fetch(endpoint('connector-logs'), {
      method: 'POST',
      headers: { authorization: auth(), 'content-type': contentType },
      body,
    });
    const text = await response.text();
    return { status: response.status, ...(text ? JSON.parse(text) : {}) };
  };

  it('appends valid logs', async () => {
    const logs = [
      { level: 'info', message: 'started', timestamp: '2025-03-07T09:15:00.123Z' },
      { level: 'alert', message: 'dropped', timestamp: '2020-01-01T00:00:00+00:00' },
    ];
    expect(await postLogs(JSON.stringify(logs))).toEqual({ status: 204 });
    expect(receiver.logs.map(({ receivedAt: _r, ...log }) => log)).toEqual(logs);
  });

  it.each([
    ['not an array', '{"level":"info"}', 'must be a JSON array'],
    [
      'a bad level',
      '[{"level":"warn","message":"m","timestamp":"2025-03-07T09:15:00Z"}]',
      '[0].level',
    ],
    ['a missing message', '[{"level":"info","timestamp":"2025-03-07T09:15:00Z"}]', '[0].message'],
    [
      'a date-only timestamp',
      '[{"level":"info","message":"m","timestamp":"2025-03-07"}]',
      '[0].timestamp',
    ],
    [
      'a numeric timestamp',
      '[{"level":"info","message":"m","timestamp":1741338900}]',
      '[0].timestamp',
    ],
    [
      'an unknown field',
      '[{"level":"info","message":"m","timestamp":"2025-03-07T09:15:00Z","x":1}]',
      'unknown field "x"',
    ],
    ['not JSON', '[{', 'not valid JSON'],
  ])('rejects %s', async (_name, body, expected) => {
    const result = await postLogs(body);
    expect(result.status).toBe(400);
    expect(result.errorMessage).toContain(expected);
    expect(receiver.logs).toEqual([]);
  });

  it('rejects a non-JSON Content-Type', async () => {
    const result = await postLogs('[]', 'text/plain');
    expect(result.errorMessage).toContain('Content-Type must be application/json');
  });
});

describe('summarizeSnapshot', () => {
  it('counts entities per type and relationships per pair', () => {
    expect(summarizeSnapshot(sampleSnapshot())).toEqual({
      entityCount: 4,
      relationshipCount: 4,
      entities: { application: 1, group: 1, user: 2 },
      relationships: { 'group->application': 1, 'user->application': 1, 'user->group': 2 },
    });
  });
});
