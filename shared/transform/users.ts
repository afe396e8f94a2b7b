import type { UserAttributeId } from '../data-model';
import type { Entity } from '../elimity-model';
import type { OktaUser } from '../okta-schemas';
import {
  type AttributeSpec,
  booleanValue,
  dateTimeValue,
  firstNonBlank,
  stringValue,
  toAssignments,
  toText,
} from './values';

/** User statuses in which the user can sign in (data-model.md: derived `active`). */
const ACTIVE_USER_STATUSES: ReadonlySet<string> = new Set([
  'ACTIVE',
  'RECOVERY',
  'LOCKED_OUT',
  'PASSWORD_EXPIRED',
]);

// In data-model.json order. Profile attributes go through `stringValue`, so a base attribute
// holding another JSON type (T12) becomes text or is left out, never a crash.
const USER_ATTRIBUTES: readonly AttributeSpec<OktaUser, UserAttributeId>[] = [
  { id: 'login', value: (user) => stringValue(user.profile.login) },
  { id: 'email', value: (user) => stringValue(user.profile.email) },
  { id: 'firstName', value: (user) => stringValue(user.profile.firstName) },
  { id: 'lastName', value: (user) => stringValue(user.profile.lastName) },
  { id: 'displayName', value: (user) => stringValue(user.profile.displayName) },
  { id: 'status', value: (user) => stringValue(user.status) },
  { id: 'active', value: (user) => booleanValue(ACTIVE_USER_STATUSES.has(user.status ?? '')) },
  { id: 'userType', value: (user) => stringValue(user.profile.userType) },
  { id: 'title', value: (user) => stringValue(user.profile.title) },
  { id: 'department', value: (user) => stringValue(user.profile.department) },
  { id: 'division', value: (user) => stringValue(user.profile.division) },
  { id: 'organization', value: (user) => stringValue(user.profile.organization) },
  { id: 'costCenter', value: (user) => stringValue(user.profile.costCenter) },
  { id: 'employeeNumber', value: (user) => stringValue(user.profile.employeeNumber) },
  { id: 'manager', value: (user) => stringValue(user.profile.manager) },
  { id: 'managerId', value: (user) => stringValue(user.profile.managerId) },
  { id: 'countryCode', value: (user) => stringValue(user.profile.countryCode) },
  { id: 'credentialProvider', value: (user) => stringValue(user.credentials?.provider?.type) },
  { id: 'credentialProviderName', value: (user) => stringValue(user.credentials?.provider?.name) },
  { id: 'created', value: (user) => dateTimeValue(user.created) },
  { id: 'activated', value: (user) => dateTimeValue(user.activated) },
  { id: 'statusChanged', value: (user) => dateTimeValue(user.statusChanged) },
  { id: 'lastLogin', value: (user) => dateTimeValue(user.lastLogin) },
  { id: 'lastUpdated', value: (user) => dateTimeValue(user.lastUpdated) },
  { id: 'passwordChanged', value: (user) => dateTimeValue(user.passwordChanged) },
];

/** The Elimity `user` entity of an Okta user: data-model.md's attributes, nothing else. */
export function toUserEntity(user: OktaUser): Entity {
  return {
    id: user.id,
    type: 'user',
    name: toUserName(user),
    attributeAssignments: toAssignments(USER_ATTRIBUTES, user),
  };
}

/**
 * data-model.md: displayName; else `firstName + " " + lastName`, trimmed (either may be missing);
 * else login; else the id, so that no entity is nameless.
 */
function toUserName(user: OktaUser): string {
  const { displayName, firstName, lastName, login } = user.profile;
  const fullName = `${toText(firstName) ?? ''} ${toText(lastName) ?? ''}`.trim();
  return firstNonBlank(displayName, fullName, login) ?? user.id;
}
