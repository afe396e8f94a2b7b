import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Context } from 'aws-lambda';
import { parseSyncConfig } from '../../shared/config';
import { describeError } from '../../shared/errors';
import { parseSyncEvent } from './event';
import { createJsonLogger } from './logger';
import { toEmfRecord } from './metrics';
import { type RunSummary, runSync, ZERO_COUNTS } from './run';
import { createSecretReader } from './secrets';
import { createSyncDeps, type ReadSecret, readTokens, runOptionsOf } from './setup';

/** Time kept back from Lambda's timeout to record a failure cleanly instead of being killed. */
const DEADLINE_MARGIN_MS = 45_000;

const log = createJsonLogger();

// Clients live as long as the container: warm runs reuse connections and the cached secrets.
let clients: { s3: S3Client; readSecret: ReadSecret } | undefined;

function awsClients() {
  clients ??= {
    s3: new S3Client({}),
    readSecret: createSecretReader(new SecretsManagerClient({})),
  };
  return clients;
}

function emitMetrics(summary: RunSummary, oktaRateLimited: number): void {
  const functionName = process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'local';
  process.stdout.write(
    `${JSON.stringify(toEmfRecord({ summary, oktaRateLimited }, functionName, Date.now()))}\n`,
  );
}

/**
 * The scheduled Lambda: `{}` syncs, `{"dryRun": true}` extracts and stores only, `{"force": true}`
 * posts past the mass-deletion guard, `{"replay": "<snapshot>"}` posts a stored snapshot again.
 * Returns the run summary; a failed run throws, so that the invocation fails and alarms fire.
 */
export async function handler(
  event: unknown,
  context?: Pick<Context, 'getRemainingTimeInMillis'>,
): Promise<RunSummary> {
  const startedAt = Date.now();
  const remaining = context?.getRemainingTimeInMillis?.() ?? 15 * 60_000;
  const deadline = startedAt + Math.max(remaining - DEADLINE_MARGIN_MS, remaining / 2);

  let deps: ReturnType<typeof createSyncDeps>;
  let options: ReturnType<typeof runOptionsOf>;
  try {
    const { dryRun, force, replay } = parseSyncEvent(event);
    const config = parseSyncConfig(process.env, 'lambda', {
      ...(dryRun === undefined ? {} : { dryRun }),
      ...(force === undefined ? {} : { force }),
      ...(replay === undefined ? {} : { replay }),
    });
    const aws = awsClients();
    const tokens = await readTokens(config, aws.readSecret);
    deps = createSyncDeps(config, tokens, { s3: aws.s3, log, deadline });
    options = runOptionsOf(config);
  } catch (error) {
    // Configuration or secrets: nothing was fetched, nothing stored, nothing posted.
    const message = describeError(error);
    log.error('sync could not start', { error: message });
    const summary: RunSummary = {
      status: 'failed',
      counts: ZERO_COUNTS,
      oktaRequests: 0,
      snapshot: '',
      posted: false,
      durationMs: Date.now() - startedAt,
    };
    emitMetrics(summary, 0);
    throw new Error(`sync could not start: ${message}`);
  }

  const outcome = await runSync(deps, options);
  emitMetrics(outcome.summary, outcome.oktaRateLimited);
  log.info('run summary', { runId: outcome.runId, ...outcome.summary });
  if (outcome.summary.status === 'failed') {
    throw new Error(`sync failed: ${describeError(outcome.error)}`);
  }
  return outcome.summary;
}
