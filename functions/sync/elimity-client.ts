import ky, { type KyInstance } from 'ky';
import * as v from 'valibot';
import { type DomainGraphSchema, DomainGraphSchemaSchema } from '../../shared/elimity-model';
import { ConfigError, DataError, UpstreamError } from '../../shared/errors';

/** Options of `createElimityClient`; only `baseUrl`, `sourceId` and `token` are required. */
export interface ElimityClientOptions {
  /** Tenant URL without `/api`, e.g. `https://example.elimity.com` (a path prefix is kept). */
  baseUrl: URL;
  /** Numeric source id (from the custom source's Settings). */
  sourceId: string;
  /** Source token; sent only in the Authorization header, never in messages. */
  token: string;
  /** Replaces the global fetch (tests, mTLS dispatchers). */
  fetch?: typeof fetch;
  /** Per-attempt timeout of the snapshot upload in ms. Default 5 minutes. */
  timeoutMs?: number;
  /** Attempts for the snapshot upload and the schema read, first one included. Default 4. */
  maxAttempts?: number;
  /** Waits between attempts; injectable so tests record waits instead of sleeping. */
  sleep?: (ms: number) => Promise<void>;
  /** Epoch ms: no attempt is started or allowed to run past it (the Lambda's time budget). */
  deadline?: number;
  /** Clock used with `deadline` and `Retry-After` dates. Default `Date.now`. */
  now?: () => number;
  /** Source of jitter in [0, 1). Default `Math.random`. */
  random?: () => number;
}

/** One connector log line; `timestamp` defaults to now. */
export interface ElimityLogEntry {
  level: 'info' | 'alert';
  message: string;
  timestamp?: Date;
}

/** The product's view of one Elimity custom source. */
export interface ElimityClient {
  /** Reads the source's data model (also the cheapest credentials check). */
  getDomainGraphSchema(): Promise<DomainGraphSchema>;
  /**
   * Uploads a zlib-compressed snapshot (see `encodeSnapshotBody`); resolves on 2xx. A Blob (such
   * as a file-backed one) is read anew for every attempt.
   */
  postSnapshot(body: Uint8Array | Blob): Promise<void>;
  /** Best-effort connector logs: resolves false instead of throwing. */
  log(entries: ElimityLogEntry[]): Promise<boolean>;
}

const DEFAULT_UPLOAD_TIMEOUT_MS = 5 * 60_000;
const DEFAULT_MAX_ATTEMPTS = 4;
// The schema is small: a minute is generous, and a hung GET should not eat the upload's budget.
const SCHEMA_TIMEOUT_MS = 60_000;
// Logs are a side channel: quick timeout, one quick retry, never in the way of the run.
const LOG_TIMEOUT_MS = 10_000;
const LOG_RETRY_DELAY_MS = 500;
// Backoff 2 s, 4 s, 8 s … capped at 30 s (elimity-api.md §7), ±20 % jitter.
const BACKOFF_BASE_MS = 2_000;
const BACKOFF_CAP_MS = 30_000;
const JITTER = 0.2;
// A Retry-After beyond this is treated as "not worth waiting for in this run".
const RETRY_AFTER_CAP_MS = 5 * 60_000;
// Enough of an error body to show `errorMessage`, not enough to flood a log line.
const ERROR_BODY_CHARS = 500;

/** `Authorization` value for a source: HTTP Basic with the source id as user name. */
export function basicAuthorization(sourceId: string, token: string): string {
  return `Basic ${Buffer.from(`${sourceId}:${token}`, 'utf8').toString('base64')}`;
}

/** `{base}/api/sources/{id}/{endpoint}`, keeping any path prefix of the tenant URL. */
export function elimityEndpointUrl(baseUrl: URL, sourceId: string, endpoint: string): URL {
  const base = new URL(baseUrl);
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  base.search = '';
  base.hash = '';
  return new URL(`api/sources/${encodeURIComponent(sourceId)}/${endpoint}`, base);
}

/** Creates the client; checks its configuration before any network call (ConfigError). */
export function createElimityClient(options: ElimityClientOptions): ElimityClient {
  checkOptions(options);
  const { sourceId, token } = options;
  const timeoutMs = options.timeoutMs ?? DEFAULT_UPLOAD_TIMEOUT_MS;
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const sleep = options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const deadline = options.deadline ?? Number.POSITIVE_INFINITY;

  // Retries are ours (below), not ky's, so that the policy is explicit and testable.
  const api: KyInstance = ky.create({
    retry: 0,
    throwHttpErrors: false,
    timeout: timeoutMs,
    headers: { authorization: basicAuthorization(sourceId, token) },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const url = (endpoint: string) => elimityEndpointUrl(options.baseUrl, sourceId, endpoint);

  /** Sends until a non-transient answer, or attempts/deadline run out; returns the response. */
  async function send(
    operation: string,
    attemptLimit: number,
    attemptTimeoutMs: number,
    request: (timeout: number) => Promise<Response>,
    delayFor: (attempt: number, response: Response | undefined) => number,
  ): Promise<Response> {
    for (let attempt = 1; ; attempt++) {
      const remaining = deadline - now();
      if (remaining <= 0) {
        throw new UpstreamError('elimity', operation, deadlineDetail(attempt - 1));
      }
      const timeout = Math.floor(Math.min(attemptTimeoutMs, remaining));
      let status: number | undefined;
      let failure: string;
      let cause: unknown;
      let response: Response | undefined;
      try {
        response = await request(timeout);
        if (!isTransient(response.status)) return response;
        status = response.status;
        // Reading the body also frees the connection; keep what the server said, if anything.
        const said = errorMessageOf(await readErrorBody(response, token));
        failure = `${statusText(response)}${said ? ` (${said})` : ''}`;
      } catch (error) {
        ({ failure, cause } = transportFailure(error, timeout));
      }
      const errorOptions = { status, cause };
      if (attempt >= attemptLimit) {
        throw new UpstreamError(
          'elimity',
          operation,
          `${failure} after ${attempt} attempt${attempt === 1 ? '' : 's'}`,
          errorOptions,
        );
      }
      const delay = delayFor(attempt, response);
      if (now() + delay >= deadline) {
        throw new UpstreamError(
          'elimity',
          operation,
          `${failure}; ${deadlineDetail(attempt)}`,
          errorOptions,
        );
      }
      await sleep(delay);
    }
  }

  const backoff = (attempt: number, response: Response | undefined): number => {
    const retryAfter = response ? retryAfterMs(response.headers.get('retry-after'), now()) : null;
    if (retryAfter !== null) return retryAfter;
    const exponential = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1));
    const jittered = exponential * (1 - JITTER + 2 * JITTER * random());
    return Math.round(Math.min(BACKOFF_CAP_MS, jittered));
  };

  /** Reads an error response and throws the UpstreamError that says what to check. */
  async function fail(operation: string, response: Response, note = ''): Promise<never> {
    const body = await readErrorBody(response, token);
    throw new UpstreamError('elimity', operation, advice(operation, response, body) + note, {
      status: response.status,
    });
  }

  return {
    async getDomainGraphSchema() {
      const operation = 'get domain graph schema';
      const response = await send(
        operation,
        maxAttempts,
        Math.min(timeoutMs, SCHEMA_TIMEOUT_MS),
        (timeout) => api.get(url('domain-graph-schema'), { timeout }),
        backoff,
      );
      if (!response.ok) return fail(operation, response);
      return parseDomainGraphSchema(await readJson(operation, response, token));
    },

    async postSnapshot(body) {
      const operation = 'post snapshot';
      const response = await send(
        operation,
        maxAttempts,
        timeoutMs,
        (timeout) =>
          api.post(url('snapshots'), {
            timeout,
            // The zlib stream is the payload itself, so no Content-Encoding (elimity-api.md §3.1).
            headers: { 'content-type': 'application/octet-stream' },
            body,
          }),
        backoff,
      );
      if (!response.ok) {
        // The size is what an operator needs to act on a 413 (elimity-api.md §7).
        const bytes = body instanceof Blob ? body.size : body.byteLength;
        const size = response.status === 413 ? ` (${bytes} bytes compressed)` : '';
        return fail(operation, response, size);
      }
      await response.body?.cancel().catch(() => undefined);
    },

    async log(entries) {
      try {
        const payload = JSON.stringify(
          entries.map((entry) => ({
            level: entry.level,
            message: entry.message,
            // toISOString is RFC 3339 in UTC with a Z suffix.
            timestamp: (entry.timestamp ?? new Date(now())).toISOString(),
          })),
        );
        const response = await send(
          'post connector logs',
          2,
          LOG_TIMEOUT_MS,
          (timeout) =>
            api.post(url('connector-logs'), {
              timeout,
              headers: { 'content-type': 'application/json' },
              body: payload,
            }),
          () => LOG_RETRY_DELAY_MS,
        );
        await response.body?.cancel().catch(() => undefined);
        return response.ok;
      } catch {
        // Logs must never fail the run (elimity-api.md §5); the caller sees `false`.
        return false;
      }
    },
  };
}

/** Validates an answer of `GET …/domain-graph-schema`; DataError names the field that is wrong. */
export function parseDomainGraphSchema(input: unknown): DomainGraphSchema {
  const result = v.safeParse(DomainGraphSchemaSchema, input);
  if (result.success) return result.output;
  const details = result.issues.slice(0, 3).map((issue) => {
    const path = v.getDotPath(issue) ?? '(root)';
    return `field ${path}: ${issue.message}`;
  });
  const more = result.issues.length > 3 ? ` (and ${result.issues.length - 3} more)` : '';
  throw new DataError('elimity GET domain-graph-schema', `${details.join('; ')}${more}`);
}

function checkOptions(options: ElimityClientOptions): void {
  const { baseUrl, sourceId, token } = options;
  if (!(baseUrl instanceof URL) || !/^https?:$/.test(baseUrl.protocol)) {
    throw new ConfigError('ELIMITY_URL must be an http(s) URL');
  }
  if (baseUrl.username || baseUrl.password) {
    throw new ConfigError('ELIMITY_URL must not contain credentials');
  }
  // The JS client's baseUrl includes /api, ours does not: catch the mix-up before it turns into 404s.
  if (/\/api\/?$/.test(baseUrl.pathname)) {
    throw new ConfigError('ELIMITY_URL must be the tenant base URL without /api');
  }
  if (!/^\d+$/.test(sourceId)) {
    throw new ConfigError('ELIMITY_SOURCE_ID must be the numeric source id');
  }
  if (token.length === 0) throw new ConfigError('the Elimity source token is empty');
  for (const [name, value] of [
    ['timeoutMs', options.timeoutMs],
    ['maxAttempts', options.maxAttempts],
  ] as const) {
    if (value !== undefined && (!Number.isInteger(value) || value < 1 || value > 2_147_483_647)) {
      throw new ConfigError(`Elimity client ${name} must be a positive integer`);
    }
  }
}

function isTransient(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

function statusText(response: Response): string {
  return `${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
}

function deadlineDetail(attempts: number): string {
  if (attempts === 0) return "not attempted: the run's deadline has passed";
  return `gave up after ${attempts} attempt${attempts === 1 ? '' : 's'}: another attempt would end after the run's deadline`;
}

function transportFailure(error: unknown, timeoutMs: number): { failure: string; cause: unknown } {
  // ky's errors hold the Request (with the Authorization header): keep them out of `cause`, so
  // that printing the error with its cause chain can never show the token.
  const name = error instanceof Error ? error.name : '';
  if (name === 'TimeoutError') {
    return { failure: `request timeout (${timeoutMs} ms)`, cause: new Error('request timed out') };
  }
  const root = name === 'NetworkError' ? (error as Error).cause : error;
  const code = networkCode(root);
  const failure = `network error${code ? ` (${code})` : ''}`;
  const safe = root && typeof root === 'object' && 'request' in root ? undefined : root;
  return { failure, cause: safe ?? new Error(failure) };
}

function networkCode(error: unknown): string | undefined {
  // undici nests the system error: TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } }).
  for (let current = error, depth = 0; current && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Retry-After as delta-seconds or an HTTP date, in ms; null when absent or unusable. */
function retryAfterMs(header: string | null, nowMs: number): number | null {
  if (header === null || header.trim() === '') return null;
  const trimmed = header.trim();
  const ms = /^\d+$/.test(trimmed) ? Number(trimmed) * 1000 : Date.parse(trimmed) - nowMs;
  if (Number.isNaN(ms)) return null;
  return Math.min(RETRY_AFTER_CAP_MS, Math.max(0, ms));
}

async function readErrorBody(response: Response, token: string): Promise<string> {
  try {
    const text = (await response.text()).slice(0, ERROR_BODY_CHARS);
    // Defensive: a proxy that echoes the request must not put the token into our message.
    return text.split(token).join('[redacted]');
  } catch {
    return '';
  }
}

async function readJson(operation: string, response: Response, token: string): Promise<unknown> {
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    throw new UpstreamError('elimity', operation, 'the response body could not be read', {
      status: response.status,
      cause: error instanceof Error ? new Error(error.message) : undefined,
    });
  }
  try {
    return JSON.parse(text);
  } catch {
    const start = text.slice(0, 80).split(token).join('[redacted]');
    throw new DataError('elimity GET domain-graph-schema', `the answer is not JSON: ${start}`);
  }
}

function errorMessageOf(body: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === 'object' && 'errorMessage' in parsed) {
      const { errorMessage } = parsed as { errorMessage: unknown };
      if (typeof errorMessage === 'string') return errorMessage;
    }
  } catch {
    // Not the documented {"errorMessage": …} shape; the caller falls back to the status.
  }
  return undefined;
}

/** The detail of a non-retryable failure: the status, what the server said, what to check. */
function advice(operation: string, response: Response, body: string): string {
  const status = statusText(response);
  const serverMessage = errorMessageOf(body);
  const said = serverMessage ? `: ${serverMessage}` : '';
  switch (response.status) {
    case 400:
      return `${status}${said}; check that the snapshot matches the source's data model (data-model.json)`;
    case 401:
      return `${status}: check the source id and source token`;
    case 403:
      return operation === 'post snapshot'
        ? `${status}: the credentials are not allowed to import into this source (check the source id, and that imports are enabled)`
        : `${status}: the credentials are not allowed to use this source (check the source id)`;
    case 404:
      return `${status}: check ELIMITY_URL (the tenant base URL without /api) and ELIMITY_SOURCE_ID`;
    case 413:
      return `${status}: the snapshot is larger than the server accepts`;
    default:
      return `${status}${said}`;
  }
}
