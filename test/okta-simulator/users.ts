import { base62, randomFor, STREAM } from './random';
import { between, daysBeforeBase, oktaTimestamp } from './time';
import type { Href, OktaUser, UserStatus } from './types';
import { USER_STATUSES } from './types';
import {
  COUNTRY_CODES,
  DEPARTMENT_NAMES,
  DEPARTMENTS,
  DIVISIONS,
  HTML_SNIPPETS,
  ORGANIZATIONS,
  type PersonName,
  personName,
  SKILLS,
  TITLES,
  USER_TYPES,
} from './vocabulary';

/** `credentials.provider` values; the index is what the user table stores. */
export const PROVIDERS = [
  { type: 'OKTA', name: 'OKTA' },
  { type: 'ACTIVE_DIRECTORY', name: 'corp.example.com' },
  { type: 'LDAP', name: 'ldap.example.com' },
  { type: 'FEDERATION', name: 'FEDERATION' },
] as const;

/** Provider codes, for readability where the table is filled. */
export const PROVIDER = { okta: 0, activeDirectory: 1, ldap: 2, federation: 3 } as const;

const STATUS_WEIGHTS: readonly (readonly [UserStatus, number])[] = [
  ['ACTIVE', 78],
  ['DEPROVISIONED', 5],
  ['PROVISIONED', 4],
  ['STAGED', 3],
  ['PASSWORD_EXPIRED', 3],
  ['SUSPENDED', 3],
  ['RECOVERY', 2],
  ['LOCKED_OUT', 2],
];

/** Status code (index into USER_STATUSES) of generated user `index`. */
export function generatedStatusCode(seed: number, index: number): number {
  return USER_STATUSES.indexOf(randomFor(seed, STREAM.userStatus, index).weighted(STATUS_WEIGHTS));
}

/** Provider code of generated user `index`. */
export function generatedProviderCode(seed: number, index: number): number {
  return randomFor(seed, STREAM.userProvider, index).weighted([
    [PROVIDER.okta, 50],
    [PROVIDER.activeDirectory, 30],
    [PROVIDER.ldap, 5],
    [PROVIDER.federation, 15],
  ]);
}

/** Name of user `index`; about 6 % of users have a Greek, Japanese, Arabic or Cyrillic name. */
export function userName(seed: number, index: number): PersonName {
  const random = randomFor(seed, STREAM.userName, index);
  const nonLatin = random.chance(0.06);
  return personName((n) => random.int(0, n - 1), nonLatin);
}

/** Login of user `index` (unique thanks to the index suffix). */
export function userLogin(seed: number, index: number): string {
  const name = userName(seed, index);
  return `${name.asciiFirst}.${name.asciiLast}${index}@example.com`;
}

/** The two user type ids of an org (default and contractor). */
export function userTypeIds(seed: number): [string, string] {
  const random = randomFor(seed, STREAM.userTypeId, 0);
  return [`oty${base62(random, 17)}`, `oty${base62(random, 17)}`];
}

/** What a user render needs beyond the seed and index. */
export interface UserFacts {
  seed: number;
  index: number;
  id: string;
  status: UserStatus;
  providerCode: number;
  /** Manager's index or -1. */
  managerIndex: number;
  managerId: string | null;
  origin: string;
  typeIds: readonly [string, string];
  /** Collection responses carry only `self`; a single GET carries the full link set. */
  fullLinks: boolean;
}

/** Renders an Okta User deterministically from its facts. */
export function renderUser(facts: UserFacts): OktaUser {
  const { seed, index, id, status } = facts;
  const r = randomFor(seed, STREAM.userRender, index);
  const name = userName(seed, index);
  const login = userLogin(seed, index);

  const createdMs = daysBeforeBase(r.int(20, 1800) + r.next());
  const legacy = r.chance(0.03); // pre-2013 users lack statusChanged/lastLogin entirely
  const neverActivated = status === 'STAGED' || status === 'PROVISIONED';
  const activatedMs = neverActivated ? null : createdMs + r.int(60_000, 3 * 86_400_000);
  const statusChangedMs =
    status === 'STAGED' ? null : between(activatedMs ?? createdMs, r.next() ** 3);
  const loginRoll = r.next();
  // Users who left (or were suspended) stopped logging in when their status changed.
  const loginUntilMs =
    (status === 'DEPROVISIONED' || status === 'SUSPENDED') && statusChangedMs !== null
      ? statusChangedMs
      : undefined;
  const lastLoginMs =
    neverActivated || loginRoll < 0.1
      ? null
      : between(activatedMs ?? createdMs, 0.5 + r.next() / 2, loginUntilMs);
  const lastLoginAbsent = loginRoll >= 0.1 && loginRoll < 0.13;
  const passwordRoll = r.next();
  const provider = PROVIDERS[facts.providerCode] ?? PROVIDERS[0];
  const passwordChangedMs =
    neverActivated || provider.type === 'FEDERATION' || passwordRoll < 0.05
      ? null
      : between(activatedMs ?? createdMs, r.next());
  const lastUpdatedMs =
    Math.max(createdMs, statusChangedMs ?? 0, passwordChangedMs ?? 0) + r.int(0, 9) * 3_600_000;

  const department = r.pick(DEPARTMENT_NAMES);
  const team = r.pick(DEPARTMENTS[department] ?? ['General']);
  const displayRoll = r.next();
  const profile: OktaUser['profile'] = {
    login,
    email: login,
    secondEmail: null,
    firstName: name.first,
    lastName: name.last,
    ...(displayRoll < 0.85
      ? { displayName: `${name.first} ${name.last}` }
      : displayRoll < 0.93
        ? { displayName: '' }
        : {}),
    title: r.chance(0.9) ? r.pick(TITLES) : null,
    department,
    division: r.pick(DIVISIONS),
    organization: r.pick(ORGANIZATIONS),
    costCenter: r.chance(0.8) ? `CC-${r.int(4000, 4999)}` : null,
    employeeNumber: `E-${10_000 + index}`,
    manager: facts.managerIndex >= 0 ? displayNameOf(seed, facts.managerIndex) : null,
    managerId: facts.managerId,
    countryCode: r.pick(COUNTRY_CODES),
    userType: r.pick(USER_TYPES),
    mobilePhone: r.chance(0.5)
      ? `+32 4${r.int(10, 99)} ${r.int(10, 99)} ${r.int(10, 99)} ${r.int(10, 99)}`
      : null,
    // Custom attributes: every JSON type occurs, including null, arrays and user-supplied HTML.
    team,
    costCenterCodes: Array.from({ length: r.int(0, 3) }, () => r.int(4000, 4999)),
    isContractor: r.chance(0.15),
    fte: r.pick([1, 1, 1, 0.8, 0.5]),
    clearanceLevel: r.int(0, 5),
    skills: [...new Set(Array.from({ length: r.int(0, 3) }, () => r.pick(SKILLS)))],
    hrStartDate: r.chance(0.85) ? oktaTimestamp(createdMs).slice(0, 10) : null,
    bio: r.chance(0.3) ? r.pick(HTML_SNIPPETS) : null,
    nickname: null,
    ...(r.chance(0.5) ? { badgeId: `B${r.int(100_000, 999_999)}` } : {}),
  };

  const credentials: OktaUser['credentials'] = {
    ...(provider.type === 'OKTA' ? { password: {} } : {}),
    ...(provider.type === 'OKTA' && r.chance(0.5)
      ? { recovery_question: { question: 'What is the food you least liked as a child?' } }
      : {}),
    emails: [{ value: login, status: 'VERIFIED', type: 'PRIMARY' }],
    provider: { type: provider.type, name: provider.name },
  };

  const user: OktaUser = {
    id,
    status,
    created: oktaTimestamp(createdMs),
    activated: activatedMs === null ? null : oktaTimestamp(activatedMs),
    statusChanged: statusChangedMs === null ? null : oktaTimestamp(statusChangedMs),
    lastLogin: lastLoginMs === null ? null : oktaTimestamp(lastLoginMs),
    lastUpdated: oktaTimestamp(lastUpdatedMs),
    passwordChanged: passwordChangedMs === null ? null : oktaTimestamp(passwordChangedMs),
    type: { id: facts.typeIds[profile.userType === 'Contractor' ? 1 : 0] },
    profile,
    credentials,
    _links: userLinks(facts),
  };
  // Okta may omit null properties; some users lack these keys altogether.
  if (legacy) {
    delete user.statusChanged;
    delete user.lastLogin;
  }
  if (lastLoginAbsent) delete user.lastLogin;
  if (!neverActivated && passwordRoll >= 0.05 && passwordRoll < 0.08) delete user.passwordChanged;
  if (neverActivated && r.chance(0.5)) delete user.activated;
  return user;
}

/** Display name of user `index` (used for the `manager` attribute of reports). */
export function displayNameOf(seed: number, index: number): string {
  const name = userName(seed, index);
  return `${name.first} ${name.last}`;
}

function userLinks(facts: UserFacts): OktaUser['_links'] {
  const self = `${facts.origin}/api/v1/users/${facts.id}`;
  if (!facts.fullLinks) return { self: { href: self } };
  const lifecycle: Record<string, Href> =
    facts.status === 'DEPROVISIONED'
      ? { activate: { href: `${self}/lifecycle/activate`, method: 'POST' } }
      : facts.status === 'SUSPENDED'
        ? { unsuspend: { href: `${self}/lifecycle/unsuspend`, method: 'POST' } }
        : { suspend: { href: `${self}/lifecycle/suspend`, method: 'POST' } };
  return {
    self: { href: self },
    ...lifecycle,
    deactivate: { href: `${self}/lifecycle/deactivate`, method: 'POST' },
    resetPassword: { href: `${self}/lifecycle/reset_password`, method: 'POST' },
    schema: { href: `${facts.origin}/api/v1/meta/schemas/user/osc${facts.id.slice(3)}` },
    type: { href: `${facts.origin}/api/v1/meta/types/user/${facts.typeIds[0]}` },
  };
}
