/** Shapes of the JSON the simulator serves (Okta Management API, loosely typed on purpose). */

/** Okta user statuses (UserStatus in the spec). */
export const USER_STATUSES = [
  'STAGED',
  'PROVISIONED',
  'ACTIVE',
  'RECOVERY',
  'LOCKED_OUT',
  'PASSWORD_EXPIRED',
  'SUSPENDED',
  'DEPROVISIONED',
] as const;

/** One of the eight Okta user statuses. */
export type UserStatus = (typeof USER_STATUSES)[number];

/** Okta group types. */
export type GroupType = 'BUILT_IN' | 'OKTA_GROUP' | 'APP_GROUP';

/** Okta app sign-on modes the generator uses. */
export const SIGN_ON_MODES = [
  'SAML_2_0',
  'OPENID_CONNECT',
  'AUTO_LOGIN',
  'BOOKMARK',
  'BROWSER_PLUGIN',
  'SECURE_PASSWORD_STORE',
  'WS_FEDERATION',
  'BASIC_AUTH',
] as const;

/** One of the generated sign-on modes. */
export type SignOnMode = (typeof SIGN_ON_MODES)[number];

/** A HAL link. */
export interface Href {
  href: string;
  name?: string;
  type?: string;
  method?: string;
}

/** A rendered Okta User. Absent and `null` optional fields both occur, as in Okta. */
export interface OktaUser {
  id: string;
  status: UserStatus;
  created: string;
  activated?: string | null;
  statusChanged?: string | null;
  lastLogin?: string | null;
  lastUpdated: string;
  passwordChanged?: string | null;
  type: { id: string };
  profile: Record<string, unknown> & { login: string; email: string };
  credentials: { provider: { type: string; name: string }; [key: string]: unknown };
  _links: Record<string, Href>;
}

/** Group statistics embedded with `expand=stats`. */
export interface GroupStats {
  usersCount: number;
  appsCount: number;
  groupPushMappingsCount: number;
  hasAdminPrivlege: boolean;
}

/** A rendered Okta Group. */
export interface OktaGroup {
  id: string;
  created: string;
  lastUpdated: string;
  lastMembershipUpdated: string;
  objectClass: string[];
  type: GroupType;
  profile: Record<string, unknown> & { name: string; description: string | null };
  _embedded?: {
    stats?: GroupStats;
    app?: { id: string; name: string; label: string; signOnMode: string | null };
  };
  _links: Record<string, Href | Href[]>;
}

/** A rendered Okta Application (polymorphic on `signOnMode`). */
export interface OktaApp {
  id: string;
  orn: string;
  name: string;
  label: string;
  status: 'ACTIVE' | 'INACTIVE';
  signOnMode: SignOnMode | null;
  created: string;
  lastUpdated: string;
  features: string[];
  visibility: Record<string, unknown>;
  accessibility: Record<string, unknown>;
  credentials: Record<string, unknown>;
  settings: Record<string, unknown>;
  _links: Record<string, Href | Href[]>;
}

/** A rendered app user (`/apps/{id}/users`); `id` is the Okta user id. */
export interface OktaAppUser {
  id: string;
  externalId: string | null;
  created: string;
  lastUpdated: string;
  scope: 'USER' | 'GROUP';
  status: string;
  statusChanged: string;
  passwordChanged: string | null;
  syncState: string;
  lastSync?: string;
  credentials: { userName: string };
  profile: Record<string, unknown>;
  _links: Record<string, Href>;
}

/** A rendered app group assignment (`/apps/{id}/groups`); `id` is the group id. */
export interface OktaAppGroupAssignment {
  id: string;
  lastUpdated: string;
  priority: number;
  profile: Record<string, unknown>;
  _links: Record<string, Href>;
}

/** The Okta error body. */
export interface OktaErrorBody {
  errorCode: string;
  errorSummary: string;
  errorLink: string;
  errorId: string;
  errorCauses: { errorSummary: string }[];
}
