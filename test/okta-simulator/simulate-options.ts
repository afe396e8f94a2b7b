/**
 * The command line of `npm run simulate` (test/simulate.ts): its usage text, and the parsing and
 * checking of every option, so that a bad option or value is reported in one line before any server
 * starts. Defaults, rate-limit tables, latency presets and fault kinds are read from the simulator's
 * own constants, so the usage text cannot drift from what the simulator does.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type LatencyModel, NO_LATENCY, OKTA_LATENCY } from './latency';
import { DEFAULT_ORG_OPTIONS, type OrgOptions } from './org';
import {
  DEFAULT_TOKEN_SHARE,
  GENEROUS_RATE_LIMITS,
  type RateLimitBucket,
  type RateLimitPreset,
  UNLIMITED,
  WINDOW_MS,
  WORKFORCE_RATE_LIMITS,
} from './rate-limits';
import { FAULT_KINDS, type FaultKind, type FaultRule, parseFaultRules } from './scenario';
import { FOREIGN_ORIGIN, type OktaSimulatorOptions } from './server';
import { USER_STATUSES } from './types';

/** A bad option or value: reported as one `error:` line, exit status 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Printed after a usage error. */
export const USAGE_HINT = "Run 'npm run simulate -- --help' for the options.";

/** Exit status for a usage error (as in getopt-style tools). */
export const USAGE_EXIT_CODE = 2;

/** The simulator's concurrency limit when none is given (`startOktaSimulator`'s default). */
const DEFAULT_CONCURRENCY = 75;
const RATE_LIMIT_PRESETS: readonly RateLimitPreset[] = ['workforce', 'generous', 'unlimited'];
const DEFAULT_RATE_LIMITS: RateLimitPreset = 'unlimited';
const LINK_STYLES = ['lines', 'comma-joined'] as const;
type LinkStyle = (typeof LINK_STYLES)[number];
const RATE_LIMIT_HEADER_STYLES = ['duplicate', 'comma-joined'] as const;

/** One line per fault kind for the usage text; `Record<FaultKind, …>` makes tsc demand every kind. */
const FAULT_DESCRIPTIONS: Readonly<Record<FaultKind, string>> = {
  reset: 'destroy the socket before any response (ECONNRESET)',
  'reset-mid-body': 'send the headers and half the body, then destroy the socket',
  stall: 'never answer (a client timeout)',
  'gateway-error': '502 with an HTML body from an edge proxy instead of JSON',
  'truncated-json': '200 with the real body cut in half (consistent Content-Length)',
  'malformed-json': '200 with a body that is not JSON at all',
  'rate-limited': '429 E0000047 as an exhausted bucket sends it (bucket not spent)',
  'concurrency-limited': '429 E0000047, concurrency variant: limit 0, remaining 0',
  'duplicate-rate-limit-headers': 'the real answer with each X-Rate-Limit-* header sent twice',
  'comma-joined-rate-limit-headers': 'the real answer with each X-Rate-Limit-* header as "v, v"',
  'next-equals-self': 'the real page, but its next link equals its self link',
  'empty-page-with-next': '[] with a next link to where this page would have started',
  'repeated-cursor': "the real page, but next repeats this request's cursor (page 2 on)",
  'comma-joined-link': 'the real page with self and next in one comma-joined Link line',
  'link-next-first': 'the real page with the next Link line before the self line',
  'foreign-next': "the real page with next on another origin (the rule's origin)",
  'expired-cursor': '400 E0000054, as for an expired or invalid cursor',
  'invalid-token': '401 E0000011, as after the token was revoked mid-run',
  forbidden: "403 E0000006: the token's admin lacks the permission",
  'empty-list': '200 [] without next (a token without an admin role listing users)',
  'object-deleted': 'delete the user, group or app the path names, then answer: 404',
  'create-user': "create a user (the rule's newUser), then answer normally",
};

/** One option in the usage text; `arg` is the value's placeholder (none for a flag). */
interface OptionDoc {
  name: string;
  arg?: string;
  short?: string;
  text: string;
}

/** The options, in usage-text order. */
const OPTION_SECTIONS: readonly { title: string; options: readonly OptionDoc[] }[] = [
  {
    title: 'Org (generated from the seed: the same options always give the same org)',
    options: [
      { name: 'users', arg: 'N', text: `users (default ${DEFAULT_ORG_OPTIONS.users})` },
      {
        name: 'groups',
        arg: 'N',
        text: `groups, Everyone included (default ${DEFAULT_ORG_OPTIONS.groups})`,
      },
      { name: 'apps', arg: 'N', text: `apps (default ${DEFAULT_ORG_OPTIONS.apps})` },
      {
        name: 'memberships',
        arg: 'N',
        text: `target total of group memberships, Everyone included: the mean group size is chosen to give about N (default: no target, a mean ordinary group size of ${DEFAULT_ORG_OPTIONS.meanGroupSize})`,
      },
      {
        name: 'seed',
        arg: 'N',
        text: `seed of the generated org (default ${DEFAULT_ORG_OPTIONS.seed})`,
      },
    ],
  },
  {
    title: 'Servers (both listen on 127.0.0.1)',
    options: [
      {
        name: 'okta-port',
        arg: 'N',
        text: 'port of the Okta simulator (default 0: any free port)',
      },
      {
        name: 'elimity-port',
        arg: 'N',
        text: 'port of the Elimity receiver (default 0: any free port)',
      },
    ],
  },
  {
    title: 'Rate limits and load',
    options: [
      {
        name: 'rate-limits',
        arg: 'PRESET',
        text: `org-wide per-minute bucket sizes: ${RATE_LIMIT_PRESETS.join(', ')} (default ${DEFAULT_RATE_LIMITS}; see "Rate-limit presets")`,
      },
      {
        name: 'token-share',
        arg: 'F',
        text: `share of each bucket the API token may use, 0 < F <= 1: it sees floor(bucket x F) as X-Rate-Limit-Limit (default ${DEFAULT_TOKEN_SHARE})`,
      },
      {
        name: 'concurrency',
        arg: 'N',
        text: `requests in flight beyond N get the concurrency 429 (limit 0, remaining 0) (default ${DEFAULT_CONCURRENCY})`,
      },
    ],
  },
  {
    title: 'Time',
    options: [
      {
        name: 'latency',
        arg: 'MODEL',
        text: 'how long answers take: none, okta or BASE,PER_OBJECT,JITTER (default none; see "Latency")',
      },
      {
        name: 'time-scale',
        arg: 'S',
        text: `simulated ms per real ms, S > 0 (default 1): at 60 one Okta minute (a ${WINDOW_MS / 1000} s rate-limit window) passes in one real second, and latency and rule delays are slept for 1/S of their length`,
      },
      {
        name: 'clock-skew',
        arg: 'MS',
        text: 'added to the time in the Date and X-Rate-Limit-Reset headers, a server clock that is off by MS ms; may be negative (default 0)',
      },
    ],
  },
  {
    title: 'Answers',
    options: [
      {
        name: 'link-style',
        arg: 'STYLE',
        text: 'lines (as Okta: one Link header line per relation) or comma-joined (self and next in one line) (default lines)',
      },
      {
        name: 'scenario',
        arg: 'JSON|@FILE',
        text: 'fault rules: a JSON array, or @FILE to read it from a file (default: no faults; see "Scenario")',
      },
    ],
  },
  {
    title: 'Other',
    options: [{ name: 'help', short: 'h', text: 'print this text and exit' }],
  },
];

const OPTION_DOCS: readonly OptionDoc[] = OPTION_SECTIONS.flatMap((s) => s.options);
/** Every long option name, `help` included. */
export const OPTION_NAMES: readonly string[] = OPTION_DOCS.map((o) => o.name);

/** Every field a scenario rule may have (the help lists each). */
export const RULE_FIELDS = [
  'path',
  'method',
  'query',
  'page',
  'fromPage',
  'nth',
  'times',
  'delayMs',
  'respond',
  'fault',
  'rateLimitHeaders',
  'origin',
  'newUser',
  'label',
] as const satisfies readonly (keyof FaultRule)[];
const RESPOND_FIELDS = ['status', 'body', 'headers', 'rateLimit'] as const;
const RATE_LIMIT_FIELDS = ['limit', 'remaining', 'resetInSeconds'] as const;
const NEW_USER_FIELDS = ['status', 'groupIds', 'appIds'] as const;

const WIDTH = 100;

/** Wraps `text` to WIDTH columns, the first line after `head`, the others indented to `indent`. */
function wrap(head: string, indent: number, text: string): string {
  const lines: string[] = [];
  let line =
    head !== '' && head.length >= indent ? `${head}\n${' '.repeat(indent)}` : head.padEnd(indent);
  let lineStart = line.lastIndexOf('\n') + 1;
  let empty = true;
  for (const word of text.split(' ')) {
    if (!empty && line.length - lineStart + 1 + word.length > WIDTH) {
      lines.push(line);
      line = ' '.repeat(indent);
      lineStart = 0;
      empty = true;
    }
    line += empty ? word : ` ${word}`;
    empty = false;
  }
  lines.push(line);
  return lines.join('\n');
}

function optionHead(o: OptionDoc): string {
  const short = o.short === undefined ? '' : `-${o.short}, `;
  const arg = o.arg === undefined ? '' : ` ${o.arg}`;
  return `  ${short}--${o.name}${arg}`;
}

/** The text `--help` prints. */
export function usageText(): string {
  const out: string[] = [
    'Usage: npm run simulate -- [options]',
    '   or: npx tsx test/simulate.ts [options]',
    '',
    wrap(
      '',
      0,
      'Starts the Okta simulator and an Elimity receiver on their own and prints the variables to export so that `npm run sync` in another shell talks to them; then logs every snapshot the receiver accepts. Ctrl-C stops both. A value may also be given as --option=VALUE (needed for a value that starts with --).',
    ),
  ];
  for (const section of OPTION_SECTIONS) {
    out.push('', `${section.title}:`);
    for (const o of section.options) out.push(wrap(optionHead(o), 26, o.text));
  }

  out.push('', 'Rate-limit presets (--rate-limits), requests per minute and bucket:');
  const buckets = Object.keys(WORKFORCE_RATE_LIMITS) as RateLimitBucket[];
  const bucketWidth = Math.max(...buckets.map((b) => b.length)) + 2;
  out.push(
    `  ${'bucket'.padEnd(bucketWidth)}${'workforce'.padStart(10)}${'generous'.padStart(10)}`,
  );
  for (const bucket of buckets) {
    out.push(
      `  ${bucket.padEnd(bucketWidth)}${String(WORKFORCE_RATE_LIMITS[bucket]).padStart(10)}${String(GENEROUS_RATE_LIMITS[bucket]).padStart(10)}`,
    );
  }
  out.push(
    wrap('  workforce', 14, "Okta Workforce's per-minute limits as published until Dec 2025."),
    wrap(
      '  generous',
      14,
      `workforce x ${GENEROUS_RATE_LIMITS['/api/v1/users'] / WORKFORCE_RATE_LIMITS['/api/v1/users']}, so a normal run never sees a 429.`,
    ),
    wrap('  unlimited', 14, `every bucket ${UNLIMITED} (the default here).`),
    wrap(
      '',
      2,
      `The token may use --token-share of each bucket; windows are ${WINDOW_MS / 1000} simulated seconds and start at the first request after the previous window ended.`,
    ),
  );

  const model = (m: Readonly<LatencyModel>) =>
    `${m.baseMs} ms + ${m.perObjectMs} ms per object returned, jitter ${m.jitter}`;
  out.push(
    '',
    'Latency (--latency), in simulated ms (see --time-scale):',
    wrap('  none', 26, `no delay: ${model(NO_LATENCY)} (the default).`),
    wrap('  okta', 26, `roughly what real Okta shows: ${model(OKTA_LATENCY)}.`),
    wrap(
      '  BASE,PER_OBJECT,JITTER',
      26,
      `three numbers >= 0: BASE ms + PER_OBJECT ms for each object in the answer, times a log-normal factor with mean 1 whose logarithm has standard deviation JITTER (0 = no jitter). --latency okta is --latency ${OKTA_LATENCY.baseMs},${OKTA_LATENCY.perObjectMs},${OKTA_LATENCY.jitter}.`,
    ),
  );

  out.push(
    '',
    'Scenario (--scenario): a JSON array of fault rules.',
    wrap(
      '',
      2,
      "For each request the rules are tried in order and the first one that applies changes the answer. A rule matches a request when all of its path, method, query, page and fromPage match; it applies to a matching request from its nth match on, to at most `times` requests. A request that an earlier rule answered still counts towards a later rule's nth, not towards its times. Fields:",
    ),
  );
  const fields: [string, string][] = [
    [
      'path',
      'required. The request path without the query, matched exactly ("/api/v1/users"). A path that starts with ^ is a JavaScript regular expression instead ("^/api/v1/groups/[^/]+/users$"; in JSON a backslash is written \\\\).',
    ],
    ['method', 'HTTP method, any case (default: any method).'],
    [
      'query',
      '{"NAME": "VALUE", ...}: query parameters that must be present with exactly these values (default: any).',
    ],
    [
      'page',
      "only page N of a list: 1 is a request without `after`, N+1 the page that page N's next link named. A request with a cursor the simulator did not issue has no page number and matches no page or fromPage rule.",
    ],
    ['fromPage', 'only pages N and later.'],
    [
      'nth',
      'a whole number >= 1: skip the first nth-1 matching requests (default 1: from the first).',
    ],
    [
      'times',
      'how many matching requests the rule applies to, a whole number >= 0 (default 1); null = unlimited.',
    ],
    [
      'delayMs',
      'wait this many simulated ms before acting; a rule with only delayMs gives a slow but normal answer.',
    ],
    [
      'respond',
      'a canned answer instead of the real one: {"status": S, "body": B, "headers": H, "rateLimit": R}. status (required) is the HTTP status (100-599); body is sent as is when a string (HTML, say) and as JSON otherwise (default: Okta\'s error body for the status); headers {"NAME": "VALUE" or ["VALUE", ...]} adds or overrides headers, an array sending one header line per value; rateLimit {"limit": L, "remaining": R, "resetInSeconds": S} sends X-Rate-Limit-* headers relative to the simulator clock.',
    ],
    ['fault', 'one of the fault kinds below.'],
    [
      'rateLimitHeaders',
      `${RATE_LIMIT_HEADER_STYLES.map((s) => `"${s}"`).join(' or ')}: how the X-Rate-Limit-* headers of this rule's answer are mangled (sent twice, or once as "v, v").`,
    ],
    ['origin', `origin of the next link of foreign-next (default ${FOREIGN_ORIGIN}).`],
    [
      'newUser',
      `the user create-user adds: {"status": S, "groupIds": [ID, ...], "appIds": [ID, ...]}, with S one of ${USER_STATUSES.join(', ')}, and ids of groups (besides Everyone) and apps the simulator serves (default: an ACTIVE user in Everyone only).`,
    ],
    ['label', 'shown in the request log (default: the fault kind, or "respond STATUS").'],
  ];
  for (const [name, text] of fields) out.push(wrap(`  ${name}`, 20, text));
  out.push(
    wrap('', 2, 'A rule gives exactly one of respond or fault, or only delayMs. Example:'),
    `  --scenario '[{"path": "/api/v1/users", "page": 2, "respond": {"status": 429}},`,
    `               {"path": "^/api/v1/groups/[^/]+/users$", "fault": "reset", "nth": 3, "times": null}]'`,
    '',
    'Fault kinds (the rule\'s "fault"):',
  );
  const kindWidth = Math.max(...FAULT_KINDS.map((k) => k.length)) + 4;
  for (const kind of FAULT_KINDS) out.push(wrap(`  ${kind}`, kindWidth, FAULT_DESCRIPTIONS[kind]));
  return `${out.join('\n')}\n`;
}

/** What `npm run simulate` was asked to do. */
export type SimulateCommand = { help: true } | ({ help: false } & SimulateSettings);

/** The checked options. */
export interface SimulateSettings {
  /** Options for `startOktaSimulator`; only the ones given (plus the CLI's own defaults). */
  okta: Partial<OktaSimulatorOptions> & {
    orgOptions: Partial<OrgOptions>;
    rateLimits: RateLimitPreset;
    latency: 'okta' | 'none' | LatencyModel;
    linkStyle: LinkStyle;
    scenario: FaultRule[];
  };
  /** Options for `startElimityReceiver`. */
  elimity: { port?: number };
  /** The values as given, for the start-up summary. */
  shown: {
    rateLimits: string;
    tokenShare: string;
    concurrency: string;
    latency: string;
    scenario: boolean;
  };
}

const quote = (value: string) => JSON.stringify(value);
const kindOf = (value: unknown) =>
  value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
const oneLine = (text: string) => text.replace(/\s*\n\s*/g, ' ').trim();
const messageOf = (error: unknown) =>
  oneLine(error instanceof Error ? error.message : String(error));

function editDistance(a: string, b: string): number {
  let beforePrevious: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      // A swap of two neighbours ("usres") counts as one edit.
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        current[j] = Math.min(current[j] ?? 0, (beforePrevious[j - 2] ?? 0) + 1);
      }
    }
    beforePrevious = previous;
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** ` (did you mean X?)` for the nearest candidate, when one is close; else ''. */
function suggestion(given: string, candidates: readonly string[], prefix = ''): string {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const distance = editDistance(given.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best !== undefined && bestDistance <= Math.max(1, Math.floor(given.length / 3))
    ? ` (did you mean ${prefix}${best}?)`
    : '';
}

const PARSE_OPTIONS = Object.fromEntries(
  OPTION_DOCS.map((o) => [
    o.name,
    o.arg === undefined
      ? { type: 'boolean' as const, ...(o.short === undefined ? {} : { short: o.short }) }
      : { type: 'string' as const },
  ]),
);

/**
 * Parses and checks `npm run simulate`'s arguments (without `node` and the script). Throws
 * `UsageError` with a one-line message for anything wrong; `--help` anywhere wins.
 */
export function parseSimulateArgs(
  args: readonly string[],
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): SimulateCommand {
  // Not strict: the tokens are checked here, so every message is ours and says what is expected.
  const { tokens } = parseArgs({
    args: [...args],
    options: PARSE_OPTIONS,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  // `--users --help` asks for help too, though the parser takes --help as the value of --users.
  const asksForHelp = tokens.some(
    (t) =>
      t.kind === 'option' &&
      (t.name === 'help' || (!t.inlineValue && (t.value === '--help' || t.value === '-h'))),
  );
  if (asksForHelp) {
    for (const t of tokens) {
      if (t.kind === 'option' && t.name === 'help' && t.value !== undefined) {
        throw new UsageError(`${t.rawName} takes no value, got ${quote(t.value)}`);
      }
    }
    return { help: true };
  }

  const values = new Map<string, string>();
  for (const token of tokens) {
    if (token.kind === 'option-terminator') continue;
    if (token.kind === 'positional') {
      throw new UsageError(
        `unexpected argument ${quote(token.value)}: npm run simulate takes only options (--name VALUE)`,
      );
    }
    const { name, rawName, value, inlineValue } = token;
    if (!OPTION_NAMES.includes(name)) {
      const long = rawName.startsWith('--');
      throw new UsageError(
        `unknown option ${rawName}${long ? suggestion(name, OPTION_NAMES, '--') : ''}`,
      );
    }
    const doc = OPTION_DOCS.find((o) => o.name === name);
    const placeholder = doc?.arg ?? 'VALUE';
    if (value === undefined) {
      throw new UsageError(`${rawName} needs a value: ${rawName} ${placeholder}`);
    }
    if (!inlineValue && /^--[a-z]/i.test(value)) {
      throw new UsageError(
        `${rawName} needs a value: ${rawName} ${placeholder} (got the option ${value}; write ${rawName}=${value} if that is the value)`,
      );
    }
    values.set(name, value);
  }
  return { help: false, ...settingsFrom(values, readFile) };
}

function settingsFrom(
  values: ReadonlyMap<string, string>,
  readFile: (path: string) => string,
): SimulateSettings {
  const whole = (name: string, max = Number.MAX_SAFE_INTEGER): number | undefined => {
    const raw = values.get(name);
    if (raw === undefined) return undefined;
    const range =
      max === Number.MAX_SAFE_INTEGER ? 'a whole number >= 0' : `a whole number 0-${max}`;
    if (!/^\d+$/.test(raw) || Number(raw) > max) {
      throw new UsageError(`--${name} must be ${range}, got ${quote(raw)}`);
    }
    return Number(raw);
  };
  const number = (
    name: string,
    ok: (n: number) => boolean,
    expected: string,
  ): number | undefined => {
    const raw = values.get(name);
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n) || !ok(n)) {
      throw new UsageError(`--${name} must be ${expected}, got ${quote(raw)}`);
    }
    return n;
  };
  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const raw = values.get(name) ?? fallback;
    if (!(allowed as readonly string[]).includes(raw)) {
      throw new UsageError(
        `--${name} must be one of ${allowed.join(', ')}, got ${quote(raw)}${suggestion(raw, allowed)}`,
      );
    }
    return raw as T;
  };

  const orgOptions = defined({
    users: whole('users'),
    groups: whole('groups'),
    apps: whole('apps'),
    memberships: whole('memberships'),
    seed: whole('seed'),
  });
  const port = (name: string) => whole(name, 65535);
  const rateLimits = oneOf('rate-limits', RATE_LIMIT_PRESETS, DEFAULT_RATE_LIMITS);
  const tokenShare = number('token-share', (n) => n > 0 && n <= 1, 'a number with 0 < F <= 1');
  const concurrencyLimit = whole('concurrency');
  const latencyText = values.get('latency') ?? 'none';
  const latency = parseLatency(latencyText);
  const timeScale = number('time-scale', (n) => n > 0, 'a number > 0');
  const clockSkewMs = number('clock-skew', () => true, 'a number of milliseconds');
  const linkStyle = oneOf('link-style', LINK_STYLES, 'lines');
  const scenarioOption = values.get('scenario');
  const scenario = scenarioOption === undefined ? [] : parseScenario(scenarioOption, readFile);

  return {
    okta: {
      orgOptions,
      ...defined({
        port: port('okta-port'),
        tokenShare,
        concurrencyLimit,
        timeScale,
        clockSkewMs,
      }),
      rateLimits,
      latency,
      linkStyle,
      scenario,
    },
    elimity: defined({ port: port('elimity-port') }),
    shown: {
      rateLimits,
      tokenShare: values.get('token-share') ?? String(DEFAULT_TOKEN_SHARE),
      concurrency: values.get('concurrency') ?? String(DEFAULT_CONCURRENCY),
      latency: latencyText,
      scenario: scenarioOption !== undefined,
    },
  };
}

function defined<T extends object>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}

function parseLatency(text: string): 'okta' | 'none' | LatencyModel {
  if (text === 'okta' || text === 'none') return text;
  const parts = text.split(',');
  const numbers = parts.map((p) => (p.trim() === '' ? Number.NaN : Number(p)));
  if (parts.length !== 3 || !numbers.every((n) => Number.isFinite(n) && n >= 0)) {
    throw new UsageError(
      `--latency must be none, okta or BASE_MS,PER_OBJECT_MS,JITTER (three numbers >= 0, e.g. ${OKTA_LATENCY.baseMs},${OKTA_LATENCY.perObjectMs},${OKTA_LATENCY.jitter}), got ${quote(text)}${text.includes(',') ? '' : suggestion(text, ['none', 'okta'])}`,
    );
  }
  const [baseMs = 0, perObjectMs = 0, jitter = 0] = numbers;
  return { baseMs, perObjectMs, jitter };
}

function parseScenario(option: string, readFile: (path: string) => string): FaultRule[] {
  let text = option;
  let source = '--scenario';
  if (option.startsWith('@')) {
    const path = option.slice(1);
    source = `--scenario ${option}`;
    if (path === '') throw new UsageError('--scenario @FILE needs a file name after the @');
    try {
      text = readFile(path);
    } catch (error) {
      throw new UsageError(`${source}: cannot read ${path}: ${messageOf(error)}`);
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const hint = option.startsWith('@') ? '' : ' (to read a file, write --scenario @FILE)';
    throw new UsageError(
      `${source} is not valid JSON (${messageOf(error)}); expected a JSON array of fault rules${hint}`,
    );
  }
  if (!Array.isArray(parsed)) {
    throw new UsageError(`${source} must be a JSON array of fault rules, got ${kindOf(parsed)}`);
  }
  parsed.forEach((rule, i) => {
    const problem = ruleProblem(rule);
    if (problem === undefined) return;
    const path =
      typeof rule === 'object' && rule !== null && typeof rule.path === 'string'
        ? ` (path ${quote(rule.path)})`
        : '';
    throw new UsageError(`${source}: rule ${i}${path}: ${problem}`);
  });
  try {
    return parseFaultRules(text);
  } catch (error) {
    throw new UsageError(`${source}: ${messageOf(error)}`);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isWhole = (v: unknown, min: number) => Number.isInteger(v) && (v as number) >= min;

function unknownField(
  object: Record<string, unknown>,
  fields: readonly string[],
  what: string,
): string | undefined {
  const extra = Object.keys(object).find((k) => !fields.includes(k));
  if (extra === undefined) return undefined;
  return `unknown field ${quote(extra)} in ${what}${suggestion(extra, fields)}; ${what} has ${fields.join(', ')}`;
}

/** What is wrong with one rule as JSON, or undefined. Checks more than `parseFaultRules` does. */
function ruleProblem(rule: unknown): string | undefined {
  if (!isObject(rule)) return `a rule must be an object, got ${kindOf(rule)}`;
  const extra = unknownField(rule, RULE_FIELDS, 'a rule');
  if (extra) return extra;
  const { path, method, query, page, fromPage, nth, times, delayMs, respond, fault } = rule;
  if (path === undefined) return 'path is required';
  if (typeof path !== 'string' || path === '') return 'path must be a non-empty string';
  if (path.startsWith('^')) {
    try {
      new RegExp(path);
    } catch (error) {
      return `path starts with ^ but is not a valid regular expression: ${messageOf(error)}`;
    }
  }
  if (method !== undefined && (typeof method !== 'string' || method === '')) {
    return 'method must be an HTTP method such as "GET"';
  }
  if (query !== undefined) {
    if (!isObject(query) || !Object.values(query).every((v) => typeof v === 'string')) {
      return 'query must be an object of string values, {"NAME": "VALUE"}';
    }
  }
  for (const [name, value] of [
    ['page', page],
    ['fromPage', fromPage],
    ['nth', nth],
  ] as const) {
    if (value !== undefined && !isWhole(value, 1)) {
      return `${name} must be a whole number >= 1, got ${JSON.stringify(value)}`;
    }
  }
  if (times !== undefined && times !== null && !isWhole(times, 0)) {
    return `times must be a whole number >= 0 or null (unlimited), got ${JSON.stringify(times)}`;
  }
  if (delayMs !== undefined && !(typeof delayMs === 'number' && delayMs >= 0)) {
    return `delayMs must be a number of milliseconds >= 0, got ${JSON.stringify(delayMs)}`;
  }
  if (respond !== undefined && fault !== undefined) return 'give respond or fault, not both';
  if (respond === undefined && fault === undefined && delayMs === undefined) {
    return 'a rule needs respond, fault or delayMs';
  }
  if (respond !== undefined) {
    const problem = respondProblem(respond);
    if (problem) return problem;
  }
  if (fault !== undefined && !(FAULT_KINDS as readonly unknown[]).includes(fault)) {
    const hint = typeof fault === 'string' ? suggestion(fault, FAULT_KINDS) : '';
    return `unknown fault ${JSON.stringify(fault)}${hint}; expected one of the fault kinds ${FAULT_KINDS.join(', ')}`;
  }
  return otherFieldsProblem(rule);
}

function respondProblem(respond: unknown): string | undefined {
  if (!isObject(respond)) return 'respond must be an object such as {"status": 429}';
  const extra = unknownField(respond, RESPOND_FIELDS, 'respond');
  if (extra) return extra;
  const { status, headers, rateLimit } = respond;
  if (!isWhole(status, 100) || (status as number) > 599) {
    return `respond.status must be an HTTP status 100-599, got ${JSON.stringify(status)}`;
  }
  if (headers !== undefined) {
    const ok =
      isObject(headers) &&
      Object.values(headers).every(
        (v) => typeof v === 'string' || (Array.isArray(v) && v.every((s) => typeof s === 'string')),
      );
    if (!ok) return 'respond.headers must be {"NAME": "VALUE" or ["VALUE", ...]}';
  }
  if (rateLimit !== undefined) {
    if (!isObject(rateLimit)) return 'respond.rateLimit must be an object';
    const extraRate = unknownField(rateLimit, RATE_LIMIT_FIELDS, 'respond.rateLimit');
    if (extraRate) return extraRate;
    for (const field of RATE_LIMIT_FIELDS) {
      if (typeof rateLimit[field] !== 'number' || !Number.isFinite(rateLimit[field])) {
        return `respond.rateLimit needs numbers ${RATE_LIMIT_FIELDS.join(', ')}; ${field} is ${JSON.stringify(rateLimit[field])}`;
      }
    }
  }
  return undefined;
}

function otherFieldsProblem(rule: Record<string, unknown>): string | undefined {
  const { rateLimitHeaders, origin, newUser, label } = rule;
  if (
    rateLimitHeaders !== undefined &&
    !(RATE_LIMIT_HEADER_STYLES as readonly unknown[]).includes(rateLimitHeaders)
  ) {
    return `rateLimitHeaders must be ${RATE_LIMIT_HEADER_STYLES.map(quote).join(' or ')}, got ${JSON.stringify(rateLimitHeaders)}`;
  }
  if (origin !== undefined) {
    const ok =
      typeof origin === 'string' && URL.canParse(origin) && new URL(origin).origin === origin;
    if (!ok) {
      return `origin must be an origin such as ${quote(FOREIGN_ORIGIN)} (no path or trailing slash), got ${JSON.stringify(origin)}`;
    }
  }
  if (newUser !== undefined) {
    if (!isObject(newUser)) return 'newUser must be an object';
    const extra = unknownField(newUser, NEW_USER_FIELDS, 'newUser');
    if (extra) return extra;
    const { status, groupIds, appIds } = newUser;
    if (status !== undefined && !(USER_STATUSES as readonly unknown[]).includes(status)) {
      return `newUser.status must be one of ${USER_STATUSES.join(', ')}, got ${JSON.stringify(status)}`;
    }
    for (const [name, ids] of [
      ['groupIds', groupIds],
      ['appIds', appIds],
    ] as const) {
      if (ids !== undefined && !(Array.isArray(ids) && ids.every((id) => typeof id === 'string'))) {
        return `newUser.${name} must be an array of ids (strings)`;
      }
    }
  }
  if (label !== undefined && typeof label !== 'string') return 'label must be a string';
  return undefined;
}
