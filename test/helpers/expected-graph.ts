import type { Entity, Relationship } from '../../shared/elimity-model';
import type { Org } from '../okta-simulator/org';

/** The parts of an Elimity graph that must match an org exactly, as sorted plain values. */
export interface GraphFacts {
  users: string[];
  groups: string[];
  applications: string[];
  /** `userId→groupId` */
  memberships: string[];
  /** `userId→appId scope` */
  appUsers: string[];
  /** `groupId→appId priority` */
  appGroups: string[];
}

const sorted = (values: Iterable<string>) => [...values].sort();

/** What Elimity must hold for this org: every live object and relation, nothing else. */
export function expectedGraph(org: Org): GraphFacts {
  const appIds = org.appIds();
  return {
    users: sorted(org.userIds()),
    groups: sorted(org.groupIds()),
    applications: sorted(appIds),
    memberships: sorted(
      org.groupIds().flatMap((g) => org.groupMemberIds(g).map((u) => `${u}→${g}`)),
    ),
    appUsers: sorted(
      appIds.flatMap((a) => org.appUsers(a).map((au) => `${au.id}→${a} ${au.scope}`)),
    ),
    appGroups: sorted(
      appIds.flatMap((a) => org.appGroups(a).map((ag) => `${ag.id}→${a} ${ag.priority}`)),
    ),
  };
}

function attribute(r: Relationship, id: string): unknown {
  return r.attributeAssignments.find((a) => a.attributeTypeId === id)?.value.value;
}

/** The same facts read back from what the Elimity receiver decoded. */
export function receivedGraph(snapshot: {
  entities: Entity[];
  relationships: Relationship[];
}): GraphFacts {
  const ids = (type: string) =>
    sorted(snapshot.entities.filter((e) => e.type === type).map((e) => e.id));
  const rels = (from: string, to: string) =>
    snapshot.relationships.filter((r) => r.fromEntityType === from && r.toEntityType === to);
  return {
    users: ids('user'),
    groups: ids('group'),
    applications: ids('application'),
    memberships: sorted(rels('user', 'group').map((r) => `${r.fromEntityId}→${r.toEntityId}`)),
    appUsers: sorted(
      rels('user', 'application').map(
        (r) => `${r.fromEntityId}→${r.toEntityId} ${String(attribute(r, 'assignmentScope'))}`,
      ),
    ),
    appGroups: sorted(
      rels('group', 'application').map(
        (r) => `${r.fromEntityId}→${r.toEntityId} ${String(attribute(r, 'priority'))}`,
      ),
    ),
  };
}
