import { describe, expect, it } from 'vitest';
import { checkMassDeletion } from '../shared/deletion-guard';

const counts = (over: Partial<Record<string, number>> = {}) => ({
  users: 1000,
  groups: 100,
  applications: 50,
  groupMemberships: 5000,
  appUserAssignments: 3000,
  appGroupAssignments: 60,
  ...over,
});

describe('checkMassDeletion', () => {
  it.each([
    { name: 'first run, users present', current: counts(), previous: undefined, ok: true },
    { name: 'same counts', current: counts(), previous: counts(), ok: true },
    { name: 'growth', current: counts({ users: 5000 }), previous: counts(), ok: true },
    {
      name: 'a drop of exactly 20 %',
      current: counts({ users: 800 }),
      previous: counts(),
      ok: true,
    },
    {
      name: 'a drop just over 20 %',
      current: counts({ users: 799 }),
      previous: counts(),
      ok: false,
    },
    {
      name: 'relationships halved',
      current: counts({ groupMemberships: 2500 }),
      previous: counts(),
      ok: false,
    },
    {
      name: 'no users at all, first run',
      current: counts({ users: 0 }),
      previous: undefined,
      ok: false,
    },
    {
      name: 'no users at all, previous also none',
      current: counts({ users: 0 }),
      previous: counts({ users: 0 }),
      ok: false,
    },
    {
      name: 'a kind that was zero before',
      current: counts({ appGroupAssignments: 0 }),
      previous: counts({ appGroupAssignments: 0 }),
      ok: true,
    },
    {
      name: 'a previous manifest without a kind',
      current: counts(),
      previous: { users: 1000 },
      ok: true,
    },
    {
      name: 'from 2 groups to 1 (small numbers count too)',
      current: counts({ groups: 1 }),
      previous: counts({ groups: 2 }),
      ok: false,
    },
  ])('$name → ok: $ok', ({ current, previous, ok }) => {
    expect(checkMassDeletion(current, previous, 20).ok).toBe(ok);
  });

  it('names every kind that dropped, with numbers', () => {
    const verdict = checkMassDeletion(counts({ users: 10, groups: 1 }), counts(), 20);
    expect(verdict).toEqual({
      ok: false,
      reasons: [
        'users dropped from 1000 to 10 (−99.0 %, more than the 20 % allowed)',
        'groups dropped from 100 to 1 (−99.0 %, more than the 20 % allowed)',
      ],
    });
  });

  it.each([
    [0, counts({ users: 999 }), false],
    [100, counts({ users: 1, groups: 0 }), true],
    [50, counts({ users: 500 }), true],
  ])('honours a threshold of %i %%', (threshold, current, ok) => {
    expect(checkMassDeletion(current, counts(), threshold).ok).toBe(ok);
  });
});
