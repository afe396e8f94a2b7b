import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { parseSyncConfig, type SyncConfig } from '../../shared/config';
import { describeError } from '../../shared/errors';
import { createTextLogger } from './logger';
import { type RunSummary, runSync, ZERO_COUNTS } from './run';
import { createSecretReader } from './secrets';
import { createSyncDeps, readTokens, runOptionsOf } from './setup';

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

  const outcome = await runSync(deps, runOptionsOf(config));
  if (outcome.summary.status === 'failed')
    return fail(describeError(outcome.error), outcome.summary);
  process.stdout.write(`${JSON.stringify(outcome.summary)}\n`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`error: ${describeError(error)}\n`);
    process.exitCode = 1;
  },
);
