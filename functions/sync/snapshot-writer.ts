import { createHash } from 'node:crypto';
import { finished } from 'node:stream/promises';
import { createGzip, type Gzip } from 'node:zlib';
import * as v from 'valibot';
import { ConfigError, DataError } from '../../shared/errors';
import type { SnapshotStore } from './snapshot-store';

/** Every kind of Okta list the raw snapshot keeps, one folder of parts each. */
export const SNAPSHOT_RESOURCES = [
  'users',
  'groups',
  'apps',
  'group-members',
  'app-users',
  'app-groups',
  'users-by-id',
  'groups-by-id',
] as const;

/** One of SNAPSHOT_RESOURCES. */
export type SnapshotResource = (typeof SNAPSHOT_RESOURCES)[number];

/** Version of the layout below; readers refuse anything else. */
export const SNAPSHOT_FORMAT_VERSION = 1;

/** Default uncompressed size at which a part is closed and uploaded. */
export const DEFAULT_PART_BYTES = 8 * 1024 * 1024;

/** Key of the pointer to the newest succeeded run (read by the mass-deletion guard). */
export const LATEST_SUCCEEDED_KEY = 'latest-succeeded.json';

/** Run ids become one key segment, so they are limited to a safe alphabet. */
export const RunIdSchema = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'a run id (letters, digits, . _ -)'),
);

/** One stored Okta response, exactly as received; one NDJSON line. */
export const SnapshotRecordSchema = v.object({
  url: v.string(),
  fetchedAt: v.string(),
  status: v.pipe(v.number(), v.integer()),
  parentId: v.optional(v.string()),
  body: v.string(),
});

/** One stored Okta response: `parentId` is the group or app id for sub-lists. */
export type SnapshotRecord = v.InferOutput<typeof SnapshotRecordSchema>;

const Count = v.pipe(v.number(), v.integer(), v.minValue(0));

/** One gzip part as the manifest lists it. */
export const PartInfoSchema = v.object({
  resource: v.picklist(SNAPSHOT_RESOURCES),
  key: v.string(),
  records: Count,
  uncompressedBytes: Count,
  compressedBytes: Count,
  sha256: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/, 'a hex sha256')),
});

/** One uploaded part; `sha256` is the hex digest of the stored gzip bytes. */
export type PartInfo = v.InferOutput<typeof PartInfoSchema>;

/** `runs/<runId>/manifest.json`, rewritten as the run proceeds and when it ends. */
export const ManifestSchema = v.object({
  formatVersion: v.literal(SNAPSHOT_FORMAT_VERSION),
  runId: RunIdSchema,
  /** Origin of the Okta org, e.g. https://example.okta.com */
  oktaOrg: v.string(),
  startedAt: v.string(),
  /** null while running. */
  finishedAt: v.nullable(v.string()),
  status: v.picklist(['running', 'succeeded', 'failed']),
  error: v.optional(v.string()),
  /** Open on purpose: users, groups, applications, groupMemberships, … */
  counts: v.record(v.string(), v.number()),
  requests: v.object({
    total: Count,
    rateLimited: Count,
    byBucket: v.record(v.string(), v.number()),
  }),
  parts: v.array(PartInfoSchema),
  posted: v.optional(v.boolean()),
  dryRun: v.optional(v.boolean()),
  /** Ids that vanished during the crawl (404 on a sub-list or by-id fetch); replays need them. */
  gone: v.optional(
    v.object({
      users: v.array(v.string()),
      groups: v.array(v.string()),
      apps: v.array(v.string()),
    }),
  ),
  /** Paging anomalies that ended a list early but safely. */
  anomalies: v.optional(v.array(v.string())),
  /** For a replay: the location of the snapshot that was posted again (this run fetched nothing). */
  replayOf: v.optional(v.string()),
  /** The run posted although the mass-deletion guard objected (`force`). */
  forced: v.optional(v.boolean()),
  /** What the source's data model made us leave out, as one line per kind. */
  schemaDrops: v.optional(v.array(v.string())),
  /** The Elimity source the run posts to (its API base, `…/api/sources/<id>/`); absent on dry runs. */
  elimitySource: v.optional(v.string()),
});

/** The manifest of one run (format version 1). */
export type Manifest = v.InferOutput<typeof ManifestSchema>;

const PostedRunSchema = v.object({
  runId: RunIdSchema,
  manifestKey: v.string(),
  finishedAt: v.string(),
  counts: v.record(v.string(), v.number()),
});

/** One posted run: which, when, and what it counted. */
export type PostedRun = v.InferOutput<typeof PostedRunSchema>;

/**
 * `latest-succeeded.json`: the newest posted run (top level), and the newest per Elimity source
 * it went to (`bySource`), so that a store shared by several sources keeps each one's baseline.
 */
export const LatestSucceededSchema = v.object({
  ...PostedRunSchema.entries,
  /** Where that run posted (see Manifest.elimitySource); absent in pointers from before it. */
  elimitySource: v.optional(v.string()),
  bySource: v.optional(v.record(v.string(), PostedRunSchema)),
});

/** `bySource` key of a run posted before the pointer recorded where runs posted. */
export const UNRECORDED_SOURCE = '(not recorded)';

/** Pointer to the newest succeeded run. */
export type LatestSucceeded = v.InferOutput<typeof LatestSucceededSchema>;

/** Throws ConfigError unless `runId` is safe to use as a key segment. */
export function checkRunId(runId: string): void {
  if (!v.is(RunIdSchema, runId)) {
    throw new ConfigError(
      `run id ${JSON.stringify(runId)} must be letters, digits, '.', '_' or '-'`,
    );
  }
}

/** `runs/<runId>/`; `store.describe()` of it is the location printed to users. */
export function runPrefix(runId: string): string {
  return `runs/${runId}/`;
}

/** `runs/<runId>/manifest.json` */
export function manifestKey(runId: string): string {
  return `${runPrefix(runId)}manifest.json`;
}

/** `runs/<runId>/parts/<resource>/00001.ndjson.gz` (numbers start at 1). */
export function partKey(runId: string, resource: SnapshotResource, index: number): string {
  return `${runPrefix(runId)}parts/${resource}/${String(index).padStart(5, '0')}.ndjson.gz`;
}

/** Appends Okta responses to a run's raw snapshot, uploading gzip parts as they fill. */
export interface SnapshotWriter {
  /** Resolves once the record is compressed and, if it filled the part, the part is uploaded. */
  append(resource: SnapshotResource, record: SnapshotRecord): Promise<void>;
  /** Uploads every open part and returns all parts; idempotent. */
  close(): Promise<PartInfo[]>;
  /** Parts uploaded so far, in resource then part order. */
  parts(): PartInfo[];
}

interface OpenPart {
  gzip: Gzip;
  chunks: Buffer[];
  records: number;
  uncompressedBytes: number;
}

interface Lane {
  /** Serialises this resource's appends so lines and parts keep call order. */
  tail: Promise<void>;
  open: OpenPart | undefined;
  nextIndex: number;
}

function openPart(): OpenPart {
  const part: OpenPart = { gzip: createGzip(), chunks: [], records: 0, uncompressedBytes: 0 };
  // Collect output as it is produced, so only the compressed bytes of one part stay in memory.
  part.gzip.on('data', (chunk: Buffer) => part.chunks.push(chunk));
  // A zlib failure surfaces through write()/finished(); without a listener it would crash the process.
  part.gzip.on('error', () => undefined);
  return part;
}

async function writeLine(part: OpenPart, line: Buffer): Promise<void> {
  if (!part.gzip.write(line)) {
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error) => {
        part.gzip.off('drain', onDrain);
        reject(error);
      };
      const onDrain = () => {
        part.gzip.off('error', onError);
        resolve();
      };
      part.gzip.once('drain', onDrain);
      part.gzip.once('error', onError);
    });
  }
}

/** Starts the raw snapshot of one run; parts go to `runs/<runId>/parts/<resource>/`. */
export function createSnapshotWriter(
  store: SnapshotStore,
  runId: string,
  options: { partBytes?: number } = {},
): SnapshotWriter {
  checkRunId(runId);
  const partBytes = options.partBytes ?? DEFAULT_PART_BYTES;
  if (!Number.isInteger(partBytes) || partBytes < 1) {
    throw new ConfigError('snapshot partBytes must be a positive whole number');
  }

  const lanes = new Map<SnapshotResource, Lane>();
  const written: PartInfo[] = [];
  let closing: Promise<PartInfo[]> | undefined;
  // Once an upload fails the snapshot has a hole, so every later call reports that failure.
  let failure: unknown;

  const laneOf = (resource: SnapshotResource): Lane => {
    let lane = lanes.get(resource);
    if (!lane) {
      lane = { tail: Promise.resolve(), open: undefined, nextIndex: 1 };
      lanes.set(resource, lane);
    }
    return lane;
  };

  const enqueue = (lane: Lane, step: () => Promise<void>): Promise<void> => {
    const run = lane.tail.then(async () => {
      if (failure !== undefined) throw failure;
      try {
        await step();
      } catch (error) {
        failure ??= error;
        throw error;
      }
    });
    // The lane continues after a failure; the next step rethrows the recorded failure.
    lane.tail = run.catch(() => undefined);
    return run;
  };

  const upload = async (resource: SnapshotResource, lane: Lane): Promise<void> => {
    const part = lane.open;
    if (!part) return;
    lane.open = undefined;
    part.gzip.end();
    await finished(part.gzip);
    const body = Buffer.concat(part.chunks);
    const key = partKey(runId, resource, lane.nextIndex);
    lane.nextIndex += 1;
    await store.put(key, body, 'application/gzip');
    written.push({
      resource,
      key,
      records: part.records,
      uncompressedBytes: part.uncompressedBytes,
      compressedBytes: body.byteLength,
      sha256: createHash('sha256').update(body).digest('hex'),
    });
  };

  const sorted = (): PartInfo[] =>
    [...written].sort(
      (a, b) =>
        SNAPSHOT_RESOURCES.indexOf(a.resource) - SNAPSHOT_RESOURCES.indexOf(b.resource) ||
        (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
    );

  return {
    append(resource, record) {
      if (closing) return Promise.reject(new Error('snapshot writer is already closed'));
      // Serialise now, so a caller mutating the record after the call cannot change the line.
      const line = Buffer.from(`${JSON.stringify(record)}\n`, 'utf8');
      const lane = laneOf(resource);
      return enqueue(lane, async () => {
        lane.open ??= openPart();
        const part = lane.open;
        await writeLine(part, line);
        part.records += 1;
        part.uncompressedBytes += line.byteLength;
        if (part.uncompressedBytes >= partBytes) await upload(resource, lane);
      });
    },

    close() {
      closing ??= (async () => {
        const flushes = [...lanes].map(([resource, lane]) =>
          enqueue(lane, () => upload(resource, lane)),
        );
        const results = await Promise.allSettled(flushes);
        const rejected = results.find((r) => r.status === 'rejected');
        if (failure !== undefined) throw failure;
        if (rejected) throw rejected.reason;
        return sorted();
      })();
      return closing;
    },

    parts: sorted,
  };
}

function json(value: unknown): Uint8Array {
  return Buffer.from(`${JSON.stringify(value, null, 2)}\n`, 'utf8');
}

/** Writes (or rewrites) `runs/<runId>/manifest.json`. */
export async function writeManifest(
  store: SnapshotStore,
  runId: string,
  manifest: Manifest,
): Promise<void> {
  checkRunId(runId);
  if (manifest.runId !== runId) {
    throw new Error(`manifest of run ${manifest.runId} written under run ${runId}`);
  }
  await store.put(manifestKey(runId), json(manifest), 'application/json');
}

/** Points `latest-succeeded.json` at this run; only for a succeeded, finished manifest. */
export async function markLatestSucceeded(
  store: SnapshotStore,
  runId: string,
  manifest: Manifest,
): Promise<void> {
  checkRunId(runId);
  if (manifest.runId !== runId || manifest.status !== 'succeeded' || !manifest.finishedAt) {
    throw new Error(`run ${runId} is not a finished, succeeded run`);
  }
  const run: PostedRun = {
    runId,
    manifestKey: manifestKey(runId),
    finishedAt: manifest.finishedAt,
    counts: manifest.counts,
  };
  // Runs never overlap (reserved concurrency 1), so read-modify-write is safe. A pointer that
  // cannot be read is replaced rather than failing a run that has already posted.
  const previous = await readLatestSucceeded(store).catch(() => undefined);
  const bySource = { ...previous?.bySource };
  // A pointer written before sources were recorded stays a baseline (of the source it was for,
  // which is not known: so of every source without one of its own).
  if (previous && !previous.elimitySource && !(UNRECORDED_SOURCE in bySource)) {
    const { runId: id, manifestKey: key, finishedAt, counts } = previous;
    bySource[UNRECORDED_SOURCE] = { runId: id, manifestKey: key, finishedAt, counts };
  }
  if (manifest.elimitySource) bySource[manifest.elimitySource] = run;
  const latest: LatestSucceeded = {
    ...run,
    ...(manifest.elimitySource ? { elimitySource: manifest.elimitySource } : {}),
    ...(Object.keys(bySource).length > 0 ? { bySource } : {}),
  };
  await store.put(LATEST_SUCCEEDED_KEY, json(latest), 'application/json');
}

/** The newest succeeded run, or undefined before the first one; a malformed pointer is a DataError. */
export async function readLatestSucceeded(
  store: SnapshotStore,
): Promise<LatestSucceeded | undefined> {
  const bytes = await store.get(LATEST_SUCCEEDED_KEY);
  if (bytes === undefined) return undefined;
  const where = store.describe(LATEST_SUCCEEDED_KEY);
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new DataError(where, 'is not valid JSON');
  }
  const parsed = v.safeParse(LatestSucceededSchema, value);
  if (!parsed.success)
    throw new DataError(where, v.summarize(parsed.issues).replace(/\n\s*/g, ' '));
  return parsed.output;
}
