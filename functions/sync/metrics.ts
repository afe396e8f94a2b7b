import type { RunOutcome } from './run';

/** CloudWatch namespace of the per-run metrics (the dashboard and alarms in infra/ read these). */
export const METRICS_NAMESPACE = 'OktaElimityConnector';

/**
 * One CloudWatch Embedded Metric Format record for a run. Written to stdout directly (not through
 * console.*), because with Lambda's JSON log format console lines are wrapped and EMF is lost.
 */
export function toEmfRecord(
  outcome: Pick<RunOutcome, 'summary' | 'oktaRateLimited'>,
  functionName: string,
  timestamp: number,
): Record<string, unknown> {
  const { summary } = outcome;
  const values: Record<string, [number, string]> = {
    RunSucceeded: [summary.status === 'succeeded' ? 1 : 0, 'Count'],
    RunFailed: [summary.status === 'failed' ? 1 : 0, 'Count'],
    RunDurationMs: [summary.durationMs, 'Milliseconds'],
    OktaRequests: [summary.oktaRequests, 'Count'],
    OktaRateLimited: [outcome.oktaRateLimited, 'Count'],
    Users: [summary.counts.users, 'Count'],
    Groups: [summary.counts.groups, 'Count'],
    Applications: [summary.counts.applications, 'Count'],
    GroupMemberships: [summary.counts.groupMemberships, 'Count'],
    AppUserAssignments: [summary.counts.appUserAssignments, 'Count'],
    AppGroupAssignments: [summary.counts.appGroupAssignments, 'Count'],
  };
  return {
    _aws: {
      Timestamp: timestamp,
      CloudWatchMetrics: [
        {
          Namespace: METRICS_NAMESPACE,
          Dimensions: [['FunctionName']],
          Metrics: Object.entries(values).map(([Name, [, Unit]]) => ({ Name, Unit })),
        },
      ],
    },
    FunctionName: functionName,
    ...Object.fromEntries(Object.entries(values).map(([name, [value]]) => [name, value])),
  };
}
