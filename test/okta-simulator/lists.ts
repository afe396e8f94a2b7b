import { notFound, OKTA_ERRORS, type OktaFailure, oktaError } from './errors';
import type { Org } from './org';
import {
  decodeAppCursor,
  decodeGroupCursor,
  encodeAppCursor,
  encodeGroupCursor,
  firstGreater,
  type LimitRule,
  takePage,
} from './paging';
import { type Expression, matches, parseExpression } from './search';
import { userLogin } from './users';

/** Inputs of one list page. */
export interface ListRequest {
  org: Org;
  params: URLSearchParams;
  limit: number;
  /** The decoded `after` cursor, or null on the first page. */
  after: string | null;
  /** Exact `next` detection (false: a full page always announces `next`). */
  lookahead: boolean;
  errorId: () => string;
}

/** One page of items and the cursor of the next page. */
export interface ListPage {
  items: unknown[];
  nextCursor: string | undefined;
}

/** A list endpoint: its limits, whether it is a sub-list, and how to page it. */
export interface ListEndpoint {
  limits: LimitRule;
  subList: boolean;
  page(request: ListRequest, parent: number): ListPage | OktaFailure;
}

/** `/api/v1/users`: 200/200; DEPROVISIONED users only with `search` or `filter` (trap T1). */
export const USERS_LIST: ListEndpoint = {
  limits: { default: 200, max: 200 },
  subList: false,
  page(request) {
    const { org } = request;
    const expression = userExpression(request);
    if ('status' in expression) return expression;
    const start = cursorStart(request, (cursor) => org.userSlotOf(cursor));
    if (typeof start !== 'number') return start;
    const { positions, hasMore } = takePage(
      start,
      org.userSlots,
      request.limit,
      (i) =>
        org.isLiveUser(i) &&
        (expression.expression
          ? matches(expression.expression, (field) => userField(org, i, field))
          : org.statusAt(i) !== 'DEPROVISIONED'),
      request.lookahead,
    );
    return finish(
      positions,
      hasMore,
      (i) => org.renderUser(i),
      (i) => org.userIdAt(i),
    );
  },
};

/** `/api/v1/groups`: 200/200, `expand=stats|app|stats,app`, `filter`/`search` on type and id. */
export const GROUPS_LIST: ListEndpoint = {
  limits: { default: 200, max: 200 },
  subList: false,
  page(request) {
    const { org } = request;
    const expression = optionalExpression(request, ['type', 'id']);
    if ('status' in expression) return expression;
    const start = cursorStart(request, (cursor) => {
      const id = decodeGroupCursor(cursor);
      return id === undefined ? undefined : org.groupSlotOf(id);
    });
    if (typeof start !== 'number') return start;
    const expand = groupExpand(request.params);
    const { positions, hasMore } = takePage(
      start,
      org.groupSlots,
      request.limit,
      (i) => {
        const record = org.groupRecordAt(i);
        if (record.deleted) return false;
        if (!expression.expression) return true;
        return matches(expression.expression, (field) =>
          field === 'type' ? record.type : field === 'id' ? record.id : undefined,
        );
      },
      request.lookahead,
    );
    return finish(
      positions,
      hasMore,
      (i) => org.renderGroup(i, expand),
      (i) => encodeGroupCursor(org.groupRecordAt(i).id),
    );
  },
};

/** `/api/v1/groups/{id}/users`: full User objects, 1000/1000, cursor = last user id. */
export const GROUP_MEMBERS: ListEndpoint = {
  limits: { default: 1000, max: 1000 },
  subList: true,
  page(request, groupIndex) {
    const { org } = request;
    const members = org.groupMembersAt(groupIndex);
    const start = cursorStart(request, (cursor) => {
      const slot = org.userSlotOf(cursor);
      return slot === undefined ? undefined : firstGreater(members, slot) - 1;
    });
    if (typeof start !== 'number') return start;
    const { positions, hasMore } = takePage(
      start,
      members.length,
      request.limit,
      () => true,
      request.lookahead,
    );
    const userAt = (p: number) => members[p] ?? 0;
    return finish(
      positions,
      hasMore,
      (p) => org.renderUser(userAt(p)),
      (p) => org.userIdAt(userAt(p)),
    );
  },
};

/** `/api/v1/apps`: 20/200, ACTIVE and INACTIVE unless `filter` says otherwise, numeric cursor. */
export const APPS_LIST: ListEndpoint = {
  limits: { default: 20, max: 200 },
  subList: false,
  page(request) {
    const { org } = request;
    const expression = optionalExpression(request, ['status', 'name', 'id'], false);
    if ('status' in expression) return expression;
    const start = cursorStart(request, decodeAppCursor);
    if (typeof start !== 'number') return start;
    const { positions, hasMore } = takePage(
      start,
      org.appSlots,
      request.limit,
      (i) => {
        const record = org.appRecordAt(i);
        if (record.deleted) return false;
        if (!expression.expression) return true;
        return matches(expression.expression, (field) =>
          field === 'status'
            ? record.status
            : field === 'name'
              ? record.entry.name
              : field === 'id'
                ? record.id
                : undefined,
        );
      },
      request.lookahead,
    );
    return finish(positions, hasMore, (i) => org.renderApp(i), encodeAppCursor);
  },
};

/** `/api/v1/apps/{id}/users`: effective assignments, 50/500, `expand=user`, cursor = user id. */
export const APP_USERS: ListEndpoint = {
  limits: { default: 50, max: 500 },
  subList: true,
  page(request, appIndex) {
    const { org } = request;
    const { users } = org.effectiveAppUsersAt(appIndex);
    const start = cursorStart(request, (cursor) => {
      const slot = org.userSlotOf(cursor);
      return slot === undefined ? undefined : firstGreater(users, slot) - 1;
    });
    if (typeof start !== 'number') return start;
    const embedUser = request.params.get('expand') === 'user';
    const { positions, hasMore } = takePage(
      start,
      users.length,
      request.limit,
      () => true,
      request.lookahead,
    );
    return finish(
      positions,
      hasMore,
      (p) => {
        const appUser = org.renderAppUserAt(appIndex, p);
        return embedUser
          ? { ...appUser, _embedded: { user: org.renderUser(users[p] ?? 0) } }
          : appUser;
      },
      (p) => org.userIdAt(users[p] ?? 0),
    );
  },
};

/** `/api/v1/apps/{id}/groups`: 20/200, priority order, cursor = last group id. */
export const APP_GROUPS: ListEndpoint = {
  limits: { default: 20, max: 200 },
  subList: true,
  page(request, appIndex) {
    const { org } = request;
    const live = org.liveAppGroupsAt(appIndex);
    const start = cursorStart(request, (cursor) => {
      const slot = org.groupSlotOf(cursor);
      if (slot === undefined) return undefined;
      // A group deleted since the cursor was issued: continue after its old position.
      const all = Array.from(org.appRecordAt(appIndex).groups);
      const oldPosition = all.indexOf(slot);
      if (oldPosition < 0) return undefined;
      return all.slice(0, oldPosition + 1).filter((g) => live.includes(g)).length - 1;
    });
    if (typeof start !== 'number') return start;
    const { positions, hasMore } = takePage(
      start,
      live.length,
      request.limit,
      () => true,
      request.lookahead,
    );
    return finish(
      positions,
      hasMore,
      (p) => org.renderAppGroupAt(appIndex, p),
      (p) => org.groupRecordAt(live[p] ?? 0).id,
    );
  },
};

/** The expansions requested with `expand=` on groups. */
export function groupExpand(params: URLSearchParams): { expandStats: boolean; expandApp: boolean } {
  const parts = (params.get('expand') ?? '').split(',').map((p) => p.trim());
  return { expandStats: parts.includes('stats'), expandApp: parts.includes('app') };
}

function finish(
  positions: number[],
  hasMore: boolean,
  render: (position: number) => unknown,
  cursorOf: (position: number) => string,
): ListPage {
  const last = positions[positions.length - 1];
  return {
    items: positions.map(render),
    nextCursor: hasMore && last !== undefined ? cursorOf(last) : undefined,
  };
}

/** First position to read: 0 without a cursor, after the cursor's position otherwise. */
function cursorStart(
  request: ListRequest,
  positionOf: (cursor: string) => number | undefined,
): number | OktaFailure {
  if (request.after === null) return 0;
  const position = positionOf(request.after);
  if (position === undefined) {
    const e = OKTA_ERRORS.invalidPaging;
    return oktaError(e.status, e.code, e.summary, request.errorId());
  }
  return position + 1;
}

function userExpression(request: ListRequest): { expression?: Expression } | OktaFailure {
  return optionalExpression(request, ['status', 'id', 'profile.login', 'profile.email']);
}

function optionalExpression(
  request: ListRequest,
  fields: readonly string[],
  searchAllowed = true,
): { expression?: Expression } | OktaFailure {
  const search = searchAllowed ? request.params.get('search') : null;
  const filter = request.params.get('filter');
  if (search !== null && filter !== null) {
    const e = OKTA_ERRORS.searchAndFilter;
    return oktaError(e.status, e.code, e.summary, request.errorId());
  }
  const text = search ?? filter;
  if (text === null) return {};
  const parsed = parseExpression(text, fields, search !== null);
  if ('error' in parsed) {
    return oktaError(400, OKTA_ERRORS.invalidSearch.code, parsed.error, request.errorId());
  }
  return { expression: parsed };
}

function userField(org: Org, index: number, field: string): string | undefined {
  if (field === 'status') return org.statusAt(index);
  if (field === 'id') return org.userIdAt(index);
  return userLogin(org.seed, index); // profile.login and profile.email are the same here
}

/** Okta's 404 for a missing parent of a sub-list or a missing object. */
export function missing(
  id: string,
  kind: 'User' | 'UserGroup' | 'AppInstance',
  errorId: string,
): OktaFailure {
  return notFound(id, kind, errorId);
}
