import { describe, expect, it } from 'vitest';
import {
  bucketOf,
  isConcurrencyLimited,
  readRateLimit,
  waitAfterRateLimit,
} from '../shared/okta-rate-limit';

const headers = (h: Record<string, string | undefined>) =>
  new Headers(Object.entries(h).filter((e): e is [string, string] => e[1] !== undefined));

describe('bucketOf', () => {
  it.each([
    ['/api/v1/users', 'users-list'],
    ['/api/v1/users/', 'users-list'],
    ['/api/v1/users/00u1', 'user-by-id'],
    ['/api/v1/users/00u1/groups', 'other'],
    ['/api/v1/groups', 'groups-list'],
    ['/api/v1/groups/00g1', 'group'],
    ['/api/v1/groups/00g1/users', 'group'],
    ['/api/v1/groups/rules', 'other'],
    ['/api/v1/apps', 'apps'],
    ['/api/v1/apps/0oa1', 'app-by-id'],
    ['/api/v1/apps/0oa1/users', 'apps'],
    ['/api/v1/apps/0oa1/groups', 'apps'],
    ['/api/v1/meta/schemas/user/default', 'other'],
    ['/oauth2/v1/token', 'other'],
  ])('%s → %s', (path, bucket) => {
    expect(bucketOf(path)).toBe(bucket);
  });
});

describe('readRateLimit and waitAfterRateLimit', () => {
  const date = 'Tue, 04 Nov 2025 07:00:41 GMT'; // epoch 1762239641
  it.each([
    {
      name: 'the okta-api.md example: 20 s = reset − Date + 1 s',
      h: {
        'x-rate-limit-limit': '100',
        'x-rate-limit-remaining': '0',
        'x-rate-limit-reset': '1762239660',
        date,
      },
      wait: 20_000,
      concurrency: false,
    },
    {
      name: 'a local clock far off does not matter: the Date header is used',
      h: { 'x-rate-limit-reset': '1762239660', date },
      wait: 20_000,
      concurrency: false,
      localNow: 0,
    },
    {
      name: 'repeated reset values (OKTA-112507): the earlier one',
      h: { 'x-rate-limit-reset': '1762239650, 1762239660', date },
      wait: 10_000,
      concurrency: false,
    },
    {
      name: 'reset already passed: just the extra second',
      h: { 'x-rate-limit-reset': '1762239600', date },
      wait: 1000,
      concurrency: false,
    },
    {
      name: 'no Date header: the local clock',
      h: { 'x-rate-limit-reset': '1762239660' },
      wait: 11_000,
      concurrency: false,
      localNow: 1762239650_000,
    },
    { name: 'no reset header: unknown', h: { date }, wait: undefined, concurrency: false },
    {
      name: 'concurrency variant: limit 0 and remaining 0',
      h: {
        'x-rate-limit-limit': '0',
        'x-rate-limit-remaining': '0',
        'x-rate-limit-reset': '1762239755',
        date,
      },
      wait: 115_000,
      concurrency: true,
    },
    {
      name: 'garbage values are ignored',
      h: { 'x-rate-limit-limit': 'lots', 'x-rate-limit-reset': 'soon', date },
      wait: undefined,
      concurrency: false,
    },
  ])('$name', ({ h, wait, concurrency, localNow }) => {
    const reading = readRateLimit(headers(h));
    expect(waitAfterRateLimit(reading, localNow ?? Date.parse(date))).toBe(wait);
    expect(isConcurrencyLimited(reading)).toBe(concurrency);
  });
});
