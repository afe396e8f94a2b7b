import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import {
  APPLICATION_ATTRIBUTE_IDS,
  DATA_MODEL,
  entityAttributeType,
  GROUP_APPLICATION_ATTRIBUTE_IDS,
  GROUP_ATTRIBUTE_IDS,
  hasRelationshipType,
  relationshipAttributeType,
  USER_APPLICATION_ATTRIBUTE_IDS,
  USER_ATTRIBUTE_IDS,
} from '../shared/data-model';
import type { Entity, Relationship } from '../shared/elimity-model';
import {
  OktaAppGroupSchema,
  OktaAppSchema,
  OktaAppUserSchema,
  OktaGroupSchema,
  OktaUserSchema,
  parseOktaPage,
} from '../shared/okta-schemas';
import {
  toAppGroupRelationship,
  toApplicationEntity,
  toAppUserRelationship,
} from '../shared/transform/apps';
import { toGroupEntity, toGroupMembershipRelationship } from '../shared/transform/groups';
import { toUserEntity } from '../shared/transform/users';
import everyField from './fixtures/okta-every-field.json';

// data-model.md, transcribed: the contract that data-model.json must implement.
const DOC_ENTITY_TYPES = [
  { id: 'user', singular: 'User', plural: 'Users', icon: 'person' },
  { id: 'group', singular: 'Group', plural: 'Groups', icon: 'group' },
  { id: 'application', singular: 'Application', plural: 'Applications', icon: 'apps' },
];
const DOC_RELATIONSHIP_TYPES = ['user → group', 'user → application', 'group → application'];
const DOC_ATTRIBUTES = {
  user: [
    'login string',
    'email string',
    'firstName string',
    'lastName string',
    'displayName string',
    'status string',
    'active boolean',
    'userType string',
    'title string',
    'department string',
    'division string',
    'organization string',
    'costCenter string',
    'employeeNumber string',
    'manager string',
    'managerId string',
    'countryCode string',
    'credentialProvider string',
    'credentialProviderName string',
    'created dateTime',
    'activated dateTime',
    'statusChanged dateTime',
    'lastLogin dateTime',
    'lastUpdated dateTime',
    'passwordChanged dateTime',
  ],
  group: [
    'description string',
    'groupType string',
    'objectClass string',
    'memberCount number',
    'created dateTime',
    'lastUpdated dateTime',
    'lastMembershipUpdated dateTime',
  ],
  application: [
    'appName string',
    'status string',
    'active boolean',
    'signOnMode string',
    'features string',
    'created dateTime',
    'lastUpdated dateTime',
  ],
  'user → application': [
    'assignmentScope string',
    'status string',
    'syncState string',
    'appUserName string',
    'externalId string',
    'created dateTime',
    'lastUpdated dateTime',
    'statusChanged dateTime',
  ],
  'group → application': ['priority number', 'lastUpdated dateTime'],
};

// Declared attributes as "owner attributeId type" lines; owner is an entity type or "from → to".
const declaredEntityAttributes = DATA_MODEL.entityAttributeTypes.map(
  (a) => `${a.entityTypeId} ${a.id} ${a.type}`,
);
const declaredRelationshipAttributes = DATA_MODEL.relationshipAttributeTypes.map(
  (a) => `${a.parentType} → ${a.childType} ${a.id} ${a.type}`,
);

function emittedEntityAttributes(entities: Entity[]): Set<string> {
  return new Set(
    entities.flatMap((entity) =>
      entity.attributeAssignments.map((a) => `${entity.type} ${a.attributeTypeId} ${a.value.type}`),
    ),
  );
}

function emittedRelationshipAttributes(relationships: Relationship[]): Set<string> {
  return new Set(
    relationships.flatMap((r) =>
      r.attributeAssignments.map(
        (a) => `${r.fromEntityType} → ${r.toEntityType} ${a.attributeTypeId} ${a.value.type}`,
      ),
    ),
  );
}

const sorted = (items: Iterable<string>) => [...items].sort();

// Every source field populated, every user status, each group type (test/fixtures/okta-every-field.json).
const where = { resource: 'fixture', url: 'test/fixtures/okta-every-field.json' };
const maximal = {
  users: parseOktaPage(OktaUserSchema, everyField.users, where),
  groups: parseOktaPage(OktaGroupSchema, everyField.groups, where),
  apps: parseOktaPage(OktaAppSchema, everyField.apps, where),
  appUsers: everyField.appUsers.map((row) => ({
    appId: row.appId,
    appUser: v.parse(OktaAppUserSchema, row.appUser),
  })),
  appGroups: everyField.appGroups.map((row) => ({
    appId: row.appId,
    appGroup: v.parse(OktaAppGroupSchema, row.appGroup),
  })),
};

// Odd but legal values: they may change what is emitted, never the value type.
const odd = {
  users: parseOktaPage(
    OktaUserSchema,
    [
      {
        id: '00uodd1',
        status: 'SOME_NEW_STATUS',
        lastLogin: '2025-01-01T01:00:00+02:00',
        created: 'garbage',
        profile: {
          login: 42,
          email: ['a@example.com', 'b@example.com'],
          firstName: true,
          lastName: { x: 1 },
          displayName: '<b>x</b>',
          department: 7.5,
          title: [1, 'two', false],
          costCenter: [],
          custom: { deep: [null] },
        },
        credentials: { provider: { type: 'SOCIAL' } },
      },
      { id: '00uodd2', profile: {} },
    ],
    where,
  ),
  groups: parseOktaPage(
    OktaGroupSchema,
    [
      {
        id: '00godd1',
        profile: { name: 3, description: ['a', 'b'] },
        _embedded: { stats: { usersCount: 0 } },
      },
      { id: '00godd2', profile: {}, _embedded: { stats: { usersCount: '12' } }, objectClass: [] },
    ],
    where,
  ),
  apps: parseOktaPage(
    OktaAppSchema,
    [
      { id: '0oaodd1', status: 'DELETED', signOnMode: 'QUANTUM_SSO', features: [] },
      { id: '0oaodd2' },
    ],
    where,
  ),
};

describe('data-model.json against data-model.md', () => {
  it('declares the entity types of the doc', () => {
    expect(
      DATA_MODEL.entityTypes.map(({ id, singular, plural, icon }) => ({
        id,
        singular,
        plural,
        icon,
      })),
    ).toEqual(DOC_ENTITY_TYPES);
  });

  it('declares the relationship types of the doc', () => {
    expect(
      (DATA_MODEL.relationshipTypes ?? []).map(
        (r) => `${r.fromEntityTypeId} → ${r.toEntityTypeId}`,
      ),
    ).toEqual(DOC_RELATIONSHIP_TYPES);
  });

  it('declares the attributes of the doc, with their types and in order', () => {
    const fromDoc = Object.entries(DOC_ATTRIBUTES).flatMap(([owner, lines]) =>
      lines.map((line) => `${owner} ${line}`),
    );
    expect([...declaredEntityAttributes, ...declaredRelationshipAttributes]).toEqual(fromDoc);
  });

  it('archives nothing and attaches every attribute to a declared type', () => {
    const entityTypes = DATA_MODEL.entityTypes.map((t) => t.id);
    for (const a of DATA_MODEL.entityAttributeTypes) {
      expect(a.archived).toBe(false);
      expect(entityTypes).toContain(a.entityTypeId);
    }
    for (const a of DATA_MODEL.relationshipAttributeTypes) {
      expect(a.archived).toBe(false);
      expect(hasRelationshipType(a.parentType, a.childType)).toBe(true);
    }
  });
});

describe('attribute id constants', () => {
  it.each([
    { owner: 'user', constant: USER_ATTRIBUTE_IDS },
    { owner: 'group', constant: GROUP_ATTRIBUTE_IDS },
    { owner: 'application', constant: APPLICATION_ATTRIBUTE_IDS },
  ])('$owner ids are data-model.json ids, in order', ({ owner, constant }) => {
    const declared = DATA_MODEL.entityAttributeTypes
      .filter((a) => a.entityTypeId === owner)
      .map((a) => a.id);
    expect([...constant]).toEqual(declared);
  });

  it.each([
    { from: 'user', to: 'application', constant: USER_APPLICATION_ATTRIBUTE_IDS },
    { from: 'group', to: 'application', constant: GROUP_APPLICATION_ATTRIBUTE_IDS },
    { from: 'user', to: 'group', constant: [] },
  ])('$from → $to ids are data-model.json ids, in order', ({ from, to, constant }) => {
    const declared = DATA_MODEL.relationshipAttributeTypes
      .filter((a) => a.parentType === from && a.childType === to)
      .map((a) => a.id);
    expect([...constant]).toEqual(declared);
  });
});

describe('the transform against data-model.json', () => {
  const entities = [
    ...maximal.users.map(toUserEntity),
    ...maximal.groups.map(toGroupEntity),
    ...maximal.apps.map(toApplicationEntity),
  ];
  const relationships = [
    ...maximal.users.flatMap((user) =>
      maximal.groups.map((group) => toGroupMembershipRelationship(user.id, group.id)),
    ),
    ...maximal.appUsers.map((row) => toAppUserRelationship(row.appId, row.appUser)),
    ...maximal.appGroups.map((row) => toAppGroupRelationship(row.appId, row.appGroup)),
  ];
  const oddEntities = [
    ...odd.users.map(toUserEntity),
    ...odd.groups.map(toGroupEntity),
    ...odd.apps.map(toApplicationEntity),
  ];

  it('covers every user status and group type in the fixture', () => {
    expect(new Set(maximal.users.map((u) => u.status))).toEqual(
      new Set([
        'STAGED',
        'PROVISIONED',
        'ACTIVE',
        'RECOVERY',
        'LOCKED_OUT',
        'PASSWORD_EXPIRED',
        'SUSPENDED',
        'DEPROVISIONED',
        'ACTIVATING',
      ]),
    );
    expect(new Set(maximal.groups.map((g) => g.type))).toEqual(
      new Set(['OKTA_GROUP', 'APP_GROUP', 'BUILT_IN']),
    );
    expect(new Set(maximal.appUsers.map((row) => row.appUser.scope))).toEqual(
      new Set(['USER', 'GROUP']),
    );
  });

  it('emits exactly the declared entity attributes with their declared types', () => {
    expect(sorted(emittedEntityAttributes(entities))).toEqual(sorted(declaredEntityAttributes));
  });

  it('emits exactly the declared relationship attributes with their declared types', () => {
    expect(sorted(emittedRelationshipAttributes(relationships))).toEqual(
      sorted(declaredRelationshipAttributes),
    );
  });

  it('emits only declared attributes and types for odd values', () => {
    for (const line of emittedEntityAttributes(oddEntities)) {
      expect(declaredEntityAttributes).toContain(line);
    }
  });

  it('emits every attribute of a maximal object, in data-model.json order', () => {
    const expectedOrder = {
      user: USER_ATTRIBUTE_IDS,
      group: GROUP_ATTRIBUTE_IDS,
      application: APPLICATION_ATTRIBUTE_IDS,
    };
    for (const entity of entities) {
      expect(entity.attributeAssignments.map((a) => a.attributeTypeId)).toEqual([
        ...expectedOrder[entity.type],
      ]);
    }
  });

  it('emits attributes of odd objects in data-model.json order', () => {
    for (const entity of oddEntities) {
      const emitted = entity.attributeAssignments.map((a) => a.attributeTypeId);
      const declared = DATA_MODEL.entityAttributeTypes
        .filter((a) => a.entityTypeId === entity.type)
        .map((a) => a.id);
      expect(emitted).toEqual(declared.filter((id) => emitted.includes(id)));
    }
  });

  it('uses declared entity types and relationship types only', () => {
    const entityTypes = DATA_MODEL.entityTypes.map((t) => t.id);
    for (const entity of [...entities, ...oddEntities]) {
      expect(entityTypes).toContain(entity.type);
      expect(entity.name).not.toBe('');
    }
    for (const r of relationships) {
      expect(hasRelationshipType(r.fromEntityType, r.toEntityType)).toBe(true);
    }
  });

  it('agrees with the lookup helpers on every emitted attribute', () => {
    for (const entity of [...entities, ...oddEntities]) {
      for (const a of entity.attributeAssignments) {
        expect(entityAttributeType(entity.type, a.attributeTypeId)).toBe(a.value.type);
      }
    }
    for (const r of relationships) {
      for (const a of r.attributeAssignments) {
        expect(relationshipAttributeType(r.fromEntityType, r.toEntityType, a.attributeTypeId)).toBe(
          a.value.type,
        );
      }
    }
  });
});

describe('lookup helpers', () => {
  it.each([
    { entityType: 'user', attributeId: 'lastLogin', expected: 'dateTime' },
    { entityType: 'user', attributeId: 'active', expected: 'boolean' },
    { entityType: 'group', attributeId: 'memberCount', expected: 'number' },
    { entityType: 'application', attributeId: 'features', expected: 'string' },
    { entityType: 'group', attributeId: 'lastLogin', expected: undefined },
    { entityType: 'role', attributeId: 'status', expected: undefined },
  ])(
    'entityAttributeType($entityType, $attributeId) is $expected',
    ({ entityType, attributeId, expected }) => {
      expect(entityAttributeType(entityType, attributeId)).toBe(expected);
    },
  );

  it.each([
    { from: 'group', to: 'application', attributeId: 'priority', expected: 'number' },
    { from: 'user', to: 'application', attributeId: 'created', expected: 'dateTime' },
    { from: 'user', to: 'group', attributeId: 'priority', expected: undefined },
    { from: 'application', to: 'user', attributeId: 'status', expected: undefined },
  ])(
    'relationshipAttributeType($from, $to, $attributeId) is $expected',
    ({ from, to, attributeId, expected }) => {
      expect(relationshipAttributeType(from, to, attributeId)).toBe(expected);
    },
  );

  it.each([
    { from: 'user', to: 'group', expected: true },
    { from: 'user', to: 'application', expected: true },
    { from: 'group', to: 'application', expected: true },
    { from: 'group', to: 'user', expected: false },
    { from: 'application', to: 'user', expected: false },
  ])('hasRelationshipType($from, $to) is $expected', ({ from, to, expected }) => {
    expect(hasRelationshipType(from, to)).toBe(expected);
  });
});
