import { describe, expect, it } from 'vitest';
import { parseSyncEvent } from '../functions/sync/event';
import { ConfigError } from '../shared/errors';

describe('parseSyncEvent', () => {
  it.each([
    { event: {}, expected: {} },
    { event: null, expected: {} },
    { event: undefined, expected: {} },
    { event: { dryRun: true }, expected: { dryRun: true } },
    { event: { dryRun: false }, expected: { dryRun: false } },
    {
      event: { scheduledTime: '2026-12-03T03:00:00Z' },
      expected: { scheduledTime: '2026-12-03T03:00:00Z' },
    },
  ])('accepts $event', ({ event, expected }) => {
    expect(parseSyncEvent(event)).toEqual(expected);
  });

  it.each([{ event: { dryRun: 'yes' } }, { event: [] }, { event: 'run' }, { event: 42 }])(
    'rejects $event with a ConfigError',
    ({ event }) => {
      expect(() => parseSyncEvent(event)).toThrow(ConfigError);
    },
  );
});
