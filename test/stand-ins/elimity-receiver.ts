import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inflateRawSync, inflateSync } from 'node:zlib';
import * as v from 'valibot';
import {
  type DateTimeFields,
  type DomainGraphSchema,
  DomainGraphSchemaSchema,
  type Entity,
  type Relationship,
} from '../../shared/elimity-model';
import { checkLogs, checkSnapshot } from './elimity-snapshot-check';

/** A snapshot the receiver accepted (204), decoded. */
export interface ReceivedSnapshot {
  entities: Entity[];
  relationships: Relationship[];
  historyTimestamp?: DateTimeFields;
  receivedAt: Date;
  compressedBytes: number;
  uncompressedBytes: number;
}

/** A connector log line the receiver accepted. */
export interface ReceivedLog {
  level: 'info' | 'alert';
  message: string;
  timestamp: string;
  receivedAt: Date;
}

/** Every request, valid or not, with the status it got. */
export interface ReceivedRequest {
  method: string;
  path: string;
  status: number;
}

/** The three source endpoints, as named in their paths. */
export type ElimityRoute = 'snapshots' | 'connector-logs' | 'domain-graph-schema';

/** Extra knobs of `failNext`. */
export interface FailNextOptions {
  /** Extra response headers, e.g. `{ 'retry-after': '3' }`. */
  headers?: Record<string, string>;
  /** Which endpoint fails. Default `snapshots`. */
  route?: ElimityRoute;
  /** Wait this long before answering (to make clients time out). */
  delayMs?: number;
}

/** Options of `startElimityReceiver`. */
export interface ElimityReceiverOptions {
  /** Default `'42'`. */
  sourceId?: string;
  /** Default `'local-source-token'`. */
  token?: string;
  /** Default: the project's data-model.json. */
  dataModel?: DomainGraphSchema;
  /** Default 0 (any free port). */
  port?: number;
  /** Tenant path prefix, e.g. `/tenant-a`, to test that clients keep it. Default none. */
  pathPrefix?: string;
  /** Larger request bodies get 413. Default 256 MiB. */
  maxBodyBytes?: number;
}

/** A local, strict stand-in for one Elimity custom source. */
export interface ElimityReceiver {
  /** Base URL without `/api` (with the path prefix, if any), as ELIMITY_URL expects. */
  url: string;
  sourceId: string;
  token: string;
  snapshots: ReceivedSnapshot[];
  logs: ReceivedLog[];
  requests: ReceivedRequest[];
  /** The last accepted snapshot. */
  latest(): ReceivedSnapshot | undefined;
  /** The next `n` requests to a route (default snapshots) answer `status` with `body`. */
  failNext(n: number, status: number, body?: string, options?: FailNextOptions): void;
  /** Replaces the data model used for checks and served by the schema endpoint. */
  setDataModel(model: DomainGraphSchema): void;
  stop(): Promise<void>;
}

/** Counts of one snapshot, for the demo and assertions. */
export interface SnapshotSummary {
  entityCount: number;
  relationshipCount: number;
  /** Entity type → count, keys sorted. */
  entities: Record<string, number>;
  /** `from->to` → count, keys sorted. */
  relationships: Record<string, number>;
}

const DEFAULT_SOURCE_ID = '42';
const DEFAULT_TOKEN = 'local-source-token';
const DEFAULT_MAX_BODY_BYTES = 256 * 1024 * 1024;
const ROUTE_METHODS: Record<ElimityRoute, string> = {
  snapshots: 'POST',
  'connector-logs': 'POST',
  'domain-graph-schema': 'GET',
};
// Enough problems to fix a batch at once, few enough for one readable error line.
const MAX_PROBLEMS_SHOWN = 10;

/** Starts the receiver on 127.0.0.1. */
export async function startElimityReceiver(
  options: ElimityReceiverOptions = {},
): Promise<ElimityReceiver> {
  const sourceId = options.sourceId ?? DEFAULT_SOURCE_ID;
  const token = options.token ?? DEFAULT_TOKEN;
  const prefix = (options.pathPrefix ?? '').replace(/\/+$/, '');
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const expectedAuthorization = `Basic ${Buffer.from(`${sourceId}:${token}`).toString('base64')}`;
  let model = options.dataModel ?? (await readProjectDataModel());
  const snapshots: ReceivedSnapshot[] = [];
  const logs: ReceivedLog[] = [];
  const requests: ReceivedRequest[] = [];
  const failures: Array<Answer & { route: ElimityRoute }> = [];
  const timers = new Set<NodeJS.Timeout>();

  const server = createServer((req, res) => {
    answer(req)
      .catch((error: unknown): Answer => {
        const message = error instanceof Error ? error.message : String(error);
        return { status: 500, body: { errorMessage: `receiver failure: ${message}` } };
      })
      .then((result) => {
        if (!result.delayMs) return reply(req, res, result);
        const timer = setTimeout(() => {
          timers.delete(timer);
          reply(req, res, result);
        }, result.delayMs);
        timers.add(timer);
      });
  });

  function reply(req: IncomingMessage, res: ServerResponse, result: Answer): void {
    requests.push({ method: req.method ?? '', path: pathOf(req), status: result.status });
    if (res.headersSent || res.destroyed) return;
    const headers = result.headers ?? {};
    if (result.body === undefined) {
      res.writeHead(result.status, headers).end();
      return;
    }
    const text = typeof result.body === 'string' ? result.body : JSON.stringify(result.body);
    res.writeHead(result.status, { 'content-type': 'application/json', ...headers }).end(text);
  }

  async function answer(req: IncomingMessage): Promise<Answer> {
    const body = await readBody(req, maxBodyBytes);
    const path = pathOf(req);
    const match = path.startsWith(`${prefix}/`)
      ? /^\/api\/sources\/([^/]+)\/([a-z-]+)$/.exec(path.slice(prefix.length))
      : null;
    const route = match?.[2] as ElimityRoute | undefined;
    if (!match || !route || !Object.hasOwn(ROUTE_METHODS, route)) {
      return { status: 404, body: { errorMessage: `no such resource: ${path}` } };
    }
    if (match[1] !== sourceId) {
      return { status: 404, body: { errorMessage: `source ${match[1]} not found` } };
    }
    if (req.method !== ROUTE_METHODS[route]) {
      return { status: 405, headers: { allow: ROUTE_METHODS[route] } };
    }
    if (req.headers.authorization !== expectedAuthorization) {
      const headers = { 'www-authenticate': 'Basic realm="Elimity"' };
      return { status: 401, body: { errorMessage: 'not authenticated' }, headers };
    }
    if (body === 'too large') {
      return { status: 413, body: { errorMessage: `body larger than ${maxBodyBytes} bytes` } };
    }
    const failureIndex = failures.findIndex((f) => f.route === route);
    const failure = failures[failureIndex];
    if (failure) {
      failures.splice(failureIndex, 1);
      return failure;
    }
    if (route === 'domain-graph-schema') return { status: 200, body: model };
    if (route === 'connector-logs') return receiveLogs(req, body);
    return receiveSnapshot(req, body);
  }

  function receiveSnapshot(req: IncomingMessage, body: Buffer): Answer {
    const mediaType = mediaTypeOf(req);
    if (mediaType !== 'application/octet-stream') {
      return invalid(`Content-Type must be application/octet-stream (got ${mediaType ?? 'none'})`);
    }
    const encoding = req.headers['content-encoding'];
    if (encoding && encoding !== 'identity') {
      return invalid(
        `Content-Encoding must not be set (got ${encoding}): the zlib stream is the payload itself`,
      );
    }
    const inflated = inflate(body);
    if (typeof inflated === 'string') return invalid(inflated);
    const doc = parseJson(inflated);
    if (!doc.ok) return invalid(doc.message);
    const result = checkSnapshot(doc.value, model);
    if (!result.ok) return invalid(describeProblems('snapshot', result.problems));
    snapshots.push({
      ...result.value,
      receivedAt: new Date(),
      compressedBytes: body.length,
      uncompressedBytes: inflated.length,
    });
    return { status: 204 };
  }

  function receiveLogs(req: IncomingMessage, body: Buffer): Answer {
    const mediaType = mediaTypeOf(req);
    if (mediaType !== 'application/json') {
      return invalid(`Content-Type must be application/json (got ${mediaType ?? 'none'})`);
    }
    const doc = parseJson(body);
    if (!doc.ok) return invalid(doc.message);
    const result = checkLogs(doc.value);
    if (!result.ok) return invalid(describeProblems('connector logs', result.problems));
    const receivedAt = new Date();
    for (const log of result.value) logs.push({ ...log, receivedAt });
    return { status: 204 };
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}${prefix}`,
    sourceId,
    token,
    snapshots,
    logs,
    requests,
    latest: () => snapshots.at(-1),
    failNext(n, status, body, failOptions = {}) {
      const route = failOptions.route ?? 'snapshots';
      for (let i = 0; i < n; i++) {
        const { headers, delayMs } = failOptions;
        failures.push({ route, status, body, headers, delayMs });
      }
    },
    setDataModel(next) {
      model = next;
    },
    async stop() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive sockets (fetch pools them) would hold close() open.
        server.closeAllConnections();
      });
    },
  };
}

/** Counts per entity type and per relationship pair (`from->to`). */
export function summarizeSnapshot(snapshot: {
  entities: readonly Entity[];
  relationships: readonly Relationship[];
}): SnapshotSummary {
  const entities: Record<string, number> = {};
  for (const e of snapshot.entities) entities[e.type] = (entities[e.type] ?? 0) + 1;
  const relationships: Record<string, number> = {};
  for (const r of snapshot.relationships) {
    const key = `${r.fromEntityType}->${r.toEntityType}`;
    relationships[key] = (relationships[key] ?? 0) + 1;
  }
  return {
    entityCount: snapshot.entities.length,
    relationshipCount: snapshot.relationships.length,
    entities: sortKeys(entities),
    relationships: sortKeys(relationships),
  };
}

/** The data model shipped with the project (data-model.json at the repository root). */
export async function readProjectDataModel(): Promise<DomainGraphSchema> {
  const text = await readFile(new URL('../../data-model.json', import.meta.url), 'utf8');
  return v.parse(DomainGraphSchemaSchema, JSON.parse(text));
}

/** What the receiver answers: a status, an optional JSON body or text, optionally late. */
interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  delayMs?: number;
}

/** A 400 in Elimity's documented error shape. */
function invalid(message: string): Answer {
  return { status: 400, body: { errorMessage: message } };
}

function sortKeys(record: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}

function pathOf(req: IncomingMessage): string {
  return new URL(req.url ?? '/', 'http://receiver').pathname;
}

function mediaTypeOf(req: IncomingMessage): string | undefined {
  return req.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
}

async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | 'too large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    // Keep draining so that the client sees our answer rather than a reset connection.
    if (size <= maxBytes) chunks.push(chunk);
  }
  return size > maxBytes ? 'too large' : Buffer.concat(chunks);
}

/** The inflated body, or a message saying what the body is instead of RFC 1950 zlib. */
function inflate(body: Buffer): Buffer | string {
  if (body.length === 0) return 'the body is empty; expected a zlib (RFC 1950) stream';
  try {
    return inflateSync(body);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (body[0] === 0x1f && body[1] === 0x8b) {
      return 'the body is gzip; expected a zlib (RFC 1950) stream (use zlib deflate, not gzip)';
    }
    if (body[0] === 0x7b || body[0] === 0x5b) {
      return 'the body is uncompressed JSON; expected a zlib (RFC 1950) stream';
    }
    try {
      inflateRawSync(body);
      return 'the body is raw deflate without the zlib header; expected a zlib (RFC 1950) stream (use zlib deflate, not deflateRaw)';
    } catch {
      return `the body is not a zlib (RFC 1950) stream: ${reason}`;
    }
  }
}

function parseJson(bytes: Buffer): { ok: true; value: unknown } | { ok: false; message: string } {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { ok: false, message: 'the body is not valid UTF-8' };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, message: `the body is not valid JSON: ${reason}` };
  }
}

function describeProblems(what: string, problems: string[]): string {
  const shown = problems.slice(0, MAX_PROBLEMS_SHOWN).join('; ');
  const more =
    problems.length > MAX_PROBLEMS_SHOWN
      ? ` (and ${problems.length - MAX_PROBLEMS_SHOWN} more)`
      : '';
  return `${what} rejected: ${shown}${more}`;
}
