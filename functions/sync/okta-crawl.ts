import { DataError, GuardError, UpstreamError } from '../../shared/errors';
import { bucketOf, type OktaBucket } from '../../shared/okta-rate-limit';
import {
  OktaAppGroupSchema,
  OktaAppSchema,
  OktaAppUserSchema,
  OktaGroupSchema,
  OktaUserSchema,
  parseOktaObject,
  parseOktaPage,
} from '../../shared/okta-schemas';
import type { Logger } from './logger';
import { type OktaClient, OktaHttpError, type OktaPage } from './okta-client';
import { realSleep, type Sleep } from './okta-pacer';
import type { SnapshotResource, SnapshotWriter } from './snapshot-writer';

/** Page sizes: each endpoint's maximum that Okta honours (okta-api.md §4, T3–T5). */
export const OKTA_PAGE_LIMITS = {
  users: 200,
  groups: 200,
  apps: 200,
  groupMembers: 1000,
  appUsers: 500,
  appGroups: 200,
} as const;

/** What one pending list (or single object) is; all plain data, so progress can be saved. */
export type TaskKind =
  | 'users'
  | 'groups'
  | 'apps'
  | 'group-members'
  | 'app-users'
  | 'app-groups'
  | 'user-by-id'
  | 'group-by-id';

export interface ListCursor {
  kind: TaskKind;
  /** Group or app id for sub-lists; the object id for by-id fetches. */
  parentId?: string;
  startUrl: string;
  /** The next page to fetch, exactly as Okta's `Link: rel="next"` gave it. */
  nextUrl: string;
  pages: number;
  items: number;
  /** Page URLs already fetched, to stop on a repeated cursor or `next` = `self`. */
  visited: string[];
  /** Times the list was started over after an expired cursor (E0000054). */
  restarts: number;
  /** Empty pages in a row that still had a next link. */
  emptyPages?: number;
}

/** The crawl's progress as a serializable value: which lists remain and where each continues. */
export interface CrawlProgress {
  pending: ListCursor[];
  completedLists: number;
}

/** Objects that vanished during the run (404 on a sub-list or by-id fetch). */
export interface GoneObjects {
  users: string[];
  groups: string[];
  apps: string[];
}

export interface CrawlResult {
  gone: GoneObjects;
  /** Group members and app assignees missing from the lists, fetched by id (created meanwhile). */
  fetchedById: { users: number; groups: number };
  /** Lists and pages completed. */
  lists: number;
  pages: number;
  /** Paging anomalies that ended a list early but safely (next = self, repeated cursor, …). */
  anomalies: string[];
}

const RESOURCE_OF: Record<TaskKind, SnapshotResource> = {
  users: 'users',
  groups: 'groups',
  apps: 'apps',
  'group-members': 'group-members',
  'app-users': 'app-users',
  'app-groups': 'app-groups',
  'user-by-id': 'users-by-id',
  'group-by-id': 'groups-by-id',
};

/** Maximum restarts of one list after Okta says its cursor is no longer valid. */
const MAX_LIST_RESTARTS = 2;

/**
 * Empty pages in a row that still carry a `next` link which are followed before the list is taken
 * as ended: enough to get past a stray empty page, few enough to stop an endless `next` (B13).
 */
const MAX_EMPTY_PAGES_WITH_NEXT = 2;

/** The page size a page was asked for (its URL's `limit`), to tell a full page from the last one. */
function requestedLimit(url: string): number | undefined {
  const raw = new URL(url).searchParams.get('limit');
  return raw !== null && /^\d+$/.test(raw) ? Number(raw) : undefined;
}

/**
 * Objects created during a run are a handful. Many more members or assignees missing from the
 * lists means a list was incomplete (a token that sees no users, say), not a busy org: fetching
 * them one by one would only hide that, and spend the rate limits.
 */
export function maxMissingById(listed: number): number {
  // An empty list with objects referenced from elsewhere was not read in full: nothing to fill in.
  if (listed === 0) return 0;
  return Math.max(100, Math.ceil(listed * 0.05));
}

function cursor(kind: TaskKind, startUrl: string, parentId?: string): ListCursor {
  return {
    kind,
    ...(parentId === undefined ? {} : { parentId }),
    startUrl,
    nextUrl: startUrl,
    pages: 0,
    items: 0,
    visited: [],
    restarts: 0,
  };
}

const q = encodeURIComponent;

/** The three top-level lists a full snapshot starts from (okta-api.md §9). */
export function initialProgress(orgUrl: URL): CrawlProgress {
  const at = (path: string) => new URL(path, orgUrl).href;
  const bothStatuses = 'status eq "ACTIVE" or status eq "INACTIVE"';
  return {
    pending: [
      // `search=status pr` is what includes DEPROVISIONED users (trap T1).
      cursor('users', at(`/api/v1/users?search=${q('status pr')}&limit=${OKTA_PAGE_LIMITS.users}`)),
      cursor('groups', at(`/api/v1/groups?limit=${OKTA_PAGE_LIMITS.groups}&expand=stats`)),
      // Explicit statuses, so INACTIVE apps are never left out by a server default (trap T9).
      cursor('apps', at(`/api/v1/apps?limit=${OKTA_PAGE_LIMITS.apps}&filter=${q(bothStatuses)}`)),
    ],
    completedLists: 0,
  };
}

function operationOf(task: ListCursor): string {
  switch (task.kind) {
    case 'users':
    case 'groups':
    case 'apps':
      return `list ${task.kind}`;
    case 'group-members':
      return `list members of group ${task.parentId}`;
    case 'app-users':
      return `list users of app ${task.parentId}`;
    case 'app-groups':
      return `list groups of app ${task.parentId}`;
    case 'user-by-id':
      return `get user ${task.parentId}`;
    case 'group-by-id':
      return `get group ${task.parentId}`;
  }
}

export interface CrawlDeps {
  client: OktaClient;
  writer: SnapshotWriter;
  log: Logger;
  orgUrl: URL;
  /** Number of pages fetched at once; the client's pacer keeps each bucket in budget. */
  concurrency: number;
  now?: () => number;
  /** Waits for a bucket to have budget; injected so a time-scaled benchmark can compress time. */
  sleep?: Sleep;
}

/**
 * Pages every list of a full snapshot into the raw snapshot writer, following `next` links
 * verbatim, fanning out to sub-lists, and fetching by id what the lists missed. Any failure stops
 * the crawl and is thrown: a partial crawl is never reported as complete.
 */
export async function crawlOkta(
  deps: CrawlDeps,
  progress: CrawlProgress = initialProgress(deps.orgUrl),
): Promise<CrawlResult> {
  const { client, writer, log } = deps;
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? realSleep;
  const at = (path: string) => new URL(path, deps.orgUrl).href;

  const knownUsers = new Set<string>();
  const knownGroups = new Set<string>();
  const referencedUsers = new Set<string>();
  const referencedGroups = new Set<string>();
  const gone = { users: new Set<string>(), groups: new Set<string>(), apps: new Set<string>() };
  const fetchedById = { users: 0, groups: 0 };
  const anomalies: string[] = [];
  let pages = 0;

  // Ready tasks per rate-limit bucket, so a worker can pick a bucket that has budget now.
  const queues = new Map<OktaBucket, ListCursor[]>();
  let queued = 0;
  let busy = 0;
  let failure: unknown;
  // Every waiting worker is woken on any change; each then re-checks what it can do.
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const wake of [...waiters]) wake();
  };

  const enqueue = (task: ListCursor) => {
    const bucket = bucketOf(new URL(task.nextUrl).pathname);
    const list = queues.get(bucket);
    if (list) list.push(task);
    else queues.set(bucket, [task]);
    queued++;
    notify();
  };
  for (const task of progress.pending) enqueue(task);

  const onUserSeen = (id: string) => {
    if (!knownUsers.has(id)) referencedUsers.add(id);
  };

  /** After every list is done: objects referenced but never listed were created meanwhile. */
  const enqueueMissing = () => {
    const missingUsers = [...referencedUsers].filter(
      (id) => !knownUsers.has(id) && !gone.users.has(id),
    );
    const missingGroups = [...referencedGroups].filter(
      (id) => !knownGroups.has(id) && !gone.groups.has(id),
    );
    for (const [missing, listed, what] of [
      [missingUsers.length, knownUsers.size, 'users'],
      [missingGroups.length, knownGroups.size, 'groups'],
    ] as const) {
      if (missing > maxMissingById(listed)) {
        throw new GuardError(
          `okta: ${missing} ${what} referenced by memberships or assignments are missing from the ${what} list (which has ${listed}); ` +
            "the list looks incomplete (does the API token's admin role cover all users and groups?)",
        );
      }
    }
    for (const id of referencedUsers) {
      if (!knownUsers.has(id) && !gone.users.has(id)) {
        enqueue(cursor('user-by-id', at(`/api/v1/users/${q(id)}`), id));
      }
    }
    for (const id of referencedGroups) {
      if (!knownGroups.has(id) && !gone.groups.has(id)) {
        enqueue(cursor('group-by-id', at(`/api/v1/groups/${q(id)}`), id));
      }
    }
    referencedUsers.clear();
    referencedGroups.clear();
  };

  const onGroup = (group: { id: string; _embedded?: unknown }) => {
    knownGroups.add(group.id);
    // `expand=stats` says which groups are empty: no member call for them (trap T5).
    if (usersCountOf(group) === 0) return;
    enqueue(
      cursor(
        'group-members',
        at(`/api/v1/groups/${q(group.id)}/users?limit=${OKTA_PAGE_LIMITS.groupMembers}`),
        group.id,
      ),
    );
  };

  /** Fetches one page of a task; true when the list goes on (the task was queued again). */
  async function step(task: ListCursor): Promise<boolean> {
    let page: OktaPage;
    try {
      page = await client.get(task.nextUrl, operationOf(task));
    } catch (error) {
      if (
        error instanceof OktaHttpError &&
        error.errorCode === 'E0000054' &&
        task.pages > 0 &&
        task.restarts < MAX_LIST_RESTARTS
      ) {
        // An expired cursor: Okta's advice is to restart the list (duplicates are dropped later).
        log.warn('okta cursor expired; restarting the list', { list: operationOf(task) });
        Object.assign(task, { nextUrl: task.startUrl, visited: [], restarts: task.restarts + 1 });
        enqueue(task);
        return true;
      }
      throw error;
    }
    pages++;
    task.pages++;
    await writer.append(RESOURCE_OF[task.kind], {
      url: page.url,
      fetchedAt: page.fetchedAt,
      status: page.status,
      ...(task.parentId === undefined ? {} : { parentId: task.parentId }),
      body: page.bodyText,
    });

    if (page.status === 404) {
      onGone(task);
      return false;
    }
    const where = { resource: RESOURCE_OF[task.kind], url: page.url };
    let count: number;
    switch (task.kind) {
      case 'users': {
        const users = parseOktaPage(OktaUserSchema, page.json, where);
        for (const u of users) {
          knownUsers.add(u.id);
          referencedUsers.delete(u.id);
        }
        count = users.length;
        break;
      }
      case 'groups': {
        const groups = parseOktaPage(OktaGroupSchema, page.json, where);
        for (const g of groups) {
          onGroup(g);
          referencedGroups.delete(g.id);
        }
        count = groups.length;
        break;
      }
      case 'apps': {
        const apps = parseOktaPage(OktaAppSchema, page.json, where);
        for (const app of apps) {
          const id = q(app.id);
          enqueue(
            cursor(
              'app-users',
              at(`/api/v1/apps/${id}/users?limit=${OKTA_PAGE_LIMITS.appUsers}`),
              app.id,
            ),
          );
          enqueue(
            cursor(
              'app-groups',
              at(`/api/v1/apps/${id}/groups?limit=${OKTA_PAGE_LIMITS.appGroups}`),
              app.id,
            ),
          );
        }
        count = apps.length;
        break;
      }
      case 'group-members': {
        const members = parseOktaPage(OktaUserSchema, page.json, where);
        for (const m of members) onUserSeen(m.id);
        count = members.length;
        break;
      }
      case 'app-users': {
        const appUsers = parseOktaPage(OktaAppUserSchema, page.json, where);
        for (const a of appUsers) onUserSeen(a.id);
        count = appUsers.length;
        break;
      }
      case 'app-groups': {
        const assignments = parseOktaPage(OktaAppGroupSchema, page.json, where);
        for (const a of assignments) if (!knownGroups.has(a.id)) referencedGroups.add(a.id);
        count = assignments.length;
        break;
      }
      case 'user-by-id': {
        const user = parseOktaObject(OktaUserSchema, page.json, where);
        knownUsers.add(user.id);
        fetchedById.users++;
        return false;
      }
      case 'group-by-id': {
        const group = parseOktaObject(OktaGroupSchema, page.json, where);
        onGroup(group);
        fetchedById.groups++;
        return false;
      }
    }
    task.items += count;
    task.visited.push(page.url);

    const next = page.next;
    if (next === undefined) return false;
    const repeats = next === page.url || task.visited.includes(next);
    if (count === 0) {
      // Okta's own last page can be empty with a `next`; a fresh cursor is still followed a little,
      // so that a stray empty page in the middle of a list cannot cut the list short.
      task.emptyPages = (task.emptyPages ?? 0) + 1;
      if (repeats || task.emptyPages > MAX_EMPTY_PAGES_WITH_NEXT) {
        anomalies.push(`${operationOf(task)}: empty pages kept a next link; list ended`);
        return false;
      }
      task.nextUrl = next;
      enqueue(task);
      return true;
    }
    task.emptyPages = 0;
    if (repeats) {
      const limit = requestedLimit(page.url);
      if (limit !== undefined && count >= limit) {
        // A full page is rarely the last one: stopping here could post a partial list.
        throw new UpstreamError(
          'okta',
          operationOf(task),
          `the next link after a full page (${count} items) repeats a page already read (${next}); the list cannot be read to its end`,
        );
      }
      anomalies.push(
        `${operationOf(task)}: the next link of its last page repeats a page already read; list ended`,
      );
      return false;
    }
    task.nextUrl = next;
    enqueue(task);
    return true;
  }

  function onGone(task: ListCursor): void {
    const id = task.parentId;
    switch (task.kind) {
      case 'group-members':
      case 'group-by-id':
        if (id) gone.groups.add(id);
        return;
      case 'app-users':
      case 'app-groups':
        if (id) gone.apps.add(id);
        return;
      case 'user-by-id':
        if (id) gone.users.add(id);
        return;
      default:
        throw new DataError(`okta ${operationOf(task)}`, `HTTP 404 on ${task.nextUrl}`);
    }
  }

  /** The next task whose bucket has budget now; waits when none has; undefined when all is done. */
  async function take(): Promise<ListCursor | undefined> {
    for (;;) {
      if (failure !== undefined) return undefined;
      if (queued === 0 && busy === 0) {
        try {
          enqueueMissing();
        } catch (error) {
          // Stop every worker the same way a failed page does.
          failure ??= error;
          notify();
          return undefined;
        }
        if (queued === 0) return undefined;
      }
      let earliest = Number.POSITIVE_INFINITY;
      for (const [bucket, list] of queues) {
        if (list.length === 0) continue;
        if (client.pacer.canStart(bucket)) {
          queued--;
          // Busy from the moment it leaves the queue: counted later, a waiting worker could see
          // "nothing queued, nothing busy" in between and wrongly conclude the crawl is done.
          busy++;
          // Round robin between buckets: move this bucket to the back of the map's order.
          queues.delete(bucket);
          queues.set(bucket, list);
          return list.shift();
        }
        earliest = Math.min(earliest, client.pacer.readyAt(bucket));
      }
      const stop = new AbortController();
      let wake = () => {};
      const woken = new Promise<void>((resolve) => {
        wake = resolve;
      });
      waiters.add(wake);
      const waits: Promise<void>[] = [woken];
      if (queued > 0 && Number.isFinite(earliest)) {
        // Nothing queued can start before the deadline: fail now rather than be killed later.
        const deadline = client.deadline;
        if (deadline !== undefined && earliest > deadline) {
          failure ??= new UpstreamError(
            'okta',
            'pace requests',
            `waiting ${Math.ceil((earliest - now()) / 1000)} s for a rate-limit window would pass the run's deadline`,
          );
          notify();
          return undefined;
        }
      }
      if (queued > 0 && Number.isFinite(earliest)) {
        waits.push(sleep(Math.max(1, earliest - now()), stop.signal));
      }
      await Promise.race(waits);
      stop.abort();
      waiters.delete(wake);
    }
  }

  async function worker(): Promise<void> {
    for (;;) {
      const task = await take();
      if (!task) return;
      try {
        const continues = await step(task);
        if (!continues) progress.completedLists++;
      } catch (error) {
        failure ??= error;
      } finally {
        busy--;
        notify();
      }
    }
  }

  await Promise.all(Array.from({ length: Math.max(1, deps.concurrency) }, worker));
  if (failure !== undefined) throw failure;
  return {
    gone: { users: [...gone.users], groups: [...gone.groups], apps: [...gone.apps] },
    fetchedById,
    lists: progress.completedLists,
    pages,
    anomalies,
  };
}

function usersCountOf(group: { _embedded?: unknown }): number | undefined {
  const embedded = group._embedded as { stats?: { usersCount?: unknown } } | null | undefined;
  const count = embedded?.stats?.usersCount;
  return typeof count === 'number' ? count : undefined;
}
