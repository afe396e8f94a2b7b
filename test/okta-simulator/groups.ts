import { oktaId } from './ids';
import { base62, type Random, randomFor, STREAM, sampleSorted } from './random';
import { between, daysBeforeBase, oktaTimestamp } from './time';
import type { GroupStats, GroupType, OktaGroup } from './types';
import { asciiSlug, DEPARTMENT_NAMES, DEPARTMENTS } from './vocabulary';

/** Compact record of one group; the JSON is rendered from it on demand. */
export interface GroupRecord {
  id: string;
  type: GroupType;
  name: string;
  /** Member user indexes, ascending. */
  members: Uint32Array;
  /** Index of the source app of an APP_GROUP, else -1. */
  sourceApp: number;
  hasAdminPrivilege: boolean;
  groupPushMappings: number;
  deleted: boolean;
}

/** Inputs of group generation. */
export interface GroupPlan {
  seed: number;
  groups: number;
  meanGroupSize: number;
  bigGroupMembers: number;
  emptyGroups: number;
  /** Users that are not DEPROVISIONED, ascending. */
  eligible: Uint32Array;
  /** Eligible users whose credentials come from Active Directory. */
  activeDirectoryUsers: Uint32Array;
  deprovisioned: Uint32Array;
  /** Source app for APP_GROUPs, or -1 when the org has no directory app. */
  directoryApp: number;
}

/** Name of the group that has exactly `bigGroupMembers` members. */
export const BIG_GROUP_NAME = 'Company/All Staff';
/** A nested-looking name that is always present (when there are at least 3 groups). */
export const NESTED_GROUP_NAME = 'Engineering/Platform/SRE';

const SPECIAL_NAMES = [
  'R&D – Europe "Core"',
  '営業部 (Tokyo)',
  'Ομάδα Δοκιμών',
  'Finance & Legal <Restricted>',
  'app-salesforce-users',
];

/** Generates group 0 = Everyone, group 1 = the big group, then OKTA_GROUPs and APP_GROUPs. */
export function generateGroups(plan: GroupPlan): GroupRecord[] {
  const records: GroupRecord[] = [];
  const usedNames = new Set<string>();
  const emptyAt = emptyGroupIndexes(plan.groups, plan.emptyGroups);
  for (let index = 0; index < plan.groups; index++) {
    const r = randomFor(plan.seed, STREAM.groupShape, index);
    const base = {
      id: oktaId(plan.seed, 'group', index),
      sourceApp: -1,
      hasAdminPrivilege: r.chance(0.03),
      groupPushMappings: 0,
      deleted: false,
    };
    if (index === 0) {
      records.push({ ...base, type: 'BUILT_IN', name: 'Everyone', members: plan.eligible.slice() });
      usedNames.add('Everyone');
      continue;
    }
    if (index === 1) {
      const members = sampleSorted(r, plan.eligible, plan.bigGroupMembers);
      records.push({ ...base, type: 'OKTA_GROUP', name: BIG_GROUP_NAME, members });
      usedNames.add(BIG_GROUP_NAME);
      continue;
    }
    const isAppGroup = plan.directoryApp >= 0 && index > 2 && r.chance(0.3);
    const type: GroupType = isAppGroup ? 'APP_GROUP' : 'OKTA_GROUP';
    const rawName =
      index === 2 ? NESTED_GROUP_NAME : isAppGroup ? activeDirectoryName(r) : oktaGroupName(r);
    const name = usedNames.has(rawName) ? `${rawName} ${index}` : rawName;
    usedNames.add(name);
    const members = emptyAt.has(index) ? new Uint32Array(0) : drawMembers(r, plan, isAppGroup);
    records.push({
      ...base,
      type,
      name,
      members,
      sourceApp: isAppGroup ? plan.directoryApp : -1,
      groupPushMappings: !isAppGroup && r.chance(0.05) ? 1 : 0,
    });
  }
  return records;
}

function emptyGroupIndexes(groups: number, empties: number): Set<number> {
  const out = new Set<number>();
  const slots = groups - 3; // indexes 3.. may be empty
  if (slots <= 0) return out;
  const count = Math.min(empties, slots);
  for (let k = 0; k < count; k++) out.add(3 + Math.floor(((k + 0.5) * slots) / count));
  return out;
}

function drawMembers(r: Random, plan: GroupPlan, isAppGroup: boolean): Uint32Array {
  // Exponential sizes: many small groups, a few large ones.
  const size = Math.max(1, Math.round(-Math.log(1 - r.next()) * plan.meanGroupSize));
  const pool =
    isAppGroup && plan.activeDirectoryUsers.length > 0 ? plan.activeDirectoryUsers : plan.eligible;
  const members = sampleSorted(r, pool, size);
  // Okta keeps group memberships of deactivated users; a few OKTA_GROUPs show that.
  if (!isAppGroup && plan.deprovisioned.length > 0 && r.chance(0.15)) {
    const extra = plan.deprovisioned[r.int(0, plan.deprovisioned.length - 1)] ?? 0;
    if (!members.includes(extra)) {
      const merged = new Uint32Array(members.length + 1);
      merged.set(members);
      merged[members.length] = extra;
      return merged.sort();
    }
  }
  return members;
}

function oktaGroupName(r: Random): string {
  const department = r.pick(DEPARTMENT_NAMES);
  const team = r.pick(DEPARTMENTS[department] ?? ['General']);
  const roll = r.next();
  if (roll < 0.5) return `${department}/${team}`;
  if (roll < 0.7) return `${department}/${team}/${r.pick(['Leads', 'On-call', 'EU', 'US'])}`;
  if (roll < 0.8) return r.pick(SPECIAL_NAMES);
  return `${department} ${r.pick(['Managers', 'All', 'Approvers'])}`;
}

function activeDirectoryName(r: Random): string {
  const department = r.pick(DEPARTMENT_NAMES);
  const team = r.pick(DEPARTMENTS[department] ?? ['General']);
  const role = r.pick(['Readers', 'Writers', 'Admins', 'Users']);
  return `GG-${asciiSlug(department)}-${asciiSlug(team)}-${role}`;
}

/** What a group render needs beyond its record. */
export interface GroupFacts {
  seed: number;
  index: number;
  record: GroupRecord;
  origin: string;
  stats?: GroupStats;
  app?: { id: string; name: string; label: string; signOnMode: string | null };
  sourceAppId?: string;
}

/** Renders an Okta Group deterministically from its record. */
export function renderGroup(facts: GroupFacts): OktaGroup {
  const { record, origin } = facts;
  const r = randomFor(facts.seed, STREAM.groupRender, facts.index);
  const createdMs = daysBeforeBase(r.int(60, 2500) + r.next());
  const lastUpdatedMs = between(createdMs, r.next() ** 2);
  const lastMembershipUpdatedMs = between(createdMs, 0.6 + r.next() * 0.4);
  const self = `${origin}/api/v1/groups/${record.id}`;
  const group: OktaGroup = {
    id: record.id,
    created: oktaTimestamp(createdMs),
    lastUpdated: oktaTimestamp(lastUpdatedMs),
    lastMembershipUpdated: oktaTimestamp(lastMembershipUpdatedMs),
    objectClass: [
      record.type === 'APP_GROUP' ? 'okta:windows_security_principal' : 'okta:user_group',
    ],
    type: record.type,
    profile: groupProfile(record, r),
    _links: {
      logo: [
        {
          name: 'medium',
          href: 'https://op1static.oktacdn.com/assets/img/logos/groups/okta-medium.png',
          type: 'image/png',
        },
        {
          name: 'large',
          href: 'https://op1static.oktacdn.com/assets/img/logos/groups/okta-large.png',
          type: 'image/png',
        },
      ],
      ...(facts.sourceAppId
        ? { source: { href: `${origin}/api/v1/apps/${facts.sourceAppId}` } }
        : {}),
      users: { href: `${self}/users` },
      apps: { href: `${self}/apps` },
      self: { href: self },
    },
  };
  if (facts.stats || facts.app) {
    group._embedded = {
      ...(facts.stats ? { stats: facts.stats } : {}),
      ...(facts.app ? { app: facts.app } : {}),
    };
  }
  return group;
}

function groupProfile(record: GroupRecord, r: Random): OktaGroup['profile'] {
  if (record.type === 'BUILT_IN') {
    return { name: record.name, description: 'All users in your organization' };
  }
  const description = r.chance(0.7) ? `${record.name} members` : r.chance(0.5) ? '' : null;
  if (record.type === 'OKTA_GROUP') return { name: record.name, description };
  return {
    name: record.name,
    description,
    groupType: 'Security',
    groupScope: 'Global',
    samAccountName: record.name,
    objectSid: `S-1-5-21-${r.int(1e8, 9e8)}-${r.int(1e8, 9e8)}-${r.int(1000, 99_999)}`,
    dn: `CN=${record.name},OU=Groups,DC=corp,DC=example,DC=com`,
    windowsDomainQualifiedName: `CORP\\${record.name}`,
    externalId: `${base62(r, 22)}==`,
  };
}
