import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { AlarmWindow } from '../shared/stack-config';

/** CloudWatch namespace of the Embedded Metric Format lines the function prints once per run. */
export const METRIC_NAMESPACE = 'OktaElimityConnector';

/** Per-run metrics the function emits (dimension `FunctionName`), grouped as on the dashboard. */
export const RUN_METRICS = {
  outcome: ['RunSucceeded', 'RunFailed'],
  okta: ['OktaRequests', 'OktaRateLimited'],
  entities: ['Users', 'Groups', 'Applications'],
  relationships: ['GroupMemberships', 'AppUserAssignments', 'AppGroupAssignments'],
} as const;

/** Share of the timeout above which a run counts as "close to being killed". */
export const DURATION_ALARM_RATIO = 0.7;

export interface MonitoringProps {
  readonly fn: lambda.IFunction;
  readonly timeout: Duration;
  readonly failureQueue: sqs.IQueue;
  /** Look-back of the "no successful run" alarm: twice the schedule period. */
  readonly noSuccessWindow: AlarmWindow;
  readonly alarmEmail: string | undefined;
}

/** Alarms to an SNS topic (optional e-mail subscription) and a dashboard of the per-run metrics. */
export class Monitoring extends Construct {
  readonly topic: sns.Topic;
  readonly dashboard: cloudwatch.Dashboard;
  readonly alarms: {
    readonly errors: cloudwatch.Alarm;
    readonly failureQueue: cloudwatch.Alarm;
    readonly duration: cloudwatch.Alarm;
    readonly noSuccessfulRun: cloudwatch.Alarm;
  };

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const { fn, timeout, failureQueue, noSuccessWindow } = props;

    // No KMS key: CloudWatch alarms cannot publish to a topic encrypted with the AWS managed
    // key, and the messages carry only alarm names and states.
    this.topic = new sns.Topic(this, 'AlarmTopic', {
      displayName: 'Okta to Elimity connector alarms',
      enforceSSL: true,
    });
    if (props.alarmEmail) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    }

    const runMetric = (metricName: string, statistic: string, period: Duration) =>
      new cloudwatch.Metric({
        namespace: METRIC_NAMESPACE,
        metricName,
        dimensionsMap: { FunctionName: fn.functionName },
        statistic,
        period,
      });

    const fiveMinutes = Duration.minutes(5);
    const thresholdMs = Math.round(timeout.toMilliseconds() * DURATION_ALARM_RATIO);
    const windowSeconds = noSuccessWindow.periodSeconds * noSuccessWindow.evaluationPeriods;

    const errors = new cloudwatch.Alarm(this, 'FunctionErrorsAlarm', {
      alarmDescription:
        'A sync run failed (Lambda Errors >= 1). Read the run in the function log group; the raw snapshot of a failed run stays in S3.',
      metric: fn.metricErrors({ statistic: 'Sum', period: fiveMinutes }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    const failureQueueAlarm = new cloudwatch.Alarm(this, 'FailureQueueAlarm', {
      alarmDescription:
        'An invocation failed asynchronously or could not be delivered: a record is waiting in the failure queue (it holds the event and the error).',
      metric: failureQueue.metricApproximateNumberOfMessagesVisible({
        statistic: 'Maximum',
        period: fiveMinutes,
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    const duration = new cloudwatch.Alarm(this, 'DurationAlarm', {
      alarmDescription: `A run took more than ${DURATION_ALARM_RATIO * 100} % of the ${timeout.toMinutes()}-minute timeout; the org is outgrowing one invocation.`,
      metric: fn.metricDuration({ statistic: 'Maximum', period: fiveMinutes }),
      threshold: thresholdMs,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    // Every period of the window without a RunSucceeded datapoint breaches (missing = breaching),
    // so the alarm fires when no run succeeded during the whole window.
    const noSuccessfulRun = new cloudwatch.Alarm(this, 'NoSuccessfulRunAlarm', {
      alarmDescription: `No successful sync in the last ${windowSeconds / 3_600} hours (twice the schedule period): runs fail, or the schedule stopped invoking the function.`,
      metric: runMetric('RunSucceeded', 'Sum', Duration.seconds(noSuccessWindow.periodSeconds)),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: noSuccessWindow.evaluationPeriods,
      datapointsToAlarm: noSuccessWindow.evaluationPeriods,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });

    this.alarms = { errors, failureQueue: failureQueueAlarm, duration, noSuccessfulRun };
    const action = new actions.SnsAction(this.topic);
    for (const alarm of Object.values(this.alarms)) {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }

    const hour = Duration.hours(1);
    const graph = (title: string, left: cloudwatch.IMetric[], extra = {}) =>
      new cloudwatch.GraphWidget({ title, left, width: 12, height: 6, ...extra });

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `${Stack.of(this).stackName}-sync`,
      defaultInterval: Duration.days(14),
      widgets: [
        [
          new cloudwatch.TextWidget({
            markdown: `# Okta → Elimity sync\nPer-run metrics from the function (namespace \`${METRIC_NAMESPACE}\`), hourly. Alarms notify the SNS topic.`,
            width: 24,
            height: 2,
          }),
        ],
        [
          new cloudwatch.AlarmStatusWidget({
            title: 'Alarms',
            alarms: Object.values(this.alarms),
            width: 24,
            height: 3,
          }),
        ],
        [
          graph(
            'Runs: outcome',
            RUN_METRICS.outcome.map((m) => runMetric(m, 'Sum', hour)),
            { view: cloudwatch.GraphWidgetView.BAR },
          ),
          graph('Run duration (ms)', [runMetric('RunDurationMs', 'Maximum', hour)], {
            leftAnnotations: [
              { value: thresholdMs, label: 'Duration alarm', color: cloudwatch.Color.ORANGE },
              { value: timeout.toMilliseconds(), label: 'Timeout', color: cloudwatch.Color.RED },
            ],
          }),
        ],
        [
          graph(
            'Entities per run',
            RUN_METRICS.entities.map((m) => runMetric(m, 'Maximum', hour)),
          ),
          graph(
            'Relationships per run',
            RUN_METRICS.relationships.map((m) => runMetric(m, 'Maximum', hour)),
          ),
        ],
        [
          graph(
            'Okta requests and rate-limited responses (429)',
            RUN_METRICS.okta.map((m) => runMetric(m, 'Sum', hour)),
          ),
          graph('Lambda: invocations, errors, throttles', [
            fn.metricInvocations({ statistic: 'Sum', period: hour }),
            fn.metricErrors({ statistic: 'Sum', period: hour }),
            fn.metricThrottles({ statistic: 'Sum', period: hour }),
          ]),
        ],
        [
          graph('Failure queue: messages waiting', [
            failureQueue.metricApproximateNumberOfMessagesVisible({
              statistic: 'Maximum',
              period: hour,
            }),
          ]),
        ],
      ],
    });
  }
}
