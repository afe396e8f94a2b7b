import * as v from 'valibot';
import { ConfigError } from './errors';

/**
 * Deployment configuration of the CDK stack: the `context` block of cdk.json overridden by
 * `cdk deploy -c key=value`. Pure (valibot only) so the rules are unit-tested without CDK.
 */

/** The context keys the stack reads, in the order the README documents them. */
export const CONTEXT_KEYS = [
  'oktaOrgUrl',
  'elimityUrl',
  'elimitySourceId',
  'schedule',
  'timezone',
  'snapshotRetentionDays',
  'objectLockMode',
  'objectLockDays',
  'alarmEmail',
  'oktaTokenSecretName',
  'elimityTokenSecretName',
  'reservedConcurrency',
  'maxDropPercent',
] as const;

export type ContextKey = (typeof CONTEXT_KEYS)[number];

/** What each key expects; every error message about a key ends with this text. */
export const CONTEXT_EXPECTS: Record<ContextKey, string> = {
  oktaOrgUrl: 'the Okta org URL, e.g. https://acme.okta.com',
  elimityUrl: 'the Elimity Insights URL without /api, e.g. https://acme.elimity.com',
  elimitySourceId: 'the numeric id of the Elimity custom source, e.g. 12',
  schedule: 'an EventBridge Scheduler expression, e.g. cron(0 3 * * ? *) or rate(12 hours)',
  timezone: 'an IANA time zone, e.g. UTC or Europe/Brussels',
  snapshotRetentionDays: 'a whole number of days from 1 to 36500, e.g. 365',
  objectLockMode: 'none, governance or compliance',
  objectLockDays: 'a whole number of days from 1 to 36500, e.g. 365',
  alarmEmail: 'an e-mail address that receives alarm notifications, e.g. ops@example.com',
  oktaTokenSecretName:
    'the name (not the ARN) of an existing Secrets Manager secret holding the Okta API token',
  elimityTokenSecretName:
    'the name (not the ARN) of an existing Secrets Manager secret holding the Elimity source token',
  reservedConcurrency: '1 (runs never overlap) or 0/none to reserve no concurrency',
  maxDropPercent:
    'a whole number from 0 to 100: the mass-deletion guard refuses a snapshot that dropped more than this % against the last one posted',
};

/** Defaults for the optional keys. */
export const CONTEXT_DEFAULTS = {
  /** Daily at 03:00 in `timezone`: outside office hours in most zones, Okta rate limits are idle. */
  schedule: 'cron(0 3 * * ? *)',
  timezone: 'UTC',
  /** One year of raw snapshots: a common audit-evidence horizon; costs cents for most orgs. */
  snapshotRetentionDays: 365,
  objectLockMode: 'none',
  reservedConcurrency: 1,
  maxDropPercent: 20,
} as const;

/** A run may take the whole 15-minute Lambda timeout; a shorter schedule would only queue runs. */
export const MIN_SCHEDULE_PERIOD_SECONDS = 15 * 60;
/** CloudWatch alarms look back at most 7 days, and the "no successful run" alarm looks back 2 periods. */
export const MAX_SCHEDULE_PERIOD_SECONDS = (7 * 86_400) / 2;

/** Validated stack configuration. `undefined` means "not set": create the secret, no e-mail, and so on. */
export interface StackConfig {
  readonly oktaOrgUrl: string;
  readonly elimityUrl: string;
  readonly elimitySourceId: string;
  readonly schedule: string;
  readonly timezone: string;
  readonly snapshotRetentionDays: number;
  readonly objectLock:
    | { readonly mode: 'governance' | 'compliance'; readonly days: number }
    | undefined;
  readonly alarmEmail: string | undefined;
  readonly oktaTokenSecretName: string | undefined;
  readonly elimityTokenSecretName: string | undefined;
  /** Reserved concurrent executions for the function; `undefined` reserves none. */
  readonly reservedConcurrency: number | undefined;
  /** The mass-deletion guard's threshold, passed to the function as MAX_DROP_PERCENT. */
  readonly maxDropPercent: number;
}

function must(key: ContextKey, problem?: string): string {
  return problem
    ? `${key} ${problem}: expected ${CONTEXT_EXPECTS[key]}`
    : `${key} must be ${CONTEXT_EXPECTS[key]}`;
}

function httpsBaseUrl(key: ContextKey, extraProblem?: (url: URL) => string | undefined) {
  return v.pipe(
    v.string(must(key)),
    v.trim(),
    v.rawTransform(({ dataset, addIssue, NEVER }) => {
      let url: URL;
      try {
        url = new URL(dataset.value);
      } catch {
        addIssue({ message: must(key, 'is not an absolute URL') });
        return NEVER;
      }
      const problem =
        url.protocol !== 'https:'
          ? 'must use https://'
          : url.username || url.password
            ? 'must not contain credentials'
            : url.search || url.hash
              ? 'must not contain a query or fragment'
              : (extraProblem?.(url) ??
                (url.pathname !== '/' ? 'must not contain a path' : undefined));
      if (problem) {
        addIssue({ message: must(key, problem) });
        return NEVER;
      }
      return url.origin;
    }),
  );
}

function wholeNumber(key: ContextKey, min: number, max: number) {
  return v.pipe(
    v.union(
      [v.number(), v.pipe(v.string(), v.trim(), v.regex(/^\d+$/, must(key)), v.transform(Number))],
      must(key),
    ),
    v.integer(must(key)),
    v.minValue(min, must(key)),
    v.maxValue(max, must(key)),
  );
}

/** Secrets Manager names: 1–512 of letters, digits and /_+=.@- (an ARN has colons, so it fails). */
function secretName(key: ContextKey) {
  return v.pipe(
    v.string(must(key)),
    v.trim(),
    v.check((s) => !s.startsWith('arn:'), must(key, 'must be a secret name, not an ARN')),
    v.regex(/^[A-Za-z0-9/_+=.@-]{1,512}$/, must(key)),
  );
}

const OktaOrgUrl = httpsBaseUrl('oktaOrgUrl', (url) =>
  /-admin\./i.test(url.hostname)
    ? 'must be the org URL, not the Admin Console URL (drop "-admin")'
    : undefined,
);

const ElimityUrl = httpsBaseUrl('elimityUrl', (url) =>
  /^\/api(\/|$)/.test(url.pathname) ? 'must not end in /api (the connector adds it)' : undefined,
);

const ElimitySourceId = v.pipe(
  v.union(
    [
      v.pipe(
        v.number(),
        v.integer(must('elimitySourceId')),
        v.minValue(1, must('elimitySourceId')),
        v.transform(String),
      ),
      v.pipe(v.string(), v.trim(), v.regex(/^[1-9]\d*$/, must('elimitySourceId'))),
    ],
    must('elimitySourceId'),
  ),
);

const Schedule = v.pipe(
  v.string(must('schedule')),
  v.trim(),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    let period: SchedulePeriod;
    try {
      period = schedulePeriod(dataset.value);
    } catch (error) {
      addIssue({ message: must('schedule', (error as Error).message) });
      return NEVER;
    }
    if (period.basis !== 'fallback' && period.seconds < MIN_SCHEDULE_PERIOD_SECONDS) {
      addIssue({
        message: must(
          'schedule',
          `runs every ${describeSeconds(period.seconds)}, more often than every 15 minutes (a run may take up to the 15-minute Lambda timeout)`,
        ),
      });
      return NEVER;
    }
    if (period.seconds > MAX_SCHEDULE_PERIOD_SECONDS) {
      addIssue({
        message: must(
          'schedule',
          `can leave ${describeSeconds(period.seconds)} between runs; at most 84 hours is supported, because the "no successful run" alarm looks back twice the schedule period and CloudWatch alarms look back at most 7 days`,
        ),
      });
      return NEVER;
    }
    return dataset.value;
  }),
);

/**
 * IANA tz database names: `/`-separated parts of letters, digits, `_`, `+`, `-` (Europe/Brussels,
 * Etc/GMT+5, EST5EDT). Intl also accepts UTC offsets such as "+01:00", which Scheduler does not.
 */
const IANA_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/;

/**
 * The time zone as Scheduler wants it (its tz database name, spelled exactly), or `undefined` when
 * Intl does not know it. Intl matches names case-insensitively and resolves aliases, sometimes to
 * older names (ICU: Asia/Kolkata → Asia/Calcutta). So: a zone that differs from its resolved name
 * only in case gets that spelling (utc → UTC, europe/brussels → Europe/Brussels); an alias typed
 * with capitals is kept as written (Asia/Kolkata, EST5EDT, Etc/UTC: all valid names); an alias in
 * lower case, whose proper spelling Intl cannot tell, becomes the name it resolves to.
 */
function canonicalTimeZone(zone: string): string | undefined {
  if (!IANA_NAME.test(zone)) return undefined;
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
  if (!IANA_NAME.test(resolved)) return undefined;
  if (resolved.toLowerCase() === zone.toLowerCase()) return resolved;
  return zone === zone.toLowerCase() ? resolved : zone;
}

const Timezone = v.pipe(
  v.string(must('timezone')),
  v.trim(),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const canonical = canonicalTimeZone(dataset.value);
    if (canonical === undefined) {
      addIssue({ message: must('timezone') });
      return NEVER;
    }
    return canonical;
  }),
);

const ObjectLockMode = v.pipe(
  v.string(must('objectLockMode')),
  v.trim(),
  v.toLowerCase(),
  v.picklist(['none', 'governance', 'compliance'], must('objectLockMode')),
);

const AlarmEmail = v.pipe(v.string(must('alarmEmail')), v.trim(), v.email(must('alarmEmail')));

const ReservedConcurrency = v.pipe(
  v.union(
    [v.number(), v.boolean(), v.pipe(v.string(), v.trim(), v.toLowerCase())],
    must('reservedConcurrency'),
  ),
  v.transform(String),
  v.picklist(['1', '0', 'none', 'false'], must('reservedConcurrency')),
  v.transform((s) => (s === '1' ? 1 : undefined)),
);

const ContextSchema = v.object({
  oktaOrgUrl: OktaOrgUrl,
  elimityUrl: ElimityUrl,
  elimitySourceId: ElimitySourceId,
  schedule: v.optional(Schedule, CONTEXT_DEFAULTS.schedule),
  timezone: v.optional(Timezone, CONTEXT_DEFAULTS.timezone),
  snapshotRetentionDays: v.optional(
    wholeNumber('snapshotRetentionDays', 1, 36_500),
    CONTEXT_DEFAULTS.snapshotRetentionDays,
  ),
  objectLockMode: v.optional(ObjectLockMode, CONTEXT_DEFAULTS.objectLockMode),
  objectLockDays: v.optional(wholeNumber('objectLockDays', 1, 36_500)),
  alarmEmail: v.optional(AlarmEmail),
  oktaTokenSecretName: v.optional(secretName('oktaTokenSecretName')),
  elimityTokenSecretName: v.optional(secretName('elimityTokenSecretName')),
  reservedConcurrency: v.optional(ReservedConcurrency, CONTEXT_DEFAULTS.reservedConcurrency),
  maxDropPercent: v.optional(
    wholeNumber('maxDropPercent', 0, 100),
    CONTEXT_DEFAULTS.maxDropPercent,
  ),
});

/** Keys whose value is never echoed in an error: a user may paste the token itself there. */
const SECRET_KEYS: ReadonlySet<string> = new Set<ContextKey>([
  'oktaTokenSecretName',
  'elimityTokenSecretName',
]);
/** Longer values are not echoed either: no valid value is this long, a pasted token may be. */
const MAX_ECHO_LENGTH = 64;

/** Whether errors may echo this value of this key. */
function echoes(key: string, value: unknown): boolean {
  return !SECRET_KEYS.has(key) && valueLength(value) <= MAX_ECHO_LENGTH;
}

function valueLength(value: unknown): number {
  return typeof value === 'string' ? value.length : (JSON.stringify(value) ?? String(value)).length;
}

/** How an error shows the value it is about: `(got "...")`, or a note that it is not shown. */
function got(key: string, value: unknown): string {
  if (echoes(key, value)) return `(got ${JSON.stringify(value) ?? String(value)})`;
  return SECRET_KEYS.has(key)
    ? '(value not shown)'
    : `(got ${valueLength(value)} characters; value not shown)`;
}

/** Removes quoted pieces of a value that must not be echoed, such as a cron field, from a message. */
function redact(message: string, key: string, value: unknown): string {
  if (echoes(key, value)) return message;
  const text = String(value);
  return message.replace(/"([^"]*)"/g, (quoted, piece: string) =>
    piece.length > 1 && text.includes(piece) ? '(not shown)' : quoted,
  );
}

/** Spelling of a key that ignores letter case, dashes and underscores. */
const looseKey = (key: string) => key.toLowerCase().replace(/[-_]/g, '');
const KEY_BY_LOOSE_SPELLING = new Map<string, ContextKey>(
  CONTEXT_KEYS.map((key) => [looseKey(key), key]),
);

/**
 * Keys that are not the connector's but differ from one only in letter case, dashes or
 * underscores (`timeZone`, `alarm_email`): CDK context keys are case-sensitive, so such a key would
 * be ignored without a word. Other unknown keys are left alone: CDK and its plugins keep their
 * own keys (feature flags, `aws:cdk:...`) in the same context.
 */
function misspelledKeys(context: Readonly<Record<string, unknown>>): string[] {
  const known: ReadonlySet<string> = new Set(CONTEXT_KEYS);
  const problems: string[] = [];
  for (const key of Object.keys(context)) {
    if (known.has(key)) continue;
    const meant = KEY_BY_LOOSE_SPELLING.get(looseKey(key));
    if (meant) problems.push(`unknown context key ${key}: did you mean ${meant}?`);
  }
  return problems;
}

/**
 * Validates the context values (strings from `-c`, JSON values from cdk.json) and applies the
 * defaults. `context` may be the whole app context: keys other than the connector's are ignored,
 * unless they look like a misspelling of one. Throws one ConfigError listing every problem, each
 * naming its key and what it expects.
 */
export function parseStackConfig(context: Readonly<Record<string, unknown>>): StackConfig {
  // Absent, null and blank values all mean "not set", so `-c alarmEmail=` clears a cdk.json value.
  const present: Record<string, unknown> = {};
  for (const key of CONTEXT_KEYS) {
    const value = context[key];
    if (value === undefined || value === null) continue;
    if (typeof value === 'string' && value.trim() === '') continue;
    present[key] = value;
  }

  const problems = misspelledKeys(context);
  const parsed = v.safeParse(ContextSchema, present, { abortPipeEarly: true });
  if (!parsed.success) {
    const seen = new Set<string>();
    for (const issue of parsed.issues) {
      const key = String(issue.path?.[0]?.key ?? '');
      if (seen.has(key)) continue;
      seen.add(key);
      problems.push(
        key in present
          ? `${redact(issue.message, key, present[key])} ${got(key, present[key])}`
          : `${key} is required: ${CONTEXT_EXPECTS[key as ContextKey] ?? issue.message}`,
      );
    }
    throw configError(problems);
  }

  const c = parsed.output;
  let objectLock: StackConfig['objectLock'];
  if (c.objectLockMode === 'none') {
    if (c.objectLockDays !== undefined) {
      problems.push(
        `objectLockDays (${c.objectLockDays}) needs objectLockMode governance or compliance, but objectLockMode is none: set objectLockMode, or leave objectLockDays unset (-c objectLockDays=)`,
      );
    }
  } else if (c.objectLockDays === undefined) {
    problems.push(
      `objectLockDays is required when objectLockMode is ${c.objectLockMode}: expected ${CONTEXT_EXPECTS.objectLockDays}`,
    );
  } else if (c.snapshotRetentionDays < c.objectLockDays) {
    problems.push(
      `snapshotRetentionDays (${c.snapshotRetentionDays}) must be at least objectLockDays (${c.objectLockDays}): snapshots cannot expire while they are locked`,
    );
  } else {
    objectLock = { mode: c.objectLockMode, days: c.objectLockDays };
  }
  if (problems.length > 0) throw configError(problems);

  return {
    oktaOrgUrl: c.oktaOrgUrl,
    elimityUrl: c.elimityUrl,
    elimitySourceId: c.elimitySourceId,
    schedule: c.schedule,
    timezone: c.timezone,
    snapshotRetentionDays: c.snapshotRetentionDays,
    objectLock,
    alarmEmail: c.alarmEmail,
    oktaTokenSecretName: c.oktaTokenSecretName,
    elimityTokenSecretName: c.elimityTokenSecretName,
    reservedConcurrency: c.reservedConcurrency,
    maxDropPercent: c.maxDropPercent,
  };
}

function configError(problems: string[]): ConfigError {
  return new ConfigError(
    `Invalid stack configuration (cdk.json "context" or -c key=value):\n${problems.map((p) => `  - ${p}`).join('\n')}`,
  );
}

// ---------------------------------------------------------------------------------------------
// Schedule period: how long the "no successful run" alarm has to wait.

/** The longest time between two runs of a schedule, and how it was found. */
export interface SchedulePeriod {
  readonly seconds: number;
  /** `rate`: exact; `cron`: the longest gap between fire times; `fallback`: assumed daily. */
  readonly basis: 'rate' | 'cron' | 'fallback';
}

const RATE = /^rate\((\d+) (minutes?|hours?|days?)\)$/;
const CRON = /^cron\((.*)\)$/;
const UNIT_SECONDS: Record<string, number> = { minute: 60, hour: 3_600, day: 86_400 };
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const CRON_FIELD_PATTERNS = [
  /^[0-9,*/-]+$/, // minutes
  /^[0-9,*/-]+$/, // hours
  /^[0-9,*/?LW-]+$/, // day of month
  /^[0-9A-Za-z,*/-]+$/, // month
  /^[0-9A-Za-z,*/?L#-]+$/, // day of week
  /^[0-9,*/-]+$/, // year
];
const CRON_FIELD_NAMES = ['minutes', 'hours', 'day-of-month', 'month', 'day-of-week', 'year'];

/**
 * Parses an EventBridge Scheduler `rate(...)` or `cron(...)` expression and returns the longest
 * time between two runs. Throws (with a message for the `schedule` key) when it is malformed.
 * Crons that restrict the month, the day of the month or use L/W/# fall back to one day.
 */
export function schedulePeriod(expression: string): SchedulePeriod {
  const rate = RATE.exec(expression);
  if (rate) {
    const value = Number(rate[1]);
    const unit = (rate[2] ?? '').replace(/s$/, '');
    if (value < 1) throw new Error('has a rate of zero');
    // Scheduler, like EventBridge rules, wants "1 day" but "2 days".
    const expected = `${value} ${unit}${value === 1 ? '' : 's'}`;
    if (`${value} ${rate[2]}` !== expected) throw new Error(`must say rate(${expected})`);
    return { seconds: value * (UNIT_SECONDS[unit] ?? 0), basis: 'rate' };
  }
  const cron = CRON.exec(expression);
  if (!cron) throw new Error('is not a rate(...) or cron(...) expression');
  const fields = (cron[1] ?? '').trim().split(/\s+/);
  if (fields.length !== 6) {
    throw new Error(
      `has ${fields.length} cron fields; expected 6 (minutes hours day-of-month month day-of-week year)`,
    );
  }
  fields.forEach((field, i) => {
    if (!CRON_FIELD_PATTERNS[i]?.test(field)) {
      throw new Error(`has an invalid cron ${CRON_FIELD_NAMES[i]} field "${field}"`);
    }
  });
  const [minutesField, hoursField, domField, monthField, dowField, yearField] = fields as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if ((domField === '?') === (dowField === '?')) {
    throw new Error('must have "?" in exactly one of the day-of-month and day-of-week fields');
  }

  const minutes = expandField(minutesField, 0, 59, 'minutes');
  const hours = expandField(hoursField, 0, 23, 'hours');
  const fallback: SchedulePeriod = { seconds: 86_400, basis: 'fallback' };
  if (!minutes || !hours || monthField !== '*' || yearField !== '*') return fallback;
  const timesOfDay = hours.flatMap((h) => minutes.map((m) => h * 60 + m));

  const everyDay = (f: string) => f === '*' || f === '?';
  if (everyDay(domField) && everyDay(dowField)) {
    return { seconds: maxCircularGap(timesOfDay, 1_440) * 60, basis: 'cron' };
  }
  if (domField !== '?') return fallback;
  const days = expandField(dowField, 1, 7, 'day-of-week', DAY_NAMES);
  if (!days) return fallback;
  const timesOfWeek = days.flatMap((d) => timesOfDay.map((t) => (d - 1) * 1_440 + t));
  return { seconds: maxCircularGap(timesOfWeek, 7 * 1_440) * 60, basis: 'cron' };
}

/** Expands one cron field into its sorted values; `undefined` for L, W, # (not derivable). */
function expandField(
  field: string,
  min: number,
  max: number,
  name: string,
  names?: readonly string[],
): number[] | undefined {
  const values = new Set<number>();
  const toNumber = (token: string): number => {
    const n = /^\d+$/.test(token) ? Number(token) : Number.NaN;
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new Error(`has "${token}" in the cron ${name} field; expected ${min}-${max}`);
    }
    return n;
  };
  // Day names become numbers first, so the L/W/# test below does not trip over WED or SAT.
  const numeric = names
    ? field.replace(/[A-Za-z]{3}/g, (token) => {
        const i = names.indexOf(token.toUpperCase());
        return i >= 0 ? String(i + min) : token;
      })
    : field;
  for (const part of numeric.split(',')) {
    if (/[LW#?]/i.test(part)) return undefined;
    const [range = '', stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) {
      throw new Error(`has an invalid step "${part}" in the cron ${name} field`);
    }
    let from: number;
    let to: number;
    if (range === '*') {
      from = min;
      to = max;
    } else if (range.includes('-')) {
      const [a = '', b = ''] = range.split('-');
      from = toNumber(a);
      to = toNumber(b);
      if (to < from) return undefined; // wrap-around ranges such as FRI-MON: not derived
    } else {
      from = toNumber(range);
      to = stepText === undefined ? from : max;
    }
    for (let n = from; n <= to; n += step) values.add(n);
  }
  return [...values].sort((a, b) => a - b);
}

function maxCircularGap(sorted: readonly number[], cycle: number): number {
  const first = sorted[0];
  const last = sorted[sorted.length - 1];
  if (first === undefined || last === undefined) return cycle;
  let gap = first + cycle - last;
  for (let i = 1; i < sorted.length; i++) {
    gap = Math.max(gap, (sorted[i] ?? 0) - (sorted[i - 1] ?? 0));
  }
  return gap;
}

function describeSeconds(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400} day(s)`;
  if (seconds % 3_600 === 0) return `${seconds / 3_600} hour(s)`;
  return `${seconds / 60} minute(s)`;
}

/** Period and evaluation periods of an alarm that looks back exactly over `windowSeconds`. */
export interface AlarmWindow {
  readonly periodSeconds: number;
  readonly evaluationPeriods: number;
}

/**
 * Splits "twice the schedule period" into CloudWatch alarm periods: one period when it fits in a
 * day; otherwise whole-hour periods of at most a day (CloudWatch: period × evaluation periods ≤ 7
 * days, and ≤ 1 day when the period is under an hour). The window is rounded up to whole hours.
 */
export function noSuccessAlarmWindow(schedulePeriodSeconds: number): AlarmWindow {
  const window = 2 * schedulePeriodSeconds;
  if (window <= 86_400) {
    return { periodSeconds: Math.max(60, Math.ceil(window / 60) * 60), evaluationPeriods: 1 };
  }
  const hours = Math.ceil(window / 3_600);
  let n = Math.ceil(hours / 24);
  while (hours % n !== 0) n++;
  return { periodSeconds: (hours / n) * 3_600, evaluationPeriods: n };
}
