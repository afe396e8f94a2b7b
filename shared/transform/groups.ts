import type { GroupAttributeId } from '../data-model';
import type { Entity, Relationship } from '../elimity-model';
import type { OktaGroup } from '../okta-schemas';
import {
  type AttributeSpec,
  dateTimeValue,
  firstNonBlank,
  numberValue,
  stringValue,
  toAssignments,
} from './values';

// In data-model.json order.
const GROUP_ATTRIBUTES: readonly AttributeSpec<OktaGroup, GroupAttributeId>[] = [
  { id: 'description', value: (group) => stringValue(group.profile.description) },
  { id: 'groupType', value: (group) => stringValue(group.type) },
  { id: 'objectClass', value: (group) => stringValue(group.objectClass) },
  // Only present with expand=stats; 0 is a real count and is emitted.
  { id: 'memberCount', value: (group) => numberValue(group._embedded?.stats?.usersCount) },
  { id: 'created', value: (group) => dateTimeValue(group.created) },
  { id: 'lastUpdated', value: (group) => dateTimeValue(group.lastUpdated) },
  { id: 'lastMembershipUpdated', value: (group) => dateTimeValue(group.lastMembershipUpdated) },
];

/** The Elimity `group` entity of an Okta group, named by `profile.name` (else its id). */
export function toGroupEntity(group: OktaGroup): Entity {
  return {
    id: group.id,
    type: 'group',
    name: firstNonBlank(group.profile.name) ?? group.id,
    attributeAssignments: toAssignments(GROUP_ATTRIBUTES, group),
  };
}

/** "User is a member of group" (from `/api/v1/groups/{id}/users`); it has no attributes. */
export function toGroupMembershipRelationship(userId: string, groupId: string): Relationship {
  return {
    fromEntityId: userId,
    fromEntityType: 'user',
    toEntityId: groupId,
    toEntityType: 'group',
    attributeAssignments: [],
  };
}
