import * as v from 'valibot';
import dataModelJson from '../data-model.json';
import { type DomainGraphSchema, DomainGraphSchemaSchema, type ValueType } from './elimity-model';

/** The Elimity data model the connector ships (`data-model.json`, the contract of data-model.md). */
// Parsed rather than cast, so the value types are checked, not assumed.
export const DATA_MODEL: DomainGraphSchema = v.parse(DomainGraphSchemaSchema, dataModelJson);

// The attribute ids the transform emits, per owner, in data-model.json order (which is also the
// order of the assignments). test/data-model.test.ts checks them against DATA_MODEL both ways.

/** Attribute ids of entity type `user`. */
export const USER_ATTRIBUTE_IDS = [
  'login',
  'email',
  'firstName',
  'lastName',
  'displayName',
  'status',
  'active',
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
  'credentialProvider',
  'credentialProviderName',
  'created',
  'activated',
  'statusChanged',
  'lastLogin',
  'lastUpdated',
  'passwordChanged',
] as const;

/** An attribute id of entity type `user`. */
export type UserAttributeId = (typeof USER_ATTRIBUTE_IDS)[number];

/** Attribute ids of entity type `group`. */
export const GROUP_ATTRIBUTE_IDS = [
  'description',
  'groupType',
  'objectClass',
  'memberCount',
  'created',
  'lastUpdated',
  'lastMembershipUpdated',
] as const;

/** An attribute id of entity type `group`. */
export type GroupAttributeId = (typeof GROUP_ATTRIBUTE_IDS)[number];

/** Attribute ids of entity type `application`. */
export const APPLICATION_ATTRIBUTE_IDS = [
  'appName',
  'status',
  'active',
  'signOnMode',
  'features',
  'created',
  'lastUpdated',
] as const;

/** An attribute id of entity type `application`. */
export type ApplicationAttributeId = (typeof APPLICATION_ATTRIBUTE_IDS)[number];

/** Attribute ids of relationships `user` → `application` (app user assignments). */
export const USER_APPLICATION_ATTRIBUTE_IDS = [
  'assignmentScope',
  'status',
  'syncState',
  'appUserName',
  'externalId',
  'created',
  'lastUpdated',
  'statusChanged',
] as const;

/** An attribute id of relationships `user` → `application`. */
export type UserApplicationAttributeId = (typeof USER_APPLICATION_ATTRIBUTE_IDS)[number];

/** Attribute ids of relationships `group` → `application` (app group assignments). */
export const GROUP_APPLICATION_ATTRIBUTE_IDS = ['priority', 'lastUpdated'] as const;

/** An attribute id of relationships `group` → `application`. */
export type GroupApplicationAttributeId = (typeof GROUP_APPLICATION_ATTRIBUTE_IDS)[number];

// Lookups built once. Archived attribute types count as absent: Elimity no longer accepts them.
const entityAttributeTypes = new Map(
  DATA_MODEL.entityAttributeTypes
    .filter((attribute) => !attribute.archived)
    .map((attribute) => [`${attribute.entityTypeId}/${attribute.id}`, attribute.type]),
);
const relationshipAttributeTypes = new Map(
  DATA_MODEL.relationshipAttributeTypes
    .filter((attribute) => !attribute.archived)
    .map((attribute) => [
      `${attribute.parentType}/${attribute.childType}/${attribute.id}`,
      attribute.type,
    ]),
);
const relationshipTypes = new Set(
  (DATA_MODEL.relationshipTypes ?? []).map(
    (type) => `${type.fromEntityTypeId}/${type.toEntityTypeId}`,
  ),
);

/** The declared value type of an entity attribute, or undefined when the model lacks it. */
export function entityAttributeType(
  entityType: string,
  attributeId: string,
): ValueType | undefined {
  return entityAttributeTypes.get(`${entityType}/${attributeId}`);
}

/** The declared type of a relationship attribute (`from` = parent type), or undefined. */
export function relationshipAttributeType(
  from: string,
  to: string,
  attributeId: string,
): ValueType | undefined {
  return relationshipAttributeTypes.get(`${from}/${to}/${attributeId}`);
}

/** Whether the data model declares relationships from entity type `from` to entity type `to`. */
export function hasRelationshipType(from: string, to: string): boolean {
  return relationshipTypes.has(`${from}/${to}`);
}
