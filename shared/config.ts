import * as v from 'valibot';
import { ConfigError } from './errors';

/**
 * The one place that names the environment variables. The CDK stack sets them from here and the
 * handler and CLI read them from here, so a rename cannot leave the two out of step.
 */
export const ENV = {
  oktaOrgUrl: 'OKTA_ORG_URL',
  oktaTokenSecretId: 'OKTA_TOKEN_SECRET_ID',
  oktaApiToken: 'OKTA_API_TOKEN',
  elimityUrl: 'ELIMITY_URL',
  elimitySourceId: 'ELIMITY_SOURCE_ID',
  elimityTokenSecretId: 'ELIMITY_TOKEN_SECRET_ID',
  elimitySourceToken: 'ELIMITY_SOURCE_TOKEN',
  snapshotBucket: 'SNAPSHOT_BUCKET',
  snapshotPrefix: 'SNAPSHOT_PREFIX',
  snapshotDir: 'SNAPSHOT_DIR',
  dryRun: 'DRY_RUN',
  force: 'FORCE',
  replay: 'REPLAY',
  maxDropPercent: 'MAX_DROP_PERCENT',
  oktaConcurrency: 'OKTA_CONCURRENCY',
  oktaMaxRetries: 'OKTA_MAX_RETRIES',
  oktaRequestTimeoutMs: 'OKTA_REQUEST_TIMEOUT_MS',
} as const;

/** Tunables with the reason for each default. */
export const DEFAULTS = {
  /** Okta: "even large bulk loads rarely require more than 10 simultaneous transactions"; the org shares 75. */
  oktaConcurrency: 8,
  /** Retries of one request on 5xx, bad bodies, timeouts and network errors before the run fails. */
  oktaMaxRetries: 5,
  /** Okta answers a list page in well under a second; 30 s means something is stuck. */
  oktaRequestTimeoutMs: 30_000,
  snapshotPrefix: 'okta-snapshots/',
  /** A snapshot smaller than the last posted one by more than this (per kind) is refused. */
  maxDropPercent: 20,
} as const;

/** Marker the CDK stack writes into a secret it creates, until the operator sets the real value. */
export const SECRET_PLACEHOLDER_KEY = 'placeholder';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/** `https://…`, or `http://…` on a loopback host (local testing); no path, query, credentials. */
export function parseBaseUrl(name: string, raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be an absolute URL such as https://example.okta.com`);
  }
  const httpAllowed = url.protocol === 'http:' && isLoopbackHost(url.hostname);
  if (url.protocol !== 'https:' && !httpAllowed) {
    throw new ConfigError(
      `${name} must use https:// (http:// is accepted only for loopback hosts)`,
    );
  }
  if (url.username || url.password) {
    throw new ConfigError(`${name} must not contain credentials`);
  }
  if (url.search || url.hash) {
    throw new ConfigError(`${name} must not contain a query or fragment`);
  }
  return url;
}

// Every check carries its own wording: errors read "<VARIABLE> must be <message>".
const NonEmpty = v.pipe(v.string('set'), v.trim(), v.nonEmpty('set'));

function optionalInt(min: number, max: number) {
  const expected = `a whole number from ${min} to ${max}`;
  return v.optional(
    v.pipe(
      v.string(expected),
      v.trim(),
      v.regex(/^\d+$/, expected),
      v.transform(Number),
      v.minValue(min, expected),
      v.maxValue(max, expected),
    ),
  );
}

const Bool = v.optional(
  v.pipe(
    v.string('true or false'),
    v.trim(),
    v.toLowerCase(),
    v.picklist(['true', 'false', '1', '0', 'yes', 'no', ''], 'true or false'),
    v.transform((s) => s === 'true' || s === '1' || s === 'yes'),
  ),
);

const RawEnvSchema = v.object({
  [ENV.oktaOrgUrl]: v.optional(NonEmpty),
  [ENV.oktaTokenSecretId]: v.optional(NonEmpty),
  [ENV.oktaApiToken]: v.optional(NonEmpty),
  [ENV.elimityUrl]: v.optional(NonEmpty),
  [ENV.elimitySourceId]: v.optional(v.pipe(NonEmpty, v.regex(/^\d+$/, 'a numeric source id'))),
  [ENV.elimityTokenSecretId]: v.optional(NonEmpty),
  [ENV.elimitySourceToken]: v.optional(NonEmpty),
  [ENV.snapshotBucket]: v.optional(NonEmpty),
  [ENV.snapshotPrefix]: v.optional(v.string()),
  [ENV.snapshotDir]: v.optional(NonEmpty),
  [ENV.dryRun]: Bool,
  [ENV.force]: Bool,
  [ENV.replay]: v.optional(NonEmpty),
  [ENV.maxDropPercent]: optionalInt(0, 100),
  [ENV.oktaConcurrency]: optionalInt(1, 32),
  [ENV.oktaMaxRetries]: optionalInt(0, 20),
  [ENV.oktaRequestTimeoutMs]: optionalInt(1000, 600_000),
});

/** Where a secret comes from: its value given directly (CLI only) or a Secrets Manager id. */
export type SecretSource =
  | { kind: 'value'; value: string }
  | { kind: 'secretsManager'; id: string };

export type SnapshotTarget =
  | { kind: 's3'; bucket: string; prefix: string }
  | { kind: 'dir'; dir: string };

export interface OktaSettings {
  orgUrl: URL;
  token: SecretSource;
  concurrency: number;
  maxRetries: number;
  requestTimeoutMs: number;
}

/** Everything one run needs, validated; secrets are still references, never values, except in the CLI. */
export interface SyncConfig {
  /** Absent only for a replay given no Okta settings: a replay makes no Okta call. */
  okta?: OktaSettings;
  /**
   * The Elimity source the run posts to. Absent only for a dry run not told its URL and id (a
   * dry run told them compares with that source's guard baseline); `token` absent for any dry run.
   */
  elimity?: { url: URL; sourceId: string; token?: SecretSource };
  /** Absent only for a CLI replay, which then uses the replayed snapshot's store. */
  snapshot?: SnapshotTarget;
  dryRun: boolean;
  /** Post even when the mass-deletion guard objects (said so in the logs). */
  force: boolean;
  /** A stored snapshot's location to post again instead of reading Okta. */
  replay?: string;
  maxDropPercent: number;
}

/** Per-invocation choices that override the environment (the Lambda event). */
export interface RunOverrides {
  dryRun?: boolean;
  force?: boolean;
  replay?: string;
}

/** Where the process runs decides where tokens may come from: the Lambda reads Secrets Manager only. */
export type Runtime = 'lambda' | 'cli';

function firstIssue(issues: v.BaseIssue<unknown>[]): string {
  const issue = issues[0];
  if (!issue) return 'invalid configuration';
  const key = issue.path?.map((p) => String(p.key)).join('.') ?? '';
  // Never the received value: it may be a token.
  if (key && issue.received === 'undefined') return `${key} must be set (it is missing)`;
  return key ? `${key} must be ${issue.message}` : issue.message;
}

function normalisePrefix(prefix: string | undefined): string {
  const trimmed = (prefix ?? DEFAULTS.snapshotPrefix).trim().replace(/^\/+/, '');
  if (trimmed === '') return '';
  return trimmed.endsWith('/') ? trimmed : `${trimmed}/`;
}

/**
 * Reads and validates the environment before any network call. Errors name the variable and what
 * it expects, and never echo a value (a value may be a token).
 */
export function parseSyncConfig(
  env: Record<string, string | undefined>,
  runtime: Runtime,
  overrides: RunOverrides = {},
): SyncConfig {
  // Empty strings are treated as unset, which is how most shells and the Lambda console behave.
  const present = Object.fromEntries(
    Object.values(ENV)
      .map((name) => [name, env[name]] as const)
      .filter(([, value]) => value !== undefined && value.trim() !== ''),
  );
  const parsed = v.safeParse(RawEnvSchema, present);
  if (!parsed.success) throw new ConfigError(firstIssue(parsed.issues));
  const e = parsed.output;

  const dryRun = overrides.dryRun ?? e[ENV.dryRun] ?? false;
  const force = overrides.force ?? e[ENV.force] ?? false;
  const replay = overrides.replay ?? e[ENV.replay];

  let okta: OktaSettings | undefined;
  const rawOrgUrl = e[ENV.oktaOrgUrl];
  const hasOktaToken = e[ENV.oktaApiToken] !== undefined || e[ENV.oktaTokenSecretId] !== undefined;
  if (!rawOrgUrl && !replay) throw new ConfigError(`${ENV.oktaOrgUrl} must be set (it is missing)`);
  if (rawOrgUrl) {
    const orgUrl = parseBaseUrl(ENV.oktaOrgUrl, rawOrgUrl);
    if (orgUrl.pathname !== '/' && orgUrl.pathname !== '') {
      throw new ConfigError(`${ENV.oktaOrgUrl} must be the org's base URL without a path`);
    }
    if (/-admin\./i.test(orgUrl.hostname)) {
      throw new ConfigError(
        `${ENV.oktaOrgUrl} must be the org URL, not the Admin Console URL (drop "-admin")`,
      );
    }
    // A replay reads no Okta, so it needs no token; with one configured it still checks the org.
    if (!replay || hasOktaToken) {
      okta = {
        orgUrl,
        token: secretSource(runtime, e[ENV.oktaApiToken], e[ENV.oktaTokenSecretId], {
          value: ENV.oktaApiToken,
          id: ENV.oktaTokenSecretId,
        }),
        concurrency: e[ENV.oktaConcurrency] ?? DEFAULTS.oktaConcurrency,
        maxRetries: e[ENV.oktaMaxRetries] ?? DEFAULTS.oktaMaxRetries,
        requestTimeoutMs: e[ENV.oktaRequestTimeoutMs] ?? DEFAULTS.oktaRequestTimeoutMs,
      };
    }
  }

  let elimity: SyncConfig['elimity'];
  const url = e[ENV.elimityUrl];
  const sourceId = e[ENV.elimitySourceId];
  // A dry run posts nothing, but a source it is told about still picks the guard's baseline.
  if (!dryRun || (url && sourceId)) {
    if (!url) throw new ConfigError(`${ENV.elimityUrl} must be set (or ${ENV.dryRun}=true)`);
    if (!sourceId) {
      throw new ConfigError(`${ENV.elimitySourceId} must be set (or ${ENV.dryRun}=true)`);
    }
    const elimityUrl = parseBaseUrl(ENV.elimityUrl, url);
    // `…/api`, `…/API`, `…/api/v1`: the connector adds the API path itself.
    if (/(^|\/)api(\/|$)/i.test(elimityUrl.pathname)) {
      throw new ConfigError(`${ENV.elimityUrl} must be the tenant's base URL without /api`);
    }
    elimity = { url: elimityUrl, sourceId };
    if (!dryRun) {
      elimity.token = secretSource(
        runtime,
        e[ENV.elimitySourceToken],
        e[ENV.elimityTokenSecretId],
        { value: ENV.elimitySourceToken, id: ENV.elimityTokenSecretId },
      );
    }
  }

  const bucket = e[ENV.snapshotBucket];
  const dir = e[ENV.snapshotDir];
  let snapshot: SnapshotTarget | undefined;
  if (bucket) {
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
      throw new ConfigError(`${ENV.snapshotBucket} must be an S3 bucket name`);
    }
    snapshot = { kind: 's3', bucket, prefix: normalisePrefix(e[ENV.snapshotPrefix]) };
  } else if (dir && runtime === 'cli') {
    snapshot = { kind: 'dir', dir };
  } else if (replay && runtime === 'cli') {
    // A CLI replay needs no store of its own: the replayed snapshot's store is used.
    snapshot = undefined;
  } else {
    throw new ConfigError(
      runtime === 'cli'
        ? `${ENV.snapshotBucket} or ${ENV.snapshotDir} must be set`
        : `${ENV.snapshotBucket} must be set`,
    );
  }

  return {
    ...(okta ? { okta } : {}),
    ...(elimity ? { elimity } : {}),
    ...(snapshot ? { snapshot } : {}),
    dryRun,
    force,
    ...(replay ? { replay } : {}),
    maxDropPercent: e[ENV.maxDropPercent] ?? DEFAULTS.maxDropPercent,
  };
}

function secretSource(
  runtime: Runtime,
  value: string | undefined,
  id: string | undefined,
  names: { value: string; id: string },
): SecretSource {
  // In Lambda a token in the environment would be visible in the console and the template.
  if (runtime === 'cli' && value) return { kind: 'value', value };
  if (id) return { kind: 'secretsManager', id };
  throw new ConfigError(
    runtime === 'cli'
      ? `${names.value} or ${names.id} must be set`
      : `${names.id} must be set (the name or ARN of a Secrets Manager secret)`,
  );
}
