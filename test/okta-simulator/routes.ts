import type { OktaFailure } from './errors';
import {
  APP_GROUPS,
  APP_USERS,
  APPS_LIST,
  GROUP_MEMBERS,
  GROUPS_LIST,
  groupExpand,
  type ListEndpoint,
  missing,
  USERS_LIST,
} from './lists';
import type { Org } from './org';

/** A matched route: a list (with its parent index for sub-lists) or a single object. */
export type Route =
  | { kind: 'list'; endpoint: ListEndpoint; parent: number }
  | { kind: 'object'; body: unknown }
  | { kind: 'failure'; failure: OktaFailure };

/** Whether the path is one of the simulated endpoints (to tell 405 from 404). */
export function isKnownPath(path: string): boolean {
  return /^\/api\/v1\/(users|groups|apps)(\/[^/]+(\/(users|groups))?)?$/.test(path);
}

/** Resolves a GET path against the org. Returns undefined for paths the simulator lacks. */
export function resolveRoute(
  org: Org,
  path: string,
  params: URLSearchParams,
  errorId: () => string,
): Route | undefined {
  const parts = path.split('/').slice(3).map(safeDecode); // ['users', id?, sub?]
  const [collection, id, sub] = parts;
  if (parts.length > 3 || collection === undefined) return undefined;
  if (id === undefined) {
    const endpoint =
      collection === 'users'
        ? USERS_LIST
        : collection === 'groups'
          ? GROUPS_LIST
          : collection === 'apps'
            ? APPS_LIST
            : undefined;
    return endpoint ? { kind: 'list', endpoint, parent: -1 } : undefined;
  }
  switch (collection) {
    case 'users': {
      if (sub !== undefined) return undefined;
      const index = org.userIndexOf(id);
      if (index === undefined) return { kind: 'failure', failure: missing(id, 'User', errorId()) };
      return { kind: 'object', body: org.renderUser(index, { fullLinks: true }) };
    }
    case 'groups': {
      if (sub !== undefined && sub !== 'users') return undefined;
      const index = org.groupIndexOf(id);
      if (index === undefined) {
        return { kind: 'failure', failure: missing(id, 'UserGroup', errorId()) };
      }
      if (sub === 'users') return { kind: 'list', endpoint: GROUP_MEMBERS, parent: index };
      return { kind: 'object', body: org.renderGroup(index, groupExpand(params)) };
    }
    case 'apps': {
      if (sub !== undefined && sub !== 'users' && sub !== 'groups') return undefined;
      const index = org.appIndexOf(id);
      if (index === undefined) {
        return { kind: 'failure', failure: missing(id, 'AppInstance', errorId()) };
      }
      if (sub === 'users') return { kind: 'list', endpoint: APP_USERS, parent: index };
      if (sub === 'groups') return { kind: 'list', endpoint: APP_GROUPS, parent: index };
      return { kind: 'object', body: org.renderApp(index) };
    }
    default:
      return undefined;
  }
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
