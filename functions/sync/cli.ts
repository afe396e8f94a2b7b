import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { parseSyncConfig, type SyncConfig } from '../../shared/config';
import { describeError } from '../../shared/errors';
import { createTextLogger } from './logger';
import { type RunSummary, runSync, type SyncDeps, ZERO_COUNTS } from './run';
import { createSecretReader } from './secrets';
import { createSyncDeps, readTokens, runOptionsOf } from './setup';
import { readManifest } from './snapshot-reader';
import { runPrefix, writeManifest } from './snapshot-writer';

/**
 * `npm run sync`: the same run as the Lambda, from a shell. Progress goes to stderr; the last
 * stdout line is the JSON summary; exit code 0 only when the run succeeded.
 */
async function main(): Promise<number> {
  const startedAt = Date.now();
  // Errors are printed once, as the single `error:` line below; the logger keeps to progress.
  const log = { ...createTextLogger((line) => process.stderr.write(`${line}\n`)), error() {} };
  const fail = (message: string, summary?: RunSummary) => {
    process.stderr.write(`error: ${message}\n`);
    process.stdout.write(
      `${JSON.stringify(
        summary ?? {
          status: 'failed',
          counts: ZERO_COUNTS,
          oktaRequests: 0,
          snapshot: '',
          posted: false,
          durationMs: Date.now() - startedAt,
        },
      )}\n`,
    );
    return 1;
  };

  let config: SyncConfig;
  let deps: ReturnType<typeof createSyncDeps>;
  try {
    config = parseSyncConfig(process.env, 'cli');
    const needsSecrets =
      config.okta?.token.kind === 'secretsManager' ||
      config.elimity?.token.kind === 'secretsManager';
    const readSecret = needsSecrets ? createSecretReader(new SecretsManagerClient({})) : undefined;
    const tokens = await readTokens(config, readSecret);
    const usesS3 = config.snapshot?.kind === 's3' || (config.replay?.startsWith('s3://') ?? false);
    const s3 = usesS3 ? new S3Client({}) : undefined;
    deps = createSyncDeps(config, tokens, { log, ...(s3 ? { s3 } : {}) });
  } catch (error) {
    return fail(describeError(error));
  }

  const outcome = await Promise.race([runSync(deps, runOptionsOf(config)), interrupted(deps)]);
  if ('signal' in outcome) {
    const { signal, summary } = outcome;
    fail(
      `interrupted by ${signal} before the run finished; its manifest is marked failed`,
      summary,
    );
    return 128 + (signal === 'SIGINT' ? 2 : 15);
  }
  if (outcome.summary.status === 'failed')
    return fail(describeError(outcome.error), outcome.summary);
  process.stdout.write(`${JSON.stringify(outcome.summary)}\n`);
  return 0;

  /**
   * Ctrl-C or a kill while the run is under way: the run is abandoned, so its manifest must not
   * say `running` for ever, and the caller still gets the error line and the summary. A second
   * signal ends the process at once.
   */
  function interrupted(d: typeof deps) {
    return new Promise<{ signal: NodeJS.Signals; summary: RunSummary }>((resolve) => {
      const onSignal = async (signal: NodeJS.Signals) => {
        for (const s of SIGNALS) {
          process.off(s, onSignal);
          process.once(s, () => process.exit(128 + (s === 'SIGINT' ? 2 : 15)));
        }
        await markInterrupted(d, signal).catch(() => undefined);
        resolve({
          signal,
          summary: {
            status: 'failed',
            counts: ZERO_COUNTS,
            oktaRequests: d.okta?.stats().total ?? 0,
            snapshot: d.store.describe(runPrefix(d.runId)),
            posted: false,
            durationMs: Date.now() - startedAt,
          },
        });
      };
      for (const s of SIGNALS) process.on(s, onSignal);
    });
  }
}

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

async function markInterrupted(deps: SyncDeps, signal: NodeJS.Signals): Promise<void> {
  const manifest = await readManifest(deps.store, deps.runId);
  if (manifest.status !== 'running') return;
  await writeManifest(deps.store, deps.runId, {
    ...manifest,
    status: 'failed',
    error: `interrupted by ${signal}`,
    finishedAt: new Date().toISOString(),
  });
}

main().then(
  (code) => {
    // An interrupted run is abandoned, not finished: its sockets and timers would keep us alive.
    if (code > 128) process.exit(code);
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`error: ${describeError(error)}\n`);
    process.exitCode = 1;
  },
);
