import { type AppRecord, generateApps, renderApp } from './apps';
import {
  type EffectiveAppUsers,
  effectiveAppUsers,
  renderAppGroup,
  renderAppUser,
} from './assignments';
import { type GroupRecord, generateGroups, renderGroup } from './groups';
import { oktaId } from './ids';
import { randomFor, STREAM } from './random';
import type {
  GroupStats,
  OktaApp,
  OktaAppGroupAssignment,
  OktaAppUser,
  OktaGroup,
  OktaUser,
  UserStatus,
} from './types';
import { USER_STATUSES } from './types';
import {
  generatedProviderCode,
  generatedStatusCode,
  PROVIDER,
  renderUser,
  userLogin,
  userTypeIds,
} from './users';

/** Size and shape of a generated org. */
export interface OrgOptions {
  seed: number;
  users: number;
  groups: number;
  apps: number;
  /** Mean size of ordinary groups (exponentially distributed). */
  meanGroupSize: number;
  /**
   * Target total of group memberships (Everyone included). When set, it replaces `meanGroupSize`
   * with the mean that gives about this many (e.g. 1,000,000 for 100,000 users in 10,000 groups).
   */
  memberships?: number;
  /** Members of group 1 ("Company/All Staff"); 1,001 forces two member pages at limit 1000. */
  bigGroupMembers: number;
  /** How many ordinary groups have no members. */
  emptyGroups: number;
  /** Mean number of direct user assignments of an app that has them. */
  meanDirectAppUsers: number;
  /** Origin used in `_links`; the simulator replaces it with its own URL. */
  origin: string;
}

/** Defaults: a mid-size Workforce org. */
export const DEFAULT_ORG_OPTIONS: OrgOptions = {
  seed: 1,
  users: 2000,
  groups: 200,
  apps: 50,
  meanGroupSize: 40,
  bigGroupMembers: 1001,
  emptyGroups: 4,
  meanDirectAppUsers: 15,
  origin: 'https://example.okta.com',
};

/** Totals of live objects and relations, for assertions. */
export interface OrgCounts {
  users: number;
  /** Users a plain `/api/v1/users` returns (all but DEPROVISIONED). */
  usersWithoutDeprovisioned: number;
  groups: number;
  apps: number;
  memberships: number;
  appUserAssignments: number;
  appGroupAssignments: number;
}

/** Options of `addUser`. */
export interface NewUserOptions {
  status?: UserStatus;
  /** Groups to add the user to (besides Everyone, which every non-DEPROVISIONED user joins). */
  groupIds?: string[];
  /** Apps to assign the user to directly. */
  appIds?: string[];
}

/** Builds an org; the same options always give the same org. */
export function generateOrg(options: Partial<OrgOptions> = {}): Org {
  return new Org({ ...DEFAULT_ORG_OPTIONS, ...options });
}

/**
 * A simulated Okta org: compact records plus on-demand JSON rendering. Public methods are the
 * ground truth for tests; the `…At`/`…Index` methods are what the server pages over.
 */
export class Org {
  readonly options: OrgOptions;
  readonly seed: number;
  /** Origin used in `_links`. */
  origin: string;

  private userIdList: string[] = [];
  private userIndexById = new Map<string, number>();
  private userIndexByLogin: Map<string, number> | undefined;
  private statusCodes: Uint8Array;
  private providerCodes: Uint8Array;
  private deletedUsers: Uint8Array;
  private managerIndexes: Int32Array;
  private userCountInternal = 0;
  private readonly typeIds: [string, string];
  private groupRecords: GroupRecord[];
  private groupIndexById = new Map<string, number>();
  private appRecords: AppRecord[];
  private appIndexById = new Map<string, number>();
  private appUserCache = new Map<number, EffectiveAppUsers>();
  private appsCountByGroup: Uint32Array | undefined;

  constructor(options: OrgOptions) {
    this.options = options;
    this.seed = options.seed;
    this.origin = options.origin;
    this.typeIds = userTypeIds(options.seed);
    const n = options.users;
    this.statusCodes = new Uint8Array(Math.max(16, n));
    this.providerCodes = new Uint8Array(Math.max(16, n));
    this.deletedUsers = new Uint8Array(Math.max(16, n));
    this.managerIndexes = new Int32Array(Math.max(16, n));
    for (let i = 0; i < n; i++) this.appendUser(generatedStatusCode(options.seed, i));
    this.ensureEveryStatus();

    const eligible = this.userIndexes((i) => this.statusAt(i) !== 'DEPROVISIONED');
    const byProvider = (code: number) =>
      this.userIndexes(
        (i) => this.statusAt(i) !== 'DEPROVISIONED' && this.providerCodes[i] === code,
      );
    this.groupRecords = generateGroups({
      seed: options.seed,
      groups: options.groups,
      meanGroupSize:
        options.memberships === undefined
          ? options.meanGroupSize
          : meanGroupSizeFor(options, eligible.length),
      bigGroupMembers: options.bigGroupMembers,
      emptyGroups: options.emptyGroups,
      eligible,
      activeDirectoryUsers: byProvider(PROVIDER.activeDirectory),
      deprovisioned: this.userIndexes((i) => this.statusAt(i) === 'DEPROVISIONED'),
      directoryApp: options.apps > 0 ? 0 : -1,
    });
    this.groupRecords.forEach((g, i) => {
      this.groupIndexById.set(g.id, i);
    });
    this.appRecords = generateApps({
      seed: options.seed,
      apps: options.apps,
      meanDirectUsers: options.meanDirectAppUsers,
      eligible,
      activeDirectoryUsers: byProvider(PROVIDER.activeDirectory),
      ldapUsers: byProvider(PROVIDER.ldap),
      groups: this.groupRecords,
    });
    this.appRecords.forEach((a, i) => {
      this.appIndexById.set(a.id, i);
    });
  }

  // ── Ground truth ────────────────────────────────────────────────────────────

  /** Totals of live objects and relations. */
  get counts(): OrgCounts {
    let memberships = 0;
    for (const g of this.groupRecords) if (!g.deleted) memberships += g.members.length;
    let appUserAssignments = 0;
    let appGroupAssignments = 0;
    this.appRecords.forEach((a, i) => {
      if (a.deleted) return;
      appUserAssignments += this.effectiveAppUsersAt(i).users.length;
      appGroupAssignments += this.liveAppGroupsAt(i).length;
    });
    return {
      users: this.userIds().length,
      usersWithoutDeprovisioned: this.userIdsWithoutDeprovisioned().length,
      groups: this.groupIds().length,
      apps: this.appIds().length,
      memberships,
      appUserAssignments,
      appGroupAssignments,
    };
  }

  /** Ids of all live users, DEPROVISIONED included, in list order. */
  userIds(): string[] {
    return this.liveUserIndexes().map((i) => this.userIdAt(i));
  }

  /** Ids of the users a plain `/api/v1/users` (no search/filter) returns. */
  userIdsWithoutDeprovisioned(): string[] {
    return this.liveUserIndexes()
      .filter((i) => this.statusAt(i) !== 'DEPROVISIONED')
      .map((i) => this.userIdAt(i));
  }

  /** Ids of all live groups in list order (Everyone first). */
  groupIds(): string[] {
    return this.groupRecords.filter((g) => !g.deleted).map((g) => g.id);
  }

  /** Ids of all live apps in list order, ACTIVE and INACTIVE. */
  appIds(): string[] {
    return this.appRecords.filter((a) => !a.deleted).map((a) => a.id);
  }

  /** A live user by id or login, rendered as `/api/v1/users/{id}` returns it. */
  user(idOrLogin: string): OktaUser | undefined {
    const index = this.userIndexOf(idOrLogin);
    return index === undefined ? undefined : this.renderUser(index, { fullLinks: true });
  }

  /** A live group by id. */
  group(id: string, expand: GroupExpand = {}): OktaGroup | undefined {
    const index = this.groupIndexOf(id);
    return index === undefined ? undefined : this.renderGroup(index, expand);
  }

  /** A live app by id. */
  app(id: string): OktaApp | undefined {
    const index = this.appIndexOf(id);
    return index === undefined ? undefined : this.renderApp(index);
  }

  /** Member user ids of a live group, in the order `/groups/{id}/users` lists them. */
  groupMemberIds(groupId: string): string[] {
    const index = this.groupIndexOf(groupId);
    if (index === undefined) throw new Error(`no live group ${groupId}`);
    return Array.from(this.groupMembersAt(index), (u) => this.userIdAt(u));
  }

  /** Every effective app user of a live app, rendered as `/apps/{id}/users` lists them. */
  appUsers(appId: string): OktaAppUser[] {
    const index = this.appIndexOf(appId);
    if (index === undefined) throw new Error(`no live app ${appId}`);
    const { users } = this.effectiveAppUsersAt(index);
    return Array.from(users, (_, position) => this.renderAppUserAt(index, position));
  }

  /** The group assignments of a live app, in priority order. */
  appGroups(appId: string): OktaAppGroupAssignment[] {
    const index = this.appIndexOf(appId);
    if (index === undefined) throw new Error(`no live app ${appId}`);
    return this.liveAppGroupsAt(index).map((_, position) => this.renderAppGroupAt(index, position));
  }

  // ── Rendering by index ─────────────────────────────────────────────────────

  /** Renders user `index`; collections carry only `self` in `_links`. */
  renderUser(index: number, options: { fullLinks?: boolean } = {}): OktaUser {
    const managerIndex = this.managerIndexes[index] ?? -1;
    return renderUser({
      seed: this.seed,
      index,
      id: this.userIdAt(index),
      status: this.statusAt(index),
      providerCode: this.providerCodes[index] ?? PROVIDER.okta,
      managerIndex,
      managerId: managerIndex >= 0 ? this.userIdAt(managerIndex) : null,
      origin: this.origin,
      typeIds: this.typeIds,
      fullLinks: options.fullLinks ?? false,
    });
  }

  /** Renders group `index`, with `_embedded.stats` and/or `_embedded.app` on request. */
  renderGroup(index: number, expand: GroupExpand = {}): OktaGroup {
    const record = this.groupRecordAt(index);
    const source = record.sourceApp >= 0 ? this.appRecords[record.sourceApp] : undefined;
    return renderGroup({
      seed: this.seed,
      index,
      record,
      origin: this.origin,
      ...(source ? { sourceAppId: source.id } : {}),
      ...(expand.expandStats ? { stats: this.groupStatsAt(index) } : {}),
      ...(expand.expandApp && source
        ? {
            app: {
              id: source.id,
              name: source.entry.name,
              label: source.label,
              signOnMode: source.entry.signOnMode,
            },
          }
        : {}),
    });
  }

  /** Renders app `index`. */
  renderApp(index: number): OktaApp {
    return renderApp({
      seed: this.seed,
      index,
      record: this.appRecordAt(index),
      origin: this.origin,
    });
  }

  /** Renders the app user at `position` of app `appIndex`'s effective user list. */
  renderAppUserAt(appIndex: number, position: number): OktaAppUser {
    const app = this.appRecordAt(appIndex);
    const { users, viaGroup } = this.effectiveAppUsersAt(appIndex);
    const userIndex = users[position] ?? 0;
    const groupIndex = viaGroup[position] ?? -1;
    const liveGroups = this.liveAppGroupsAt(appIndex);
    const group = groupIndex >= 0 ? this.groupRecordAt(groupIndex) : undefined;
    return renderAppUser({
      seed: this.seed,
      appIndex,
      app,
      userIndex,
      userId: this.userIdAt(userIndex),
      userLogin: userLogin(this.seed, userIndex),
      ...(group
        ? { group: { id: group.id, name: group.name, priority: liveGroups.indexOf(groupIndex) } }
        : {}),
      origin: this.origin,
    });
  }

  /** Renders the group assignment at `position` (= priority) of app `appIndex`. */
  renderAppGroupAt(appIndex: number, position: number): OktaAppGroupAssignment {
    const groupIndex = this.liveAppGroupsAt(appIndex)[position] ?? 0;
    return renderAppGroup({
      seed: this.seed,
      appIndex,
      app: this.appRecordAt(appIndex),
      groupIndex,
      groupId: this.groupRecordAt(groupIndex).id,
      priority: position,
      origin: this.origin,
    });
  }

  // ── Index access for the server ────────────────────────────────────────────

  /** Number of user slots, deleted ones included (user indexes are 0…userSlots-1). */
  get userSlots(): number {
    return this.userCountInternal;
  }

  /** Number of group slots, deleted ones included. */
  get groupSlots(): number {
    return this.groupRecords.length;
  }

  /** Number of app slots, deleted ones included. */
  get appSlots(): number {
    return this.appRecords.length;
  }

  /** Id of user `index` (also for deleted users, so old cursors still resolve). */
  userIdAt(index: number): string {
    const id = this.userIdList[index];
    if (id === undefined) throw new Error(`no user index ${index}`);
    return id;
  }

  /** Status of user `index`. */
  statusAt(index: number): UserStatus {
    return USER_STATUSES[this.statusCodes[index] ?? 2] ?? 'ACTIVE';
  }

  /** Whether user `index` exists (was not deleted). */
  isLiveUser(index: number): boolean {
    return index < this.userCountInternal && this.deletedUsers[index] === 0;
  }

  /** Index of a user by id (deleted included; for cursors). */
  userSlotOf(id: string): number | undefined {
    return this.userIndexById.get(id);
  }

  /** Index of a live user by id or login. */
  userIndexOf(idOrLogin: string): number | undefined {
    const byId = this.userIndexById.get(idOrLogin);
    const index = byId ?? this.loginIndex().get(idOrLogin.toLowerCase());
    return index !== undefined && this.isLiveUser(index) ? index : undefined;
  }

  /** Record of group `index`. */
  groupRecordAt(index: number): GroupRecord {
    const record = this.groupRecords[index];
    if (!record) throw new Error(`no group index ${index}`);
    return record;
  }

  /** Index of a group by id (deleted included; for cursors). */
  groupSlotOf(id: string): number | undefined {
    return this.groupIndexById.get(id);
  }

  /** Index of a live group by id. */
  groupIndexOf(id: string): number | undefined {
    const index = this.groupIndexById.get(id);
    return index !== undefined && !this.groupRecordAt(index).deleted ? index : undefined;
  }

  /** Member user indexes of group `index`, ascending. */
  groupMembersAt(index: number): Uint32Array {
    return this.groupRecordAt(index).members;
  }

  /** `_embedded.stats` of group `index`. */
  groupStatsAt(index: number): GroupStats {
    const record = this.groupRecordAt(index);
    return {
      usersCount: record.members.length,
      appsCount: this.appsCountByGroupIndex()[index] ?? 0,
      groupPushMappingsCount: record.groupPushMappings,
      hasAdminPrivlege: record.hasAdminPrivilege,
    };
  }

  /** Record of app `index`. */
  appRecordAt(index: number): AppRecord {
    const record = this.appRecords[index];
    if (!record) throw new Error(`no app index ${index}`);
    return record;
  }

  /** Index of a live app by id. */
  appIndexOf(id: string): number | undefined {
    const index = this.appIndexById.get(id);
    return index !== undefined && !this.appRecordAt(index).deleted ? index : undefined;
  }

  /** Effective users of app `index` (cached until the next mutation). */
  effectiveAppUsersAt(index: number): EffectiveAppUsers {
    let cached = this.appUserCache.get(index);
    if (!cached) {
      cached = effectiveAppUsers(this.appRecordAt(index), {
        isAssignableUser: (u) => this.isLiveUser(u) && this.statusAt(u) !== 'DEPROVISIONED',
        isLiveGroup: (g) => !this.groupRecordAt(g).deleted,
        groupMembers: (g) => this.groupMembersAt(g),
      });
      this.appUserCache.set(index, cached);
    }
    return cached;
  }

  /** Live assigned group indexes of app `index`, in priority order. */
  liveAppGroupsAt(index: number): number[] {
    return Array.from(this.appRecordAt(index).groups).filter((g) => !this.groupRecordAt(g).deleted);
  }

  // ── Mutations (fault scenarios) ────────────────────────────────────────────

  /** Creates a user (as if created during a run); it is appended to the end of the user list. */
  addUser(options: NewUserOptions = {}): string {
    const status = options.status ?? 'ACTIVE';
    const index = this.appendUser(USER_STATUSES.indexOf(status));
    if (status !== 'DEPROVISIONED') this.addMember(0, index);
    for (const groupId of options.groupIds ?? []) {
      const group = this.groupIndexOf(groupId);
      if (group === undefined) throw new Error(`no live group ${groupId}`);
      this.addMember(group, index);
    }
    for (const appId of options.appIds ?? []) {
      const app = this.appIndexOf(appId);
      if (app === undefined) throw new Error(`no live app ${appId}`);
      const record = this.appRecordAt(app);
      record.directUsers = insertSorted(record.directUsers, index);
    }
    this.invalidate();
    return this.userIdAt(index);
  }

  /** Deletes a user: it disappears from lists, groups and apps; its id answers 404. */
  deleteUser(id: string): void {
    const index = this.userIndexOf(id);
    if (index === undefined) throw new Error(`no live user ${id}`);
    this.deletedUsers[index] = 1;
    for (const group of this.groupRecords) {
      if (group.members.includes(index)) group.members = group.members.filter((u) => u !== index);
    }
    this.invalidate();
  }

  /** Deletes a group: it disappears from lists and app assignments; its id answers 404. */
  deleteGroup(id: string): void {
    const index = this.groupIndexOf(id);
    if (index === undefined) throw new Error(`no live group ${id}`);
    this.groupRecordAt(index).deleted = true;
    this.invalidate();
  }

  /** Deletes an app: it disappears from lists; its id and sub-lists answer 404. */
  deleteApp(id: string): void {
    const index = this.appIndexOf(id);
    if (index === undefined) throw new Error(`no live app ${id}`);
    this.appRecordAt(index).deleted = true;
    this.invalidate();
  }

  // ── Internals ──────────────────────────────────────────────────────────────

  private appendUser(statusCode: number): number {
    const index = this.userCountInternal;
    if (index >= this.statusCodes.length) this.grow(index * 2);
    this.statusCodes[index] = statusCode;
    this.providerCodes[index] = generatedProviderCode(this.seed, index);
    // Managers are earlier users, so the hierarchy has no cycles; about 5 % have no manager.
    const r = randomFor(this.seed, STREAM.userRender, index, 1);
    this.managerIndexes[index] = index === 0 || r.chance(0.05) ? -1 : r.int(0, index - 1);
    const id = oktaId(this.seed, 'user', index);
    if (this.userIndexById.has(id)) throw new Error(`user id collision at ${index}`);
    this.userIdList.push(id);
    this.userIndexById.set(id, index);
    this.userCountInternal++;
    this.userIndexByLogin?.set(userLogin(this.seed, index), index);
    return index;
  }

  private grow(capacity: number): void {
    const status = new Uint8Array(capacity);
    status.set(this.statusCodes);
    this.statusCodes = status;
    const provider = new Uint8Array(capacity);
    provider.set(this.providerCodes);
    this.providerCodes = provider;
    const deleted = new Uint8Array(capacity);
    deleted.set(this.deletedUsers);
    this.deletedUsers = deleted;
    const managers = new Int32Array(capacity);
    managers.set(this.managerIndexes);
    this.managerIndexes = managers;
  }

  /** Small orgs must still show every status; later users take the missing ones. */
  private ensureEveryStatus(): void {
    const n = this.userCountInternal;
    if (n < USER_STATUSES.length * 2) return;
    const present = new Set(this.statusCodes.subarray(0, n));
    let cursor = n - 1;
    USER_STATUSES.forEach((_, code) => {
      if (present.has(code)) return;
      while (cursor > 0 && this.statusAt(cursor) !== 'ACTIVE') cursor--;
      this.statusCodes[cursor] = code;
      cursor--;
    });
  }

  private userIndexes(predicate: (index: number) => boolean): Uint32Array {
    const out: number[] = [];
    for (let i = 0; i < this.userCountInternal; i++) if (predicate(i)) out.push(i);
    return Uint32Array.from(out);
  }

  private liveUserIndexes(): number[] {
    return Array.from(this.userIndexes((i) => this.isLiveUser(i)));
  }

  private loginIndex(): Map<string, number> {
    if (!this.userIndexByLogin) {
      this.userIndexByLogin = new Map();
      for (let i = 0; i < this.userCountInternal; i++) {
        this.userIndexByLogin.set(userLogin(this.seed, i), i);
      }
    }
    return this.userIndexByLogin;
  }

  private addMember(groupIndex: number, userIndex: number): void {
    const record = this.groupRecordAt(groupIndex);
    if (!record.members.includes(userIndex))
      record.members = insertSorted(record.members, userIndex);
  }

  private appsCountByGroupIndex(): Uint32Array {
    if (!this.appsCountByGroup) {
      const counts = new Uint32Array(this.groupRecords.length);
      for (const app of this.appRecords) {
        if (app.deleted) continue;
        for (const g of app.groups) counts[g] = (counts[g] ?? 0) + 1;
      }
      this.appsCountByGroup = counts;
    }
    return this.appsCountByGroup;
  }

  private invalidate(): void {
    this.appUserCache.clear();
    this.appsCountByGroup = undefined;
  }
}

/** The mean ordinary-group size that makes about `options.memberships` memberships in all. */
function meanGroupSizeFor(options: OrgOptions, eligibleUsers: number): number {
  const ordinary = Math.max(1, options.groups - 2 - options.emptyGroups);
  const fixed =
    (options.groups > 0 ? eligibleUsers : 0) + (options.groups > 1 ? options.bigGroupMembers : 0);
  return Math.max(1, ((options.memberships ?? 0) - fixed) / ordinary);
}

/** Which embeds a group render carries. */
export interface GroupExpand {
  expandStats?: boolean;
  expandApp?: boolean;
}

function insertSorted(values: Uint32Array, value: number): Uint32Array {
  const out = new Uint32Array(values.length + 1);
  out.set(values);
  out[values.length] = value;
  return out.sort();
}
