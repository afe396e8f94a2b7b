/**
 * Fault injection: a list of rules, each matching some requests and changing the answer. The first
 * rule that applies wins. Example:
 *   { path: /^\/api\/v1\/users$/, page: 2, times: 1, respond: { status: 429 } }
 */
import type { NewUserOptions } from './org';

/** Ways to break a response other than a canned status/body. */
export type FaultKind =
  // ── Transport ──
  /** Destroy the socket before any response (ECONNRESET on the client). */
  | 'reset'
  /** Send headers and half the body, then destroy the socket. */
  | 'reset-mid-body'
  /** Never answer (until the client gives up or the simulator stops): a timeout. */
  | 'stall'
  /** 502 with an HTML body from an edge proxy instead of Okta's JSON. */
  | 'gateway-error'
  // ── Bodies ──
  /** Status 200 with the real body cut in half (consistent Content-Length). */
  | 'truncated-json'
  /** Status 200 with a body that is not JSON at all. */
  | 'malformed-json'
  // ── Rate limits (answered without spending the bucket) ──
  /** 429 E0000047 as an exhausted bucket sends it: the token's limit, remaining 0, the window's reset. */
  | 'rate-limited'
  /** 429 E0000047, concurrency variant: limit 0, remaining 0, an estimated reset (60 s ahead). */
  | 'concurrency-limited'
  /** The real response with each X-Rate-Limit-* header sent twice (Okta bug OKTA-112507). */
  | 'duplicate-rate-limit-headers'
  /** The real response with each X-Rate-Limit-* header sent once as `v, v` (a folded duplicate). */
  | 'comma-joined-rate-limit-headers'
  // ── Link header and cursors ──
  /** The real page, but its `next` link equals its `self` link. */
  | 'next-equals-self'
  /** `[]` with a `next` link that continues where this page would have started. */
  | 'empty-page-with-next'
  /**
   * The real page, but `next` carries the cursor this request came with (parameters in another
   * order, so the URL differs from `self`): following it serves this page again. Page 1 has no
   * cursor to repeat and is left alone.
   */
  | 'repeated-cursor'
  /** The real page with `self` and `next` in one comma-joined `Link` line instead of two lines. */
  | 'comma-joined-link'
  /** The real page with the `next` line before the `self` line. */
  | 'link-next-first'
  /** The real page whose `next` points to another origin (the rule's `origin`); the token must not follow it. */
  | 'foreign-next'
  /** 400 E0000054, as for a cursor that expired or is no longer valid. */
  | 'expired-cursor'
  // ── Auth ──
  /** 401 E0000011, as after the token was revoked mid-run. */
  | 'invalid-token'
  /** 403 E0000006: the token's admin lacks the permission. */
  | 'forbidden'
  /** 200 `[]` without `next`: what a token without an admin role gets from `/api/v1/users` (T15). */
  | 'empty-list'
  // ── The org changes during the run ──
  /** Deletes the user, group or app the path names, then answers normally (so 404 E0000007). */
  | 'object-deleted'
  /** Creates a user (the rule's `newUser`), then answers normally; the user is last in the list. */
  | 'create-user';

/** Every fault kind, for listings and option parsing. */
export const FAULT_KINDS: readonly FaultKind[] = [
  'reset',
  'reset-mid-body',
  'stall',
  'gateway-error',
  'truncated-json',
  'malformed-json',
  'rate-limited',
  'concurrency-limited',
  'duplicate-rate-limit-headers',
  'comma-joined-rate-limit-headers',
  'next-equals-self',
  'empty-page-with-next',
  'repeated-cursor',
  'comma-joined-link',
  'link-next-first',
  'foreign-next',
  'expired-cursor',
  'invalid-token',
  'forbidden',
  'empty-list',
  'object-deleted',
  'create-user',
];

/** A response the rule sends instead of the real one. */
export interface CannedResponse {
  status: number;
  /** A string is sent as is (HTML, say); anything else as JSON. Default: Okta's error body for the status. */
  body?: unknown;
  /** Extra or overriding headers; an array sends one header line per value. */
  headers?: Record<string, string | string[]>;
  /** Rate-limit headers relative to the simulator clock (e.g. concurrency: limit 0, remaining 0). */
  rateLimit?: { limit: number; remaining: number; resetInSeconds: number };
}

/** One fault rule. Give exactly one of `respond` or `fault`, or only `delayMs` for a slow answer. */
export interface FaultRule {
  /** A regular expression over the path (no query), or an exact path. */
  path: RegExp | string;
  /** HTTP method; default any. */
  method?: string;
  /** Query parameters that must be present with these values (string = exact, RegExp = test). */
  query?: Record<string, string | RegExp>;
  /** Only the page with this number (1 = the request without `after`, n+1 = the page its `next` named). */
  page?: number;
  /** Only pages from this number on. */
  fromPage?: number;
  /** Skip the first nth-1 matching requests (1-based). */
  nth?: number;
  /** How many matching requests it applies to; default 1, `Infinity` allowed. */
  times?: number;
  /** Wait this long (simulated ms, see `timeScale`) before acting, or before the normal answer when alone. */
  delayMs?: number;
  respond?: CannedResponse;
  fault?: FaultKind;
  /** How the X-Rate-Limit-* headers of this rule's answer (a 429, say) are mangled. */
  rateLimitHeaders?: 'duplicate' | 'comma-joined';
  /** Origin of the `next` link for `foreign-next`. Default `https://evil.example.invalid`. */
  origin?: string;
  /** The user `create-user` adds. Default: an ACTIVE user in Everyone only. */
  newUser?: NewUserOptions;
  /** Shown in the request log; defaults to the fault kind or `respond <status>`. */
  label?: string;
}

/** What the server needs to know about a request to match rules. */
export interface RequestFacts {
  method: string;
  path: string;
  query: URLSearchParams;
  /** Page number, when known. */
  page: number | undefined;
}

/** Tracks how often each rule matched and applied. */
export class Scenario {
  private entries: { rule: FaultRule; matched: number; applied: number }[] = [];

  constructor(rules: readonly FaultRule[] = []) {
    this.replace(rules);
  }

  /** Replaces all rules and their counters. */
  replace(rules: readonly FaultRule[]): void {
    for (const rule of rules) validateRule(rule);
    this.entries = rules.map((rule) => ({ rule, matched: 0, applied: 0 }));
  }

  /** How many requests each rule has been applied to, in rule order. */
  appliedCounts(): number[] {
    return this.entries.map((e) => e.applied);
  }

  /** The rule that applies to this request, counting the match; undefined when none does. */
  select(request: RequestFacts): FaultRule | undefined {
    let chosen: FaultRule | undefined;
    for (const entry of this.entries) {
      if (!ruleMatches(entry.rule, request)) continue;
      entry.matched++;
      if (chosen) continue;
      const { nth = 1, times = 1 } = entry.rule;
      if (entry.matched >= nth && entry.applied < times) {
        entry.applied++;
        chosen = entry.rule;
      }
    }
    return chosen;
  }
}

/** Short description of a rule for the request log. */
export function ruleLabel(rule: FaultRule): string {
  if (rule.label) return rule.label;
  if (rule.fault) return rule.fault;
  if (rule.respond) return `respond ${rule.respond.status}`;
  return `delay ${rule.delayMs ?? 0}ms`;
}

function ruleMatches(rule: FaultRule, request: RequestFacts): boolean {
  if (rule.method && rule.method.toUpperCase() !== request.method) return false;
  const pathOk =
    typeof rule.path === 'string' ? rule.path === request.path : rule.path.test(request.path);
  if (!pathOk) return false;
  if (rule.page !== undefined && rule.page !== request.page) return false;
  if (rule.fromPage !== undefined && (request.page === undefined || request.page < rule.fromPage)) {
    return false;
  }
  for (const [key, expected] of Object.entries(rule.query ?? {})) {
    const actual = request.query.get(key);
    if (actual === null) return false;
    if (typeof expected === 'string' ? actual !== expected : !expected.test(actual)) return false;
  }
  return true;
}

function validateRule(rule: FaultRule): void {
  if (rule.respond && rule.fault) {
    throw new Error(`fault rule for ${String(rule.path)}: give respond or fault, not both`);
  }
  if (!rule.respond && !rule.fault && rule.delayMs === undefined) {
    throw new Error(`fault rule for ${String(rule.path)}: needs respond, fault or delayMs`);
  }
  if (rule.fault && !FAULT_KINDS.includes(rule.fault)) {
    throw new Error(`fault rule for ${String(rule.path)}: unknown fault ${String(rule.fault)}`);
  }
  if (rule.path instanceof RegExp && (rule.path.global || rule.path.sticky)) {
    throw new Error('fault rule paths must not use the g or y flag (RegExp.test keeps state)');
  }
}

/**
 * Fault rules from JSON (for `npm run simulate -- --scenario …`): an array of rules in which a
 * `path` that starts with `^` is a regular expression and `times: null` means Infinity.
 */
export function parseFaultRules(json: string): FaultRule[] {
  const parsed: unknown = JSON.parse(json);
  if (!Array.isArray(parsed)) throw new Error('a scenario is a JSON array of fault rules');
  return parsed.map((raw: unknown, i) => {
    if (typeof raw !== 'object' || raw === null) throw new Error(`rule ${i}: not an object`);
    const rule = { ...(raw as Record<string, unknown>) };
    if (typeof rule.path !== 'string') throw new Error(`rule ${i}: path must be a string`);
    if (rule.path.startsWith('^')) rule.path = new RegExp(rule.path);
    if (rule.times === null) rule.times = Number.POSITIVE_INFINITY;
    const out = rule as unknown as FaultRule;
    validateRule(out);
    return out;
  });
}
