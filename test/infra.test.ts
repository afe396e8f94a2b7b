import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import { createConnectorApp } from '../infra/connector-app';
import { METRIC_NAMESPACE, RUN_METRICS } from '../infra/monitoring';
import { ENV, SECRET_PLACEHOLDER_KEY } from '../shared/config';
import { ConfigError } from '../shared/errors';
import {
  CONTEXT_DEFAULTS,
  MAX_SCHEDULE_PERIOD_SECONDS,
  noSuccessAlarmWindow,
  parseStackConfig,
  schedulePeriod,
} from '../shared/stack-config';

/** The feature flags and defaults of cdk.json: without them a test synthesizes a different stack. */
const CDK_JSON_CONTEXT = JSON.parse(readFileSync(new URL('../cdk.json', import.meta.url), 'utf8'))
  .context as Record<string, unknown>;

const REQUIRED = {
  oktaOrgUrl: 'https://example.okta.com',
  elimityUrl: 'https://example.elimity.com',
  elimitySourceId: '1',
};

/** Builds the app exactly as infra/app.ts does; context values given as `-c` would give them (strings). */
function buildApp(context: Record<string, unknown> = {}, options: { bundle?: boolean } = {}) {
  const app = new App({
    context: {
      ...CDK_JSON_CONTEXT,
      ...REQUIRED,
      ...context,
      // Skip esbuild in all but one test; that one bundles for real.
      ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
    },
  });
  const stack = createConnectorApp(app);
  return {
    app,
    stack,
    // A getter: Template.fromStack synthesizes, after which app.synth() would not validate again.
    get template() {
      return Template.fromStack(stack);
    },
  };
}

const defaults = buildApp();
const t: Template = defaults.template;

function onlyResource(template: Template, type: string): { [key: string]: unknown } {
  const resources = Object.values(template.findResources(type));
  expect(resources).toHaveLength(1);
  return resources[0] as { [key: string]: unknown };
}

function functionEnv(template: Template): Record<string, unknown> {
  const fn = onlyResource(template, 'AWS::Lambda::Function') as {
    Properties: { Environment: { Variables: Record<string, unknown> } };
  };
  return fn.Properties.Environment.Variables;
}

type Statement = { Action: string | string[]; Resource: unknown; Effect: string };

/** Statements of the function role's policies. */
function functionStatements(template: Template): Statement[] {
  const roleId = Object.keys(
    template.findResources('AWS::IAM::Role', {
      Properties: {
        AssumeRolePolicyDocument: {
          Statement: [Match.objectLike({ Principal: { Service: 'lambda.amazonaws.com' } })],
        },
      },
    }),
  );
  expect(roleId).toHaveLength(1);
  const policies = template.findResources('AWS::IAM::Policy', {
    Properties: { Roles: [{ Ref: roleId[0] }] },
  });
  return Object.values(policies).flatMap(
    (p) =>
      (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties
        .PolicyDocument.Statement,
  );
}

const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

describe('parseStackConfig', () => {
  it('applies the defaults when only the required keys are set', () => {
    expect(parseStackConfig(REQUIRED)).toEqual({
      ...REQUIRED,
      schedule: 'cron(0 3 * * ? *)',
      timezone: 'UTC',
      snapshotRetentionDays: 365,
      objectLock: undefined,
      alarmEmail: undefined,
      oktaTokenSecretName: undefined,
      elimityTokenSecretName: undefined,
      reservedConcurrency: 1,
      maxDropPercent: 20,
    });
  });

  it.each([
    {
      name: 'strings from -c',
      input: { snapshotRetentionDays: '30', objectLockMode: 'GOVERNANCE', objectLockDays: '7' },
      expected: { snapshotRetentionDays: 30, objectLock: { mode: 'governance', days: 7 } },
    },
    {
      name: 'JSON numbers from cdk.json',
      input: {
        snapshotRetentionDays: 30,
        objectLockMode: 'compliance',
        objectLockDays: 30,
        elimitySourceId: 12,
      },
      expected: {
        snapshotRetentionDays: 30,
        objectLock: { mode: 'compliance', days: 30 },
        elimitySourceId: '12',
      },
    },
    {
      name: 'reservedConcurrency none',
      input: { reservedConcurrency: 'none' },
      expected: { reservedConcurrency: undefined },
    },
    {
      name: 'reservedConcurrency 0 (number)',
      input: { reservedConcurrency: 0 },
      expected: { reservedConcurrency: undefined },
    },
    {
      name: 'reservedConcurrency "1"',
      input: { reservedConcurrency: '1' },
      expected: { reservedConcurrency: 1 },
    },
    {
      name: 'URLs are reduced to their origin',
      input: { oktaOrgUrl: 'https://acme.okta.com/', elimityUrl: 'https://acme.elimity.com/' },
      expected: { oktaOrgUrl: 'https://acme.okta.com', elimityUrl: 'https://acme.elimity.com' },
    },
    {
      name: 'blank optional values mean unset',
      input: { alarmEmail: '', oktaTokenSecretName: '  ', objectLockDays: null },
      expected: { alarmEmail: undefined, oktaTokenSecretName: undefined },
    },
    {
      name: 'existing secrets and e-mail',
      input: {
        oktaTokenSecretName: 'okta/api-token',
        elimityTokenSecretName: 'elimity/source-token',
        alarmEmail: 'ops@example.com',
      },
      expected: {
        oktaTokenSecretName: 'okta/api-token',
        elimityTokenSecretName: 'elimity/source-token',
        alarmEmail: 'ops@example.com',
      },
    },
    {
      name: 'rate schedule and a time zone',
      input: { schedule: 'rate(6 hours)', timezone: 'Europe/Brussels' },
      expected: { schedule: 'rate(6 hours)', timezone: 'Europe/Brussels' },
    },
    {
      name: 'objectLockDays left blank without a mode',
      input: { objectLockMode: 'none', objectLockDays: '' },
      expected: { objectLock: undefined },
    },
    {
      name: 'keys of CDK and its plugins next to the connector keys',
      input: {
        '@aws-cdk/core:checkSecretUsage': true,
        'aws:cdk:bundling-stacks': [],
        'cdk-nag:verbose': 'true',
        Timezone2: 'x',
        tz: 'Europe/Brussels',
      },
      expected: { timezone: 'UTC' },
    },
  ])('accepts $name', ({ input, expected }) => {
    expect(parseStackConfig({ ...REQUIRED, ...input })).toMatchObject(expected);
  });

  it.each([
    {
      input: { oktaOrgUrl: undefined },
      message: 'oktaOrgUrl is required: the Okta org URL, e.g. https://acme.okta.com',
    },
    { input: { elimityUrl: '' }, message: 'elimityUrl is required' },
    { input: { elimitySourceId: undefined }, message: 'elimitySourceId is required' },
    { input: { oktaOrgUrl: 'http://acme.okta.com' }, message: 'oktaOrgUrl must use https://' },
    {
      input: { oktaOrgUrl: 'https://acme.okta.com/oauth2' },
      message: 'oktaOrgUrl must not contain a path',
    },
    {
      input: { oktaOrgUrl: 'https://acme-admin.okta.com' },
      message: 'oktaOrgUrl must be the org URL, not the Admin Console URL',
    },
    {
      input: { elimityUrl: 'https://acme.elimity.com/tenant' },
      message: 'elimityUrl must not contain a path',
    },
    { input: { oktaOrgUrl: 'acme.okta.com' }, message: 'oktaOrgUrl is not an absolute URL' },
    {
      input: { elimityUrl: 'https://acme.elimity.com/api' },
      message: 'elimityUrl must not end in /api',
    },
    { input: { elimitySourceId: 'abc' }, message: 'elimitySourceId must be the numeric id' },
    { input: { elimitySourceId: 0 }, message: 'elimitySourceId must be the numeric id' },
    {
      input: { schedule: 'every day' },
      message: 'schedule is not a rate(...) or cron(...) expression',
    },
    { input: { schedule: 'cron(0 3 * * *)' }, message: 'schedule has 5 cron fields' },
    {
      input: { schedule: 'cron(0 3 * * * *)' },
      message: 'exactly one of the day-of-month and day-of-week',
    },
    { input: { schedule: 'cron(0 25 * * ? *)' }, message: 'has "25" in the cron hours field' },
    { input: { schedule: 'rate(1 days)' }, message: 'schedule must say rate(1 day)' },
    { input: { schedule: 'rate(5 minutes)' }, message: 'more often than every 15 minutes' },
    { input: { schedule: 'rate(7 days)' }, message: 'at most 84 hours is supported' },
    { input: { schedule: 'cron(0 3 ? * MON *)' }, message: 'at most 84 hours is supported' },
    { input: { timezone: 'Mars/Olympus' }, message: 'timezone must be an IANA time zone' },
    { input: { timezone: '+01:00' }, message: 'timezone must be an IANA time zone' },
    { input: { timezone: '+0100' }, message: 'timezone must be an IANA time zone' },
    { input: { timezone: 'UTC+01:00' }, message: 'timezone must be an IANA time zone' },
    { input: { timezone: 'Europe//Brussels' }, message: 'timezone must be an IANA time zone' },
    {
      input: { objectLockDays: '30' },
      message:
        'objectLockDays (30) needs objectLockMode governance or compliance, but objectLockMode is none',
    },
    {
      input: { objectLockMode: 'none', objectLockDays: 30 },
      message: 'objectLockDays (30) needs objectLockMode governance or compliance',
    },
    {
      input: { snapshotRetentionDays: 'a year' },
      message: 'snapshotRetentionDays must be a whole number of days',
    },
    {
      input: { snapshotRetentionDays: 0 },
      message: 'snapshotRetentionDays must be a whole number of days',
    },
    {
      input: { snapshotRetentionDays: 1.5 },
      message: 'snapshotRetentionDays must be a whole number of days',
    },
    {
      input: { objectLockMode: 'strict' },
      message: 'objectLockMode must be none, governance or compliance',
    },
    {
      input: { objectLockMode: 'governance' },
      message: 'objectLockDays is required when objectLockMode is governance',
    },
    {
      input: { objectLockMode: 'compliance', objectLockDays: '400' },
      message: 'snapshotRetentionDays (365) must be at least objectLockDays (400)',
    },
    { input: { alarmEmail: 'ops-at-example' }, message: 'alarmEmail must be an e-mail address' },
    {
      input: { oktaTokenSecretName: 'arn:aws:secretsmanager:eu-west-1:1:secret:x' },
      message: 'oktaTokenSecretName must be a secret name, not an ARN',
    },
    {
      input: { elimityTokenSecretName: 'has spaces' },
      message: 'elimityTokenSecretName must be the name (not the ARN)',
    },
    {
      input: { reservedConcurrency: '5' },
      message: 'reservedConcurrency must be 1 (runs never overlap) or 0/none',
    },
  ])('rejects $input with "$message"', ({ input, message }) => {
    expect(() => parseStackConfig({ ...REQUIRED, ...input })).toThrow(ConfigError);
    expect(() => parseStackConfig({ ...REQUIRED, ...input })).toThrow(message);
  });

  it('lists every problem at once', () => {
    expect(() => parseStackConfig({ timezone: 'Nowhere/Land' })).toThrow(
      /oktaOrgUrl is required[\s\S]*elimityUrl is required[\s\S]*elimitySourceId is required[\s\S]*timezone must be/,
    );
  });

  // Node 24 (ICU 78). A name with two entries is an alias that another ICU may resolve differently;
  // aliases typed with capitals are kept as written, lower-case ones become what Intl resolves.
  it.each([
    { zone: 'UTC', expected: ['UTC'] },
    { zone: 'utc', expected: ['UTC'] },
    { zone: ' Utc ', expected: ['UTC'] },
    { zone: 'Etc/UTC', expected: ['Etc/UTC'] },
    { zone: 'etc/utc', expected: ['UTC'] },
    { zone: 'GMT', expected: ['GMT'] },
    { zone: 'Europe/Brussels', expected: ['Europe/Brussels'] },
    { zone: 'europe/brussels', expected: ['Europe/Brussels'] },
    { zone: 'EUROPE/BRUSSELS', expected: ['Europe/Brussels'] },
    { zone: 'america/port-au-prince', expected: ['America/Port-au-Prince'] },
    { zone: 'america/argentina/buenos_aires', expected: ['America/Buenos_Aires'] },
    { zone: 'etc/gmt+5', expected: ['Etc/GMT+5'] },
    { zone: 'EST5EDT', expected: ['EST5EDT'] },
    { zone: 'est5edt', expected: ['America/New_York', 'EST5EDT'] },
    { zone: 'America/Indianapolis', expected: ['America/Indianapolis'] },
    { zone: 'US/Eastern', expected: ['US/Eastern'] },
    { zone: 'Asia/Kolkata', expected: ['Asia/Kolkata'] },
    { zone: 'asia/kolkata', expected: ['Asia/Calcutta', 'Asia/Kolkata'] },
  ])('stores time zone $zone as $expected.0', ({ zone, expected }) => {
    const { timezone } = parseStackConfig({ ...REQUIRED, timezone: zone });
    expect(expected).toContain(timezone);
    // The stored name is a fixed point: parsing it again keeps it.
    expect(parseStackConfig({ ...REQUIRED, timezone }).timezone).toBe(timezone);
  });

  it.each([
    { key: 'timeZone', meant: 'timezone' },
    { key: 'TimeZone', meant: 'timezone' },
    { key: 'time_zone', meant: 'timezone' },
    { key: 'alarm_email', meant: 'alarmEmail' },
    { key: 'alarm-email', meant: 'alarmEmail' },
    { key: 'alarmemail', meant: 'alarmEmail' },
    { key: 'OBJECT_LOCK_DAYS', meant: 'objectLockDays' },
    { key: 'okta-token-secret-name', meant: 'oktaTokenSecretName' },
    { key: 'elimitysourceid', meant: 'elimitySourceId' },
  ])('rejects the misspelled key $key (meant: $meant)', ({ key, meant }) => {
    const context = { ...REQUIRED, [key]: 'x' };
    expect(() => parseStackConfig(context)).toThrow(ConfigError);
    expect(() => parseStackConfig(context)).toThrow(
      `unknown context key ${key}: did you mean ${meant}?`,
    );
  });

  it('lists a misspelled key with the other problems', () => {
    expect(() =>
      parseStackConfig({ oktaorgurl: 'https://acme.okta.com', timeZone: 'Europe/Brussels' }),
    ).toThrow(
      /unknown context key oktaorgurl: did you mean oktaOrgUrl\?\n {2}- unknown context key timeZone: did you mean timezone\?\n {2}- oktaOrgUrl is required[\s\S]*elimitySourceId is required/,
    );
  });

  const TOKEN = 'SSWS00aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789-_aBcDeFgHiJkLmNoPqRsTuVwXyZ';

  it.each([
    { input: { oktaTokenSecretName: `Bearer ${TOKEN.slice(0, 20)}` }, shown: '(value not shown)' },
    { input: { elimityTokenSecretName: 'has spaces' }, shown: '(value not shown)' },
    {
      input: { oktaTokenSecretName: 'arn:aws:secretsmanager:eu-west-1:1:secret:x' },
      shown: '(value not shown)',
    },
    {
      input: { alarmEmail: TOKEN },
      shown: `(got ${TOKEN.length} characters; value not shown)`,
    },
    {
      input: { schedule: `cron(${TOKEN} 3 * * ? *)` },
      shown: `(got ${TOKEN.length + 16} characters; value not shown)`,
    },
    {
      input: { oktaOrgUrl: `https://acme.okta.com/${TOKEN}` },
      shown: `(got ${TOKEN.length + 22} characters; value not shown)`,
    },
  ])('does not echo $input', ({ input, shown }) => {
    const value = Object.values(input)[0] as string;
    let message = '';
    try {
      parseStackConfig({ ...REQUIRED, ...input });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain(shown);
    expect(message).not.toContain(value);
    expect(message).not.toContain(TOKEN.slice(0, 20));
  });

  it.each([
    { input: { alarmEmail: 'ops-at-example' }, shown: '(got "ops-at-example")' },
    { input: { reservedConcurrency: 5 }, shown: '(got 5)' },
    { input: { schedule: 'cron(0 25 * * ? *)' }, shown: 'has "25" in the cron hours field' },
    { input: { timezone: 'x'.repeat(64) }, shown: `(got "${'x'.repeat(64)}")` },
  ])('echoes the short value of $input', ({ input, shown }) => {
    expect(() => parseStackConfig({ ...REQUIRED, ...input })).toThrow(shown);
  });
});

describe('schedulePeriod', () => {
  it.each([
    { expression: 'cron(0 3 * * ? *)', seconds: 86_400, basis: 'cron' },
    { expression: 'cron(30 2 ? * * *)', seconds: 86_400, basis: 'cron' },
    { expression: 'cron(0 * * * ? *)', seconds: 3_600, basis: 'cron' },
    { expression: 'cron(0 */6 * * ? *)', seconds: 21_600, basis: 'cron' },
    { expression: 'cron(0 8,20 * * ? *)', seconds: 43_200, basis: 'cron' },
    { expression: 'cron(0 7-19 * * ? *)', seconds: 12 * 3_600, basis: 'cron' },
    { expression: 'cron(0 3 ? * MON-FRI *)', seconds: 3 * 86_400, basis: 'cron' },
    { expression: 'cron(0 3 ? * 2-6 *)', seconds: 3 * 86_400, basis: 'cron' },
    { expression: 'cron(0 3 ? * SUN,WED *)', seconds: 4 * 86_400, basis: 'cron' },
    { expression: 'cron(0 3 1 * ? *)', seconds: 86_400, basis: 'fallback' },
    { expression: 'cron(0 3 ? * 6L *)', seconds: 86_400, basis: 'fallback' },
    { expression: 'cron(0 3 * 1-6 ? *)', seconds: 86_400, basis: 'fallback' },
    { expression: 'rate(1 day)', seconds: 86_400, basis: 'rate' },
    { expression: 'rate(12 hours)', seconds: 43_200, basis: 'rate' },
    { expression: 'rate(90 minutes)', seconds: 5_400, basis: 'rate' },
  ])('$expression runs at least every $seconds s ($basis)', ({ expression, seconds, basis }) => {
    expect(schedulePeriod(expression)).toEqual({ seconds, basis });
  });
});

describe('noSuccessAlarmWindow', () => {
  it.each([
    { period: 86_400, expected: { periodSeconds: 86_400, evaluationPeriods: 2 } },
    { period: 43_200, expected: { periodSeconds: 86_400, evaluationPeriods: 1 } },
    { period: 3_600, expected: { periodSeconds: 7_200, evaluationPeriods: 1 } },
    { period: 900, expected: { periodSeconds: 1_800, evaluationPeriods: 1 } },
    { period: 3 * 86_400, expected: { periodSeconds: 86_400, evaluationPeriods: 6 } },
    { period: 36 * 3_600, expected: { periodSeconds: 86_400, evaluationPeriods: 3 } },
  ])('looks back twice a period of $period s', ({ period, expected }) => {
    expect(noSuccessAlarmWindow(period)).toEqual(expected);
  });

  it('stays within the CloudWatch limits for every supported period', () => {
    for (let minutes = 15; minutes * 60 <= MAX_SCHEDULE_PERIOD_SECONDS; minutes += 15) {
      const { periodSeconds, evaluationPeriods } = noSuccessAlarmWindow(minutes * 60);
      const total = periodSeconds * evaluationPeriods;
      expect(periodSeconds % 60).toBe(0);
      expect(periodSeconds).toBeLessThanOrEqual(86_400);
      expect(total).toBeGreaterThanOrEqual(2 * minutes * 60);
      expect(total).toBeLessThanOrEqual(periodSeconds < 3_600 ? 86_400 : 604_800);
    }
  });
});

describe('OktaConnectorStack: configuration from context', () => {
  it('takes -c strings over cdk.json values', () => {
    const { template } = buildApp({ snapshotRetentionDays: '30', schedule: 'rate(6 hours)' });
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ Id: 'expire-snapshots', ExpirationInDays: 30 }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(6 hours)',
    });
  });

  it.each([
    { timezone: 'utc', expected: 'UTC' },
    { timezone: 'europe/brussels', expected: 'Europe/Brussels' },
  ])('writes the canonical name of -c timezone=$timezone', ({ timezone, expected }) => {
    buildApp({ timezone }).template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpressionTimezone: expected,
    });
  });

  it('fails synth on a misspelled key, not on the keys of CDK', () => {
    const app = new App({
      context: { ...CDK_JSON_CONTEXT, ...REQUIRED, timeZone: 'Europe/Brussels' },
    });
    expect(() => createConnectorApp(app)).toThrow(
      'unknown context key timeZone: did you mean timezone?',
    );
  });

  it('fails synth on objectLockDays without an Object Lock mode', () => {
    const app = new App({ context: { ...CDK_JSON_CONTEXT, ...REQUIRED, objectLockDays: '30' } });
    expect(() => createConnectorApp(app)).toThrow(
      'objectLockDays (30) needs objectLockMode governance or compliance',
    );
  });

  it('fails synth with a message naming the missing key', () => {
    const app = new App({ context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
    expect(() => createConnectorApp(app)).toThrow(
      'oktaOrgUrl is required: the Okta org URL, e.g. https://acme.okta.com',
    );
  });

  it('keeps the connector defaults of cdk.json in line with the schema defaults', () => {
    expect(CDK_JSON_CONTEXT).toMatchObject(CONTEXT_DEFAULTS);
  });
});

describe('OktaConnectorStack: function', () => {
  it('is a Node.js 24 arm64 function with 1024 MB, 15 minutes and reserved concurrency 1', () => {
    t.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      MemorySize: 1024,
      Timeout: 900,
      ReservedConcurrentExecutions: 1,
      Handler: 'index.handler',
    });
  });

  it('reserves no concurrency when reservedConcurrency is none', () => {
    const { template } = buildApp({ reservedConcurrency: 'none' });
    template.hasResourceProperties('AWS::Lambda::Function', {
      ReservedConcurrentExecutions: Match.absent(),
    });
  });

  it('logs JSON into an explicit log group with retention', () => {
    const logGroupId = Object.keys(t.findResources('AWS::Logs::LogGroup'));
    expect(logGroupId).toHaveLength(1);
    t.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
    t.hasResourceProperties('AWS::Lambda::Function', {
      LoggingConfig: {
        LogFormat: 'JSON',
        ApplicationLogLevel: 'INFO',
        SystemLogLevel: 'WARN',
        LogGroup: { Ref: logGroupId[0] },
      },
    });
  });

  it('sets exactly the agreed environment, with names from ENV and source maps on', () => {
    const env = functionEnv(t);
    expect(Object.keys(env).sort()).toEqual(
      [
        ENV.oktaOrgUrl,
        ENV.oktaTokenSecretId,
        ENV.elimityUrl,
        ENV.elimitySourceId,
        ENV.elimityTokenSecretId,
        ENV.snapshotBucket,
        ENV.snapshotPrefix,
        ENV.maxDropPercent,
        'NODE_OPTIONS',
      ].sort(),
    );
    expect(env).toMatchObject({
      [ENV.oktaOrgUrl]: 'https://example.okta.com',
      [ENV.elimityUrl]: 'https://example.elimity.com',
      [ENV.elimitySourceId]: '1',
      [ENV.snapshotPrefix]: 'okta-snapshots/',
      [ENV.maxDropPercent]: '20',
      NODE_OPTIONS: '--enable-source-maps',
    });
    expect(env[ENV.snapshotBucket]).toEqual({
      Ref: Object.keys(
        t.findResources('AWS::S3::Bucket', {
          Properties: {
            VersioningConfiguration: { Status: 'Enabled' },
            LoggingConfiguration: Match.anyValue(),
          },
        }),
      )[0],
    });
  });

  it('sends asynchronous failures to the failure queue without Lambda retries', () => {
    const queueId = Object.keys(t.findResources('AWS::SQS::Queue'))[0];
    t.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 3600,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } } },
    });
  });

  it('bundles the handler with the local esbuild (no Docker) into an ESM asset with a source map', () => {
    const { app } = buildApp({}, { bundle: true });
    const assembly = app.synth();
    const assetDirs = readFileSync(
      join(assembly.directory, 'OktaElimityConnector.assets.json'),
      'utf8',
    );
    const [hash] = Object.keys(JSON.parse(assetDirs).files).filter((h) =>
      existsSync(join(assembly.directory, `asset.${h}`, 'index.mjs')),
    );
    expect(hash).toBeDefined();
    const dir = join(assembly.directory, `asset.${hash}`);
    expect(readFileSync(join(dir, 'index.mjs'), 'utf8')).toContain('handler');
    expect(existsSync(join(dir, 'index.mjs.map'))).toBe(true);
  });
});

describe('OktaConnectorStack: schedule', () => {
  it('runs daily at 03:00 UTC by default with a small retry policy and a maximum event age', () => {
    const queueId = Object.keys(t.findResources('AWS::SQS::Queue'))[0];
    t.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 3 * * ? *)',
      ScheduleExpressionTimezone: 'UTC',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queueId, 'Arn'] } },
        Input: JSON.stringify({ scheduledTime: '<aws.scheduler.scheduled-time>' }),
      },
    });
  });

  it('uses the expression and time zone from configuration', () => {
    const { template } = buildApp({
      schedule: 'cron(30 5 ? * MON-FRI *)',
      timezone: 'Europe/Brussels',
    });
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(30 5 ? * MON-FRI *)',
      ScheduleExpressionTimezone: 'Europe/Brussels',
    });
  });

  it('has an encrypted, TLS-only failure queue', () => {
    t.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
    t.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 'sqs:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('lets the schedule invoke only the sync function', () => {
    const fnId = Object.keys(t.findResources('AWS::Lambda::Function'))[0];
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'lambda:InvokeFunction',
            Resource: [
              { 'Fn::GetAtt': [fnId, 'Arn'] },
              { 'Fn::Join': ['', [{ 'Fn::GetAtt': [fnId, 'Arn'] }, ':*']] },
            ],
          }),
        ]),
      },
    });
  });
});

describe('OktaConnectorStack: secrets', () => {
  it('creates both secrets with a generated placeholder by default', () => {
    t.resourceCountIs('AWS::SecretsManager::Secret', 2);
    t.allResourcesProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: {
        SecretStringTemplate: JSON.stringify({ [SECRET_PLACEHOLDER_KEY]: true }),
        GenerateStringKey: 'token',
      },
      SecretString: Match.absent(),
    });
  });

  it('lets the function get the value of the two secrets and nothing else', () => {
    const secretIds = Object.keys(t.findResources('AWS::SecretsManager::Secret'));
    const secretStatements = functionStatements(t).filter((s) =>
      actionsOf(s).some((a) => a.startsWith('secretsmanager:')),
    );
    expect(secretStatements).toHaveLength(1);
    expect(actionsOf(secretStatements[0] as Statement)).toEqual(['secretsmanager:GetSecretValue']);
    expect((secretStatements[0] as Statement).Resource).toEqual(
      expect.arrayContaining(secretIds.map((id) => ({ Ref: id }))),
    );
    expect((secretStatements[0] as Statement).Resource).toHaveLength(2);
  });

  it('passes secret names, not values, to the function', () => {
    const env = functionEnv(t);
    const secretIds = Object.keys(t.findResources('AWS::SecretsManager::Secret'));
    for (const name of [ENV.oktaTokenSecretId, ENV.elimityTokenSecretId]) {
      const refs = JSON.stringify(env[name]);
      expect(secretIds.some((id) => refs.includes(`"Ref":"${id}"`))).toBe(true);
    }
  });

  it('uses existing secrets by name when configured and creates none', () => {
    const { template } = buildApp({
      oktaTokenSecretName: 'okta/api-token',
      elimityTokenSecretName: 'elimity/source-token',
    });
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    expect(functionEnv(template)).toMatchObject({
      [ENV.oktaTokenSecretId]: 'okta/api-token',
      [ENV.elimityTokenSecretId]: 'elimity/source-token',
    });
    const statement = functionStatements(template).find((s) =>
      actionsOf(s).includes('secretsmanager:GetSecretValue'),
    );
    const resources = JSON.stringify(statement?.Resource);
    expect(resources).toContain(':secret:okta/api-token-??????');
    expect(resources).toContain(':secret:elimity/source-token-??????');
    expect(statement?.Resource).toHaveLength(2);
  });

  it('puts no secret value, token or placeholder credential in the template or the environment', () => {
    for (const template of [t, buildApp({ oktaTokenSecretName: 'okta/api-token' }).template]) {
      const json = JSON.stringify(template.toJSON());
      expect(json).not.toMatch(/"SecretString"\s*:/);
      expect(json).not.toMatch(/SSWS|Bearer /);
      // A {{resolve:secretsmanager:…}} dynamic reference would put the value in the function config.
      expect(json).not.toContain('resolve:secretsmanager');
      // The only placeholder is the marker in the generation template, never a token value.
      expect(json.match(/placeholder/g)?.length ?? 0).toBe(
        Object.keys(template.findResources('AWS::SecretsManager::Secret')).length,
      );
      const env = functionEnv(template);
      expect(Object.keys(env)).not.toContain(ENV.oktaApiToken);
      expect(Object.keys(env)).not.toContain(ENV.elimitySourceToken);
      for (const [name, value] of Object.entries(env)) {
        if (/TOKEN/.test(name)) expect(name).toMatch(/_SECRET_ID$/);
        expect(JSON.stringify(value)).not.toMatch(/placeholder|resolve:|SecretString/i);
      }
    }
  });
});

describe('OktaConnectorStack: audit bucket', () => {
  const snapshotBuckets = (template: Template) =>
    template.findResources('AWS::S3::Bucket', {
      Properties: { LoggingConfiguration: Match.anyValue() },
    });

  it('is private, encrypted, versioned, expiring and logs access to a separate bucket', () => {
    t.resourceCountIs('AWS::S3::Bucket', 2);
    expect(Object.keys(snapshotBuckets(t))).toHaveLength(1);
    const logsBucketId = Object.keys(
      t.findResources('AWS::S3::Bucket', { Properties: { LoggingConfiguration: Match.absent() } }),
    )[0];
    t.allResourcesProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
        ],
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    });
    t.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      LifecycleConfiguration: {
        Rules: [
          Match.objectLike({ Id: 'expire-snapshots', Status: 'Enabled', ExpirationInDays: 365 }),
        ],
      },
      LoggingConfiguration: {
        DestinationBucketName: { Ref: logsBucketId },
        LogFilePrefix: 'snapshot-bucket/',
      },
      ObjectLockEnabled: Match.absent(),
    });
  });

  it('allows only TLS 1.2+ requests to both buckets', () => {
    const policies = t.findResources('AWS::S3::BucketPolicy');
    expect(Object.keys(policies)).toHaveLength(2);
    for (const policy of Object.values(policies)) {
      const json = JSON.stringify(policy);
      expect(json).toContain('"aws:SecureTransport":"false"');
      expect(json).toContain('"s3:TlsVersion":1.2');
    }
  });

  it('survives stack deletion, with its access-log bucket', () => {
    for (const bucket of Object.values(t.findResources('AWS::S3::Bucket'))) {
      expect(bucket).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    }
  });

  it.each([
    { mode: 'governance', expected: 'GOVERNANCE' },
    { mode: 'compliance', expected: 'COMPLIANCE' },
  ])('turns on Object Lock in $mode mode with the configured days', ({ mode, expected }) => {
    const { template } = buildApp({ objectLockMode: mode, objectLockDays: '90' });
    template.hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockEnabled: true,
      ObjectLockConfiguration: {
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: expected, Days: 90 } },
      },
    });
  });

  it('lets the function put and get objects only under okta-snapshots/', () => {
    const bucketId = Object.keys(snapshotBuckets(t))[0];
    const s3Statements = functionStatements(t).filter((s) =>
      actionsOf(s).some((a) => a.startsWith('s3:') && a !== 's3:ListBucket'),
    );
    expect(s3Statements).toHaveLength(1);
    expect(actionsOf(s3Statements[0] as Statement).sort()).toEqual([
      's3:GetObject',
      's3:PutObject',
    ]);
    expect((s3Statements[0] as Statement).Resource).toEqual({
      'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/okta-snapshots/*']],
    });
  });

  it('lets the function list the snapshot bucket so a missing key reads as 404, not 403', () => {
    const bucketId = Object.keys(snapshotBuckets(t))[0];
    const list = functionStatements(t).filter((s) => actionsOf(s).includes('s3:ListBucket'));
    expect(list).toHaveLength(1);
    expect(actionsOf(list[0] as Statement)).toEqual(['s3:ListBucket']);
    expect((list[0] as Statement).Resource).toEqual({ 'Fn::GetAtt': [bucketId, 'Arn'] });
  });

  it('grants the function nothing beyond logs, secrets, snapshots and the failure queue', () => {
    const actions = functionStatements(t).flatMap(actionsOf).sort();
    expect(actions).toEqual(
      [
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        's3:GetObject',
        's3:ListBucket',
        's3:PutObject',
        'secretsmanager:GetSecretValue',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:SendMessage',
      ].sort(),
    );
    t.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Principal: { Service: 'lambda.amazonaws.com' } })],
      },
      ManagedPolicyArns: Match.absent(),
    });
  });
});

describe('OktaConnectorStack: monitoring', () => {
  const topicRef = () => ({ Ref: Object.keys(t.findResources('AWS::SNS::Topic'))[0] });

  it('has a dashboard of every per-run metric', () => {
    const body = JSON.stringify(onlyResource(t, 'AWS::CloudWatch::Dashboard'));
    expect(body).toContain(METRIC_NAMESPACE);
    for (const metric of [...Object.values(RUN_METRICS).flat(), 'RunDurationMs']) {
      expect(body).toContain(`\\"${metric}\\"`);
    }
    expect(body).toContain('FunctionName');
  });

  it('alarms on errors, the failure queue, duration above 70 % of the timeout and no successful run', () => {
    t.resourceCountIs('AWS::CloudWatch::Alarm', 4);
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 1,
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Duration',
      Statistic: 'Maximum',
      Threshold: 0.7 * 900_000,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: METRIC_NAMESPACE,
      MetricName: 'RunSucceeded',
      Dimensions: [{ Name: 'FunctionName', Value: Match.anyValue() }],
      Statistic: 'Sum',
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
      Period: 86_400,
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      TreatMissingData: 'breaching',
    });
    t.allResourcesProperties('AWS::CloudWatch::Alarm', {
      AlarmActions: [topicRef()],
      OKActions: [topicRef()],
    });
  });

  it('sizes the "no successful run" window from the schedule', () => {
    const { template } = buildApp({ schedule: 'rate(1 hour)' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'RunSucceeded',
      Period: 7_200,
      EvaluationPeriods: 1,
    });
  });

  it('sends alarms to a TLS-only topic, with an e-mail subscription only when configured', () => {
    t.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
    t.resourceCountIs('AWS::SNS::Subscription', 0);
    const { template } = buildApp({ alarmEmail: 'ops@example.com' });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
  });
});

describe('cdk-nag AwsSolutions', () => {
  it.each([
    { name: 'defaults', context: {} },
    {
      name: 'existing secrets, Object Lock, e-mail, no reserved concurrency',
      context: {
        oktaTokenSecretName: 'okta/api-token',
        elimityTokenSecretName: 'elimity/source-token',
        objectLockMode: 'compliance',
        objectLockDays: '30',
        alarmEmail: 'ops@example.com',
        reservedConcurrency: 'none',
      },
    },
  ])('reports no unacknowledged finding ($name)', ({ context }) => {
    const { app } = buildApp(context);
    expect(() => app.synth()).not.toThrow();
  });

  it('is active: an unacknowledged finding fails synth', () => {
    const { app, stack } = buildApp();
    new Bucket(stack, 'UncheckedBucket');
    expect(() => app.synth()).toThrow(/AwsSolutions-S1/);
  });
});
