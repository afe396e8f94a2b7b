import { describe, expect, it } from 'vitest';
import { DATA_MODEL } from '../shared/data-model';
import type { DomainGraphSchema, Entity, Relationship } from '../shared/elimity-model';
import { createSchemaFilter, describeDrops } from '../shared/schema-filter';

const user: Entity = {
  id: '00u1',
  name: 'Ana Lima',
  type: 'user',
  attributeAssignments: [
    { attributeTypeId: 'login', value: { type: 'string', value: 'ana@example.com' } },
    { attributeTypeId: 'active', value: { type: 'boolean', value: true } },
    {
      attributeTypeId: 'lastLogin',
      value: {
        type: 'dateTime',
        value: { year: 2025, month: 1, day: 2, hour: 3, minute: 4, second: 5 },
      },
    },
  ],
};
const appUser: Relationship = {
  fromEntityId: '00u1',
  fromEntityType: 'user',
  toEntityId: '0oa1',
  toEntityType: 'application',
  attributeAssignments: [
    { attributeTypeId: 'assignmentScope', value: { type: 'string', value: 'USER' } },
  ],
};

function modelWith(change: (m: DomainGraphSchema) => void): DomainGraphSchema {
  const m = structuredClone(DATA_MODEL);
  change(m);
  return m;
}

describe('createSchemaFilter', () => {
  it('passes everything through against the shipped data model', () => {
    const f = createSchemaFilter(DATA_MODEL);
    expect(f.missingEntityTypes).toEqual([]);
    expect(f.filterEntity(user)).toBe(user);
    expect(f.filterRelationship(appUser)).toBe(appUser);
    expect(describeDrops(f.drops)).toEqual([]);
  });

  it.each([
    {
      name: 'an attribute the model lacks',
      model: modelWith((m) => {
        m.entityAttributeTypes = m.entityAttributeTypes.filter(
          (a) => !(a.entityTypeId === 'user' && a.id === 'lastLogin'),
        );
      }),
      drop: 'left out attribute user/lastLogin on 1 entities: not in the data model',
      kept: ['login', 'active'],
    },
    {
      name: 'an archived attribute',
      model: modelWith((m) => {
        for (const a of m.entityAttributeTypes)
          if (a.entityTypeId === 'user' && a.id === 'login') a.archived = true;
      }),
      drop: 'left out attribute user/login on 1 entities: archived',
      kept: ['active', 'lastLogin'],
    },
    {
      name: 'an attribute typed differently',
      model: modelWith((m) => {
        for (const a of m.entityAttributeTypes)
          if (a.entityTypeId === 'user' && a.id === 'active') a.type = 'string';
      }),
      drop: 'left out attribute user/active on 1 entities: typed differently',
      kept: ['login', 'lastLogin'],
    },
  ])('leaves out $name and says so once', ({ model, drop, kept }) => {
    const f = createSchemaFilter(model);
    const out = f.filterEntity(user);
    expect(out?.attributeAssignments.map((a) => a.attributeTypeId)).toEqual(kept);
    expect(describeDrops(f.drops)).toEqual([drop]);
    f.filterEntity(user);
    expect(describeDrops(f.drops)).toEqual([drop.replace('on 1 entities', 'on 2 entities')]);
  });

  it('leaves out relationships between types the model has no relationship type for', () => {
    const f = createSchemaFilter(
      modelWith((m) => {
        m.relationshipTypes = m.relationshipTypes?.filter(
          (r) => r.toEntityTypeId !== 'application' || r.fromEntityTypeId !== 'user',
        );
      }),
    );
    expect(f.filterRelationship(appUser)).toBeUndefined();
    expect(describeDrops(f.drops)).toEqual([
      'left out 1 relationships user->application: not in the data model',
    ]);
  });

  it('keeps relationships when the server does not send relationshipTypes (older Elimity)', () => {
    const f = createSchemaFilter(modelWith((m) => delete m.relationshipTypes));
    expect(f.filterRelationship(appUser)).toBe(appUser);
  });

  it('leaves out a relationship attribute the model lacks', () => {
    const f = createSchemaFilter(
      modelWith((m) => {
        m.relationshipAttributeTypes = m.relationshipAttributeTypes.filter(
          (a) => a.id !== 'assignmentScope',
        );
      }),
    );
    expect(f.filterRelationship(appUser)?.attributeAssignments).toEqual([]);
    expect(describeDrops(f.drops)).toEqual([
      'left out relationship attribute user->application/assignmentScope on 1 relationships: not in the data model',
    ]);
  });

  it('reports required entity types the model lacks', () => {
    const f = createSchemaFilter(
      modelWith((m) => {
        m.entityTypes = m.entityTypes.filter((t) => t.id !== 'group');
      }),
    );
    expect(f.missingEntityTypes).toEqual(['group']);
  });
});
