import { describe, expect, it } from 'vitest';
import { OktaPacer, type Sleep } from '../functions/sync/okta-pacer';
import type { RateLimitReading } from '../shared/okta-rate-limit';

/** A clock that only moves when someone sleeps: waits become exact numbers. */
function fakeTime(start = 1_000_000) {
  let now = start;
  const sleeps: number[] = [];
  const sleep: Sleep = async (ms) => {
    sleeps.push(ms);
    now += ms;
  };
  return { now: () => now, sleep, sleeps, advance: (ms: number) => (now += ms) };
}

const reading = (r: Partial<RateLimitReading>, serverNow: number): RateLimitReading => ({
  limit: undefined,
  remaining: undefined,
  resetAt: undefined,
  serverNow,
  ...r,
});

describe('OktaPacer', () => {
  it('sends one request to a bucket it has not heard from, then paces by its headers', async () => {
    const t = fakeTime();
    const pacer = new OktaPacer(8, t.now, t.sleep);
    await pacer.acquire('apps');
    expect(pacer.canStart('apps')).toBe(false); // unknown bucket: one at a time
    pacer.release('apps', reading({ limit: 50, remaining: 2, resetAt: t.now() + 60_000 }, t.now()));
    expect(pacer.canStart('apps')).toBe(true);
    await pacer.acquire('apps');
    await pacer.acquire('apps');
    // Two in flight use the two remaining calls: the third must wait for the window to reset.
    expect(pacer.canStart('apps')).toBe(false);
    expect(pacer.readyAt('apps')).toBe(t.now() + 61_000);
  });

  it('waits for the reset (plus a second of Date-header resolution) when the bucket is spent', async () => {
    const t = fakeTime();
    const pacer = new OktaPacer(8, t.now, t.sleep);
    await pacer.acquire('users-list');
    pacer.release(
      'users-list',
      reading({ limit: 300, remaining: 0, resetAt: t.now() + 30_000 }, t.now()),
    );
    await pacer.acquire('users-list');
    expect(t.sleeps).toEqual([31_000]);
  });

  it('measures the reset against the server clock, whatever the local clock says', async () => {
    const t = fakeTime();
    const pacer = new OktaPacer(8, t.now, t.sleep);
    await pacer.acquire('groups-list');
    // The server is 10 minutes ahead of us; its window resets 20 s after its own now.
    const serverNow = t.now() + 600_000;
    pacer.release(
      'groups-list',
      reading({ limit: 250, remaining: 0, resetAt: serverNow + 20_000 }, serverNow),
    );
    expect(pacer.readyAt('groups-list')).toBe(t.now() + 21_000);
  });

  it('keeps buckets apart: a spent apps bucket does not slow the groups bucket', async () => {
    const t = fakeTime();
    const pacer = new OktaPacer(8, t.now, t.sleep);
    await pacer.acquire('apps');
    pacer.release('apps', reading({ limit: 50, remaining: 0, resetAt: t.now() + 60_000 }, t.now()));
    expect(pacer.canStart('apps')).toBe(false);
    expect(pacer.canStart('group')).toBe(true);
  });

  it('ignores a late answer from an older window, and takes the smallest remaining within one', async () => {
    const t = fakeTime();
    const pacer = new OktaPacer(8, t.now, t.sleep);
    const reset1 = t.now() + 10_000;
    await pacer.acquire('group');
    pacer.release('group', reading({ limit: 100, remaining: 5, resetAt: reset1 }, t.now()));
    await pacer.acquire('group');
    await pacer.acquire('group');
    pacer.release('group', reading({ limit: 100, remaining: 3, resetAt: reset1 }, t.now()));
    pacer.release('group', reading({ limit: 100, remaining: 4, resetAt: reset1 }, t.now())); // late
    // 3 remaining, none in flight: three can start, the fourth waits.
    for (let i = 0; i < 3; i++) await pacer.acquire('group');
    expect(pacer.canStart('group')).toBe(false);
  });

  it('refills a bucket once its window has turned over', async () => {
    const t = fakeTime();
    const pacer = new OktaPacer(8, t.now, t.sleep);
    await pacer.acquire('apps');
    pacer.release('apps', reading({ limit: 50, remaining: 0, resetAt: t.now() + 5_000 }, t.now()));
    t.advance(6_000);
    expect(pacer.canStart('apps')).toBe(true);
  });

  it('halves requests in flight on a concurrency 429 and grows back one per 20 successes', async () => {
    const t = fakeTime();
    const pacer = new OktaPacer(8, t.now, t.sleep);
    pacer.onConcurrencyLimited();
    expect(pacer.stats().maxInFlight).toBe(4);
    pacer.onConcurrencyLimited();
    pacer.onConcurrencyLimited();
    pacer.onConcurrencyLimited();
    expect(pacer.stats().maxInFlight).toBe(1);
    for (let i = 0; i < 19; i++) pacer.onSuccess();
    expect(pacer.stats().maxInFlight).toBe(1);
    pacer.onSuccess();
    expect(pacer.stats().maxInFlight).toBe(2);
  });

  it('never lets more than the cap run at once', async () => {
    const t = fakeTime();
    const pacer = new OktaPacer(2, t.now, t.sleep);
    for (const b of ['users-list', 'groups-list'] as const) {
      await pacer.acquire(b);
      pacer.release(b, reading({ limit: 100, remaining: 99, resetAt: t.now() + 60_000 }, t.now()));
    }
    await pacer.acquire('users-list');
    await pacer.acquire('groups-list');
    let third = false;
    const pending = pacer.acquire('users-list').then(() => {
      third = true;
    });
    await Promise.resolve();
    expect(third).toBe(false);
    pacer.release('groups-list', undefined);
    await pending;
    expect(third).toBe(true);
  });

  it('treats the concurrency variant headers (limit 0) as saying nothing about the bucket', async () => {
    const t = fakeTime();
    const pacer = new OktaPacer(8, t.now, t.sleep);
    await pacer.acquire('users-list');
    pacer.release(
      'users-list',
      reading({ limit: 300, remaining: 250, resetAt: t.now() + 60_000 }, t.now()),
    );
    await pacer.acquire('users-list');
    pacer.release(
      'users-list',
      reading({ limit: 0, remaining: 0, resetAt: t.now() + 120_000 }, t.now()),
    );
    expect(pacer.canStart('users-list')).toBe(true);
    expect(pacer.stats().limits['users-list']).toBe(300);
  });

  it('does not believe a reset far beyond a one-minute window: waits stay bounded', async () => {
    const t = fakeTime();
    const pacer = new OktaPacer(8, t.now, t.sleep);
    await pacer.acquire('group');
    pacer.release(
      'group',
      reading({ limit: 600, remaining: 0, resetAt: t.now() + 3_600_000 }, t.now()),
    );
    expect(pacer.readyAt('group') - t.now()).toBeLessThanOrEqual(66_000);
  });
});
