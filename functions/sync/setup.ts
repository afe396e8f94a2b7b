import type { S3Client } from '@aws-sdk/client-s3';
import type { SyncConfig } from '../../shared/config';
import { createElimityClient } from './elimity-client';
import type { Logger } from './logger';
import { createOktaClient } from './okta-client';
import { newRunId, type SyncDeps } from './run';
import { createSnapshotStore } from './snapshot-store';

/** Reads a secret by id; `what` names it in errors ("Okta API token"). */
export type ReadSecret = (secretId: string, what: string) => Promise<string>;

export interface Tokens {
  okta: string;
  elimity: string | undefined;
}

/** Resolves both tokens: given directly (CLI) or from Secrets Manager. */
export async function readTokens(
  config: SyncConfig,
  readSecret: ReadSecret | undefined,
): Promise<Tokens> {
  const resolve = async (source: SyncConfig['okta']['token'], what: string) => {
    if (source.kind === 'value') return source.value;
    if (!readSecret) throw new Error(`no Secrets Manager client to read the ${what}`);
    return readSecret(source.id, what);
  };
  const [okta, elimity] = await Promise.all([
    resolve(config.okta.token, 'Okta API token'),
    config.elimity ? resolve(config.elimity.token, 'Elimity source token') : undefined,
  ]);
  return { okta, elimity };
}

/** Wires the real clients for one run; the only place that knows how they fit together. */
export function createSyncDeps(
  config: SyncConfig,
  tokens: Tokens,
  io: { s3?: S3Client; log: Logger; now?: () => number; deadline?: number; fetch?: typeof fetch },
): SyncDeps {
  const now = io.now ?? Date.now;
  const okta = createOktaClient({
    orgUrl: config.okta.orgUrl,
    token: tokens.okta,
    concurrency: config.okta.concurrency,
    maxRetries: config.okta.maxRetries,
    requestTimeoutMs: config.okta.requestTimeoutMs,
    now,
    ...(io.deadline === undefined ? {} : { deadline: io.deadline }),
    ...(io.fetch ? { fetch: io.fetch } : {}),
    onEvent: (event) => {
      // URLs are logged without their query: cursors and search terms are not secrets, but noise.
      const path = new URL(event.url).pathname;
      if (event.kind === 'rate-limited') {
        io.log.warn('okta rate limited; waiting', {
          path,
          waitMs: Math.round(event.waitMs),
          concurrency: event.concurrency,
        });
      } else {
        io.log.warn('okta request failed; retrying', {
          path,
          attempt: event.attempt,
          waitMs: Math.round(event.waitMs),
          reason: event.reason,
        });
      }
    },
  });
  const elimity =
    config.elimity && tokens.elimity !== undefined && !config.dryRun
      ? createElimityClient({
          baseUrl: config.elimity.url,
          sourceId: config.elimity.sourceId,
          token: tokens.elimity,
          ...(io.deadline === undefined ? {} : { deadline: io.deadline }),
          ...(io.fetch ? { fetch: io.fetch } : {}),
        })
      : undefined;
  return {
    okta,
    store: createSnapshotStore(config.snapshot, io.s3),
    elimity,
    log: io.log,
    orgUrl: config.okta.orgUrl,
    concurrency: config.okta.concurrency,
    runId: newRunId(now()),
    now,
  };
}
