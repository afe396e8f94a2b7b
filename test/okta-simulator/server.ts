import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defaultErrorFor, OKTA_ERRORS, type OktaFailure, oktaError } from './errors';
import { generateOrg, type Org, type OrgOptions } from './org';
import { effectiveLimit, linkHeaderLines, nextPageUrl } from './paging';
import { base62, randomFor, STREAM } from './random';
import {
  bucketOf,
  type RateLimitBucket,
  RateLimiter,
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
  /** Default 0 (any free port). */
  port: number;
  /** Milliseconds since the epoch; default `Date.now`. Drives rate-limit windows and `Date`. */
  now: () => number;
  /** Added to `now()` for the `Date` and `X-Rate-Limit-Reset` headers (a skewed server clock). */
  clockSkewMs: number;
  /** Per-minute bucket sizes: `'unlimited'`, or overrides of Workforce × 100. */
  rateLimits: 'unlimited' | Partial<Record<RateLimitBucket, number>>;
  /** Requests in flight beyond this get the concurrency 429 (limit 0, remaining 0). Default 75. */
  concurrencyLimit: number;
  /** Delay before every answer, in milliseconds. Default 0. */
  latencyMs: number;
  /** Which lists omit `Link` entirely when everything fits in one page. Default `'sub-lists'`. */
  omitLinkOnSinglePage: 'sub-lists' | 'all' | 'none';
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
  /** `now()` when the request arrived. */
  at: number;
  /** Real time until the response finished, or null if it never did. */
  latencyMs: number | null;
  /** Whether the request carried the right SSWS token. */
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
  /** Replaces the fault rules (and their counters). */
  setScenario(rules: FaultRule[]): void;
  /** How many requests each current rule was applied to, in rule order. */
  appliedFaults(): number[];
  /** Starts every rate-limit window afresh. */
  resetRateLimits(): void;
  /** Requests currently being answered (stalled ones included). */
  inFlight(): number;
  /** Closes the server and every open connection, stalled ones included. */
  stop(): Promise<void>;
}

/** A fixed, random-looking default token. */
export const DEFAULT_SIMULATOR_TOKEN = '00sIm-ulAt0rT0k3n_9fXq2LmZ8cVbN4wRtY7uHk';

interface Outgoing {
  status: number;
  body: string;
  headers: Record<string, string | string[]>;
}

/** Starts the Okta simulator on 127.0.0.1. */
export async function startOktaSimulator(
  options: Partial<OktaSimulatorOptions> = {},
): Promise<OktaSimulator> {
  const org = options.org ?? generateOrg(options.orgOptions);
  const token = options.token ?? DEFAULT_SIMULATOR_TOKEN;
  const now = options.now ?? Date.now;
  const serverNow = () => now() + (options.clockSkewMs ?? 0);
  const limiter = new RateLimiter(resolveRateLimits(options.rateLimits), serverNow);
  const concurrencyLimit = options.concurrencyLimit ?? 75;
  const omitLink = options.omitLinkOnSinglePage ?? 'sub-lists';
  const scenario = new Scenario(options.scenario ?? []);
  const requests: RequestLogEntry[] = [];
  /** Page number of each issued cursor, keyed `path|after`, so rules can say `page: 2`. */
  const pageNumbers = new Map<string, number>();
  /** Cursors invented by `empty-page-with-next`, mapped to the real cursor (null = first page). */
  const aliases = new Map<string, string | null>();
  let requestCounter = 0;
  let inFlight = 0;
  let origin = '';

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = performance.now();
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', origin);
    const path = url.pathname;
    const params = url.searchParams;
    const requestId = base62(randomFor(0x0c7a, STREAM.requestId, requestCounter++), 27);
    const errorId = () => `oae${requestId.slice(0, 20)}`;
    const entry: RequestLogEntry = {
      requestId,
      method,
      path,
      query: Object.fromEntries(params),
      status: null,
      bucket: bucketOf(path),
      at: now(),
      latencyMs: null,
      authorized: isAuthorized(req.headers.authorization, token),
    };
    requests.push(entry);
    inFlight++;
    res.on('close', () => {
      inFlight--;
    });
    res.on('finish', () => {
      entry.status = res.statusCode;
      entry.latencyMs = performance.now() - started;
    });

    const rawAfter = params.get('after');
    const cursorKey = rawAfter === null ? undefined : `${path}|${rawAfter}`;
    const page = cursorKey === undefined ? 1 : pageNumbers.get(cursorKey);
    const rule = scenario.select({ method, path, query: params, page });
    if (rule) entry.fault = ruleLabel(rule);
    const delay = (rule?.delayMs ?? 0) + (options.latencyMs ?? 0);
    if (delay > 0) await sleep(delay);
    if (res.destroyed) return;

    if (rule?.fault === 'stall') return; // never answered; stop() closes it
    if (rule?.fault === 'reset') {
      req.socket.destroy();
      return;
    }
    const common = (state: RateLimitState) => commonHeaders(requestId, serverNow(), state);
    if (rule?.respond) {
      send(res, canned(rule.respond, common(limiter.peek(entry.bucket)), serverNow(), errorId));
      return;
    }

    // Normal processing: auth, concurrency, rate limit, then the endpoint.
    const failure = (f: OktaFailure, state: RateLimitState): Outgoing => ({
      status: f.status,
      body: JSON.stringify(f.body),
      headers: common(state),
    });
    if (!entry.authorized) {
      const e = OKTA_ERRORS.invalidToken;
      send(
        res,
        failure(oktaError(e.status, e.code, e.summary, errorId()), limiter.peek(entry.bucket)),
      );
      return;
    }
    if (inFlight > concurrencyLimit) {
      const e = OKTA_ERRORS.rateLimited;
      const estimate = {
        limit: 0,
        remaining: 0,
        resetEpochSeconds: Math.ceil(serverNow() / 1000) + 60,
      };
      send(res, failure(oktaError(e.status, e.code, e.summary, errorId()), estimate));
      return;
    }
    const state = limiter.take(entry.bucket);
    if (!state.allowed) {
      const e = OKTA_ERRORS.rateLimited;
      send(res, failure(oktaError(e.status, e.code, e.summary, errorId()), state));
      return;
    }
    if (!path.startsWith('/api/v1/') || !isKnownPath(path)) {
      send(
        res,
        failure(
          oktaError(
            404,
            'E0000007',
            `Not found: Resource not found: ${path} (Resource)`,
            errorId(),
          ),
          state,
        ),
      );
      return;
    }
    if (method !== 'GET') {
      const e = OKTA_ERRORS.methodNotAllowed;
      send(res, failure(oktaError(e.status, e.code, e.summary, errorId()), state));
      return;
    }
    const route = resolveRoute(org, path, params, errorId);
    if (!route) {
      send(
        res,
        failure(
          oktaError(
            404,
            'E0000007',
            `Not found: Resource not found: ${path} (Resource)`,
            errorId(),
          ),
          state,
        ),
      );
      return;
    }
    if (route.kind === 'failure') {
      send(res, failure(route.failure, state));
      return;
    }
    if (route.kind === 'object') {
      send(res, { status: 200, body: JSON.stringify(route.body), headers: common(state) });
      return;
    }

    const { endpoint, parent } = route;
    const limit = effectiveLimit(params.get('limit'), endpoint.limits);
    const after =
      rawAfter !== null && aliases.has(`${path}|${rawAfter}`)
        ? (aliases.get(`${path}|${rawAfter}`) ?? null)
        : rawAfter;
    const selfUrl = `${origin}${req.url ?? path}`;
    const headers = common(state);
    const nextUrlFor = (cursor: string) => {
      if (page !== undefined) pageNumbers.set(`${path}|${cursor}`, page + 1);
      return nextPageUrl(origin, path, params, limit, cursor);
    };

    if (rule?.fault === 'empty-page-with-next') {
      const alias = `sim-empty-${aliases.size + 1}`;
      aliases.set(`${path}|${alias}`, after);
      headers.Link = linkHeaderLines(selfUrl, nextUrlFor(alias));
      send(res, { status: 200, body: '[]', headers });
      return;
    }
    const result = endpoint.page(
      { org, params, limit, after, lookahead: !(options.nextOnFullPage ?? false), errorId },
      parent,
    );
    if ('status' in result) {
      send(res, failure(result, state));
      return;
    }
    const nextUrl = result.nextCursor === undefined ? undefined : nextUrlFor(result.nextCursor);
    const singlePage = rawAfter === null && nextUrl === undefined;
    const omit =
      singlePage && (omitLink === 'all' || (omitLink === 'sub-lists' && endpoint.subList));
    if (rule?.fault === 'next-equals-self') headers.Link = linkHeaderLines(selfUrl, selfUrl);
    else if (!omit) headers.Link = linkHeaderLines(selfUrl, nextUrl);
    if (rule?.fault === 'duplicate-rate-limit-headers') duplicateRateLimitHeaders(headers);

    const body = JSON.stringify(result.items);
    if (rule?.fault === 'truncated-json') {
      send(res, { status: 200, body: body.slice(0, Math.floor(body.length / 2)), headers });
    } else if (rule?.fault === 'malformed-json') {
      send(res, {
        status: 200,
        body: '<!DOCTYPE html><html><body>Gateway page</body></html>',
        headers,
      });
    } else if (rule?.fault === 'reset-mid-body') {
      sendHalfThenReset(res, { status: 200, body, headers });
    } else {
      send(res, { status: 200, body, headers });
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

  return {
    url: origin,
    token,
    org,
    requests,
    setScenario: (rules) => scenario.replace(rules),
    appliedFaults: () => scenario.appliedCounts(),
    resetRateLimits: () => limiter.reset(),
    inFlight: () => inFlight,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function isAuthorized(header: string | undefined, token: string): boolean {
  if (!header) return false;
  const match = /^SSWS\s+(.+)$/i.exec(header.trim());
  return match?.[1] === token;
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

function duplicateRateLimitHeaders(headers: Record<string, string | string[]>): void {
  for (const name of ['X-Rate-Limit-Limit', 'X-Rate-Limit-Remaining', 'X-Rate-Limit-Reset']) {
    const value = headers[name];
    if (typeof value === 'string') headers[name] = [value, value];
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
