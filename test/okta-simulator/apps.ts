import type { GroupRecord } from './groups';
import { oktaId } from './ids';
import { base62, type Random, randomFor, STREAM, sampleSorted } from './random';
import { between, daysBeforeBase, oktaTimestamp } from './time';
import type { OktaApp, SignOnMode } from './types';

/** Okta Expression Language placeholder `${…}` (kept out of string literals for the linter). */
function oktaExpression(expression: string): string {
  return `\${${expression}}`;
}

/** How an app's access is granted. */
export type AssignmentPattern = 'users' | 'groups' | 'both' | 'none' | 'directory';

/** What kind of app-specific profile its assignments carry. */
export type ProfileKind = 'salesforce' | 'aws' | 'github' | 'plain';

/** An integration from the Okta catalog (or a template for custom apps). */
export interface CatalogEntry {
  name: string;
  label: string;
  signOnMode: SignOnMode | null;
  provisioning: boolean;
  profileKind: ProfileKind;
}

const ACTIVE_DIRECTORY: CatalogEntry = {
  name: 'active_directory',
  label: 'corp.example.com',
  signOnMode: null,
  provisioning: true,
  profileKind: 'plain',
};
const LDAP: CatalogEntry = {
  name: 'ldap_sun_one',
  label: 'ldap.example.com',
  signOnMode: null,
  provisioning: true,
  profileKind: 'plain',
};

const CATALOG: readonly CatalogEntry[] = [
  {
    name: 'salesforce',
    label: 'Salesforce',
    signOnMode: 'SAML_2_0',
    provisioning: true,
    profileKind: 'salesforce',
  },
  {
    name: 'slack',
    label: 'Slack',
    signOnMode: 'SAML_2_0',
    provisioning: true,
    profileKind: 'plain',
  },
  {
    name: 'githubcloud',
    label: 'GitHub Enterprise Cloud',
    signOnMode: 'SAML_2_0',
    provisioning: true,
    profileKind: 'github',
  },
  {
    name: 'amazon_aws',
    label: 'AWS Account Federation',
    signOnMode: 'SAML_2_0',
    provisioning: false,
    profileKind: 'aws',
  },
  {
    name: 'zoomus',
    label: 'Zoom',
    signOnMode: 'SAML_2_0',
    provisioning: true,
    profileKind: 'plain',
  },
  {
    name: 'oidc_client',
    label: 'Internal Portal',
    signOnMode: 'OPENID_CONNECT',
    provisioning: false,
    profileKind: 'plain',
  },
  {
    name: 'oidc_client',
    label: 'Expense Tool',
    signOnMode: 'OPENID_CONNECT',
    provisioning: false,
    profileKind: 'plain',
  },
  {
    name: 'acme_intranet',
    label: 'Intranet',
    signOnMode: 'AUTO_LOGIN',
    provisioning: false,
    profileKind: 'plain',
  },
  {
    name: 'bookmark',
    label: 'Benefits Portal',
    signOnMode: 'BOOKMARK',
    provisioning: false,
    profileKind: 'plain',
  },
  {
    name: 'template_swa',
    label: 'Legacy Payroll',
    signOnMode: 'BROWSER_PLUGIN',
    provisioning: false,
    profileKind: 'plain',
  },
  {
    name: 'template_sps',
    label: 'Supplier Portal',
    signOnMode: 'SECURE_PASSWORD_STORE',
    provisioning: false,
    profileKind: 'plain',
  },
  {
    name: 'template_wsfed',
    label: 'SharePoint On-Prem',
    signOnMode: 'WS_FEDERATION',
    provisioning: false,
    profileKind: 'plain',
  },
  {
    name: 'template_basic_auth',
    label: 'Build Server',
    signOnMode: 'BASIC_AUTH',
    provisioning: false,
    profileKind: 'plain',
  },
];

const LABEL_SUFFIXES = ['', ' (Prod)', ' (Sandbox)', ' – EMEA', ' (Test)'];

/** Compact record of one app; JSON is rendered on demand. */
export interface AppRecord {
  id: string;
  label: string;
  entry: CatalogEntry;
  status: 'ACTIVE' | 'INACTIVE';
  pattern: AssignmentPattern;
  /** Directly assigned user indexes, ascending. */
  directUsers: Uint32Array;
  /** Assigned group indexes in priority order (priority = position). */
  groups: Uint32Array;
  deleted: boolean;
}

/** Inputs of app generation. */
export interface AppPlan {
  seed: number;
  apps: number;
  meanDirectUsers: number;
  eligible: Uint32Array;
  activeDirectoryUsers: Uint32Array;
  ldapUsers: Uint32Array;
  groups: readonly GroupRecord[];
}

const PATTERNS: readonly AssignmentPattern[] = ['users', 'groups', 'both', 'none'];

/**
 * App 0 is the Active Directory app (source of APP_GROUPs), app 1 the LDAP directory; the rest
 * cycle through the catalog. The first four catalog apps use each assignment pattern once so that
 * small orgs still show every case; app 2 assigns the Everyone group.
 */
export function generateApps(plan: AppPlan): AppRecord[] {
  const records: AppRecord[] = [];
  const usedLabels = new Set<string>();
  for (let index = 0; index < plan.apps; index++) {
    const r = randomFor(plan.seed, STREAM.appShape, index);
    const id = oktaId(plan.seed, 'app', index);
    if (index <= 1) {
      const entry = index === 0 ? ACTIVE_DIRECTORY : LDAP;
      const pool = index === 0 ? plan.activeDirectoryUsers : plan.ldapUsers;
      records.push({
        id,
        label: entry.label,
        entry,
        status: 'ACTIVE',
        pattern: 'directory',
        directUsers: pool.slice(),
        groups: new Uint32Array(0),
        deleted: false,
      });
      usedLabels.add(entry.label);
      continue;
    }
    const entry = CATALOG[(index - 2) % CATALOG.length] ?? ACTIVE_DIRECTORY;
    let label = `${entry.label}${r.pick(LABEL_SUFFIXES)}`;
    if (usedLabels.has(label)) label = `${entry.label} ${index}`;
    usedLabels.add(label);
    const pattern =
      index < 6
        ? (PATTERNS[index - 2] ?? 'none')
        : r.weighted<AssignmentPattern>([
            ['users', 30],
            ['groups', 30],
            ['both', 30],
            ['none', 10],
          ]);
    const groups = pattern === 'groups' || pattern === 'both' ? pickGroups(r, plan, index) : [];
    const directUsers =
      pattern === 'users' || pattern === 'both'
        ? pickDirectUsers(r, plan, groups)
        : new Uint32Array(0);
    records.push({
      id,
      label,
      entry,
      status: index >= 4 && r.chance(0.15) ? 'INACTIVE' : 'ACTIVE',
      pattern,
      directUsers,
      groups: Uint32Array.from(groups),
      deleted: false,
    });
  }
  // Guarantee at least one INACTIVE app whenever there is room for one.
  const inactive = records.some((a) => a.status === 'INACTIVE');
  const last = records[records.length - 1];
  if (!inactive && last && records.length > 4) last.status = 'INACTIVE';
  return records;
}

function pickGroups(r: Random, plan: AppPlan, appIndex: number): number[] {
  const candidates: number[] = [];
  plan.groups.forEach((g, i) => {
    if (i > 0 && g.members.length > 0) candidates.push(i);
  });
  const chosen: number[] = appIndex === 3 ? [0] : []; // app 3 (pattern 'groups') assigns Everyone
  const count = r.int(1, 3);
  for (let k = 0; k < count && candidates.length > 0; k++) {
    const pick = r.pick(candidates);
    if (!chosen.includes(pick)) chosen.push(pick);
  }
  return chosen;
}

function pickDirectUsers(r: Random, plan: AppPlan, groups: readonly number[]): Uint32Array {
  const size = Math.max(1, Math.round(-Math.log(1 - r.next()) * plan.meanDirectUsers));
  const picked = new Set(sampleSorted(r, plan.eligible, size));
  // Some users are assigned both directly and through a group: they must appear once, as USER.
  const firstGroup = groups[0] === undefined ? undefined : plan.groups[groups[0]];
  if (firstGroup && firstGroup.members.length > 0) {
    for (let k = 0; k < 2; k++) {
      picked.add(firstGroup.members[r.int(0, firstGroup.members.length - 1)] ?? 0);
    }
  }
  return Uint32Array.from(picked).sort();
}

/** What an app render needs beyond its record. */
export interface AppFacts {
  seed: number;
  index: number;
  record: AppRecord;
  origin: string;
}

/** Renders an Okta Application; `settings`/`credentials` differ by sign-on mode. */
export function renderApp(facts: AppFacts): OktaApp {
  const { record, origin } = facts;
  const r = randomFor(facts.seed, STREAM.appRender, facts.index);
  const createdMs = daysBeforeBase(r.int(30, 2000) + r.next());
  const self = `${origin}/api/v1/apps/${record.id}`;
  const mode = record.entry.signOnMode;
  return {
    id: record.id,
    orn: `orn:okta:idp:00o1exampleorg:apps:${record.entry.name}:${record.id}`,
    name: record.entry.name,
    label: record.label,
    status: record.status,
    signOnMode: mode,
    created: oktaTimestamp(createdMs),
    lastUpdated: oktaTimestamp(between(createdMs, r.next())),
    features: record.entry.provisioning ? features(r, record.pattern === 'directory') : [],
    visibility: {
      autoLaunch: false,
      autoSubmitToolbar: r.chance(0.3),
      hide: { iOS: false, web: record.pattern === 'directory' },
      appLinks: { [`${record.entry.name}_link`]: true },
    },
    accessibility: { selfService: r.chance(0.2), errorRedirectUrl: null, loginRedirectUrl: null },
    credentials: credentialsFor(mode, r, record.id),
    settings: settingsFor(mode, r, record),
    _links: {
      appLinks: [
        {
          name: `${record.entry.name}_link`,
          href: `${origin}/home/${record.entry.name}/${record.id}/1`,
          type: 'text/html',
        },
      ],
      logo: [
        {
          name: 'medium',
          href: 'https://op1static.oktacdn.com/assets/img/logos/apps/app-medium.png',
          type: 'image/png',
        },
      ],
      users: { href: `${self}/users` },
      groups: { href: `${self}/groups` },
      ...(record.status === 'ACTIVE'
        ? { deactivate: { href: `${self}/lifecycle/deactivate` } }
        : { activate: { href: `${self}/lifecycle/activate` } }),
      ...(mode === 'SAML_2_0'
        ? { metadata: { href: `${self}/sso/saml/metadata`, type: 'application/xml' } }
        : {}),
    },
  };
}

function features(r: Random, directory: boolean): string[] {
  if (directory) {
    return [
      'IMPORT_NEW_USERS',
      'IMPORT_PROFILE_UPDATES',
      'IMPORT_USER_SCHEMA',
      'PROFILE_MASTERING',
    ];
  }
  const all = [
    'PUSH_NEW_USERS',
    'PUSH_USER_DEACTIVATION',
    'PUSH_PROFILE_UPDATES',
    'IMPORT_NEW_USERS',
    'GROUP_PUSH',
    'REACTIVATE_USERS',
  ];
  return all.filter((_, i) => i < 2 || r.chance(0.5));
}

function credentialsFor(mode: SignOnMode | null, r: Random, id: string): Record<string, unknown> {
  const userNameTemplate = {
    template: r.pick([
      oktaExpression('source.login'),
      oktaExpression('source.email'),
      oktaExpression('fn:substringBefore(source.login, "@")'),
    ]),
    type: 'BUILT_IN',
  };
  switch (mode) {
    case 'SAML_2_0':
    case 'WS_FEDERATION':
      return { userNameTemplate, signing: { kid: base62(r, 43) } };
    case 'OPENID_CONNECT':
      return {
        userNameTemplate,
        signing: { kid: base62(r, 43) },
        oauthClient: {
          autoKeyRotation: true,
          client_id: id,
          token_endpoint_auth_method: 'client_secret_basic',
        },
      };
    case 'AUTO_LOGIN':
    case 'BROWSER_PLUGIN':
    case 'SECURE_PASSWORD_STORE':
    case 'BASIC_AUTH':
      return {
        scheme: 'EDIT_USERNAME_AND_PASSWORD',
        userNameTemplate,
        revealPassword: false,
        signing: {},
      };
    case 'BOOKMARK':
      return { userNameTemplate, signing: {} };
    default:
      return {
        userNameTemplate: { template: oktaExpression('source.samAccountName'), type: 'BUILT_IN' },
        signing: {},
      };
  }
}

function settingsFor(
  mode: SignOnMode | null,
  r: Random,
  record: AppRecord,
): Record<string, unknown> {
  const host = `${record.entry.name.replace(/_/g, '-')}.example.com`;
  const common = { notifications: { vpn: { network: { connection: 'DISABLED' }, message: null } } };
  switch (mode) {
    case 'SAML_2_0':
      return {
        ...common,
        app:
          record.entry.name === 'amazon_aws'
            ? { awsEnvironmentType: 'aws.amazon', sessionDuration: 3600 }
            : { instanceType: 'PRODUCTION' },
        signOn: {
          defaultRelayState: '',
          ssoAcsUrl: `https://${host}/saml/acs`,
          audience: `https://${host}`,
          recipient: `https://${host}/saml/acs`,
          destination: `https://${host}/saml/acs`,
          subjectNameIdTemplate: oktaExpression('user.userName'),
          subjectNameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
          responseSigned: true,
          assertionSigned: r.chance(0.7),
          signatureAlgorithm: 'RSA_SHA256',
          digestAlgorithm: 'SHA256',
          honorForceAuthn: true,
          allowMultipleAcsEndpoints: false,
          requestCompressed: false,
          attributeStatements: [{ type: 'EXPRESSION', name: 'email', values: ['user.email'] }],
        },
      };
    case 'OPENID_CONNECT':
      return {
        ...common,
        app: {},
        oauthClient: {
          client_uri: null,
          // A boolean where the spec documents a string: real payloads do this (CloudQuery #16836).
          logo_uri: r.chance(0.5) ? false : null,
          redirect_uris: [`https://${host}/callback`],
          response_types: ['code'],
          grant_types: ['authorization_code', 'refresh_token'],
          application_type: 'web',
          consent_method: 'REQUIRED',
          issuer_mode: 'DYNAMIC',
          idp_initiated_login: { mode: 'DISABLED', default_scope: [] },
          wildcard_redirect: 'DISABLED',
        },
      };
    case 'AUTO_LOGIN':
      return {
        ...common,
        app: {},
        signOn: { redirectUrl: null, loginUrl: `https://${host}/login` },
      };
    case 'BOOKMARK':
      return { ...common, app: { requestIntegration: false, url: `https://${host}/` } };
    case 'BROWSER_PLUGIN':
      return {
        ...common,
        app: {
          buttonField: 'btn-login',
          passwordField: 'password',
          usernameField: 'username',
          url: `https://${host}/login`,
          loginUrlRegex: null,
        },
      };
    case 'SECURE_PASSWORD_STORE':
      return {
        ...common,
        app: {
          url: `https://${host}/login`,
          passwordField: '#pw',
          usernameField: '#user',
          optionalField1: null,
          optionalField1Value: null,
        },
      };
    case 'WS_FEDERATION':
      return {
        ...common,
        app: {
          audienceRestriction: `urn:${host}`,
          groupValueFormat: 'windowsDomainQualifiedName',
          realm: `urn:${host}`,
          wReplyURL: `https://${host}/_trust/`,
          wReplyOverride: false,
          nameIDFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified',
          authnContextClassRef: 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport',
          usernameAttribute: 'username',
          attributeStatements: null,
          siteURL: `https://${host}`,
        },
      };
    case 'BASIC_AUTH':
      return { ...common, app: { url: `https://${host}/`, authURL: `https://${host}/auth` } };
    default:
      return {
        ...common,
        app: {
          namingContext: record.entry.label,
          filterGroupsByOu: false,
          jitProvisioningEnabled: true,
        },
      };
  }
}
