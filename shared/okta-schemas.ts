import * as v from 'valibot';
import { DataError } from './errors';

// Validation where Okta data enters. The schemas are deliberately lenient (okta-api.md §1, §5):
// - unknown fields never fail: `v.object` strips them, profiles use `v.looseObject` and keep them;
// - every optional Okta field is `nullish`, because Okta may send null or omit the key;
// - profile attributes are `unknown`: any JSON type, base ones included (T12);
// - statuses, types and sign-on modes are any string, so new Okta values pass through (T10);
// - timestamps are any string: an unparsable one is left out by the transform, not rejected here.
// What *is* required is what makes an object meaningless without it: a non-empty `id` on every
// object, and `profile` on users and groups (the spec marks it required and the entity name needs
// it; a user or group without one is broken data, and a run never skips a bad record).

const OktaIdSchema = v.pipe(v.string(), v.nonEmpty('expected a non-empty string'));

/** An ISO 8601 timestamp as Okta sends it; null or absent means "never"/"unknown". */
const OktaTimestampSchema = v.nullish(v.string());

/** A profile attribute of any JSON type (T12), kept as `unknown` for the transform to judge. */
const AnyValueSchema = v.nullish(v.unknown());

/** `profile` of a user: the base attributes the transform reads, plus any custom ones. */
const OktaUserProfileSchema = v.looseObject({
  login: AnyValueSchema,
  email: AnyValueSchema,
  firstName: AnyValueSchema,
  lastName: AnyValueSchema,
  displayName: AnyValueSchema,
  userType: AnyValueSchema,
  title: AnyValueSchema,
  department: AnyValueSchema,
  division: AnyValueSchema,
  organization: AnyValueSchema,
  costCenter: AnyValueSchema,
  employeeNumber: AnyValueSchema,
  manager: AnyValueSchema,
  managerId: AnyValueSchema,
  countryCode: AnyValueSchema,
});

/** An Okta user (`/api/v1/users`, `/api/v1/groups/{id}/users`): the fields the product reads. */
export const OktaUserSchema = v.object({
  id: OktaIdSchema,
  status: v.nullish(v.string()),
  created: OktaTimestampSchema,
  activated: OktaTimestampSchema,
  statusChanged: OktaTimestampSchema,
  lastLogin: OktaTimestampSchema,
  lastUpdated: OktaTimestampSchema,
  passwordChanged: OktaTimestampSchema,
  profile: OktaUserProfileSchema,
  credentials: v.nullish(
    v.object({
      provider: v.nullish(
        v.object({
          type: v.nullish(v.string()),
          name: v.nullish(v.string()),
        }),
      ),
    }),
  ),
});

/** An Okta user as validated by `OktaUserSchema`. */
export type OktaUser = v.InferOutput<typeof OktaUserSchema>;

/** An Okta group (`/api/v1/groups?expand=stats`). */
export const OktaGroupSchema = v.object({
  id: OktaIdSchema,
  type: v.nullish(v.string()),
  objectClass: v.nullish(v.array(v.string())),
  created: OktaTimestampSchema,
  lastUpdated: OktaTimestampSchema,
  lastMembershipUpdated: OktaTimestampSchema,
  profile: v.looseObject({
    name: AnyValueSchema,
    description: AnyValueSchema,
  }),
  _embedded: v.nullish(
    v.object({
      // `unknown`: the count is only used when it is a number (fetchers may skip empty groups, T5).
      stats: v.nullish(v.object({ usersCount: AnyValueSchema })),
    }),
  ),
});

/** An Okta group as validated by `OktaGroupSchema`. */
export type OktaGroup = v.InferOutput<typeof OktaGroupSchema>;

/** An Okta app (`/api/v1/apps`); `settings`/`credentials` vary per sign-on mode: ignored (T14). */
export const OktaAppSchema = v.object({
  id: OktaIdSchema,
  name: v.nullish(v.string()),
  label: v.nullish(v.string()),
  status: v.nullish(v.string()),
  signOnMode: v.nullish(v.string()),
  features: v.nullish(v.array(v.string())),
  created: OktaTimestampSchema,
  lastUpdated: OktaTimestampSchema,
});

/** An Okta app as validated by `OktaAppSchema`. */
export type OktaApp = v.InferOutput<typeof OktaAppSchema>;

/** An app user (`/api/v1/apps/{appId}/users`): `id` is the Okta *user* id (okta-api.md §8.5). */
export const OktaAppUserSchema = v.object({
  id: OktaIdSchema,
  scope: v.nullish(v.string()),
  status: v.nullish(v.string()),
  syncState: v.nullish(v.string()),
  externalId: v.nullish(v.string()),
  created: OktaTimestampSchema,
  lastUpdated: OktaTimestampSchema,
  statusChanged: OktaTimestampSchema,
  credentials: v.nullish(v.object({ userName: v.nullish(v.string()) })),
});

/** An app user as validated by `OktaAppUserSchema`. */
export type OktaAppUser = v.InferOutput<typeof OktaAppUserSchema>;

/** An app group assignment (`/api/v1/apps/{appId}/groups`): `id` is the Okta *group* id (§8.6). */
export const OktaAppGroupSchema = v.object({
  id: OktaIdSchema,
  priority: v.nullish(v.number()),
  lastUpdated: OktaTimestampSchema,
});

/** An app group assignment as validated by `OktaAppGroupSchema`. */
export type OktaAppGroup = v.InferOutput<typeof OktaAppGroupSchema>;

/** The JSON body of an Okta 4xx/5xx (okta-api.md §7); all optional, as proxies send odd bodies. */
export const OktaErrorSchema = v.object({
  errorCode: v.nullish(v.string()),
  errorSummary: v.nullish(v.string()),
  errorLink: v.nullish(v.string()),
  errorId: v.nullish(v.string()),
  errorCauses: v.nullish(v.array(v.object({ errorSummary: v.nullish(v.string()) }))),
});

/** An Okta error body as validated by `OktaErrorSchema`. */
export type OktaError = v.InferOutput<typeof OktaErrorSchema>;

/** Where a body came from, for error messages: a resource name (`users`) and the request URL. */
export interface OktaSource {
  resource: string;
  url: string;
}

/** Validates one page of an Okta list: a JSON array whose every item matches `schema`. */
export function parseOktaPage<T>(
  schema: v.GenericSchema<unknown, T>,
  body: unknown,
  where: OktaSource,
): T[] {
  const location = `okta ${where.resource} page ${where.url}`;
  if (!Array.isArray(body)) {
    throw new DataError(location, `expected a JSON array but received ${describeType(body)}`);
  }
  return body.map((item: unknown, index) => {
    const result = v.safeParse(schema, item);
    if (result.success) return result.output;
    const id = itemId(item);
    const label = id === undefined ? `item ${index}` : `item ${index} (id ${id})`;
    throw new DataError(location, `${label}: ${describeIssues(result.issues)}`);
  });
}

/** Validates a single Okta object (a by-id fetch) against `schema`, or throws a `DataError`. */
export function parseOktaObject<T>(
  schema: v.GenericSchema<unknown, T>,
  body: unknown,
  where: OktaSource,
): T {
  const result = v.safeParse(schema, body);
  if (result.success) return result.output;
  const id = itemId(body);
  const location = `okta ${where.resource} ${where.url}`;
  const prefix = id === undefined ? '' : `id ${id}: `;
  throw new DataError(location, `${prefix}${describeIssues(result.issues)}`);
}

/** The first issue as `path: problem` on one line, and how many more there were. */
function describeIssues(
  issues: readonly [v.BaseIssue<unknown>, ...v.BaseIssue<unknown>[]],
): string {
  const [first] = issues;
  // No path: the problem is the value itself (e.g. a string where an object belongs).
  const path = v.getDotPath(first);
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more issues)` : '';
  return `${path === null ? '' : `${path}: `}${describeProblem(first)}${more}`;
}

function describeProblem(issue: v.BaseIssue<unknown>): string {
  // A required key that is absent: valibot reports it as received `undefined`.
  if (issue.kind === 'schema' && issue.received === 'undefined') return 'missing';
  if (issue.kind === 'validation') return oneLine(issue.message);
  const expected =
    issue.expected === 'Object' || issue.expected === 'Array'
      ? issue.expected.toLowerCase()
      : issue.expected;
  return expected === null
    ? oneLine(issue.message)
    : `expected ${expected} but received ${truncate(issue.received)}`;
}

/** The item's id when it has a usable one, so a bad record can be found in the stored raw page. */
function itemId(item: unknown): string | undefined {
  if (typeof item !== 'object' || item === null || !('id' in item)) return undefined;
  const { id } = item;
  return typeof id === 'string' && id !== '' ? truncate(oneLine(id)) : undefined;
}

function describeType(body: unknown): string {
  return body === null ? 'null' : typeof body;
}

// Received values are echoed for diagnosis but kept short: messages are single log lines.
const MAX_RECEIVED_LENGTH = 60;

function truncate(text: string): string {
  return text.length > MAX_RECEIVED_LENGTH ? `${text.slice(0, MAX_RECEIVED_LENGTH)}…` : text;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ');
}
