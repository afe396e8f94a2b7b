import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import type { AttributeAssignment, DateTimeFields, Entity, Value } from '../shared/elimity-model';
import {
  OktaAppGroupSchema,
  OktaAppSchema,
  OktaAppUserSchema,
  OktaGroupSchema,
  OktaUserSchema,
} from '../shared/okta-schemas';
import {
  toAppGroupRelationship,
  toApplicationEntity,
  toAppUserRelationship,
} from '../shared/transform/apps';
import { toGroupEntity, toGroupMembershipRelationship } from '../shared/transform/groups';
import { toUserEntity } from '../shared/transform/users';
import {
  booleanValue,
  dateTimeValue,
  numberValue,
  stringValue,
  toDateTime,
  toText,
} from '../shared/transform/values';

// Inputs go through the real schemas first, as they do in production.
const user = (raw: Record<string, unknown>) =>
  v.parse(OktaUserSchema, { id: '00u1', profile: {}, ...raw });
const group = (raw: Record<string, unknown>) =>
  v.parse(OktaGroupSchema, { id: '00g1', profile: {}, ...raw });
const app = (raw: Record<string, unknown>) => v.parse(OktaAppSchema, { id: '0oa1', ...raw });
const appUser = (raw: Record<string, unknown>) =>
  v.parse(OktaAppUserSchema, { id: '00u1', ...raw });
const appGroup = (raw: Record<string, unknown>) =>
  v.parse(OktaAppGroupSchema, { id: '00g1', ...raw });

const str = (attributeTypeId: string, value: string): AttributeAssignment => ({
  attributeTypeId,
  value: { type: 'string', value },
});
const num = (attributeTypeId: string, value: number): AttributeAssignment => ({
  attributeTypeId,
  value: { type: 'number', value },
});
const bool = (attributeTypeId: string, value: boolean): AttributeAssignment => ({
  attributeTypeId,
  value: { type: 'boolean', value },
});
const dt = (attributeTypeId: string, value: DateTimeFields): AttributeAssignment => ({
  attributeTypeId,
  value: { type: 'dateTime', value },
});
const at = (
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
): DateTimeFields => ({ year, month, day, hour, minute, second });

/** The assignment with this id, or undefined. */
const find = (entity: { attributeAssignments: AttributeAssignment[] }, id: string) =>
  entity.attributeAssignments.find((assignment) => assignment.attributeTypeId === id)?.value;
const ids = (entity: { attributeAssignments: AttributeAssignment[] }) =>
  entity.attributeAssignments.map((assignment) => assignment.attributeTypeId);

describe('toDateTime', () => {
  it.each([
    { name: 'with millis', input: '2021-03-04T05:06:07.000Z', expected: at(2021, 3, 4, 5, 6, 7) },
    { name: 'without millis', input: '2021-03-04T05:06:07Z', expected: at(2021, 3, 4, 5, 6, 7) },
    {
      name: 'drops the fraction',
      input: '2021-03-04T05:06:07.999Z',
      expected: at(2021, 3, 4, 5, 6, 7),
    },
    {
      name: 'microseconds',
      input: '2021-03-04T05:06:07.123456Z',
      expected: at(2021, 3, 4, 5, 6, 7),
    },
    {
      name: 'Unix 1668603363',
      input: '2022-11-16T12:56:03.000Z',
      expected: at(2022, 11, 16, 12, 56, 3),
    },
    {
      name: 'Unix 1668603363 via Date',
      input: new Date(1668603363 * 1000).toISOString(),
      expected: at(2022, 11, 16, 12, 56, 3),
    },
    {
      name: '+02:00 to UTC',
      input: '2021-03-04T01:30:00+02:00',
      expected: at(2021, 3, 3, 23, 30, 0),
    },
    {
      name: '-05:30 to UTC',
      input: '2021-01-01T00:30:00-05:30',
      expected: at(2021, 1, 1, 6, 0, 0),
    },
    {
      name: 'offset without colon',
      input: '2021-03-04T05:06:07+0200',
      expected: at(2021, 3, 4, 3, 6, 7),
    },
    {
      name: 'offset crossing a year',
      input: '2020-12-31T23:59:59.999-01:00',
      expected: at(2021, 1, 1, 0, 59, 59),
    },
    { name: 'no seconds', input: '2021-03-04T05:06Z', expected: at(2021, 3, 4, 5, 6, 0) },
    { name: 'leap day', input: '2024-02-29T12:00:00Z', expected: at(2024, 2, 29, 12, 0, 0) },
    {
      name: 'lower-case t and z',
      input: '2021-03-04t05:06:07z',
      expected: at(2021, 3, 4, 5, 6, 7),
    },
    {
      name: 'before 1970',
      input: '1969-12-31T23:59:59.500Z',
      expected: at(1969, 12, 31, 23, 59, 59),
    },
  ])('parses $name', ({ input, expected }) => {
    expect(toDateTime(input)).toEqual(expected);
  });

  it.each([
    { name: 'empty string', input: '' },
    { name: 'text', input: 'not a date' },
    { name: '30 February', input: '2021-02-30T00:00:00Z' },
    { name: '29 February of a common year', input: '2023-02-29T00:00:00Z' },
    { name: 'month 13', input: '2021-13-01T00:00:00Z' },
    { name: 'hour 24', input: '2021-03-04T24:00:00Z' },
    { name: 'second 60', input: '2021-03-04T05:06:60Z' },
    { name: 'no zone (would be local time)', input: '2021-03-04T05:06:07' },
    { name: 'date only', input: '2021-03-04' },
    { name: 'RFC 2822', input: 'Thu, 04 Mar 2021 05:06:07 GMT' },
    { name: 'a Unix number', input: 1668603363 },
    { name: 'null', input: null },
    { name: 'undefined', input: undefined },
    { name: 'an object', input: { year: 2021 } },
  ])('leaves out $name', ({ input }) => {
    expect(toDateTime(input)).toBeUndefined();
  });
});

describe('value builders', () => {
  it.each([
    { name: 'a string verbatim', input: 'Sales', expected: 'Sales' },
    { name: 'HTML verbatim', input: '<b>Sales</b>', expected: '<b>Sales</b>' },
    // data-model.md leaves out only null, absent and the empty string.
    { name: 'only spaces verbatim', input: ' ', expected: ' ' },
    { name: 'only whitespace verbatim', input: ' \t\n', expected: ' \t\n' },
    { name: 'surrounding spaces kept verbatim', input: ' Sales ', expected: ' Sales ' },
    { name: 'an empty string as none', input: '', expected: undefined },
    { name: 'null as none', input: null, expected: undefined },
    { name: 'undefined as none', input: undefined, expected: undefined },
    { name: 'a number as text', input: 42, expected: '42' },
    { name: 'zero as text', input: 0, expected: '0' },
    { name: 'a fraction as text', input: 1.5, expected: '1.5' },
    { name: 'true as text', input: true, expected: 'true' },
    { name: 'false as text', input: false, expected: 'false' },
    { name: 'a string array joined', input: ['a', 'b'], expected: 'a, b' },
    { name: 'a number array joined', input: [4100, 4120], expected: '4100, 4120' },
    {
      name: 'a mixed array, scalars only',
      input: ['a', { x: 1 }, 2, null, '', true],
      expected: 'a, 2, true',
    },
    { name: 'an empty array as none', input: [], expected: undefined },
    { name: 'an array of nothing as none', input: [null, '', {}], expected: undefined },
    { name: 'an object as none', input: { a: 1 }, expected: undefined },
  ])('toText takes $name', ({ input, expected }) => {
    expect(toText(input)).toBe(expected);
    const value: Value | undefined =
      expected === undefined ? undefined : { type: 'string', value: expected };
    expect(stringValue(input)).toEqual(value);
  });

  it.each([
    { input: 0, expected: { type: 'number', value: 0 } },
    { input: 58, expected: { type: 'number', value: 58 } },
    { input: -1.5, expected: { type: 'number', value: -1.5 } },
    { input: '3', expected: undefined },
    { input: true, expected: undefined },
    { input: null, expected: undefined },
    { input: undefined, expected: undefined },
    { input: Number.NaN, expected: undefined },
    { input: Number.POSITIVE_INFINITY, expected: undefined },
  ])('numberValue($input) is $expected', ({ input, expected }) => {
    expect(numberValue(input)).toEqual(expected);
  });

  it.each([
    { input: true, expected: { type: 'boolean', value: true } },
    { input: false, expected: { type: 'boolean', value: false } },
    { input: 'true', expected: undefined },
    { input: 1, expected: undefined },
    { input: null, expected: undefined },
  ])('booleanValue($input) is $expected', ({ input, expected }) => {
    expect(booleanValue(input)).toEqual(expected);
  });

  it('dateTimeValue wraps toDateTime', () => {
    expect(dateTimeValue('2022-11-16T12:56:03Z')).toEqual({
      type: 'dateTime',
      value: at(2022, 11, 16, 12, 56, 3),
    });
    expect(dateTimeValue('garbage')).toBeUndefined();
  });
});

describe('toUserEntity', () => {
  it('maps the worked example of data-model.md', () => {
    const input = user({
      id: '00u1',
      profile: {
        login: 'ana@example.com',
        firstName: 'Ana',
        lastName: 'Lima',
        email: 'ana@example.com',
      },
      status: 'DEPROVISIONED',
      lastLogin: null,
      created: '2021-03-04T05:06:07.000Z',
    });
    const expected: Entity = {
      id: '00u1',
      type: 'user',
      name: 'Ana Lima',
      attributeAssignments: [
        str('login', 'ana@example.com'),
        str('email', 'ana@example.com'),
        str('firstName', 'Ana'),
        str('lastName', 'Lima'),
        str('status', 'DEPROVISIONED'),
        bool('active', false),
        dt('created', at(2021, 3, 4, 5, 6, 7)),
      ],
    };
    expect(toUserEntity(input)).toEqual(expected);
  });

  it('maps every field of a full user, in data-model order', () => {
    const input = user({
      id: '00u8k2ab3CDefGH4i5d7',
      status: 'ACTIVE',
      created: '2023-02-10T14:03:27.000Z',
      activated: '2023-02-10T14:05:01.000Z',
      statusChanged: '2023-02-10T14:05:01.000Z',
      lastLogin: '2025-11-04T08:00:00.000Z',
      lastUpdated: '2025-11-02T07:41:09.000Z',
      passwordChanged: '2023-02-10T14:05:02.000Z',
      type: { id: 'oty1a2b3c4D5e6F7g8h9' },
      profile: {
        login: 'ines.peeters@example.com',
        email: 'ines@example.com',
        firstName: 'Inès',
        lastName: 'Peeters',
        displayName: 'Inès P.',
        userType: 'Employee',
        title: 'Controller',
        department: 'Finance',
        division: 'EMEA',
        organization: 'Example NV',
        costCenter: 'CC-4100',
        employeeNumber: 'E-10442',
        manager: 'Jan Janssens',
        managerId: '00u7zz9yX8WvU7tS6r5q',
        countryCode: 'BE',
      },
      credentials: { provider: { type: 'ACTIVE_DIRECTORY', name: 'corp.example.com' } },
    });
    expect(toUserEntity(input)).toEqual({
      id: '00u8k2ab3CDefGH4i5d7',
      type: 'user',
      name: 'Inès P.',
      attributeAssignments: [
        str('login', 'ines.peeters@example.com'),
        str('email', 'ines@example.com'),
        str('firstName', 'Inès'),
        str('lastName', 'Peeters'),
        str('displayName', 'Inès P.'),
        str('status', 'ACTIVE'),
        bool('active', true),
        str('userType', 'Employee'),
        str('title', 'Controller'),
        str('department', 'Finance'),
        str('division', 'EMEA'),
        str('organization', 'Example NV'),
        str('costCenter', 'CC-4100'),
        str('employeeNumber', 'E-10442'),
        str('manager', 'Jan Janssens'),
        str('managerId', '00u7zz9yX8WvU7tS6r5q'),
        str('countryCode', 'BE'),
        str('credentialProvider', 'ACTIVE_DIRECTORY'),
        str('credentialProviderName', 'corp.example.com'),
        dt('created', at(2023, 2, 10, 14, 3, 27)),
        dt('activated', at(2023, 2, 10, 14, 5, 1)),
        dt('statusChanged', at(2023, 2, 10, 14, 5, 1)),
        dt('lastLogin', at(2025, 11, 4, 8, 0, 0)),
        dt('lastUpdated', at(2025, 11, 2, 7, 41, 9)),
        dt('passwordChanged', at(2023, 2, 10, 14, 5, 2)),
      ],
    });
  });

  it.each([
    { status: 'STAGED', active: false },
    { status: 'PROVISIONED', active: false },
    { status: 'ACTIVE', active: true },
    { status: 'RECOVERY', active: true },
    { status: 'LOCKED_OUT', active: true },
    { status: 'PASSWORD_EXPIRED', active: true },
    { status: 'SUSPENDED', active: false },
    { status: 'DEPROVISIONED', active: false },
    { status: 'ACTIVATING', active: false },
    { status: 'SOME_FUTURE_STATUS', active: false },
    { status: 'active', active: false },
  ])('status $status passes through with active $active', ({ status, active }) => {
    const entity = toUserEntity(user({ status }));
    expect(find(entity, 'status')).toEqual({ type: 'string', value: status });
    expect(find(entity, 'active')).toEqual({ type: 'boolean', value: active });
  });

  it.each([
    { name: 'absent', raw: {} },
    { name: 'null', raw: { status: null } },
    { name: 'empty', raw: { status: '' } },
  ])('a $name status is left out and active is false', ({ raw }) => {
    const entity = toUserEntity(user(raw));
    expect(find(entity, 'status')).toBeUndefined();
    expect(find(entity, 'active')).toEqual({ type: 'boolean', value: false });
  });

  const profileFields = [
    'login',
    'email',
    'firstName',
    'lastName',
    'displayName',
    'userType',
    'title',
    'department',
    'division',
    'organization',
    'costCenter',
    'employeeNumber',
    'manager',
    'managerId',
    'countryCode',
  ];
  const timestampFields = [
    'created',
    'activated',
    'statusChanged',
    'lastLogin',
    'lastUpdated',
    'passwordChanged',
  ];
  const missing = [
    { kind: 'null', value: null },
    { kind: 'absent', value: undefined },
    { kind: 'empty string', value: '' },
  ];

  it.each(profileFields.flatMap((field) => missing.map((m) => ({ field, ...m }))))(
    'leaves out profile.$field when $kind',
    ({ field, value }) => {
      const profile = value === undefined ? {} : { [field]: value };
      const entity = toUserEntity(user({ profile }));
      expect(ids(entity)).toEqual(['active']);
    },
  );

  it.each(timestampFields.flatMap((field) => missing.map((m) => ({ field, ...m }))))(
    'leaves out $field when $kind',
    ({ field, value }) => {
      const raw = value === undefined ? {} : { [field]: value };
      expect(ids(toUserEntity(user(raw)))).toEqual(['active']);
    },
  );

  it.each(timestampFields)('leaves out an unparsable %s', (field) => {
    expect(ids(toUserEntity(user({ [field]: 'yesterday' })))).toEqual(['active']);
  });

  it.each([
    { name: 'missing credentials', raw: {} },
    { name: 'null credentials', raw: { credentials: null } },
    { name: 'credentials without provider', raw: { credentials: { password: {} } } },
    { name: 'a null provider', raw: { credentials: { provider: null } } },
    { name: 'an empty provider', raw: { credentials: { provider: { type: '', name: null } } } },
  ])('leaves out the credential provider with $name', ({ raw }) => {
    expect(ids(toUserEntity(user(raw)))).toEqual(['active']);
  });

  it('maps the credential provider type and name', () => {
    const entity = toUserEntity(
      user({ credentials: { provider: { type: 'LDAP', name: 'ldap.example.com' } } }),
    );
    expect(find(entity, 'credentialProvider')).toEqual({ type: 'string', value: 'LDAP' });
    expect(find(entity, 'credentialProviderName')).toEqual({
      type: 'string',
      value: 'ldap.example.com',
    });
  });

  it.each([
    {
      name: 'displayName',
      profile: {
        displayName: 'Ana L.',
        firstName: 'Ana',
        lastName: 'Lima',
        login: 'ana@example.com',
      },
      expected: 'Ana L.',
    },
    {
      name: 'first + last',
      profile: { firstName: 'Ana', lastName: 'Lima', login: 'a@example.com' },
      expected: 'Ana Lima',
    },
    {
      name: 'only first',
      profile: { firstName: 'Ana', login: 'ana@example.com' },
      expected: 'Ana',
    },
    {
      name: 'only last',
      profile: { lastName: 'Lima', login: 'ana@example.com' },
      expected: 'Lima',
    },
    {
      name: 'first + " " + last, trimmed as a whole',
      profile: { firstName: ' Ana ', lastName: ' Lima ' },
      expected: 'Ana   Lima',
    },
    {
      name: 'displayName verbatim',
      profile: { displayName: ' Ana L. ', firstName: 'Ana' },
      expected: ' Ana L. ',
    },
    {
      name: 'first + last past a blank displayName',
      profile: { displayName: '   ', firstName: 'Ana', lastName: 'Lima' },
      expected: 'Ana Lima',
    },
    {
      name: 'login past blank first and last names',
      profile: { firstName: '  ', lastName: ' ', login: 'ana@example.com' },
      expected: 'ana@example.com',
    },
    {
      name: 'blank first + last',
      profile: { firstName: ' ', lastName: '', login: 'ana@example.com' },
      expected: 'ana@example.com',
    },
    { name: 'empty displayName', profile: { displayName: '', firstName: 'Ana' }, expected: 'Ana' },
    {
      name: 'null displayName',
      profile: { displayName: null, lastName: 'Lima' },
      expected: 'Lima',
    },
    { name: 'login', profile: { login: 'ana@example.com' }, expected: 'ana@example.com' },
    { name: 'id', profile: {}, expected: '00u1' },
    {
      name: 'id when all are empty',
      profile: { displayName: '', firstName: null, login: '' },
      expected: '00u1',
    },
    { name: 'a numeric displayName', profile: { displayName: 7 }, expected: '7' },
    {
      name: 'an object displayName',
      profile: { displayName: { a: 1 }, login: 'x@example.com' },
      expected: 'x@example.com',
    },
  ])('names the user by $name', ({ profile, expected }) => {
    expect(toUserEntity(user({ profile })).name).toBe(expected);
  });

  it.each([
    { name: 'string', value: 'x' },
    { name: 'number', value: 42 },
    { name: 'boolean', value: true },
    { name: 'array', value: [4100, 'a', null] },
    { name: 'object', value: { nested: { deep: [1] } } },
    { name: 'null', value: null },
  ])('ignores a custom attribute of type $name', ({ value }) => {
    const base = { login: 'ana@example.com', department: 'Finance' };
    const plain = toUserEntity(user({ status: 'ACTIVE', profile: base }));
    const custom = toUserEntity(
      user({ status: 'ACTIVE', profile: { ...base, customField: value } }),
    );
    expect(custom).toEqual(plain);
  });

  it.each([
    { name: 'a number', value: 42, expected: { type: 'string', value: '42' } },
    {
      name: 'an array',
      value: ['Finance', 'Legal'],
      expected: { type: 'string', value: 'Finance, Legal' },
    },
    { name: 'an empty array', value: [], expected: undefined },
    { name: 'a boolean', value: false, expected: { type: 'string', value: 'false' } },
    { name: 'an object', value: { name: 'Finance' }, expected: undefined },
    {
      name: 'an HTML string',
      value: '<img src=x onerror=alert(1)>',
      expected: { type: 'string', value: '<img src=x onerror=alert(1)>' },
    },
  ])('maps a base profile field holding $name', ({ value, expected }) => {
    const entity = toUserEntity(user({ profile: { department: value } }));
    expect(find(entity, 'department')).toEqual(expected);
  });

  it('converts offsets to UTC and drops fractions', () => {
    const entity = toUserEntity(
      user({ lastLogin: '2025-01-01T01:30:15.999+02:00', created: '2021-03-04T05:06:07Z' }),
    );
    expect(find(entity, 'lastLogin')).toEqual({
      type: 'dateTime',
      value: at(2024, 12, 31, 23, 30, 15),
    });
    expect(find(entity, 'created')).toEqual({ type: 'dateTime', value: at(2021, 3, 4, 5, 6, 7) });
  });
});

describe('toGroupEntity', () => {
  const times = {
    created: '2022-06-01T09:00:00.000Z',
    lastUpdated: '2024-01-15T10:20:30.000Z',
    lastMembershipUpdated: '2025-11-03T06:00:12.000Z',
  };
  const timeAssignments = [
    dt('created', at(2022, 6, 1, 9, 0, 0)),
    dt('lastUpdated', at(2024, 1, 15, 10, 20, 30)),
    dt('lastMembershipUpdated', at(2025, 11, 3, 6, 0, 12)),
  ];

  it.each([
    {
      name: 'an OKTA_GROUP',
      raw: {
        id: '00g1',
        type: 'OKTA_GROUP',
        objectClass: ['okta:user_group'],
        profile: { name: 'Finance', description: 'Finance team' },
        _embedded: { stats: { usersCount: 12, appsCount: 1 } },
        ...times,
      },
      expected: {
        id: '00g1',
        type: 'group',
        name: 'Finance',
        attributeAssignments: [
          str('description', 'Finance team'),
          str('groupType', 'OKTA_GROUP'),
          str('objectClass', 'okta:user_group'),
          num('memberCount', 12),
          ...timeAssignments,
        ],
      },
    },
    {
      name: 'an APP_GROUP from AD',
      raw: {
        id: '00g3p9qrST1uvWX2yZ0a',
        type: 'APP_GROUP',
        objectClass: ['okta:windows_security_principal'],
        profile: {
          name: 'GG-Finance-Readers',
          description: 'Finance read access',
          dn: 'CN=GG-Finance-Readers,OU=Groups,DC=corp,DC=example,DC=com',
          samAccountName: 'GG-Finance-Readers',
        },
        _embedded: { stats: { usersCount: 58 }, app: { id: '0oa1ad', name: 'active_directory' } },
        _links: { source: { href: 'https://acme.okta.com/api/v1/apps/0oa1ad' } },
        ...times,
      },
      expected: {
        id: '00g3p9qrST1uvWX2yZ0a',
        type: 'group',
        name: 'GG-Finance-Readers',
        attributeAssignments: [
          str('description', 'Finance read access'),
          str('groupType', 'APP_GROUP'),
          str('objectClass', 'okta:windows_security_principal'),
          num('memberCount', 58),
          ...timeAssignments,
        ],
      },
    },
    {
      name: 'Everyone (BUILT_IN)',
      raw: {
        id: '00gEveryone',
        type: 'BUILT_IN',
        objectClass: ['okta:user_group'],
        profile: { name: 'Everyone', description: 'All users in your organization' },
        ...times,
      },
      expected: {
        id: '00gEveryone',
        type: 'group',
        name: 'Everyone',
        attributeAssignments: [
          str('description', 'All users in your organization'),
          str('groupType', 'BUILT_IN'),
          str('objectClass', 'okta:user_group'),
          ...timeAssignments,
        ],
      },
    },
    {
      name: 'a bare group',
      raw: {
        id: '00g9',
        profile: { name: null, description: '' },
        objectClass: [],
        lastUpdated: null,
      },
      expected: { id: '00g9', type: 'group', name: '00g9', attributeAssignments: [] },
    },
  ])('maps $name', ({ raw, expected }) => {
    expect(toGroupEntity(group(raw))).toEqual(expected);
  });

  it.each([
    {
      name: 'stats present',
      embedded: { stats: { usersCount: 3 } },
      expected: num('memberCount', 3),
    },
    { name: 'stats zero', embedded: { stats: { usersCount: 0 } }, expected: num('memberCount', 0) },
    { name: 'stats absent', embedded: undefined, expected: undefined },
    { name: '_embedded null', embedded: null, expected: undefined },
    { name: '_embedded without stats', embedded: { app: { id: '0oa1' } }, expected: undefined },
    { name: 'usersCount null', embedded: { stats: { usersCount: null } }, expected: undefined },
    { name: 'usersCount a string', embedded: { stats: { usersCount: '5' } }, expected: undefined },
  ])('memberCount with $name', ({ embedded, expected }) => {
    const raw = embedded === undefined ? {} : { _embedded: embedded };
    const assignment = toGroupEntity(group(raw)).attributeAssignments.find(
      (a) => a.attributeTypeId === 'memberCount',
    );
    expect(assignment).toEqual(expected);
  });

  it.each([
    {
      objectClass: ['okta:user_group', 'okta:windows_security_principal'],
      expected: 'okta:user_group, okta:windows_security_principal',
    },
    { objectClass: ['okta:user_group'], expected: 'okta:user_group' },
    { objectClass: [], expected: undefined },
    { objectClass: null, expected: undefined },
  ])('joins objectClass $objectClass', ({ objectClass, expected }) => {
    const entity = toGroupEntity(group({ objectClass }));
    expect(find(entity, 'objectClass')).toEqual(
      expected === undefined ? undefined : { type: 'string', value: expected },
    );
  });

  it.each([
    { profile: { name: 'Finance' }, expected: 'Finance' },
    { profile: { name: ' Finance ' }, expected: ' Finance ' },
    { profile: { name: '   ' }, expected: '00g1' },
    { profile: { name: '' }, expected: '00g1' },
    { profile: { name: null }, expected: '00g1' },
    { profile: {}, expected: '00g1' },
  ])('names the group $expected from $profile', ({ profile, expected }) => {
    expect(toGroupEntity(group({ profile })).name).toBe(expected);
  });

  it('ignores unknown and odd profile attributes', () => {
    const entity = toGroupEntity(
      group({
        profile: { name: 'G', description: { html: true }, custom: [1, 2] },
        unknownField: 1,
      }),
    );
    expect(entity).toEqual({ id: '00g1', type: 'group', name: 'G', attributeAssignments: [] });
  });
});

describe('toApplicationEntity', () => {
  it.each([
    {
      name: 'an active SAML app with features',
      raw: {
        id: '0oa5salesfrcE1xmp7',
        name: 'salesforce',
        label: 'Salesforce (Prod)',
        status: 'ACTIVE',
        signOnMode: 'SAML_2_0',
        created: '2021-09-14T12:00:00.000Z',
        lastUpdated: '2025-05-20T16:45:10.000Z',
        features: ['PUSH_NEW_USERS', 'PUSH_USER_DEACTIVATION', 'IMPORT_NEW_USERS'],
        settings: { app: { instanceType: 'PRODUCTION' } },
        credentials: { signing: { kid: 'k1' }, userNameTemplate: { type: 'BUILT_IN' } },
      },
      expected: {
        id: '0oa5salesfrcE1xmp7',
        type: 'application',
        name: 'Salesforce (Prod)',
        attributeAssignments: [
          str('appName', 'salesforce'),
          str('status', 'ACTIVE'),
          bool('active', true),
          str('signOnMode', 'SAML_2_0'),
          str('features', 'PUSH_NEW_USERS, PUSH_USER_DEACTIVATION, IMPORT_NEW_USERS'),
          dt('created', at(2021, 9, 14, 12, 0, 0)),
          dt('lastUpdated', at(2025, 5, 20, 16, 45, 10)),
        ],
      },
    },
    {
      name: 'an inactive bookmark with empty features',
      raw: {
        id: '0oa2',
        name: 'bookmark',
        label: 'Wiki',
        status: 'INACTIVE',
        signOnMode: 'BOOKMARK',
        features: [],
      },
      expected: {
        id: '0oa2',
        type: 'application',
        name: 'Wiki',
        attributeAssignments: [
          str('appName', 'bookmark'),
          str('status', 'INACTIVE'),
          bool('active', false),
          str('signOnMode', 'BOOKMARK'),
        ],
      },
    },
    {
      name: 'an app without features, status or sign-on mode',
      raw: { id: '0oa3', name: 'oidc_client', label: 'Portal' },
      expected: {
        id: '0oa3',
        type: 'application',
        name: 'Portal',
        attributeAssignments: [str('appName', 'oidc_client'), bool('active', false)],
      },
    },
    {
      name: 'an unknown sign-on mode and status',
      raw: {
        id: '0oa4',
        label: 'Future',
        status: 'DELETED',
        signOnMode: 'QUANTUM_SSO',
        features: null,
      },
      expected: {
        id: '0oa4',
        type: 'application',
        name: 'Future',
        attributeAssignments: [
          str('status', 'DELETED'),
          bool('active', false),
          str('signOnMode', 'QUANTUM_SSO'),
        ],
      },
    },
  ])('maps $name', ({ raw, expected }) => {
    expect(toApplicationEntity(app(raw))).toEqual(expected);
  });

  it.each([
    { raw: { label: 'Salesforce', name: 'salesforce' }, expected: 'Salesforce' },
    { raw: { label: '', name: 'salesforce' }, expected: 'salesforce' },
    { raw: { label: null, name: 'salesforce' }, expected: 'salesforce' },
    { raw: { name: 'salesforce' }, expected: 'salesforce' },
    { raw: {}, expected: '0oa1' },
  ])('names the app $expected from $raw', ({ raw, expected }) => {
    expect(toApplicationEntity(app(raw)).name).toBe(expected);
  });
});

describe('relationships', () => {
  it('makes a user a member of a group, without attributes', () => {
    expect(toGroupMembershipRelationship('00u1', '00g1')).toEqual({
      fromEntityId: '00u1',
      fromEntityType: 'user',
      toEntityId: '00g1',
      toEntityType: 'group',
      attributeAssignments: [],
    });
  });

  it.each([
    {
      name: 'a direct assignment with null externalId and no credentials',
      raw: {
        id: '00u2',
        scope: 'USER',
        status: 'ACTIVE',
        syncState: 'DISABLED',
        externalId: null,
        created: '2023-02-13T08:00:00.000Z',
        lastUpdated: '2025-10-01T11:11:11.000Z',
        statusChanged: null,
      },
      expected: [
        str('assignmentScope', 'USER'),
        str('status', 'ACTIVE'),
        str('syncState', 'DISABLED'),
        dt('created', at(2023, 2, 13, 8, 0, 0)),
        dt('lastUpdated', at(2025, 10, 1, 11, 11, 11)),
      ],
    },
    {
      name: 'a group-derived assignment with every field',
      raw: {
        id: '00u2',
        scope: 'GROUP',
        status: 'PROVISIONED',
        syncState: 'SYNCHRONIZED',
        externalId: '0055g00000AbCdE',
        created: '2023-02-13T08:00:00.000Z',
        lastUpdated: '2025-10-01T11:11:11.000Z',
        statusChanged: '2023-02-13T08:00:04.000Z',
        passwordChanged: null,
        lastSync: '2025-10-01T11:11:11.000Z',
        credentials: { userName: 'ines.peeters@example.com' },
        profile: { role: 'Finance User' },
      },
      expected: [
        str('assignmentScope', 'GROUP'),
        str('status', 'PROVISIONED'),
        str('syncState', 'SYNCHRONIZED'),
        str('appUserName', 'ines.peeters@example.com'),
        str('externalId', '0055g00000AbCdE'),
        dt('created', at(2023, 2, 13, 8, 0, 0)),
        dt('lastUpdated', at(2025, 10, 1, 11, 11, 11)),
        dt('statusChanged', at(2023, 2, 13, 8, 0, 4)),
      ],
    },
    {
      name: 'an assignment with empty credentials',
      raw: { id: '00u2', credentials: { userName: '' }, externalId: '' },
      expected: [],
    },
    {
      name: 'an assignment with null credentials',
      raw: { id: '00u2', credentials: null },
      expected: [],
    },
  ])('assigns a user to an app: $name', ({ raw, expected }) => {
    expect(toAppUserRelationship('0oa1', appUser(raw))).toEqual({
      fromEntityId: '00u2',
      fromEntityType: 'user',
      toEntityId: '0oa1',
      toEntityType: 'application',
      attributeAssignments: expected,
    });
  });

  it.each([
    {
      name: 'priority 0 (a value)',
      raw: { priority: 0, lastUpdated: '2024-04-02T09:30:00.000Z' },
      expected: [num('priority', 0), dt('lastUpdated', at(2024, 4, 2, 9, 30, 0))],
    },
    {
      name: 'priority 3',
      raw: { priority: 3, lastUpdated: '2024-04-02T09:30:00Z', profile: { role: 'x' } },
      expected: [num('priority', 3), dt('lastUpdated', at(2024, 4, 2, 9, 30, 0))],
    },
    {
      name: 'no priority',
      raw: { lastUpdated: '2024-04-02T09:30:00Z' },
      expected: [dt('lastUpdated', at(2024, 4, 2, 9, 30, 0))],
    },
    { name: 'nulls', raw: { priority: null, lastUpdated: null }, expected: [] },
  ])('assigns a group to an app: $name', ({ raw, expected }) => {
    expect(toAppGroupRelationship('0oa1', appGroup(raw))).toEqual({
      fromEntityId: '00g1',
      fromEntityType: 'group',
      toEntityId: '0oa1',
      toEntityType: 'application',
      attributeAssignments: expected,
    });
  });
});
