/** The Okta simulator's public surface. */

export { BIG_GROUP_NAME, NESTED_GROUP_NAME } from './groups';
export {
  DEFAULT_ORG_OPTIONS,
  type GroupExpand,
  generateOrg,
  type NewUserOptions,
  Org,
  type OrgCounts,
  type OrgOptions,
} from './org';
export {
  bucketOf,
  GENEROUS_RATE_LIMITS,
  type RateLimitBucket,
  WORKFORCE_RATE_LIMITS,
} from './rate-limits';
export type { CannedResponse, FaultKind, FaultRule } from './scenario';
export {
  DEFAULT_SIMULATOR_TOKEN,
  type OktaSimulator,
  type OktaSimulatorOptions,
  type RequestLogEntry,
  startOktaSimulator,
} from './server';
export type {
  GroupStats,
  GroupType,
  OktaApp,
  OktaAppGroupAssignment,
  OktaAppUser,
  OktaErrorBody,
  OktaGroup,
  OktaUser,
  SignOnMode,
  UserStatus,
} from './types';
export { SIGN_ON_MODES, USER_STATUSES } from './types';
