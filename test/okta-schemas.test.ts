import { describe, expect, it } from 'vitest';
import { DataError } from '../shared/errors';
import {
  OktaAppGroupSchema,
  OktaAppSchema,
  OktaAppUserSchema,
  OktaErrorSchema,
  OktaGroupSchema,
  OktaUserSchema,
  parseOktaObject,
  parseOktaPage,
} from '../shared/okta-schemas';

const URL = 'https://acme.okta.com/api/v1/users?after=00u0&limit=200';
const where = { resource: 'users', url: URL };

/** The DataError that `fn` throws (fails the test when it throws nothing or something else). */
function dataError(fn: () => unknown): DataError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DataError);
    return error as DataError;
  }
  throw new Error('expected a DataError');
}

describe('parseOktaPage', () => {
  it.each([
    {
      name: 'users',
      schema: OktaUserSchema,
      item: {
        id: '00u1',
        status: 'ACTIVE',
        profile: { login: 'a@example.com' },
        type: { id: 'oty1' },
        brandNewField: { nested: [1, 2] },
        _links: { self: { href: 'https://acme.okta.com/api/v1/users/00u1' } },
      },
    },
    {
      name: 'groups',
      schema: OktaGroupSchema,
      item: {
        id: '00g1',
        type: 'OKTA_GROUP',
        profile: { name: 'G' },
        _embedded: { stats: { usersCount: 1, somethingNew: true }, app: { id: '0oa1' } },
        brandNewField: 1,
      },
    },
    {
      name: 'apps',
      schema: OktaAppSchema,
      item: {
        id: '0oa1',
        name: 'x',
        orn: 'orn:okta:x',
        settings: { anything: [{ goes: null }] },
        credentials: { oauthClient: { client_id: 'abc' } },
        visibility: { hide: { web: true } },
        universalLogout: { status: 'ENABLED' },
      },
    },
    {
      name: 'app users',
      schema: OktaAppUserSchema,
      item: {
        id: '00u1',
        lastSync: '2025-01-01T00:00:00Z',
        profile: { role: ['a'] },
        passwordChanged: null,
      },
    },
    {
      name: 'app groups',
      schema: OktaAppGroupSchema,
      item: { id: '00g1', priority: 0, profile: { role: 'x' }, _links: {} },
    },
  ])('accepts $name with unknown fields', ({ schema, item }) => {
    const page = parseOktaPage<unknown>(schema, [item, item], where);
    expect(page).toHaveLength(2);
  });

  it('keeps custom profile attributes and drops unknown top-level fields', () => {
    const [user] = parseOktaPage(
      OktaUserSchema,
      [{ id: '00u1', profile: { login: 'a', costCenterCodes: [4100] }, unknown: 1 }],
      where,
    );
    expect(user).toEqual({ id: '00u1', profile: { login: 'a', costCenterCodes: [4100] } });
  });

  it('returns an empty array for an empty page', () => {
    expect(parseOktaPage(OktaUserSchema, [], where)).toEqual([]);
  });

  it.each([
    { name: 'an object', body: { errorCode: 'E0000047' }, received: 'object' },
    { name: 'null', body: null, received: 'null' },
    { name: 'a string', body: '<html>', received: 'string' },
    { name: 'undefined', body: undefined, received: 'undefined' },
  ])('rejects $name as a page, naming resource and URL', ({ body, received }) => {
    const error = dataError(() => parseOktaPage(OktaUserSchema, body, where));
    expect(error.message).toBe(
      `okta users page ${URL}: expected a JSON array but received ${received}`,
    );
    expect(error.where).toBe(`okta users page ${URL}`);
  });

  it('names the index and field of an item without id', () => {
    const body = [{ id: '00u0', profile: {} }, { profile: { login: 'a' } }];
    const error = dataError(() => parseOktaPage(OktaUserSchema, body, where));
    expect(error.message).toBe(`okta users page ${URL}: item 1: id: missing`);
  });

  it('names the index, id, field path and problem of a bad item', () => {
    const body = Array.from({ length: 18 }, (_, i) => ({ id: `00u${i}`, profile: {} }));
    body[17] = { id: '00uabc', profile: 'x' as unknown as Record<string, never> };
    const error = dataError(() => parseOktaPage(OktaUserSchema, body, where));
    expect(error.message).toBe(
      `okta users page ${URL}: item 17 (id 00uabc): profile: expected object but received "x"`,
    );
  });

  it.each([
    {
      name: 'an empty id',
      item: { id: '', profile: {} },
      problem: 'item 0: id: expected a non-empty string',
    },
    {
      name: 'a numeric id',
      item: { id: 7, profile: {} },
      problem: 'item 0: id: expected string but received 7',
    },
    {
      name: 'a missing profile',
      item: { id: '00u1' },
      problem: 'item 0 (id 00u1): profile: missing',
    },
    {
      name: 'a null profile',
      item: { id: '00u1', profile: null },
      problem: 'item 0 (id 00u1): profile: expected object but received null',
    },
    { name: 'a non-object item', item: 'x', problem: 'item 0: expected object but received "x"' },
    {
      name: 'a nested bad field',
      item: { id: '00u1', profile: {}, credentials: { provider: { type: 5 } } },
      problem: 'item 0 (id 00u1): credentials.provider.type: expected string but received 5',
    },
    {
      name: 'several problems',
      item: { id: '00u1', profile: {}, status: 1, created: 2 },
      problem: 'item 0 (id 00u1): status: expected string but received 1 (and 1 more issues)',
    },
    {
      name: 'a long received value',
      item: { id: '00u1', profile: 'y'.repeat(200) },
      problem: `item 0 (id 00u1): profile: expected object but received "${'y'.repeat(59)}…`,
    },
  ])('describes $name on one line', ({ item, problem }) => {
    const error = dataError(() => parseOktaPage(OktaUserSchema, [item], where));
    expect(error.message).toBe(`okta users page ${URL}: ${problem}`);
    expect(error.message).not.toMatch(/\n/);
  });

  it.each([
    {
      name: 'custom attributes of every JSON type',
      raw: { profile: { a: 's', b: 1, c: true, d: [1, 'x'], e: { f: null }, g: null } },
    },
    {
      name: 'base attributes of odd types',
      raw: { profile: { department: 42, title: ['a'], login: { x: 1 }, email: null } },
    },
    { name: 'an unknown status', raw: { profile: {}, status: 'ACTIVATING' } },
    { name: 'an unparsable timestamp', raw: { profile: {}, lastLogin: 'yesterday', created: '' } },
    {
      name: 'null timestamps',
      raw: { profile: {}, lastLogin: null, activated: null, statusChanged: null },
    },
    { name: 'a null credentials provider', raw: { profile: {}, credentials: { provider: null } } },
  ])('accepts a user with $name', ({ raw }) => {
    expect(parseOktaPage(OktaUserSchema, [{ id: '00u1', ...raw }], where)).toHaveLength(1);
  });

  it.each([
    { name: 'a string usersCount', raw: { _embedded: { stats: { usersCount: '5' } } } },
    { name: 'null _embedded', raw: { _embedded: null, objectClass: null, type: null } },
    { name: 'an unknown type', raw: { type: 'SOME_NEW_TYPE', objectClass: ['okta:new'] } },
    { name: 'odd profile values', raw: { profile: { name: 5, description: ['x'], dn: null } } },
  ])('accepts a group with $name', ({ raw }) => {
    const item = { id: '00g1', profile: {}, ...raw };
    expect(parseOktaPage(OktaGroupSchema, [item], { resource: 'groups', url: URL })).toHaveLength(
      1,
    );
  });

  it.each([
    { name: 'null name and label', raw: { name: null, label: null } },
    { name: 'empty features', raw: { features: [] } },
    { name: 'an unknown sign-on mode', raw: { signOnMode: 'QUANTUM_SSO', status: 'DELETED' } },
  ])('accepts an app with $name', ({ raw }) => {
    expect(parseOktaPage(OktaAppSchema, [{ id: '0oa1', ...raw }], where)).toHaveLength(1);
  });

  it('rejects an app whose label is not a string', () => {
    const error = dataError(() =>
      parseOktaPage(OktaAppSchema, [{ id: '0oa1', label: 5 }], { resource: 'apps', url: URL }),
    );
    expect(error.message).toBe(
      `okta apps page ${URL}: item 0 (id 0oa1): label: expected string but received 5`,
    );
  });
});

describe('parseOktaObject', () => {
  const url = 'https://acme.okta.com/api/v1/groups/00g1';

  it('returns the validated object', () => {
    const group = parseOktaObject(
      OktaGroupSchema,
      { id: '00g1', profile: { name: 'G' }, x: 1 },
      { resource: 'group', url },
    );
    expect(group).toEqual({ id: '00g1', profile: { name: 'G' } });
  });

  it.each([
    {
      body: { id: '00g1', profile: 5 },
      message: `okta group ${url}: id 00g1: profile: expected object but received 5`,
    },
    { body: { profile: {} }, message: `okta group ${url}: id: missing` },
    { body: null, message: `okta group ${url}: expected object but received null` },
  ])('throws a DataError: $message', ({ body, message }) => {
    const error = dataError(() =>
      parseOktaObject(OktaGroupSchema, body, { resource: 'group', url }),
    );
    expect(error.message).toBe(message);
  });
});

describe('OktaErrorSchema', () => {
  it.each([
    {
      name: 'a rate-limit body',
      body: {
        errorCode: 'E0000047',
        errorSummary: 'API call exceeded rate limit due to too many requests.',
        errorLink: 'E0000047',
        errorId: 'oaeZ9yX8wV7uT6sR5qP4o3n',
        errorCauses: [],
      },
    },
    { name: 'an empty body', body: {} },
    {
      name: 'causes with extra fields',
      body: { errorCode: 'E0000001', errorCauses: [{ errorSummary: 'x', reason: 'y' }] },
    },
  ])('accepts $name', ({ body }) => {
    expect(parseOktaObject(OktaErrorSchema, body, { resource: 'error', url: URL })).toMatchObject(
      Object.fromEntries(Object.entries(body).filter(([key]) => key !== 'errorCauses')),
    );
  });
});
