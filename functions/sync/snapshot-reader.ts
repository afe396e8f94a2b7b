import { createHash } from 'node:crypto';
import path from 'node:path';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import * as v from 'valibot';
import type { SnapshotTarget } from '../../shared/config';
import { ConfigError, DataError } from '../../shared/errors';
import type { SnapshotStore } from './snapshot-store';
import {
  checkRunId,
  type Manifest,
  ManifestSchema,
  manifestKey,
  type PartInfo,
  partKey,
  RunIdSchema,
  type SnapshotRecord,
  SnapshotRecordSchema,
  type SnapshotResource,
} from './snapshot-writer';

function oneLine(issues: [v.BaseIssue<unknown>, ...v.BaseIssue<unknown>[]]): string {
  return v.summarize(issues).replace(/\n\s*/g, ' ');
}

/** The validated manifest of one run; missing or malformed → DataError naming the key. */
export async function readManifest(store: SnapshotStore, runId: string): Promise<Manifest> {
  checkRunId(runId);
  const key = manifestKey(runId);
  const where = store.describe(key);
  const bytes = await store.get(key);
  if (bytes === undefined) throw new DataError(where, 'manifest not found');
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new DataError(where, 'manifest is not valid JSON');
  }
  const parsed = v.safeParse(ManifestSchema, value);
  if (!parsed.success) throw new DataError(where, `invalid manifest: ${oneLine(parsed.issues)}`);
  if (parsed.output.runId !== runId) {
    throw new DataError(where, `manifest belongs to run ${parsed.output.runId}`);
  }
  return parsed.output;
}

const PART_NUMBER = /\/(\d{5,})\.ndjson\.gz$/;

// A manifest is input too: only follow part keys the writer could have produced for this run.
function partsOf(manifest: Manifest, resource: SnapshotResource, store: SnapshotStore): PartInfo[] {
  const parts = manifest.parts.filter((p) => p.resource === resource);
  const numbered = parts.map((part) => {
    const index = Number(PART_NUMBER.exec(part.key)?.[1] ?? Number.NaN);
    if (!Number.isSafeInteger(index) || part.key !== partKey(manifest.runId, resource, index)) {
      throw new DataError(
        store.describe(manifestKey(manifest.runId)),
        `unexpected part key ${part.key}`,
      );
    }
    return { part, index };
  });
  return numbered.sort((a, b) => a.index - b.index).map((n) => n.part);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function parseLine(where: string, lineNumber: number, bytes: Buffer): SnapshotRecord {
  const at = `${where} line ${lineNumber}`;
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(bytes));
  } catch {
    throw new DataError(at, 'is not valid UTF-8 JSON');
  }
  const parsed = v.safeParse(SnapshotRecordSchema, value);
  if (!parsed.success) throw new DataError(at, `invalid record: ${oneLine(parsed.issues)}`);
  return parsed.output;
}

async function* linesOf(where: string, gzipped: Uint8Array): AsyncGenerator<Buffer> {
  // Split on '\n' bytes ourselves: record lines are JSON, so a raw newline only ends a line, and
  // other separators (\r, U+2028) that line readers treat as breaks stay inside the record.
  // A record (one Okta page) spans many gunzip chunks: collect the pieces and join them once per
  // line, rather than re-copying the growing remainder with every chunk.
  let pieces: Buffer[] = [];
  try {
    for await (const chunk of Readable.from([gzipped]).pipe(createGunzip())) {
      let data = chunk as Buffer;
      let newline = data.indexOf(0x0a);
      while (newline !== -1) {
        const tail = data.subarray(0, newline);
        yield pieces.length === 0 ? tail : Buffer.concat([...pieces, tail]);
        pieces = [];
        data = data.subarray(newline + 1);
        newline = data.indexOf(0x0a);
      }
      if (data.byteLength > 0) pieces.push(data);
    }
  } catch (error) {
    if (error instanceof DataError) throw error;
    throw new DataError(where, `cannot gunzip: ${(error as Error).message}`);
  }
  // The writer ends every line with '\n'; anything left over is a truncated line.
  if (pieces.length > 0) yield Buffer.concat(pieces);
}

/**
 * Streams one resource's records in stored order, one part in memory at a time; every part is
 * checked against the manifest's sha256 and record count before its records are trusted.
 */
export async function* readRecords(
  store: SnapshotStore,
  manifest: Manifest,
  resource: SnapshotResource,
): AsyncGenerator<SnapshotRecord> {
  for (const part of partsOf(manifest, resource, store)) {
    const where = store.describe(part.key);
    const bytes = await store.get(part.key);
    if (bytes === undefined) throw new DataError(where, 'part listed in the manifest is missing');
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    if (sha256 !== part.sha256) {
      throw new DataError(where, `sha256 ${sha256} does not match the manifest (${part.sha256})`);
    }
    let lineNumber = 0;
    for await (const line of linesOf(where, bytes)) {
      lineNumber += 1;
      yield parseLine(where, lineNumber, line);
    }
    if (lineNumber !== part.records) {
      throw new DataError(where, `holds ${lineNumber} records, the manifest says ${part.records}`);
    }
  }
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
// <prefix>runs/<runId>, then optionally '/' or '/manifest.json'; the prefix is '' or ends in '/'.
const RUN_PATH = /^((?:.*\/)?)runs\/([^/]+)(?:\/(?:manifest\.json)?)?$/;

/**
 * Inverse of `store.describe('runs/<runId>/')`: `s3://bucket/prefix/runs/<runId>/` or
 * `/dir/runs/<runId>/`, with or without the trailing slash, or the path of its manifest.json.
 */
export function parseSnapshotLocation(location: string): { target: SnapshotTarget; runId: string } {
  const invalid = () =>
    new ConfigError(
      `snapshot location ${JSON.stringify(location)} must look like ` +
        's3://<bucket>/<prefix>runs/<runId>/ or /<dir>/runs/<runId>/ (or its manifest.json)',
    );
  const text = location.trim();
  if (text.startsWith('s3://')) {
    const rest = text.slice('s3://'.length);
    const slash = rest.indexOf('/');
    const bucket = slash === -1 ? rest : rest.slice(0, slash);
    const match = RUN_PATH.exec(slash === -1 ? '' : rest.slice(slash + 1));
    const runId = match?.[2];
    if (!match || runId === undefined || !BUCKET.test(bucket) || !v.is(RunIdSchema, runId)) {
      throw invalid();
    }
    const prefix = match[1] ?? '';
    if (prefix.startsWith('/') || prefix.includes('//')) throw invalid();
    return { target: { kind: 's3', bucket, prefix }, runId };
  }
  if (text === '' || /^[a-z][a-z0-9+.-]*:\/\//i.test(text)) throw invalid();
  // Accept the platform's separator, then match on '/' as the store's keys do.
  const slashed = text.split(path.sep).join('/');
  const match = RUN_PATH.exec(slashed);
  const runId = match?.[2];
  if (!match || runId === undefined || !v.is(RunIdSchema, runId)) throw invalid();
  const dir = path.resolve(match[1] === '' ? '.' : (match[1] ?? '.'));
  return { target: { kind: 'dir', dir }, runId };
}
