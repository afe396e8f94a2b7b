import { rm } from 'node:fs/promises';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { parseSyncConfig, type SyncConfig } from '../../shared/config';
import { describeError } from '../../shared/errors';
import { createTextLogger } from './logger';
import {
  bodyWorkDir,
  manifestRequests,
  type RunSummary,
  runSync,
  type SyncDeps,
  ZERO_COUNTS,
} from './run';
import { createSecretReader } from './secrets';
import { createSyncDeps, readTokens, runOptionsOf } from './setup';
import { readManifest } from './snapshot-reader';
import { runPrefix, writeManifest } from './snapshot-writer';

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
type StopSignal = (typeof SIGNALS)[number];
const SIGNAL_EXIT: Record<StopSignal, number> = { SIGINT: 130, SIGTERM: 143 };
/** How long an interrupted run may take to record itself as failed before the process exits. */
const RECORD_TIMEOUT_MS = 10_000;

const startedAt = Date.now();
/** Set once the run's dependencies exist: from then on an interrupt has a manifest to mark. */
let current: SyncDeps | undefined;
let interruptedBy: StopSignal | undefined;

function failedSummary(deps: SyncDeps | undefined): RunSummary {
  return {
    status: 'failed',
    counts: ZERO_COUNTS,
    oktaRequests: deps?.okta?.stats().total ?? 0,
    snapshot: deps ? deps.store.describe(runPrefix(deps.runId)) : '',
    posted: false,
    durationMs: Date.now() - startedAt,
  };
}

/** The CLI contract on failure: one `error:` line on stderr, the summary as the last stdout line. */
function fail(message: string, summary: RunSummary): number {
  process.stderr.write(`error: ${message}\n`);
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  return 1;
}

/**
 * `npm run sync`: the same run as the Lambda, from a shell. Progress goes to stderr; the last
 * stdout line is the JSON summary; exit code 0 only when the run succeeded.
 */
async function main(): Promise<number> {
  // Errors are printed once, as the single `error:` line; the logger keeps to progress.
  const log = { ...createTextLogger((line) => process.stderr.write(`${line}\n`)), error() {} };

  let config: SyncConfig;
  let deps: SyncDeps;
  try {
    config = parseSyncConfig(process.env, 'cli');
    const needsSecrets =
      config.okta?.token.kind === 'secretsManager' ||
      config.elimity?.token?.kind === 'secretsManager';
    const readSecret = needsSecrets ? createSecretReader(new SecretsManagerClient({})) : undefined;
    const tokens = await readTokens(config, readSecret);
    const usesS3 = config.snapshot?.kind === 's3' || (config.replay?.startsWith('s3://') ?? false);
    const s3 = usesS3 ? new S3Client({}) : undefined;
    deps = createSyncDeps(config, tokens, { log, ...(s3 ? { s3 } : {}) });
  } catch (error) {
    return fail(describeError(error), failedSummary(undefined));
  }

  current = deps;
  const outcome = await runSync(deps, runOptionsOf(config));
  // An interrupt that came meanwhile speaks for the run (see onSignal).
  if (interruptedBy) return new Promise<number>(() => {});
  if (outcome.summary.status === 'failed')
    return fail(describeError(outcome.error), outcome.summary);
  process.stdout.write(`${JSON.stringify(outcome.summary)}\n`);
  return 0;
}

/**
 * Ctrl-C or a kill: the run is abandoned, so its manifest must not say `running` for ever, its
 * temporary body must not stay behind, and the caller still gets the error line and the summary.
 * Further signals while that is recorded are ignored; the recording itself is bounded in time.
 */
async function onSignal(signal: StopSignal): Promise<void> {
  if (interruptedBy) return;
  interruptedBy = signal;
  const deps = current;
  if (deps) {
    await Promise.race([
      Promise.allSettled([
        markInterrupted(deps, signal),
        rm(bodyWorkDir(deps), { recursive: true, force: true }),
      ]),
      new Promise((resolve) => setTimeout(resolve, RECORD_TIMEOUT_MS).unref()),
    ]);
  }
  const marked = deps ? '; its manifest is marked failed' : '';
  fail(`interrupted by ${signal} before the run finished${marked}`, failedSummary(deps));
  // The abandoned run's sockets and timers would otherwise keep the process alive.
  process.exit(SIGNAL_EXIT[signal]);
}

async function markInterrupted(deps: SyncDeps, signal: StopSignal): Promise<void> {
  const manifest = await readManifest(deps.store, deps.runId);
  if (manifest.status !== 'running') return;
  await writeManifest(deps.store, deps.runId, {
    ...manifest,
    status: 'failed',
    error: `interrupted by ${signal}`,
    finishedAt: new Date().toISOString(),
    requests: manifestRequests(deps.okta),
  });
}

for (const signal of SIGNALS) process.on(signal, () => void onSignal(signal));

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`error: ${describeError(error)}\n`);
    process.exitCode = 1;
  },
);
