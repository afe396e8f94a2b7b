/** The Okta simulator's public surface. */

export { type SimulatedClock, simulatedClock } from './clock';
export { GATEWAY_ERROR_HTML } from './errors';
export { BIG_GROUP_NAME, NESTED_GROUP_NAME } from './groups';
export {
  type LatencyModel,
  NO_LATENCY,
  OKTA_LATENCY,
  sampleLatency,
} from './latency';
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
  DEFAULT_TOKEN_SHARE,
  GENEROUS_RATE_LIMITS,
  type RateLimitBucket,
  type RateLimitPreset,
  resolveRateLimits,
  WINDOW_MS,
  WORKFORCE_RATE_LIMITS,
} from './rate-limits';
export {
  type CannedResponse,
  FAULT_KINDS,
  type FaultKind,
  type FaultRule,
  parseFaultRules,
} from './scenario';
export {
  DEFAULT_SIMULATOR_TOKEN,
  FOREIGN_ORIGIN,
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
