import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { SnapshotTarget } from '../../shared/config';
import { UpstreamError } from '../../shared/errors';

/** Where the raw snapshot objects of every run go: an S3 bucket (Lambda) or a local folder (CLI). */
export interface SnapshotStore {
  /** Human/tool address of a key: `s3://bucket/prefix/key` or an absolute file path. */
  describe(key: string): string;
  /** Writes (or overwrites) one object. */
  put(key: string, body: Uint8Array, contentType: string): Promise<void>;
  /** undefined when the object does not exist. */
  get(key: string): Promise<Uint8Array | undefined>;
}

// Keys come from our own code and from manifests read back, so refuse anything that could
// escape the prefix or folder ('..', absolute paths, backslashes, empty segments).
function checkKey(key: string): void {
  const segments = key.split('/');
  const bad =
    key === '' ||
    key.includes('\\') ||
    segments.some((s, i) => s === '.' || s === '..' || (s === '' && i !== segments.length - 1));
  if (bad) throw new Error(`invalid snapshot key ${JSON.stringify(key)}`);
}

interface SdkErrorLike {
  name?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

function sdkError(error: unknown): { name: string; message: string; status: number | undefined } {
  const e = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorLike;
  return {
    name: e.name ?? 'Error',
    message: e.message ?? String(error),
    status: e.$metadata?.httpStatusCode,
  };
}

/** A store over one bucket; `prefix` is '' or ends in '/'. Bodies always go up as Buffers. */
export function createS3SnapshotStore(
  client: S3Client,
  bucket: string,
  prefix: string,
): SnapshotStore {
  const fail = (operation: string, key: string, error: unknown): UpstreamError => {
    const { name, message, status } = sdkError(error);
    const where = `s3://${bucket}/${prefix}${key}`;
    const http = status === undefined ? '' : ` (HTTP ${status})`;
    return new UpstreamError('s3', `${operation} ${key}`, `${where}: ${name}: ${message}${http}`, {
      ...(status === undefined ? {} : { status }),
      cause: error,
    });
  };

  return {
    describe: (key) => `s3://${bucket}/${prefix}${key}`,

    async put(key, body, contentType) {
      checkKey(key);
      try {
        // A Buffer, never a stream: stream bodies switch the SDK to aws-chunked uploads, which
        // s3rver stores with the chunk framing, and a Buffer gives S3 a checksum Object Lock needs.
        const buffer = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
        await client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: `${prefix}${key}`,
            Body: buffer,
            ContentType: contentType,
          }),
        );
      } catch (error) {
        throw fail('put', key, error);
      }
    },

    async get(key) {
      checkKey(key);
      try {
        const response = await client.send(
          new GetObjectCommand({ Bucket: bucket, Key: `${prefix}${key}` }),
        );
        if (!response.Body) return new Uint8Array();
        return await response.Body.transformToByteArray();
      } catch (error) {
        const { name, status } = sdkError(error);
        // A missing bucket is also a 404, but it is a misconfiguration, not a missing object.
        if (name === 'NoSuchKey' || (status === 404 && name !== 'NoSuchBucket')) return undefined;
        throw fail('get', key, error);
      }
    },
  };
}

/** A store over a local folder (CLI runs); folders are created as needed, keys use '/'. */
export function createDirSnapshotStore(dir: string): SnapshotStore {
  const root = path.resolve(dir);
  const fileOf = (key: string): string => path.join(root, ...key.split('/'));
  const fail = (operation: string, key: string, error: unknown): UpstreamError => {
    const { name, message } = sdkError(error);
    return new UpstreamError(
      'snapshot',
      `${operation} ${key}`,
      `${fileOf(key)}: ${name}: ${message}`,
      {
        cause: error,
      },
    );
  };

  return {
    describe: (key) => {
      const file = fileOf(key);
      return key.endsWith('/') && !file.endsWith(path.sep) ? `${file}${path.sep}` : file;
    },

    async put(key, body) {
      checkKey(key);
      const file = fileOf(key);
      // Write then rename, so a reader never sees half a manifest that is being rewritten.
      const temp = `${file}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
      try {
        await mkdir(path.dirname(file), { recursive: true });
        await writeFile(temp, body);
        await rename(temp, file);
      } catch (error) {
        await rm(temp, { force: true }).catch(() => undefined);
        throw fail('put', key, error);
      }
    },

    async get(key) {
      checkKey(key);
      try {
        return new Uint8Array(await readFile(fileOf(key)));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw fail('get', key, error);
      }
    },
  };
}

/** The store a run's configuration points at; the S3 client defaults to the environment's. */
export function createSnapshotStore(target: SnapshotTarget, s3?: S3Client): SnapshotStore {
  if (target.kind === 'dir') return createDirSnapshotStore(target.dir);
  return createS3SnapshotStore(s3 ?? new S3Client({}), target.bucket, target.prefix);
}
