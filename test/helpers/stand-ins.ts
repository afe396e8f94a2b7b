import { S3Client } from '@aws-sdk/client-s3';
import { createS3SnapshotStore, type SnapshotStore } from '../../functions/sync/snapshot-store';
import { ENV } from '../../shared/config';
import {
  type OktaSimulator,
  type OktaSimulatorOptions,
  startOktaSimulator,
} from '../okta-simulator';
import {
  type ElimityReceiver,
  type ElimityReceiverOptions,
  startElimityReceiver,
} from '../stand-ins/elimity-receiver';
import { type S3StandIn, s3EnvFor, startS3 } from '../stand-ins/s3';
import {
  type SecretsManagerStandIn,
  secretsEnvFor,
  startSecretsManager,
} from '../stand-ins/secrets-manager';

export const OKTA_SECRET_ID = 'okta-elimity/okta-api-token';
export const ELIMITY_SECRET_ID = 'okta-elimity/elimity-source-token';
export const SNAPSHOT_BUCKET = 'okta-audit-snapshots';

/** Every local stand-in the product talks to, plus the environment that points the product at them. */
export interface StandIns {
  okta: OktaSimulator;
  elimity: ElimityReceiver;
  s3: S3StandIn;
  secrets: SecretsManagerStandIn;
  /** The Lambda's environment: endpoints, secret ids, bucket; no token values. */
  env: Record<string, string>;
  /** A reader of what the run stored, through the real S3 client. */
  store: SnapshotStore;
  stop(): Promise<void>;
}

export interface StandInOptions {
  okta?: Partial<OktaSimulatorOptions>;
  elimity?: ElimityReceiverOptions;
}

/** Starts the Okta simulator, the Elimity receiver, an S3 server and a Secrets Manager on loopback. */
export async function startStandIns(options: StandInOptions = {}): Promise<StandIns> {
  const [okta, elimity, s3] = await Promise.all([
    startOktaSimulator(options.okta),
    startElimityReceiver(options.elimity),
    startS3({ buckets: [SNAPSHOT_BUCKET] }),
  ]);
  const secrets = await startSecretsManager({
    [OKTA_SECRET_ID]: JSON.stringify({ token: okta.token }),
    [ELIMITY_SECRET_ID]: elimity.token,
  });
  const env: Record<string, string> = {
    ...s3EnvFor(s3.endpoint),
    ...secretsEnvFor(secrets.endpoint),
    [ENV.oktaOrgUrl]: okta.url,
    [ENV.oktaTokenSecretId]: OKTA_SECRET_ID,
    [ENV.elimityUrl]: elimity.url,
    [ENV.elimitySourceId]: elimity.sourceId,
    [ENV.elimityTokenSecretId]: ELIMITY_SECRET_ID,
    [ENV.snapshotBucket]: SNAPSHOT_BUCKET,
    [ENV.snapshotPrefix]: 'okta-snapshots/',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const s3Client = new S3Client({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    forcePathStyle: true,
  });
  return {
    okta,
    elimity,
    s3,
    secrets,
    env,
    store: createS3SnapshotStore(s3Client, SNAPSHOT_BUCKET, 'okta-snapshots/'),
    async stop() {
      s3Client.destroy();
      await Promise.all([okta.stop(), elimity.stop(), s3.stop(), secrets.stop()]);
    },
  };
}

/** Runs `fn` with these variables set in `process.env`, then puts the old values back. */
export async function withEnv<T>(
  env: Record<string, string | undefined>,
  fn: () => Promise<T>,
): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [k, v] of Object.entries(values)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  apply(env);
  try {
    return await fn();
  } finally {
    apply(saved);
  }
}
