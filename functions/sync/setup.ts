import type { S3Client } from '@aws-sdk/client-s3';
import { ENV, type SecretSource, type SyncConfig } from '../../shared/config';
import { ConfigError } from '../../shared/errors';
import { createElimityClient, elimityEndpointUrl } from './elimity-client';
import type { Logger } from './logger';
import { createOktaClient, type OktaClient } from './okta-client';
import type { Sleep } from './okta-pacer';
import { newRunId, type RunOptions, type SyncDeps } from './run';
import { parseSnapshotLocation } from './snapshot-reader';
import { createSnapshotStore } from './snapshot-store';

/** Reads a secret by id; `what` names it in errors ("Okta API token"). */
export type ReadSecret = (secretId: string, what: string) => Promise<string>;

export interface Tokens {
  okta: string | undefined;
  elimity: string | undefined;
}

/** Resolves the tokens a run needs: given directly (CLI) or from Secrets Manager. */
export async function readTokens(
  config: SyncConfig,
  readSecret: ReadSecret | undefined,
): Promise<Tokens> {
  const resolve = async (source: SecretSource | undefined, what: string, variable: string) => {
    if (source === undefined) return undefined;
    if (source.kind === 'value') return checkHeaderSafe(source.value, variable);
    if (!readSecret) throw new ConfigError(`no Secrets Manager client to read the ${what}`);
    return checkHeaderSafe(await readSecret(source.id, what), `the ${what} in secret ${source.id}`);
  };
  const [okta, elimity] = await Promise.all([
    // A replay reads no Okta: its token is not even fetched.
    config.replay ? undefined : resolve(config.okta?.token, 'Okta API token', ENV.oktaApiToken),
    config.dryRun
      ? undefined
      : resolve(config.elimity?.token, 'Elimity source token', ENV.elimitySourceToken),
  ]);
  return { okta, elimity };
}

/**
 * Tokens travel in the Authorization header, which takes visible ASCII only. A pasted line break
 * or a stray non-ASCII character would otherwise surface as a retried "network error" from fetch.
 */
function checkHeaderSafe(token: string, where: string): string {
  if (!/^[\x21-\x7e]+$/.test(token)) {
    throw new ConfigError(
      `${where} must be the token alone: it contains spaces, line breaks or non-ASCII characters, which an HTTP header cannot carry`,
    );
  }
  return token;
}

/** The options of one run, from the validated configuration. */
export function runOptionsOf(config: SyncConfig): RunOptions {
  return {
    dryRun: config.dryRun,
    force: config.force,
    maxDropPercent: config.maxDropPercent,
    ...(config.replay ? { replay: config.replay } : {}),
  };
}

/** Wires the real clients for one run; the only place that knows how they fit together. */
export function createSyncDeps(
  config: SyncConfig,
  tokens: Tokens,
  io: {
    s3?: S3Client;
    log: Logger;
    now?: () => number;
    sleep?: Sleep;
    deadline?: number;
    fetch?: typeof fetch;
  },
): SyncDeps {
  const now = io.now ?? Date.now;
  let okta: OktaClient | undefined;
  if (config.okta && tokens.okta !== undefined) {
    okta = createOktaClient({
      orgUrl: config.okta.orgUrl,
      token: tokens.okta,
      concurrency: config.okta.concurrency,
      maxRetries: config.okta.maxRetries,
      requestTimeoutMs: config.okta.requestTimeoutMs,
      now,
      ...(io.sleep ? { sleep: io.sleep } : {}),
      ...(io.deadline === undefined ? {} : { deadline: io.deadline }),
      ...(io.fetch ? { fetch: io.fetch } : {}),
      onEvent: (event) => {
        // Paths only: cursors and search terms are not secrets, but they are noise in a log.
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
  }
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
  // A replay location is checked before anything runs (parseSnapshotLocation throws ConfigError).
  const replayTarget = config.replay ? parseSnapshotLocation(config.replay).target : undefined;
  const target = config.snapshot ?? replayTarget;
  if (!target) throw new ConfigError('no snapshot store configured');
  return {
    okta,
    orgUrl: config.okta?.orgUrl,
    store: createSnapshotStore(target, io.s3),
    openStore: (t) => createSnapshotStore(t, io.s3),
    elimity,
    ...(config.elimity
      ? { elimitySource: elimityEndpointUrl(config.elimity.url, config.elimity.sourceId, '').href }
      : {}),
    log: io.log,
    concurrency: config.okta?.concurrency ?? 1,
    runId: newRunId(now()),
    now,
    ...(io.sleep ? { sleep: io.sleep } : {}),
  };
}
