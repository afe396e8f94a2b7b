import type { AppRecord } from './apps';
import { base62, randomFor, STREAM } from './random';
import { between, daysBeforeBase, oktaTimestamp } from './time';
import type { OktaAppGroupAssignment, OktaAppUser } from './types';

/** Effective app users of one app: user indexes ascending, with the granting group (-1 = direct). */
export interface EffectiveAppUsers {
  users: Uint32Array;
  viaGroup: Int32Array;
}

/** Read access to the parts of the org the assignment logic needs. */
export interface AssignmentSource {
  isAssignableUser(userIndex: number): boolean;
  isLiveGroup(groupIndex: number): boolean;
  groupMembers(groupIndex: number): Uint32Array;
}

/**
 * Direct users (scope USER) plus members of each assigned group (scope GROUP, credited to the
 * highest-priority group). A user assigned both ways appears once, as USER. Deleted and
 * DEPROVISIONED users are left out: Okta removes app assignments when a user is deactivated.
 */
export function effectiveAppUsers(app: AppRecord, org: AssignmentSource): EffectiveAppUsers {
  const via = new Map<number, number>();
  for (const user of app.directUsers) if (org.isAssignableUser(user)) via.set(user, -1);
  for (const group of app.groups) {
    if (!org.isLiveGroup(group)) continue;
    for (const user of org.groupMembers(group)) {
      if (!via.has(user) && org.isAssignableUser(user)) via.set(user, group);
    }
  }
  const users = Uint32Array.from(via.keys()).sort();
  const viaGroup = Int32Array.from(users, (user) => via.get(user) ?? -1);
  return { users, viaGroup };
}

/** What an app-user render needs. */
export interface AppUserFacts {
  seed: number;
  appIndex: number;
  app: AppRecord;
  userIndex: number;
  userId: string;
  userLogin: string;
  /** The granting group, or undefined for a direct assignment. */
  group?: { id: string; name: string; priority: number };
  origin: string;
}

/** Renders one AppUser (`id` is the Okta user id). */
export function renderAppUser(facts: AppUserFacts): OktaAppUser {
  const { app, origin } = facts;
  const r = randomFor(facts.seed, STREAM.appUserRender, facts.appIndex, facts.userIndex);
  const createdMs = daysBeforeBase(r.int(1, 900) + r.next());
  const lastUpdatedMs = between(createdMs, r.next());
  const provisioning = app.entry.provisioning;
  const status = provisioning
    ? r.weighted([
        ['PROVISIONED', 80],
        ['ACTIVE', 8],
        ['STAGED', 5],
        ['PENDING', 4],
        ['IMPLICIT', 3],
      ])
    : 'ACTIVE';
  const syncState = provisioning
    ? r.weighted([
        ['SYNCHRONIZED', 90],
        ['ERROR', 5],
        ['OUT_OF_SYNC', 5],
      ])
    : 'DISABLED';
  const userName =
    app.entry.name === 'active_directory'
      ? (facts.userLogin.split('@')[0] ?? facts.userLogin)
      : facts.userLogin;
  const appUser: OktaAppUser = {
    id: facts.userId,
    externalId: provisioning && r.chance(0.7) ? base62(r, 18) : null,
    created: oktaTimestamp(createdMs),
    lastUpdated: oktaTimestamp(lastUpdatedMs),
    scope: facts.group ? 'GROUP' : 'USER',
    status,
    statusChanged: oktaTimestamp(createdMs + r.int(1000, 60_000)),
    passwordChanged: null,
    syncState,
    ...(provisioning ? { lastSync: oktaTimestamp(lastUpdatedMs) } : {}),
    credentials: { userName },
    profile: appUserProfile(app, facts.userLogin, r.next()),
    _links: {
      app: { href: `${origin}/api/v1/apps/${app.id}` },
      user: { href: `${origin}/api/v1/users/${facts.userId}` },
      ...(facts.group
        ? { group: { name: facts.group.name, href: `${origin}/api/v1/groups/${facts.group.id}` } }
        : {}),
    },
  };
  return appUser;
}

function appUserProfile(app: AppRecord, login: string, roll: number): Record<string, unknown> {
  switch (app.entry.profileKind) {
    case 'salesforce':
      return {
        email: login,
        role: roll < 0.7 ? 'Sales User' : 'Sales Manager',
        profile: 'Standard User',
      };
    case 'aws':
      return {
        samlRoles: roll < 0.8 ? ['ReadOnly'] : ['ReadOnly', 'Admin'],
        sessionDuration: 3600,
      };
    case 'github':
      return {
        githubUsername: login.split('@')[0] ?? login,
        orgRole: roll < 0.9 ? 'member' : 'owner',
      };
    default:
      return {};
  }
}

/** What an app-group-assignment render needs. */
export interface AppGroupFacts {
  seed: number;
  appIndex: number;
  app: AppRecord;
  groupIndex: number;
  groupId: string;
  priority: number;
  origin: string;
}

/** Renders one ApplicationGroupAssignment (`id` is the group id). */
export function renderAppGroup(facts: AppGroupFacts): OktaAppGroupAssignment {
  const r = randomFor(facts.seed, STREAM.appGroupRender, facts.appIndex, facts.groupIndex);
  const profile: Record<string, unknown> =
    facts.app.entry.profileKind === 'salesforce'
      ? { role: r.chance(0.5) ? 'Sales User' : 'Sales Manager', profile: 'Standard User' }
      : facts.app.entry.profileKind === 'aws'
        ? { samlRoles: [r.pick(['ReadOnly', 'PowerUser', 'Admin'])] }
        : {};
  return {
    id: facts.groupId,
    lastUpdated: oktaTimestamp(daysBeforeBase(r.int(1, 700) + r.next())),
    priority: facts.priority,
    profile,
    _links: {
      app: { href: `${facts.origin}/api/v1/apps/${facts.app.id}` },
      group: { href: `${facts.origin}/api/v1/groups/${facts.groupId}` },
    },
  };
}
