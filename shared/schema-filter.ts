import type { DomainGraphSchema, Entity, Relationship } from './elimity-model';

/** The entity types without which a snapshot would silently empty part of the source. */
export const REQUIRED_ENTITY_TYPES = ['user', 'group', 'application'] as const;

export type DropReason = 'not in the data model' | 'archived' | 'typed differently';

/** What was left out, counted per kind and reason: one alert log, not one line per record. */
export interface SchemaDrops {
  /** `entityType/attributeId: reason` → number of entities it was left out of. */
  attributes: Map<string, number>;
  /** `from->to/attributeId: reason` → number of relationships it was left out of. */
  relationshipAttributes: Map<string, number>;
  /** `from->to: reason` → number of relationships left out. */
  relationships: Map<string, number>;
  /** `type: reason` → number of entities left out. */
  entities: Map<string, number>;
}

export interface SchemaFilter {
  /** Required entity types the source's data model lacks; posting must not happen if any. */
  missingEntityTypes: string[];
  filterEntity(entity: Entity): Entity | undefined;
  filterRelationship(relationship: Relationship): Relationship | undefined;
  drops: SchemaDrops;
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

/**
 * Fits an import to the source's current data model (elimity-api.md §6): attributes the model
 * lacks, has archived or types differently are left out, and relationships between entity types it
 * has no relationship type for. Pure; counts what it leaves out.
 */
export function createSchemaFilter(schema: DomainGraphSchema): SchemaFilter {
  const entityTypes = new Set(schema.entityTypes.map((t) => t.id));
  const attributeTypes = new Map<string, { type: string; archived: boolean }>(
    schema.entityAttributeTypes.map((a) => [`${a.entityTypeId}/${a.id}`, a]),
  );
  const relationshipAttributeTypes = new Map<string, { type: string; archived: boolean }>(
    schema.relationshipAttributeTypes.map((a) => [`${a.parentType}->${a.childType}/${a.id}`, a]),
  );
  const pairs = schema.relationshipTypes
    ? new Set(schema.relationshipTypes.map((r) => `${r.fromEntityTypeId}->${r.toEntityTypeId}`))
    : undefined;
  const drops: SchemaDrops = {
    attributes: new Map(),
    relationshipAttributes: new Map(),
    relationships: new Map(),
    entities: new Map(),
  };

  const verdict = (
    declared: { type: string; archived: boolean } | undefined,
    valueType: string,
  ): DropReason | undefined => {
    if (!declared) return 'not in the data model';
    if (declared.archived) return 'archived';
    if (declared.type !== valueType) return 'typed differently';
    return undefined;
  };

  return {
    missingEntityTypes: REQUIRED_ENTITY_TYPES.filter((t) => !entityTypes.has(t)),
    drops,
    filterEntity(entity) {
      if (!entityTypes.has(entity.type)) {
        bump(drops.entities, `${entity.type}: not in the data model`);
        return undefined;
      }
      const kept = entity.attributeAssignments.filter((a) => {
        const key = `${entity.type}/${a.attributeTypeId}`;
        const reason = verdict(attributeTypes.get(key), a.value.type);
        if (reason) bump(drops.attributes, `${key}: ${reason}`);
        return reason === undefined;
      });
      return kept.length === entity.attributeAssignments.length
        ? entity
        : { ...entity, attributeAssignments: kept };
    },
    filterRelationship(relationship) {
      const pair = `${relationship.fromEntityType}->${relationship.toEntityType}`;
      const typesKnown =
        entityTypes.has(relationship.fromEntityType) && entityTypes.has(relationship.toEntityType);
      if (!typesKnown || (pairs && !pairs.has(pair))) {
        bump(drops.relationships, `${pair}: not in the data model`);
        return undefined;
      }
      const kept = relationship.attributeAssignments.filter((a) => {
        const key = `${pair}/${a.attributeTypeId}`;
        const reason = verdict(relationshipAttributeTypes.get(key), a.value.type);
        if (reason) bump(drops.relationshipAttributes, `${key}: ${reason}`);
        return reason === undefined;
      });
      return kept.length === relationship.attributeAssignments.length
        ? relationship
        : { ...relationship, attributeAssignments: kept };
    },
  };
}

/** One human sentence per kind of drop, for the alert connector log; empty when nothing was dropped. */
export function describeDrops(drops: SchemaDrops): string[] {
  const lines: string[] = [];
  const n = (x: number) => x.toLocaleString('en-US');
  for (const [key, count] of drops.entities)
    lines.push(`left out ${n(count)} ${key.replace(':', ' entities:')}`);
  for (const [key, count] of drops.attributes) {
    lines.push(`left out attribute ${key.replace(': ', ` on ${n(count)} entities: `)}`);
  }
  for (const [key, count] of drops.relationships) {
    lines.push(`left out ${n(count)} relationships ${key}`);
  }
  for (const [key, count] of drops.relationshipAttributes) {
    lines.push(
      `left out relationship attribute ${key.replace(': ', ` on ${n(count)} relationships: `)}`,
    );
  }
  return lines;
}
