import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../functions/sync/handler';
import { expectedGraph, receivedGraph } from './helpers/expected-graph';
import { type StandIns, startStandIns, withEnv } from './helpers/stand-ins';
import type { FaultRule } from './okta-simulator';

/**
 * All or nothing, per fault class (okta-peers.md §3): every run either posts a complete, correct
 * snapshot (after retries) or posts nothing, fails the invocation with a clear message, sends an
 * alert connector log and marks its manifest failed.
 */

let s: StandIns;
const FAST = { OKTA_MAX_RETRIES: '2', OKTA_REQUEST_TIMEOUT_MS: '1500' };

beforeAll(async () => {
  // 300 users: the users list has two pages, so faults can hit a page in the middle of a list.
  s = await startStandIns({
    okta: { orgOptions: { seed: 21, users: 300, groups: 25, apps: 8, bigGroupMembers: 1001 } },
  });
});
afterAll(async () => {
  await s?.stop();
});
beforeEach(() => s.okta.setScenario([]));

async function invoke() {
  // The handler logs through console; keep the test output readable.
  const consoles = {
    log: console.log,
    info: console.info,
    warn: console.warn,
    error: console.error,
  };
  const quiet = () => {};
  Object.assign(console, { log: quiet, info: quiet, warn: quiet, error: quiet });
  const write = process.stdout.write;
  process.stdout.write = (() => true) as typeof process.stdout.write; // EMF metric lines
  try {
    return {
      summary: await withEnv({ ...s.env, ...FAST }, () =>
        handler({}, { getRemainingTimeInMillis: () => 600_000 }),
      ),
    };
  } catch (error) {
    return { error: error as Error };
  } finally {
    Object.assign(console, consoles);
    process.stdout.write = write;
  }
}

async function failedManifests(): Promise<number> {
  let n = 0;
  for (const entry of await readdir(s.s3.directory, { withFileTypes: true, recursive: true })) {
    // s3rver keeps each object as `<key>._S3rver_object`.
    if (!entry.isFile() || entry.name !== 'manifest.json._S3rver_object') continue;
    const text = await readFile(join(entry.parentPath, entry.name), 'utf8');
    if (text.includes('"status": "failed"')) n++;
  }
  return n;
}

const USERS = '/api/v1/users';
const GROUPS = '/api/v1/groups';
const MEMBERS = /^\/api\/v1\/groups\/[^/]+\/users$/;
const APP_USERS = /^\/api\/v1\/apps\/[^/]+\/users$/;
const APPS = '/api/v1/apps';
const once = (rule: FaultRule): FaultRule[] => [{ times: 1, ...rule }];
const always = (rule: FaultRule): FaultRule[] => [{ ...rule, times: Number.POSITIVE_INFINITY }];

/** The id with the fewest (but some) relations: deleting it stays under the mass-deletion guard. */
function smallest(ids: string[], size: (id: string) => number): string {
  const sized = ids.map((id) => [id, size(id)] as const).filter(([, n]) => n > 0);
  sized.sort((a, b) => a[1] - b[1]);
  const first = sized[0];
  if (!first) throw new Error('nothing to delete');
  return first[0];
}

interface Case {
  name: string;
  rules: () => FaultRule[];
}

const recovers: Case[] = [
  { name: 'a connection reset', rules: () => once({ path: USERS, page: 2, fault: 'reset' }) },
  {
    name: 'a reset in the middle of the body',
    rules: () => once({ path: GROUPS, fault: 'reset-mid-body' }),
  },
  { name: 'a stalled response (timeout)', rules: () => once({ path: APPS, fault: 'stall' }) },
  {
    name: 'a 502 with an HTML body',
    rules: () => [{ path: MEMBERS, fault: 'gateway-error', times: 3 }],
  },
  {
    name: 'a 500 with an HTML body',
    rules: () => once({ path: USERS, respond: { status: 500, body: '<html><b>oops</b></html>' } }),
  },
  { name: 'truncated JSON', rules: () => once({ path: USERS, page: 2, fault: 'truncated-json' }) },
  { name: 'malformed JSON', rules: () => once({ path: APP_USERS, fault: 'malformed-json' }) },
  {
    name: 'a burst of bucket 429s',
    // The simulator's own 429s carry a real one-minute reset; a short one keeps the test quick.
    rules: () => [
      {
        path: MEMBERS,
        times: 4,
        respond: { status: 429, rateLimit: { limit: 500, remaining: 0, resetInSeconds: 1 } },
      },
    ],
  },
  {
    name: 'concurrency 429s',
    rules: () => [{ path: USERS, fault: 'concurrency-limited', times: 2 }],
  },
  {
    name: 'a 429 with a repeated X-Rate-Limit-Reset',
    rules: () =>
      once({
        path: GROUPS,
        rateLimitHeaders: 'duplicate',
        respond: { status: 429, rateLimit: { limit: 250, remaining: 0, resetInSeconds: 1 } },
      }),
  },
  {
    name: 'a 429 with a comma-joined X-Rate-Limit-Reset',
    rules: () =>
      once({
        path: APPS,
        rateLimitHeaders: 'comma-joined',
        respond: { status: 429, rateLimit: { limit: 50, remaining: 0, resetInSeconds: 1 } },
      }),
  },
  {
    name: 'next = self on the last page',
    rules: () => once({ path: USERS, page: 2, fault: 'next-equals-self' }),
  },
  {
    name: 'a repeated cursor on the last page',
    rules: () => once({ path: USERS, page: 2, fault: 'repeated-cursor' }),
  },
  {
    name: 'Link relations joined on one line',
    rules: () => always({ path: USERS, fault: 'comma-joined-link' }),
  },
  {
    name: 'Link with next before self',
    rules: () => always({ path: MEMBERS, fault: 'link-next-first' }),
  },
  {
    name: 'an expired cursor (400 E0000054): the list restarts',
    rules: () => once({ path: USERS, page: 2, fault: 'expired-cursor' }),
  },
  {
    name: 'an empty last page that still has a next link',
    rules: () => {
      const ids = s.okta.org.userIds();
      const end = `${s.okta.url}${USERS}?search=status%20pr&limit=200&after=END`;
      const page2 = ids.slice(200).map((id) => s.okta.org.user(id));
      return [
        {
          path: USERS,
          page: 2,
          times: 1,
          respond: {
            status: 200,
            body: JSON.stringify(page2),
            headers: { link: `<${end}>; rel="next"` },
          },
        },
        {
          path: USERS,
          query: { after: 'END' },
          times: 1,
          respond: { status: 200, body: '[]', headers: { link: `<${end}2>; rel="next"` } },
        },
      ];
    },
  },
  {
    name: 'a group deleted between the list and its members (404 E0000007)',
    rules: () =>
      once({
        path: `/api/v1/groups/${smallest(s.okta.org.groupIds(), (g) => s.okta.org.groupMemberIds(g).length)}/users`,
        fault: 'object-deleted',
      }),
  },
  {
    name: 'an app deleted between the list and its assignments (404 E0000007)',
    rules: () =>
      once({
        path: `/api/v1/apps/${smallest(s.okta.org.appIds(), (a) => s.okta.org.appUsers(a).length)}/users`,
        fault: 'object-deleted',
      }),
  },
  {
    name: 'a user created during the run, seen only as a group member',
    rules: () =>
      once({
        path: MEMBERS,
        fault: 'create-user',
        newUser: { groupIds: [s.okta.org.groupIds()[2] ?? ''] },
      }),
  },
];

const fails: (Case & { message: RegExp })[] = [
  {
    name: 'next = self after a full page (the list would be cut short)',
    rules: () => once({ path: USERS, page: 1, fault: 'next-equals-self' }),
    message:
      /okta: list users: the next link after a full page \(200 items\) repeats a page already read/,
  },
  {
    name: 'a page that keeps failing with 500',
    rules: () => always({ path: USERS, page: 2, respond: { status: 500 } }),
    message: /okta: list users: HTTP 500 \(gave up after 3 attempts\)/,
  },
  {
    name: 'a page that keeps stalling',
    rules: () => always({ path: GROUPS, fault: 'stall' }),
    message: /okta: list groups: no complete answer within 1500 ms/,
  },
  {
    name: 'a body that keeps arriving truncated',
    rules: () => always({ path: MEMBERS, fault: 'truncated-json' }),
    message: /okta: list members of group \w+: HTTP 200 with a body that is not JSON/,
  },
  {
    name: 'an invalid token (401 E0000011)',
    rules: () => always({ path: /.*/, fault: 'invalid-token' }),
    message: /HTTP 401 E0000011 .*check the Okta API token/,
  },
  {
    name: 'a missing permission (403 E0000006)',
    rules: () => always({ path: APPS, fault: 'forbidden' }),
    message: /okta: list apps: HTTP 403 E0000006 .*permission/,
  },
  {
    name: 'an empty users list with 200 (no admin role)',
    rules: () => always({ path: USERS, fault: 'empty-list' }),
    message: /missing from the users list \(which has 0\)|no users at all/,
  },
  {
    name: 'an empty groups list with 200 (groups only reachable through assignments)',
    rules: () => always({ path: GROUPS, fault: 'empty-list' }),
    message:
      /groups referenced by memberships or assignments are missing from the groups list \(which has 0\)/,
  },
  {
    name: 'a next link to another origin',
    rules: () => once({ path: USERS, page: 1, fault: 'foreign-next' }),
    message: /refusing to send the API token to https:\/\/evil\.example\.invalid/,
  },
  {
    name: 'endless 429s',
    rules: () =>
      always({
        path: APPS,
        respond: { status: 429, rateLimit: { limit: 50, remaining: 0, resetInSeconds: 0 } },
      }),
    message: /okta: list apps: 429 rate limited 11 times in a row/,
  },
  {
    name: 'a malformed record',
    rules: () =>
      once({
        path: USERS,
        respond: { status: 200, body: '[{"id":"00ubroken","profile":[]},{"status":"ACTIVE"}]' },
      }),
    message: /okta users page .*: item 1: id: /,
  },
];

describe('all or nothing, per fault class', () => {
  it.each(recovers)('recovers from $name and posts exactly the org', async ({ rules }) => {
    s.okta.setScenario(rules());
    const posted = s.elimity.snapshots.length;
    const { summary, error } = await invoke();
    expect(error).toBeUndefined();
    expect(summary).toMatchObject({ status: 'succeeded', posted: true });
    expect(s.elimity.snapshots).toHaveLength(posted + 1);
    expect(s.okta.appliedFaults().reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    const received = s.elimity.latest();
    if (!received) throw new Error('nothing received');
    // The org as it is after the run: deletions and creations during the run included.
    expect(receivedGraph(received)).toEqual(expectedGraph(s.okta.org));
  });

  it.each(fails)('fails loudly on $name and posts nothing', async ({ rules, message }) => {
    s.okta.setScenario(rules());
    const posted = s.elimity.snapshots.length;
    const logs = s.elimity.logs.length;
    const failedBefore = await failedManifests();
    const { summary, error } = await invoke();
    expect(summary).toBeUndefined();
    expect(error?.message).toMatch(message);
    expect(s.elimity.snapshots).toHaveLength(posted);
    expect(s.elimity.logs.slice(logs)).toEqual([
      expect.objectContaining({
        level: 'alert',
        message: expect.stringMatching(/nothing was posted/),
      }),
    ]);
    expect(await failedManifests()).toBe(failedBefore + 1);
  });
});
