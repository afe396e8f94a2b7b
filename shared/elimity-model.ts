import * as v from 'valibot';

/** Elimity's words (as in its client libraries), so this file reads like the Elimity docs. */
export type EntityTypeId = 'user' | 'group' | 'application';

export interface DateTimeFields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

export type Value =
  | { type: 'string'; value: string }
  | { type: 'number'; value: number }
  | { type: 'boolean'; value: boolean }
  | { type: 'dateTime'; value: DateTimeFields };

export type ValueType = Value['type'] | 'date' | 'time';

export interface AttributeAssignment {
  attributeTypeId: string;
  value: Value;
}

export interface Entity {
  id: string;
  name: string;
  type: EntityTypeId;
  attributeAssignments: AttributeAssignment[];
}

export interface Relationship {
  fromEntityId: string;
  fromEntityType: EntityTypeId;
  toEntityId: string;
  toEntityType: EntityTypeId;
  attributeAssignments: AttributeAssignment[];
}

const ValueTypeSchema = v.picklist(['boolean', 'number', 'string', 'date', 'dateTime', 'time']);

/**
 * The shape of `data-model.json` and of `GET /api/sources/{id}/domain-graph-schema`: the same
 * object (elimity-api.md §6). Unknown keys are tolerated; `relationshipTypes` is optional because
 * older servers do not send it.
 */
export const DomainGraphSchemaSchema = v.object({
  entityTypes: v.array(
    v.object({
      id: v.string(),
      singular: v.optional(v.string()),
      plural: v.optional(v.string()),
      icon: v.optional(v.string()),
      anonymized: v.optional(v.boolean()),
    }),
  ),
  entityAttributeTypes: v.array(
    v.object({
      id: v.string(),
      entityTypeId: v.string(),
      name: v.optional(v.string()),
      description: v.optional(v.nullable(v.string())),
      type: ValueTypeSchema,
      archived: v.optional(v.boolean(), false),
    }),
  ),
  relationshipAttributeTypes: v.array(
    v.object({
      id: v.string(),
      parentType: v.string(),
      childType: v.string(),
      name: v.optional(v.string()),
      description: v.optional(v.nullable(v.string())),
      type: ValueTypeSchema,
      archived: v.optional(v.boolean(), false),
    }),
  ),
  relationshipTypes: v.optional(
    v.array(
      v.object({
        id: v.optional(v.number()),
        fromEntityTypeId: v.string(),
        toEntityTypeId: v.string(),
      }),
    ),
  ),
});

export type DomainGraphSchema = v.InferOutput<typeof DomainGraphSchemaSchema>;
