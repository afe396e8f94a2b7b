import ky from 'ky';
import { UpstreamError } from '../../shared/errors';
import { parseLinkHeader } from '../../shared/link-header';
import {
  bucketOf,
  isConcurrencyLimited,
  type OktaBucket,
  readRateLimit,
  waitAfterRateLimit,
} from '../../shared/okta-rate-limit';
import { OktaPacer, realSleep, type Sleep } from './okta-pacer';

/** A 200 (or a 404, which callers treat as "deleted meanwhile") from Okta. */
export interface OktaPage {
  url: string;
  status: 200 | 404;
  /** The body exactly as received, for the audit snapshot. */
  bodyText: string;
  /** The parsed body (already known to be JSON). */
  json: unknown;
  next: string | undefined;
  fetchedAt: string;
}

export interface OktaRequestStats {
  total: number;
  rateLimited: number;
  concurrencyLimited: number;
  retries: number;
  byBucket: Partial<Record<OktaBucket, number>>;
}

export interface OktaClient {
  /** GETs one URL on the org (with retries); `operation` names it in errors, e.g. "list users". */
  get(url: string, operation: string): Promise<OktaPage>;
  stats(): OktaRequestStats;
  readonly pacer: OktaPacer;
  /** Epoch ms after which no new wait may start (the run's deadline), if any. */
  readonly deadline: number | undefined;
}

/** An Okta answer that will not get better by retrying (4xx other than 404 and 429). */
export class OktaHttpError extends UpstreamError {
  override name = 'OktaHttpError';
  readonly errorCode: string | undefined;

  constructor(operation: string, status: number, errorCode: string | undefined, detail: string) {
    super('okta', operation, detail, { status });
    this.errorCode = errorCode;
  }
}

export interface OktaClientOptions {
  orgUrl: URL;
  token: string;
  concurrency: number;
  maxRetries: number;
  requestTimeoutMs: number;
  /** Epoch ms after which no new wait may start: the run fails instead of being killed. */
  deadline?: number;
  /** Longest single wait for a rate-limit reset; a longer one fails the run. */
  maxRateLimitWaitMs?: number;
  /** 429s tolerated for one request; Okta windows are a minute, so a few are normal. */
  maxRateLimitRetries?: number;
  fetch?: typeof fetch;
  now?: () => number;
  sleep?: Sleep;
  /** Told about every retry and wait, for logs; never given the token. */
  onEvent?: (event: OktaClientEvent) => void;
}

export type OktaClientEvent =
  | { kind: 'rate-limited'; url: string; waitMs: number; concurrency: boolean }
  | { kind: 'retry'; url: string; attempt: number; waitMs: number; reason: string };

const OKTA_ERROR_HINTS: Record<number, string> = {
  401: 'check the Okta API token (tokens expire after 30 days unused, and when the admin who created them is deactivated)',
  403: "the token's admin lacks permission for this call (a Read-Only Administrator role covers users, groups and apps)",
};

/** Builds the Okta client: the token is sent to the configured origin and nowhere else. */
export function createOktaClient(options: OktaClientOptions): OktaClient {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? realSleep;
  const pacer = new OktaPacer(options.concurrency, now, sleep);
  const maxWait = options.maxRateLimitWaitMs ?? 120_000;
  const maxRateLimitRetries = options.maxRateLimitRetries ?? 10;
  const origin = options.orgUrl.origin;
  const stats: OktaRequestStats = {
    total: 0,
    rateLimited: 0,
    concurrencyLimited: 0,
    retries: 0,
    byBucket: {},
  };

  const http = ky.create({
    retry: 0,
    timeout: false, // our own AbortSignal covers the whole exchange, body included
    throwHttpErrors: false,
    redirect: 'manual', // a redirect could lead the token elsewhere
    headers: { Authorization: `SSWS ${options.token}`, Accept: 'application/json' },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });

  function checkDeadline(operation: string, waitMs: number, why: string): void {
    if (options.deadline !== undefined && now() + waitMs > options.deadline) {
      throw new UpstreamError(
        'okta',
        operation,
        `${why}: waiting ${Math.ceil(waitMs / 1000)} s more would pass the run's deadline`,
      );
    }
  }

  function backoff(attempt: number): number {
    const base = Math.min(30_000, 500 * 2 ** attempt);
    return base / 2 + Math.random() * (base / 2);
  }

  async function get(url: string, operation: string): Promise<OktaPage> {
    const target = new URL(url, origin);
    if (target.origin !== origin) {
      throw new UpstreamError(
        'okta',
        operation,
        `refusing to send the API token to ${target.origin}: only ${origin} is trusted`,
      );
    }
    const bucket = bucketOf(target.pathname);
    let failures = 0;
    let rateLimits = 0;
    for (;;) {
      await pacer.acquire(bucket);
      stats.total++;
      stats.byBucket[bucket] = (stats.byBucket[bucket] ?? 0) + 1;
      const outcome = await attempt(target, operation, bucket);
      if (outcome.kind === 'done') {
        pacer.onSuccess();
        return outcome.page;
      }
      if (outcome.kind === 'rate-limited') {
        rateLimits++;
        stats.rateLimited++;
        if (outcome.concurrency) {
          stats.concurrencyLimited++;
          pacer.onConcurrencyLimited();
        }
        if (rateLimits > maxRateLimitRetries) {
          throw new UpstreamError(
            'okta',
            operation,
            `429 rate limited ${rateLimits} times in a row`,
            {
              status: 429,
            },
          );
        }
        const waitMs = outcome.concurrency
          ? // The concurrency reset is only an estimate: a short jittered pause and fewer requests.
            1000 + Math.random() * 2000
          : (outcome.waitMs ?? backoff(rateLimits));
        if (waitMs > maxWait) {
          throw new UpstreamError(
            'okta',
            operation,
            `429 rate limited; the reset is ${Math.ceil(waitMs / 1000)} s away, more than the ${maxWait / 1000} s allowed`,
            { status: 429 },
          );
        }
        checkDeadline(operation, waitMs, '429 rate limited');
        options.onEvent?.({
          kind: 'rate-limited',
          url: target.href,
          waitMs,
          concurrency: outcome.concurrency,
        });
        await sleep(waitMs);
        continue;
      }
      // Transient: 5xx, a body that is not JSON, a timeout or a network error.
      failures++;
      if (failures > options.maxRetries) {
        throw new UpstreamError(
          'okta',
          operation,
          `${outcome.reason} (gave up after ${failures} ${failures === 1 ? 'attempt' : 'attempts'})`,
          outcome.status === undefined ? {} : { status: outcome.status },
        );
      }
      const waitMs = backoff(failures);
      checkDeadline(operation, waitMs, outcome.reason);
      stats.retries++;
      options.onEvent?.({
        kind: 'retry',
        url: target.href,
        attempt: failures,
        waitMs,
        reason: outcome.reason,
      });
      await sleep(waitMs);
    }
  }

  type Outcome =
    | { kind: 'done'; page: OktaPage }
    | { kind: 'rate-limited'; concurrency: boolean; waitMs: number | undefined }
    | { kind: 'transient'; reason: string; status?: number };

  async function attempt(target: URL, operation: string, bucket: OktaBucket): Promise<Outcome> {
    const signal = AbortSignal.timeout(options.requestTimeoutMs);
    let released = false;
    const release = (reading?: Parameters<OktaPacer['release']>[1]) => {
      if (!released) pacer.release(bucket, reading);
      released = true;
    };
    try {
      const response = await http.get(target, { signal });
      const reading = readRateLimit(response.headers);
      const bodyText = await response.text();
      release(reading);
      const { status } = response;

      if (status === 429) {
        return {
          kind: 'rate-limited',
          concurrency: isConcurrencyLimited(reading),
          waitMs: waitAfterRateLimit(reading, now()),
        };
      }
      if (status >= 500) return { kind: 'transient', reason: `HTTP ${status}`, status };
      if (status >= 300 && status < 400) {
        const location = response.headers.get('location');
        throw new OktaHttpError(
          operation,
          status,
          undefined,
          `unexpected redirect (HTTP ${status}${location ? ` to ${safeOrigin(location, target)}` : ''}); the connector follows no redirects, so that the token is sent nowhere but the configured org`,
        );
      }
      let json: unknown;
      try {
        json = JSON.parse(bodyText);
      } catch {
        // Proxies and truncated answers: not Okta's JSON, so worth another try.
        if (status === 200 || status === 404) {
          return {
            kind: 'transient',
            reason: `HTTP ${status} with a body that is not JSON`,
            status,
          };
        }
        json = undefined;
      }
      if (status === 200 || status === 404) {
        const next = parseLinkHeader(response.headers.get('link')).get('next');
        return {
          kind: 'done',
          page: {
            url: target.href,
            status,
            bodyText,
            json,
            next: next === undefined ? undefined : new URL(next, target).href,
            fetchedAt: new Date(now()).toISOString(),
          },
        };
      }
      const { errorCode, summary } = oktaErrorOf(json);
      const hint = OKTA_ERROR_HINTS[status];
      throw new OktaHttpError(
        operation,
        status,
        errorCode,
        `HTTP ${status}${errorCode ? ` ${errorCode}` : ''}${summary ? ` ${summary}` : ''}${hint ? `: ${hint}` : ''}`,
      );
    } catch (error) {
      release();
      if (error instanceof UpstreamError) throw error;
      const reason = signal.aborted
        ? `no complete answer within ${options.requestTimeoutMs} ms`
        : `network error (${networkReason(error)})`;
      return { kind: 'transient', reason };
    }
  }

  return { get, stats: () => structuredClone(stats), pacer, deadline: options.deadline };
}

function oktaErrorOf(json: unknown): { errorCode?: string; summary?: string } {
  if (typeof json !== 'object' || json === null) return {};
  const record = json as Record<string, unknown>;
  return {
    ...(typeof record.errorCode === 'string' ? { errorCode: record.errorCode } : {}),
    ...(typeof record.errorSummary === 'string' ? { summary: record.errorSummary } : {}),
  };
}

function safeOrigin(location: string, base: URL): string {
  try {
    return new URL(location, base).origin;
  } catch {
    return 'an invalid location';
  }
}

/**
 * The root cause's code (ECONNREFUSED, ECONNRESET, …) or name, never the error's request (which
 * would carry the Authorization header). ky and undici wrap the system error a few levels deep.
 */
function networkReason(error: unknown): string {
  let current: unknown = error;
  let name = error instanceof Error ? error.name : 'unknown';
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    name = current.name;
    current = current.cause;
  }
  return name;
}
