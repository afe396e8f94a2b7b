import type { Entity, Relationship } from '../../shared/elimity-model';

/** A small snapshot that is valid against data-model.json, touching every value type it uses. */
export function sampleSnapshot(): { entities: Entity[]; relationships: Relationship[] } {
  return {
    entities: [
      {
        id: '00u1ana',
        name: 'Ana Lima',
        type: 'user',
        attributeAssignments: [
          { attributeTypeId: 'login', value: { type: 'string', value: 'ana@example.com' } },
          { attributeTypeId: 'active', value: { type: 'boolean', value: false } },
          {
            attributeTypeId: 'created',
            value: {
              type: 'dateTime',
              value: { year: 2021, month: 3, day: 4, hour: 5, minute: 6, second: 7 },
            },
          },
        ],
      },
      { id: '00u2bo', name: 'Bø Ærensen', type: 'user', attributeAssignments: [] },
      {
        id: '00g1fin',
        name: 'Finance',
        type: 'group',
        attributeAssignments: [
          { attributeTypeId: 'memberCount', value: { type: 'number', value: 2 } },
        ],
      },
      { id: '0oa1sf', name: 'Salesforce', type: 'application', attributeAssignments: [] },
    ],
    relationships: [
      {
        fromEntityId: '00u1ana',
        fromEntityType: 'user',
        toEntityId: '00g1fin',
        toEntityType: 'group',
        attributeAssignments: [],
      },
      {
        fromEntityId: '00u2bo',
        fromEntityType: 'user',
        toEntityId: '00g1fin',
        toEntityType: 'group',
        attributeAssignments: [],
      },
      {
        fromEntityId: '00u1ana',
        fromEntityType: 'user',
        toEntityId: '0oa1sf',
        toEntityType: 'application',
        attributeAssignments: [
          { attributeTypeId: 'assignmentScope', value: { type: 'string', value: 'GROUP' } },
        ],
      },
      {
        fromEntityId: '00g1fin',
        fromEntityType: 'group',
        toEntityId: '0oa1sf',
        toEntityType: 'application',
        attributeAssignments: [
          { attributeTypeId: 'priority', value: { type: 'number', value: 0 } },
        ],
      },
    ],
  };
}
