import type { Entity, Relationship } from '../elimity-model';
import { DataError } from '../errors';
import {
  OktaAppGroupSchema,
  OktaAppSchema,
  OktaAppUserSchema,
  OktaGroupSchema,
  OktaUserSchema,
  parseOktaObject,
  parseOktaPage,
} from '../okta-schemas';
import { toAppGroupRelationship, toApplicationEntity, toAppUserRelationship } from './apps';
import { toGroupEntity, toGroupMembershipRelationship } from './groups';
import { toUserEntity } from './users';

/** One stored Okta response, as the raw snapshot holds it. */
export interface RawRecord {
  url: string;
  status: number;
  parentId?: string | undefined;
  body: string;
}

export type RawResource =
  | 'users'
  | 'groups'
  | 'apps'
  | 'group-members'
  | 'app-users'
  | 'app-groups'
  | 'users-by-id'
  | 'groups-by-id';

/** What the import holds, per kind, and what was left out and why. */
export interface ImportCounts {
  users: number;
  groups: number;
  applications: number;
  groupMemberships: number;
  appUserAssignments: number;
  appGroupAssignments: number;
  /** Relationships left out because one end is not in the snapshot (deleted meanwhile). */
  danglingRelationships: number;
  /** Objects or relationships seen twice (a restarted list, a page served twice). */
  duplicates: number;
}

export interface ImportSource {
  records(resource: RawResource): AsyncIterable<RawRecord>;
  /** Objects Okta answered 404 for during the run: deleted, so left out with their relationships. */
  gone: { users: readonly string[]; groups: readonly string[]; apps: readonly string[] };
}

export interface ElimityImport {
  /** Must be consumed completely before `relationships` (Elimity wants entities first anyway). */
  entities: AsyncIterable<Entity>;
  relationships: AsyncIterable<Relationship>;
  /** Filled in as the two iterables are consumed. */
  counts: ImportCounts;
}

function parseBody(record: RawRecord, resource: RawResource): unknown {
  try {
    return JSON.parse(record.body);
  } catch {
    throw new DataError(`okta ${resource} page ${record.url}`, 'stored body is not JSON');
  }
}

/**
 * Builds the Elimity import from a raw snapshot, streaming: only id sets are kept in memory, so
 * memory grows with the number of objects, not with their size.
 */
export function toElimityImport(source: ImportSource): ElimityImport {
  const counts: ImportCounts = {
    users: 0,
    groups: 0,
    applications: 0,
    groupMemberships: 0,
    appUserAssignments: 0,
    appGroupAssignments: 0,
    danglingRelationships: 0,
    duplicates: 0,
  };
  // User ids map to small numbers so relationship de-duplication stores numbers, not strings.
  const userIndex = new Map<string, number>();
  const groupIndex = new Map<string, number>();
  const appIds = new Set<string>();
  const goneUsers = new Set(source.gone.users);
  const goneGroups = new Set(source.gone.groups);
  const goneApps = new Set(source.gone.apps);
  let entitiesDone = false;

  async function* pages<T>(
    resource: RawResource,
    parse: (json: unknown, where: { resource: string; url: string }) => T[],
  ): AsyncGenerator<{ record: RawRecord; items: T[] }> {
    for await (const record of source.records(resource)) {
      // 404 answers are kept in the audit snapshot; they carry no objects.
      if (record.status !== 200) continue;
      yield { record, items: parse(parseBody(record, resource), { resource, url: record.url }) };
    }
  }
  const list =
    <T>(schema: Parameters<typeof parseOktaPage<T>>[0]) =>
    (json: unknown, where: { resource: string; url: string }) =>
      parseOktaPage(schema, json, where);
  const single =
    <T>(schema: Parameters<typeof parseOktaObject<T>>[0]) =>
    (json: unknown, where: { resource: string; url: string }) => [
      parseOktaObject(schema, json, where),
    ];

  async function* entities(): AsyncGenerator<Entity> {
    for (const resource of ['users', 'users-by-id'] as const) {
      const parse = resource === 'users' ? list(OktaUserSchema) : single(OktaUserSchema);
      for await (const { items } of pages(resource, parse)) {
        for (const user of items) {
          if (goneUsers.has(user.id)) continue;
          if (userIndex.has(user.id)) {
            counts.duplicates++;
            continue;
          }
          userIndex.set(user.id, userIndex.size);
          counts.users++;
          yield toUserEntity(user);
        }
      }
    }
    for (const resource of ['groups', 'groups-by-id'] as const) {
      const parse = resource === 'groups' ? list(OktaGroupSchema) : single(OktaGroupSchema);
      for await (const { items } of pages(resource, parse)) {
        for (const group of items) {
          if (goneGroups.has(group.id)) continue;
          if (groupIndex.has(group.id)) {
            counts.duplicates++;
            continue;
          }
          groupIndex.set(group.id, groupIndex.size);
          counts.groups++;
          yield toGroupEntity(group);
        }
      }
    }
    for await (const { items } of pages('apps', list(OktaAppSchema))) {
      for (const app of items) {
        if (goneApps.has(app.id)) continue;
        if (appIds.has(app.id)) {
          counts.duplicates++;
          continue;
        }
        appIds.add(app.id);
        counts.applications++;
        yield toApplicationEntity(app);
      }
    }
    entitiesDone = true;
  }

  /** Per parent (group or app), the child indexes already emitted. */
  function seenSet() {
    const byParent = new Map<string, Set<number>>();
    return (parentId: string, child: number): boolean => {
      const set = byParent.get(parentId);
      if (!set) {
        byParent.set(parentId, new Set([child]));
        return false;
      }
      if (set.has(child)) return true;
      set.add(child);
      return false;
    };
  }

  async function* relationships(): AsyncGenerator<Relationship> {
    if (!entitiesDone) {
      throw new Error('toElimityImport: consume entities before relationships');
    }
    const memberSeen = seenSet();
    for await (const { record, items } of pages('group-members', list(OktaUserSchema))) {
      const groupId = parentOf(record, 'group-members');
      for (const member of items) {
        const user = userIndex.get(member.id);
        if (user === undefined || !groupIndex.has(groupId)) {
          counts.danglingRelationships++;
          continue;
        }
        if (memberSeen(groupId, user)) {
          counts.duplicates++;
          continue;
        }
        counts.groupMemberships++;
        yield toGroupMembershipRelationship(member.id, groupId);
      }
    }
    const appUserSeen = seenSet();
    for await (const { record, items } of pages('app-users', list(OktaAppUserSchema))) {
      const appId = parentOf(record, 'app-users');
      for (const appUser of items) {
        const user = userIndex.get(appUser.id);
        if (user === undefined || !appIds.has(appId)) {
          counts.danglingRelationships++;
          continue;
        }
        if (appUserSeen(appId, user)) {
          counts.duplicates++;
          continue;
        }
        counts.appUserAssignments++;
        yield toAppUserRelationship(appId, appUser);
      }
    }
    const appGroupSeen = seenSet();
    for await (const { record, items } of pages('app-groups', list(OktaAppGroupSchema))) {
      const appId = parentOf(record, 'app-groups');
      for (const assignment of items) {
        const group = groupIndex.get(assignment.id);
        if (group === undefined || !appIds.has(appId)) {
          counts.danglingRelationships++;
          continue;
        }
        if (appGroupSeen(appId, group)) {
          counts.duplicates++;
          continue;
        }
        counts.appGroupAssignments++;
        yield toAppGroupRelationship(appId, assignment);
      }
    }
  }

  return { entities: entities(), relationships: relationships(), counts };
}

function parentOf(record: RawRecord, resource: RawResource): string {
  if (!record.parentId) {
    throw new DataError(`okta ${resource} page ${record.url}`, 'stored record has no parent id');
  }
  return record.parentId;
}
