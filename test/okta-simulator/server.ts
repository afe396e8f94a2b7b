import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { simulatedClock } from './clock';
import {
  defaultErrorFor,
  GATEWAY_ERROR_HTML,
  OKTA_ERRORS,
  type OktaFailure,
  oktaError,
} from './errors';
import { type LatencyModel, resolveLatency, sampleLatency } from './latency';
import { generateOrg, type Org, type OrgOptions } from './org';
import { effectiveLimit, linkHeaderLines, nextPageUrl } from './paging';
import { base62, randomFor, STREAM } from './random';
import {
  bucketOf,
  DEFAULT_TOKEN_SHARE,
  type RateLimitBucket,
  RateLimiter,
  type RateLimitPreset,
  type RateLimitState,
  resolveRateLimits,
} from './rate-limits';
import { isKnownPath, resolveRoute } from './routes';
import { type CannedResponse, type FaultRule, ruleLabel, Scenario } from './scenario';

/** Options of `startOktaSimulator`; every field is optional. */
export interface OktaSimulatorOptions {
  /** The org to serve; default `generateOrg(orgOptions)`. */
  org: Org;
  orgOptions: Partial<OrgOptions>;
  /** The SSWS token clients must send. */
  token: string;
  /**
   * More valid tokens, as if other integrations shared the org: each has its own `tokenShare` of
   * every bucket, and all of them spend the org-wide bucket.
   */
  extraTokens: string[];
  /** Default 0 (any free port). */
  port: number;
  /**
   * The real clock in milliseconds since the epoch; default `Date.now`. Simulated time runs from it
   * `timeScale` times as fast and drives rate-limit windows, `Date`, `X-Rate-Limit-Reset` and the
   * request log's `at`.
   */
  now: () => number;
  /**
   * Simulated milliseconds per real millisecond; default 1. At 60 one Okta minute passes in one real
   * second: windows, reset headers and `Date` are in simulated time, and latency and rule delays
   * (given in simulated ms) are slept for `1/timeScale` of their length.
   */
  timeScale: number;
  /** Added to simulated time for the `Date` and `X-Rate-Limit-Reset` headers (a skewed server clock). */
  clockSkewMs: number;
  /**
   * Org-wide per-minute bucket sizes: `'generous'` (default: Workforce × 100, so tests never see a
   * 429), `'workforce'` (okta-api.md §6.2), `'unlimited'`, or overrides of the generous table.
   */
  rateLimits: RateLimitPreset | Partial<Record<RateLimitBucket, number>>;
  /**
   * Share of each bucket one token may use (Okta's default principal rate limit: 0.5). A token sees
   * `floor(bucket × share)` as `X-Rate-Limit-Limit` and gets 429 at that.
   */
  tokenShare: number;
  /** Requests in flight beyond this get the concurrency 429 (limit 0, remaining 0). Default 75. */
  concurrencyLimit: number;
  /** A constant added to every answer's delay, in simulated milliseconds. Default 0. */
  latencyMs: number;
  /**
   * Latency model: `'okta'` (80 ms + 1 ms per object returned, log-normal jitter), `'none'`
   * (default) or a custom model. In simulated milliseconds.
   */
  latency: 'okta' | 'none' | LatencyModel;
  /** Which lists omit `Link` entirely when everything fits in one page. Default `'sub-lists'`. */
  omitLinkOnSinglePage: 'sub-lists' | 'all' | 'none';
  /** `'lines'` (default, as Okta): one `Link` line per relation; `'comma-joined'`: one line. */
  linkStyle: 'lines' | 'comma-joined';
  /** When false (default) `next` is exact; when true a full last page still announces `next`. */
  nextOnFullPage: boolean;
  /** Initial fault rules. */
  scenario: FaultRule[];
}

/** One served request; the Authorization header itself is never stored. */
export interface RequestLogEntry {
  requestId: string;
  method: string;
  path: string;
  /** Decoded query parameters. */
  query: Record<string, string>;
  /** HTTP status, or null when no response was sent (reset, stall, client gone). */
  status: number | null;
  bucket: RateLimitBucket;
  /** Simulated time (ms since the epoch, no skew) when the request arrived. */
  at: number;
  /** Real time until the response finished, or null if it never did. */
  latencyMs: number | null;
  /** The same in simulated milliseconds (`latencyMs × timeScale`), or null. */
  simulatedLatencyMs: number | null;
  /** Objects in the returned body: the page's length, 1 for a single object, 0 for errors. */
  objects: number;
  /** Whether the request carried a valid SSWS token. */
  authorized: boolean;
  /** Label of the fault rule applied, if any. */
  fault?: string;
}

/** A running simulator. */
export interface OktaSimulator {
  /** Origin such as `http://127.0.0.1:41234` (use as the Okta org URL). */
  url: string;
  token: string;
  org: Org;
  requests: RequestLogEntry[];
  /** Simulated milliseconds per real millisecond. */
  timeScale: number;
  /** Simulated time now (ms since the epoch, without skew). */
  now(): number;
  /** Replaces the fault rules (and their counters). */
  setScenario(rules: FaultRule[]): void;
  /** How many requests each current rule was applied to, in rule order. */
  appliedFaults(): number[];
  /** Starts every rate-limit window afresh. */
  resetRateLimits(): void;
  /** Requests currently being answered (stalled ones included). */
  inFlight(): number;
  /** Closes the server and every open connection, stalled ones included; safe to call twice. */
  stop(): Promise<void>;
}

/** A fixed, random-looking default token. */
export const DEFAULT_SIMULATOR_TOKEN = '00sIm-ulAt0rT0k3n_9fXq2LmZ8cVbN4wRtY7uHk';

/** Default origin of `foreign-next` links. */
export const FOREIGN_ORIGIN = 'https://evil.example.invalid';

interface Outgoing {
  status: number;
  body: string;
  headers: Record<string, string | string[]>;
  /** Objects in the body, for the latency model. */
  objects?: number;
}

/** Starts the Okta simulator on 127.0.0.1. */
export async function startOktaSimulator(
  options: Partial<OktaSimulatorOptions> = {},
): Promise<OktaSimulator> {
  const org = options.org ?? generateOrg(options.orgOptions);
  const token = options.token ?? DEFAULT_SIMULATOR_TOKEN;
  const tokens = [token, ...(options.extraTokens ?? [])];
  const clock = simulatedClock(options.now ?? Date.now, options.timeScale ?? 1);
  const serverNow = () => clock.now() + (options.clockSkewMs ?? 0);
  const limiter = new RateLimiter(
    resolveRateLimits(options.rateLimits),
    serverNow,
    options.tokenShare ?? DEFAULT_TOKEN_SHARE,
  );
  const concurrencyLimit = options.concurrencyLimit ?? 75;
  const latencyModel = resolveLatency(options.latency);
  const omitLink = options.omitLinkOnSinglePage ?? 'sub-lists';
  const linkStyle = options.linkStyle ?? 'lines';
  const scenario = new Scenario(options.scenario ?? []);
  const requests: RequestLogEntry[] = [];
  /** Page number of each issued cursor, keyed `path|after`, so rules can say `page: 2`. */
  const pageNumbers = new Map<string, number>();
  /** Cursors invented by `empty-page-with-next`, mapped to the real cursor (null = first page). */
  const aliases = new Map<string, string | null>();
  let requestCounter = 0;
  let open = 0;
  /** Requests admitted past the concurrency check and not finished (stalled ones included). */
  let active = 0;
  let origin = '';

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = performance.now();
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', origin);
    const path = url.pathname;
    const params = url.searchParams;
    const requestNumber = requestCounter++;
    const requestId = base62(randomFor(0x0c7a, STREAM.requestId, requestNumber), 27);
    const errorId = () => `oae${requestId.slice(0, 20)}`;
    const principal = principalOf(req.headers.authorization, tokens);
    const entry: RequestLogEntry = {
      requestId,
      method,
      path,
      query: Object.fromEntries(params),
      status: null,
      bucket: bucketOf(path),
      at: clock.now(),
      latencyMs: null,
      simulatedLatencyMs: null,
      objects: 0,
      authorized: principal !== undefined,
    };
    requests.push(entry);
    open++;
    active++;
    let holding = true;
    const release = () => {
      if (holding) {
        holding = false;
        active--;
      }
    };
    res.on('close', () => {
      open--;
      release();
    });
    res.on('finish', () => {
      entry.status = res.statusCode;
      entry.latencyMs = performance.now() - started;
      entry.simulatedLatencyMs = entry.latencyMs * clock.timeScale;
    });

    const rawAfter = params.get('after');
    const cursorKey = rawAfter === null ? undefined : `${path}|${rawAfter}`;
    const page = cursorKey === undefined ? 1 : pageNumbers.get(cursorKey);
    const rule = scenario.select({ method, path, query: params, page });
    const fault = rule?.fault;
    if (rule) entry.fault = ruleLabel(rule);

    // Faults that change the org act when the request arrives.
    if (fault === 'object-deleted') deleteObjectAt(org, path);
    if (fault === 'create-user') org.addUser(rule?.newUser ?? {});

    if (rule?.delayMs) await sleep(clock.toRealMs(rule.delayMs));
    if (res.destroyed) return;
    if (fault === 'stall') return; // never answered; stop() closes it
    if (fault === 'reset') {
      req.socket.destroy();
      return;
    }

    const headersFor = (state: RateLimitState) => commonHeaders(requestId, serverNow(), state);
    const failure = (f: OktaFailure, state: RateLimitState): Outgoing => ({
      status: f.status,
      body: JSON.stringify(f.body),
      headers: headersFor(state),
    });
    const known = (e: { status: number; code: string; summary: string }) =>
      oktaError(e.status, e.code, e.summary, errorId());
    const concurrencyState = (): RateLimitState => ({
      limit: 0,
      remaining: 0,
      resetEpochSeconds: Math.ceil(serverNow() / 1000) + 60,
    });
    const peek = () => limiter.peek(entry.bucket, principal);

    const answer = (): Outgoing => {
      if (rule?.respond) return canned(rule.respond, headersFor(peek()), serverNow(), errorId);
      switch (fault) {
        case 'gateway-error':
          return {
            status: 502,
            body: GATEWAY_ERROR_HTML,
            headers: { ...headersFor(peek()), 'Content-Type': 'text/html' },
          };
        case 'rate-limited':
          return failure(known(OKTA_ERRORS.rateLimited), { ...peek(), remaining: 0 });
        case 'concurrency-limited':
          return failure(known(OKTA_ERRORS.rateLimited), concurrencyState());
        case 'invalid-token':
          return failure(known(OKTA_ERRORS.invalidToken), peek());
        case 'forbidden':
          return failure(known(OKTA_ERRORS.forbidden), peek());
        case 'expired-cursor':
          return failure(known(OKTA_ERRORS.invalidPaging), peek());
        default:
          break;
      }

      // Normal processing: auth, concurrency, rate limit, then the endpoint.
      if (principal === undefined) return failure(known(OKTA_ERRORS.invalidToken), peek());
      if (active > concurrencyLimit) {
        release(); // a refused request does not hold a slot
        return failure(known(OKTA_ERRORS.rateLimited), concurrencyState());
      }
      const state = limiter.take(entry.bucket, principal);
      if (!state.allowed) return failure(known(OKTA_ERRORS.rateLimited), state);
      const unknownPath = () =>
        failure(
          oktaError(
            404,
            'E0000007',
            `Not found: Resource not found: ${path} (Resource)`,
            errorId(),
          ),
          state,
        );
      if (!path.startsWith('/api/v1/') || !isKnownPath(path)) return unknownPath();
      if (method !== 'GET') return failure(known(OKTA_ERRORS.methodNotAllowed), state);
      const route = resolveRoute(org, path, params, errorId);
      if (!route) return unknownPath();
      if (route.kind === 'failure') return failure(route.failure, state);
      if (route.kind === 'object') {
        return {
          status: 200,
          body: JSON.stringify(route.body),
          headers: headersFor(state),
          objects: 1,
        };
      }

      const { endpoint, parent } = route;
      const limit = effectiveLimit(params.get('limit'), endpoint.limits);
      const after =
        rawAfter !== null && aliases.has(`${path}|${rawAfter}`)
          ? (aliases.get(`${path}|${rawAfter}`) ?? null)
          : rawAfter;
      const selfUrl = `${origin}${req.url ?? path}`;
      const headers = headersFor(state);
      const link = (next: string | undefined, nextFirst = false): string | string[] => {
        const lines = linkHeaderLines(selfUrl, next);
        if (nextFirst) lines.reverse();
        return linkStyle === 'comma-joined' || fault === 'comma-joined-link'
          ? lines.join(', ')
          : lines;
      };
      const nextUrlFor = (cursor: string) => {
        if (page !== undefined) pageNumbers.set(`${path}|${cursor}`, page + 1);
        return nextPageUrl(origin, path, params, limit, cursor);
      };

      if (fault === 'empty-list') {
        headers.Link = link(undefined);
        return { status: 200, body: '[]', headers, objects: 0 };
      }
      if (fault === 'empty-page-with-next') {
        const alias = `sim-empty-${aliases.size + 1}`;
        aliases.set(`${path}|${alias}`, after);
        headers.Link = link(nextUrlFor(alias));
        return { status: 200, body: '[]', headers, objects: 0 };
      }
      const result = endpoint.page(
        { org, params, limit, after, lookahead: !(options.nextOnFullPage ?? false), errorId },
        parent,
      );
      if ('status' in result) return failure(result, state);
      let nextUrl = result.nextCursor === undefined ? undefined : nextUrlFor(result.nextCursor);
      if (fault === 'repeated-cursor' && rawAfter !== null) {
        nextUrl = repeatedCursorUrl(origin, path, params, limit, rawAfter);
      }
      if (fault === 'foreign-next' && nextUrl !== undefined) {
        nextUrl = `${rule?.origin ?? FOREIGN_ORIGIN}${nextUrl.slice(origin.length)}`;
      }
      const singlePage = rawAfter === null && nextUrl === undefined;
      const omit =
        singlePage && (omitLink === 'all' || (omitLink === 'sub-lists' && endpoint.subList));
      if (fault === 'next-equals-self') headers.Link = link(selfUrl);
      else if (!omit) headers.Link = link(nextUrl, fault === 'link-next-first');
      return {
        status: 200,
        body: JSON.stringify(result.items),
        headers,
        objects: result.items.length,
      };
    };
    const out = answer();
    entry.objects = out.objects ?? 0;

    if (fault === 'duplicate-rate-limit-headers' || rule?.rateLimitHeaders === 'duplicate') {
      mangleRateLimitHeaders(out.headers, 'duplicate');
    }
    if (fault === 'comma-joined-rate-limit-headers' || rule?.rateLimitHeaders === 'comma-joined') {
      mangleRateLimitHeaders(out.headers, 'comma-joined');
    }

    const delay =
      (options.latencyMs ?? 0) + sampleLatency(latencyModel, requestNumber, out.objects ?? 0);
    if (delay > 0) {
      await sleep(clock.toRealMs(delay));
      if (res.destroyed) return;
      // The Date header is stamped when the answer leaves, unless a canned answer set its own.
      if (!hasHeader(rule?.respond?.headers ?? {}, 'date')) {
        out.headers.Date = new Date(serverNow()).toUTCString();
      }
    }

    if (out.status === 200 && fault === 'truncated-json') {
      send(res, { ...out, body: out.body.slice(0, Math.floor(out.body.length / 2)) });
    } else if (out.status === 200 && fault === 'malformed-json') {
      send(res, { ...out, body: '<!DOCTYPE html><html><body>Gateway page</body></html>' });
    } else if (fault === 'reset-mid-body') {
      sendHalfThenReset(res, out);
    } else {
      send(res, out);
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      res.statusCode = 500;
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ errorCode: 'E0000009', errorSummary: String(error) }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  origin = `http://127.0.0.1:${address.port}`;
  org.origin = origin;
  let stopping: Promise<void> | undefined;

  return {
    url: origin,
    token,
    org,
    requests,
    timeScale: clock.timeScale,
    now: () => clock.now(),
    setScenario: (rules) => scenario.replace(rules),
    appliedFaults: () => scenario.appliedCounts(),
    resetRateLimits: () => limiter.reset(),
    inFlight: () => open,
    stop: () => {
      stopping ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return stopping;
    },
  };
}

/** The key of the token the request carries (its position), or undefined when none is valid. */
function principalOf(header: string | undefined, tokens: readonly string[]): string | undefined {
  if (!header) return undefined;
  const match = /^SSWS\s+(.+)$/i.exec(header.trim());
  const index = match?.[1] === undefined ? -1 : tokens.indexOf(match[1]);
  return index < 0 ? undefined : `token-${index}`;
}

/** Deletes the user, group or app named by `/api/v1/{users|groups|apps}/{id}[/…]`, if live. */
function deleteObjectAt(org: Org, path: string): void {
  const [collection, rawId] = path.split('/').slice(3);
  if (rawId === undefined) return;
  const id = decodeURIComponent(rawId);
  if (collection === 'users' && org.userIndexOf(id) !== undefined) org.deleteUser(id);
  if (collection === 'groups' && org.groupIndexOf(id) !== undefined) org.deleteGroup(id);
  if (collection === 'apps' && org.appIndexOf(id) !== undefined) org.deleteApp(id);
}

/** A `next` URL carrying `after` again, with `after` first so the URL differs from `self`. */
function repeatedCursorUrl(
  origin: string,
  path: string,
  params: URLSearchParams,
  limit: number,
  after: string,
): string {
  const url = new URL(nextPageUrl(origin, path, params, limit, after));
  const rest = [...url.searchParams].filter(([key]) => key !== 'after');
  const query = [['after', after], ...rest]
    .map(([key, value]) => `${encodeURIComponent(key ?? '')}=${encodeURIComponent(value ?? '')}`)
    .join('&');
  return `${origin}${path}?${query}`;
}

function hasHeader(headers: Record<string, unknown>, name: string): boolean {
  return Object.keys(headers).some((key) => key.toLowerCase() === name);
}

function commonHeaders(
  requestId: string,
  serverNowMs: number,
  state: RateLimitState,
): Record<string, string | string[]> {
  return {
    'Content-Type': 'application/json',
    Date: new Date(serverNowMs).toUTCString(),
    'X-Okta-Request-Id': requestId,
    'X-Rate-Limit-Limit': String(state.limit),
    'X-Rate-Limit-Remaining': String(state.remaining),
    'X-Rate-Limit-Reset': String(state.resetEpochSeconds),
    'Cache-Control': 'no-cache, no-store',
  };
}

function canned(
  response: CannedResponse,
  headers: Record<string, string | string[]>,
  serverNowMs: number,
  errorId: () => string,
): Outgoing {
  const body =
    response.body === undefined
      ? JSON.stringify(defaultErrorFor(response.status, errorId()).body)
      : typeof response.body === 'string'
        ? response.body
        : JSON.stringify(response.body);
  const out = { ...headers };
  if (typeof response.body === 'string' && response.body.trimStart().startsWith('<')) {
    out['Content-Type'] = 'text/html; charset=utf-8';
  }
  if (response.rateLimit) {
    out['X-Rate-Limit-Limit'] = String(response.rateLimit.limit);
    out['X-Rate-Limit-Remaining'] = String(response.rateLimit.remaining);
    out['X-Rate-Limit-Reset'] = String(
      Math.ceil(serverNowMs / 1000) + response.rateLimit.resetInSeconds,
    );
  }
  return { status: response.status, body, headers: mergeHeaders(out, response.headers ?? {}) };
}

/** Overrides by header name, ignoring case. */
function mergeHeaders(
  base: Record<string, string | string[]>,
  overrides: Record<string, string | string[]>,
): Record<string, string | string[]> {
  const out = { ...base };
  for (const [name, value] of Object.entries(overrides)) {
    for (const key of Object.keys(out))
      if (key.toLowerCase() === name.toLowerCase()) delete out[key];
    out[name] = value;
  }
  return out;
}

function mangleRateLimitHeaders(
  headers: Record<string, string | string[]>,
  how: 'duplicate' | 'comma-joined',
): void {
  for (const name of ['X-Rate-Limit-Limit', 'X-Rate-Limit-Remaining', 'X-Rate-Limit-Reset']) {
    const value = headers[name];
    if (typeof value !== 'string') continue;
    headers[name] = how === 'duplicate' ? [value, value] : `${value}, ${value}`;
  }
}

function send(res: ServerResponse, out: Outgoing): void {
  if (res.destroyed) return;
  const bytes = Buffer.from(out.body, 'utf8');
  res.statusCode = out.status;
  for (const [name, value] of Object.entries(out.headers)) res.setHeader(name, value);
  res.setHeader('Content-Length', bytes.length);
  res.end(bytes);
}

function sendHalfThenReset(res: ServerResponse, out: Outgoing): void {
  const bytes = Buffer.from(out.body, 'utf8');
  res.statusCode = out.status;
  for (const [name, value] of Object.entries(out.headers)) res.setHeader(name, value);
  res.setHeader('Content-Length', bytes.length);
  res.flushHeaders();
  res.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => res.socket?.destroy());
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
