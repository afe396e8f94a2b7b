import { createWriteStream, openAsBlob } from 'node:fs';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createDeflate } from 'node:zlib';
import type { Entity, Relationship } from '../../shared/elimity-model';
import { DataError } from '../../shared/errors';

/** Entities and relationships to encode; either may be produced lazily (e.g. read back from S3). */
export interface SnapshotSource {
  entities: Iterable<Entity> | AsyncIterable<Entity>;
  relationships: Iterable<Relationship> | AsyncIterable<Relationship>;
}

/** What was encoded: the numbers worth logging. */
export interface SnapshotBodyCounts {
  uncompressedBytes: number;
  entityCount: number;
  relationshipCount: number;
}

/** A compressed snapshot body held in memory (small snapshots, tests). */
export interface EncodedSnapshotBody extends SnapshotBodyCounts {
  body: Buffer;
}

/** A compressed snapshot body in a file, as a file-backed Blob: re-readable for every retry. */
export interface EncodedSnapshotFile extends SnapshotBodyCounts {
  body: Blob;
  compressedBytes: number;
}

// Small JSON pieces are batched before they go to zlib: one write per item would cost more in
// stream overhead than in compression.
const CHUNK_CHARS = 64 * 1024;

/**
 * Encodes `{"entities":[…],"relationships":[…]}` (that key order, as Elimity's clients write it)
 * as a zlib (RFC 1950) stream into `sink`, one item at a time, so the JSON text is never held whole.
 */
async function encodeInto(source: SnapshotSource, sink: Writable): Promise<SnapshotBodyCounts> {
  const counts = { uncompressedBytes: 0, entityCount: 0, relationshipCount: 0 };
  // Readable.from + pipeline give backpressure: the generator is only pulled when zlib has room.
  await pipeline(
    Readable.from(snapshotJson(source, counts), { objectMode: false }),
    createDeflate(),
    sink,
  );
  return counts;
}

/** The compressed body in memory. */
export async function encodeSnapshotBody(source: SnapshotSource): Promise<EncodedSnapshotBody> {
  const compressed: Buffer[] = [];
  const counts = await encodeInto(
    source,
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        compressed.push(chunk);
        callback();
      },
    }),
  );
  return { body: Buffer.concat(compressed), ...counts };
}

/**
 * The compressed body written to `file` (created or replaced), returned as a Blob backed by that
 * file: a large org's body (tens of MB) then never sits in memory, once or twice over, while it is
 * posted and retried. The caller removes the file when the post is done.
 */
export async function encodeSnapshotBodyToFile(
  source: SnapshotSource,
  file: string,
): Promise<EncodedSnapshotFile> {
  const counts = await encodeInto(source, createWriteStream(file));
  const body = await openAsBlob(file, { type: 'application/octet-stream' });
  return { body, compressedBytes: body.size, ...counts };
}

async function* snapshotJson(
  source: SnapshotSource,
  counts: { uncompressedBytes: number; entityCount: number; relationshipCount: number },
): AsyncGenerator<Buffer> {
  let pending = '';
  const take = (): Buffer => {
    const chunk = Buffer.from(pending, 'utf8');
    counts.uncompressedBytes += chunk.length;
    pending = '';
    return chunk;
  };

  pending += '{"entities":[';
  for await (const entity of source.entities) {
    pending +=
      (counts.entityCount > 0 ? ',' : '') + itemJson(entity, 'entities', counts.entityCount);
    counts.entityCount += 1;
    if (pending.length >= CHUNK_CHARS) yield take();
  }
  pending += '],"relationships":[';
  for await (const relationship of source.relationships) {
    pending +=
      (counts.relationshipCount > 0 ? ',' : '') +
      itemJson(relationship, 'relationships', counts.relationshipCount);
    counts.relationshipCount += 1;
    if (pending.length >= CHUNK_CHARS) yield take();
  }
  pending += ']}';
  yield take();
}

function itemJson(item: unknown, list: string, index: number): string {
  // JSON.stringify returns undefined (not a string) for undefined and functions; that would
  // silently corrupt the array, so refuse it.
  const json: string | undefined = JSON.stringify(item);
  if (typeof json !== 'string' || !json.startsWith('{')) {
    throw new DataError('snapshot body', `${list}[${index}] is not a JSON object`);
  }
  return json;
}
