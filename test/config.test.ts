import { describe, expect, it } from 'vitest';
import { ENV, parseSyncConfig } from '../shared/config';
import { ConfigError } from '../shared/errors';

const base = {
  [ENV.oktaOrgUrl]: 'https://acme.okta.com',
  [ENV.oktaTokenSecretId]: 'okta/api-token',
  [ENV.elimityUrl]: 'https://acme.elimity.com',
  [ENV.elimitySourceId]: '12',
  [ENV.elimityTokenSecretId]: 'elimity/source-token',
  [ENV.snapshotBucket]: 'acme-okta-audit',
};

describe('parseSyncConfig', () => {
  it('reads a complete Lambda environment with defaults', () => {
    const config = parseSyncConfig(base, 'lambda');
    expect(config.okta?.orgUrl.origin).toBe('https://acme.okta.com');
    expect(config.okta?.token).toEqual({ kind: 'secretsManager', id: 'okta/api-token' });
    expect(config.okta?.concurrency).toBe(8);
    expect(config.elimity?.sourceId).toBe('12');
    expect(config.snapshot).toEqual({
      kind: 's3',
      bucket: 'acme-okta-audit',
      prefix: 'okta-snapshots/',
    });
    expect(config.dryRun).toBe(false);
  });

  it.each([
    {
      name: 'missing org URL',
      env: { [ENV.oktaOrgUrl]: undefined },
      error: /OKTA_ORG_URL must be set \(it is missing\)/,
    },
    {
      name: 'http org URL',
      env: { [ENV.oktaOrgUrl]: 'http://acme.okta.com' },
      error: /OKTA_ORG_URL must use https/,
    },
    {
      name: 'org URL with a path',
      env: { [ENV.oktaOrgUrl]: 'https://acme.okta.com/api/v1' },
      error: /without a path/,
    },
    {
      name: 'org URL not a URL',
      env: { [ENV.oktaOrgUrl]: 'acme' },
      error: /OKTA_ORG_URL must be an absolute URL/,
    },
    {
      name: 'elimity URL with /api',
      env: { [ENV.elimityUrl]: 'https://acme.elimity.com/api' },
      error: /without \/api/,
    },
    {
      name: 'elimity URL with /API',
      env: { [ENV.elimityUrl]: 'https://acme.elimity.com/API' },
      error: /ELIMITY_URL must be the tenant's base URL without \/api/,
    },
    {
      name: 'elimity URL with /api/v1',
      env: { [ENV.elimityUrl]: 'https://acme.elimity.com/tenant/api/v1' },
      error: /without \/api/,
    },
    {
      name: 'the Okta Admin Console URL',
      env: { [ENV.oktaOrgUrl]: 'https://acme-admin.okta.com' },
      error: /OKTA_ORG_URL must be the org URL, not the Admin Console URL/,
    },
    {
      name: 'http elimity URL',
      env: { [ENV.elimityUrl]: 'http://acme.elimity.com' },
      error: /ELIMITY_URL must use https/,
    },
    {
      name: 'source id not numeric',
      env: { [ENV.elimitySourceId]: 'abc' },
      error: /ELIMITY_SOURCE_ID must be a numeric source id/,
    },
    {
      name: 'no Elimity URL',
      env: { [ENV.elimityUrl]: undefined },
      error: /ELIMITY_URL must be set/,
    },
    {
      name: 'no Okta secret',
      env: { [ENV.oktaTokenSecretId]: undefined },
      error: /OKTA_TOKEN_SECRET_ID must be set/,
    },
    {
      name: 'a token in the Lambda environment is not accepted in place of the secret',
      env: { [ENV.oktaTokenSecretId]: undefined, [ENV.oktaApiToken]: 'tok' },
      error: /OKTA_TOKEN_SECRET_ID must be set/,
    },
    {
      name: 'no bucket',
      env: { [ENV.snapshotBucket]: undefined },
      error: /SNAPSHOT_BUCKET must be set/,
    },
    {
      name: 'bad bucket',
      env: { [ENV.snapshotBucket]: 'Bad_Bucket' },
      error: /SNAPSHOT_BUCKET must be an S3 bucket name/,
    },
    {
      name: 'concurrency out of range',
      env: { [ENV.oktaConcurrency]: '99' },
      error: /OKTA_CONCURRENCY must be a whole number from 1 to 32/,
    },
    {
      name: 'dry run not boolean',
      env: { [ENV.dryRun]: 'maybe' },
      error: /DRY_RUN must be true or false/,
    },
  ])('rejects $name', ({ env, error }) => {
    expect(() => parseSyncConfig({ ...base, ...env }, 'lambda')).toThrow(ConfigError);
    expect(() => parseSyncConfig({ ...base, ...env }, 'lambda')).toThrow(error);
  });

  it('never echoes a value in its errors', () => {
    const secretish = 'http://00aSECRETtokenVALUE.example.com';
    expect(() => parseSyncConfig({ ...base, [ENV.oktaOrgUrl]: secretish }, 'lambda')).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('SECRET') }),
    );
  });

  it.each(['http://127.0.0.1:8080', 'http://localhost:3000', 'http://[::1]:9000'])(
    'accepts http:// for the loopback host %s',
    (url) => {
      const config = parseSyncConfig(
        { ...base, [ENV.oktaOrgUrl]: url, [ENV.elimityUrl]: url },
        'cli',
      );
      expect(config.okta?.orgUrl.protocol).toBe('http:');
    },
  );

  it('lets the CLI take tokens from the environment and write to a directory', () => {
    const config = parseSyncConfig(
      {
        [ENV.oktaOrgUrl]: 'https://acme.okta.com',
        [ENV.oktaApiToken]: 'okta-token',
        [ENV.elimityUrl]: 'https://acme.elimity.com',
        [ENV.elimitySourceId]: '7',
        [ENV.elimitySourceToken]: 'elimity-token',
        [ENV.snapshotDir]: '/tmp/snapshots',
      },
      'cli',
    );
    expect(config.okta?.token).toEqual({ kind: 'value', value: 'okta-token' });
    expect(config.elimity?.token).toEqual({ kind: 'value', value: 'elimity-token' });
    expect(config.snapshot).toEqual({ kind: 'dir', dir: '/tmp/snapshots' });
  });

  it('needs no Elimity settings for a dry run', () => {
    const config = parseSyncConfig(
      {
        [ENV.oktaOrgUrl]: 'https://acme.okta.com',
        [ENV.oktaApiToken]: 't',
        [ENV.snapshotDir]: '/tmp/x',
        [ENV.dryRun]: 'true',
      },
      'cli',
    );
    expect(config.dryRun).toBe(true);
    expect(config.elimity).toBeUndefined();
  });

  it('lets the event override DRY_RUN', () => {
    expect(parseSyncConfig(base, 'lambda', { dryRun: true }).dryRun).toBe(true);
  });

  it.each([
    ['', ''],
    ['raw', 'raw/'],
    ['/raw/okta/', 'raw/okta/'],
  ])('normalises SNAPSHOT_PREFIX %j to %j', (prefix, expected) => {
    const config = parseSyncConfig({ ...base, [ENV.snapshotPrefix]: prefix }, 'lambda');
    expect(config.snapshot).toMatchObject({ prefix: prefix === '' ? 'okta-snapshots/' : expected });
  });
});

describe('the Elimity source of a dry run', () => {
  const base = {
    [ENV.oktaOrgUrl]: 'https://acme.okta.com',
    [ENV.oktaApiToken]: 'x',
    [ENV.snapshotDir]: '/tmp/snapshots',
    [ENV.dryRun]: 'true',
  };
  it('is known when its URL and id are given, without a token: it picks the guard baseline', () => {
    const config = parseSyncConfig(
      { ...base, [ENV.elimityUrl]: 'https://acme.elimity.com', [ENV.elimitySourceId]: '12' },
      'cli',
    );
    expect(config.elimity?.token).toBeUndefined();
    expect(config.elimity?.url.href).toBe('https://acme.elimity.com/');
    expect(config.elimity?.sourceId).toBe('12');
  });
  it('is unknown without them', () => {
    expect(parseSyncConfig(base, 'cli').elimity).toBeUndefined();
  });
});
