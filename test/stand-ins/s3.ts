import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';

/** Bucket the stand-in creates when the caller names none. */
export const DEFAULT_TEST_BUCKET = 'okta-snapshots-test';

/** A running S3-compatible server on loopback. */
export interface S3StandIn {
  /** `http://127.0.0.1:PORT`: an IP, so the SDK picks path-style addressing on its own. */
  endpoint: string;
  /** Where s3rver keeps the objects (a fresh temp folder, removed by stop()). */
  directory: string;
  /** Closes the server and removes its folder; safe to call twice. */
  stop(): Promise<void>;
}

/** Starts s3rver on a random loopback port with its own temp folder and the given buckets. */
export async function startS3(options: { buckets?: string[] } = {}): Promise<S3StandIn> {
  const buckets = options.buckets ?? [DEFAULT_TEST_BUCKET];
  // A fresh folder per server: s3rver's default (os.tmpdir()/s3rver) is shared between workers.
  const directory = await mkdtemp(path.join(tmpdir(), 's3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: buckets.map((name) => ({ name, configs: [] })),
  });
  let address: { port: number };
  try {
    address = await server.run();
  } catch (error) {
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
  let stopping: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    directory,
    stop() {
      stopping ??= (async () => {
        await server.close();
        await rm(directory, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}

/** Environment that points the AWS SDK's S3 client at the stand-in (s3rver accepts only S3RVER keys). */
export function s3EnvFor(endpoint: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_S3: endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
  };
}
