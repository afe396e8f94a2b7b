import type {
  ApplicationAttributeId,
  GroupApplicationAttributeId,
  UserApplicationAttributeId,
} from '../data-model';
import type { Entity, Relationship } from '../elimity-model';
import type { OktaApp, OktaAppGroup, OktaAppUser } from '../okta-schemas';
import {
  type AttributeSpec,
  booleanValue,
  dateTimeValue,
  firstNonBlank,
  numberValue,
  stringValue,
  toAssignments,
} from './values';

// In data-model.json order. Only these fields are read: settings/credentials vary per app (T14).
const APPLICATION_ATTRIBUTES: readonly AttributeSpec<OktaApp, ApplicationAttributeId>[] = [
  { id: 'appName', value: (app) => stringValue(app.name) },
  { id: 'status', value: (app) => stringValue(app.status) },
  { id: 'active', value: (app) => booleanValue(app.status === 'ACTIVE') },
  { id: 'signOnMode', value: (app) => stringValue(app.signOnMode) },
  // An empty list joins to nothing and is left out: "no provisioning features".
  { id: 'features', value: (app) => stringValue(app.features) },
  { id: 'created', value: (app) => dateTimeValue(app.created) },
  { id: 'lastUpdated', value: (app) => dateTimeValue(app.lastUpdated) },
];

const APP_USER_ATTRIBUTES: readonly AttributeSpec<OktaAppUser, UserApplicationAttributeId>[] = [
  { id: 'assignmentScope', value: (appUser) => stringValue(appUser.scope) },
  { id: 'status', value: (appUser) => stringValue(appUser.status) },
  { id: 'syncState', value: (appUser) => stringValue(appUser.syncState) },
  { id: 'appUserName', value: (appUser) => stringValue(appUser.credentials?.userName) },
  { id: 'externalId', value: (appUser) => stringValue(appUser.externalId) },
  { id: 'created', value: (appUser) => dateTimeValue(appUser.created) },
  { id: 'lastUpdated', value: (appUser) => dateTimeValue(appUser.lastUpdated) },
  { id: 'statusChanged', value: (appUser) => dateTimeValue(appUser.statusChanged) },
];

const APP_GROUP_ATTRIBUTES: readonly AttributeSpec<OktaAppGroup, GroupApplicationAttributeId>[] = [
  // 0 is the highest priority and a real value.
  { id: 'priority', value: (assignment) => numberValue(assignment.priority) },
  { id: 'lastUpdated', value: (assignment) => dateTimeValue(assignment.lastUpdated) },
];

/** The Elimity `application` entity of an Okta app, named by `label` (else `name`, else its id). */
export function toApplicationEntity(app: OktaApp): Entity {
  return {
    id: app.id,
    type: 'application',
    name: firstNonBlank(app.label, app.name) ?? app.id,
    attributeAssignments: toAssignments(APPLICATION_ATTRIBUTES, app),
  };
}

/** "User is assigned to app", directly or via a group (`scope`): `/api/v1/apps/{appId}/users`. */
export function toAppUserRelationship(appId: string, appUser: OktaAppUser): Relationship {
  return {
    fromEntityId: appUser.id,
    fromEntityType: 'user',
    toEntityId: appId,
    toEntityType: 'application',
    attributeAssignments: toAssignments(APP_USER_ATTRIBUTES, appUser),
  };
}

/** "Group is assigned to app", from `/api/v1/apps/{appId}/groups`. */
export function toAppGroupRelationship(appId: string, assignment: OktaAppGroup): Relationship {
  return {
    fromEntityId: assignment.id,
    fromEntityType: 'group',
    toEntityId: appId,
    toEntityType: 'application',
    attributeAssignments: toAssignments(APP_GROUP_ATTRIBUTES, assignment),
  };
}
