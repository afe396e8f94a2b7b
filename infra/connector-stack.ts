import { fileURLToPath } from 'node:url';
import {
  Annotations,
  CfnOutput,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
  TimeZone,
  Validations,
} from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { DEFAULTS, ENV } from '../shared/config';
import { noSuccessAlarmWindow, type StackConfig, schedulePeriod } from '../shared/stack-config';
import { AuditBucket } from './audit-bucket';
import { Monitoring } from './monitoring';
import { ConnectorSecret } from './secrets';

/** Lambda's maximum; the function keeps its own deadline a little below it (README: sizing). */
export const FUNCTION_TIMEOUT = Duration.minutes(15);
/** I/O bound, but CPU scales with memory and gzip/JSON of a large org wants a full vCPU share. */
export const FUNCTION_MEMORY_MB = 1024;
/** Where the function writes; it may read and write only below this prefix. */
export const SNAPSHOT_PREFIX = DEFAULTS.snapshotPrefix;
/** Scheduler retries of the Invoke call; run failures themselves are not retried (see below). */
export const SCHEDULE_RETRY_ATTEMPTS = 2;
/** A scheduled event older than this is dropped (to the failure queue) instead of running late. */
export const MAX_EVENT_AGE = Duration.hours(1);
/** Function log retention; the audit trail is the snapshot bucket, logs are for operations. */
export const LOG_RETENTION = logs.RetentionDays.THREE_MONTHS;

const HANDLER_ENTRY = fileURLToPath(new URL('../functions/sync/handler.ts', import.meta.url));
const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface OktaConnectorStackProps extends StackProps {
  readonly config: StackConfig;
}

/**
 * The Okta → Elimity connector in a customer's account: a scheduled, locked-down Lambda with its
 * secrets, audit bucket, failure queue, alarms and dashboard.
 */
export class OktaConnectorStack extends Stack {
  readonly fn: nodejs.NodejsFunction;
  readonly audit: AuditBucket;
  readonly failureQueue: sqs.Queue;
  readonly schedule: scheduler.Schedule;
  readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: OktaConnectorStackProps) {
    super(scope, id, props);
    const { config } = props;

    // --- Secrets -------------------------------------------------------------------------------
    const oktaToken = new ConnectorSecret(this, 'OktaApiToken', {
      existingSecretName: config.oktaTokenSecretName,
      description: `Okta API token for ${config.oktaOrgUrl}, read by the Okta to Elimity connector. Set it with put-secret-value (see README).`,
    });
    const elimityToken = new ConnectorSecret(this, 'ElimitySourceToken', {
      existingSecretName: config.elimityTokenSecretName,
      description: `Elimity Insights token of custom source ${config.elimitySourceId} at ${config.elimityUrl}. Set it with put-secret-value (see README).`,
    });

    // --- Audit bucket --------------------------------------------------------------------------
    this.audit = new AuditBucket(this, 'Audit', {
      retentionDays: config.snapshotRetentionDays,
      objectLock: config.objectLock,
    });

    // --- Failure queue: async invocation failures and undeliverable scheduled events ----------
    this.failureQueue = new sqs.Queue(this, 'FailureQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.failureQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the failure destination (Lambda on-failure destination and Scheduler dead-letter queue); its records are read by an operator, never consumed by a function, so it needs no DLQ of its own.',
    });

    // --- Function ------------------------------------------------------------------------------
    const logGroup = new logs.LogGroup(this, 'SyncLogGroup', {
      retention: LOG_RETENTION,
      // Logs of a security-relevant job are kept after the stack is removed; retention still expires them.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // Own role instead of AWSLambdaBasicExecutionRole: log writes to its own log group only.
    const role = new iam.Role(this, 'SyncFunctionRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description:
        'Okta to Elimity connector: read two secrets, write/read snapshots, write its logs',
    });
    logGroup.grantWrite(role);

    this.fn = new nodejs.NodejsFunction(this, 'SyncFunction', {
      description:
        'Okta to Elimity Insights sync: snapshots Okta to S3 and reloads the Elimity source',
      entry: HANDLER_ENTRY,
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: `${PROJECT_ROOT}package-lock.json`,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: FUNCTION_MEMORY_MB,
      timeout: FUNCTION_TIMEOUT,
      role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      ...(config.reservedConcurrency === undefined
        ? {}
        : { reservedConcurrentExecutions: config.reservedConcurrency }),
      // Asynchronous invocations (the schedule): a failed run is not retried by Lambda — the next
      // scheduled run is the retry, and a blind re-run would double the Okta rate-limit load.
      retryAttempts: 0,
      maxEventAge: MAX_EVENT_AGE,
      onFailure: new SqsDestination(this.failureQueue),
      environment: {
        [ENV.oktaOrgUrl]: config.oktaOrgUrl,
        [ENV.oktaTokenSecretId]: oktaToken.secretName,
        [ENV.elimityUrl]: config.elimityUrl,
        [ENV.elimitySourceId]: config.elimitySourceId,
        [ENV.elimityTokenSecretId]: elimityToken.secretName,
        [ENV.snapshotBucket]: this.audit.bucket.bucketName,
        [ENV.snapshotPrefix]: SNAPSHOT_PREFIX,
        [ENV.maxDropPercent]: String(config.maxDropPercent),
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: {
        format: nodejs.OutputFormat.ESM,
        // ESM entry points of dependencies first; without it the bundled AWS SDK fails at runtime
        // with 'Dynamic require of "node:https" is not supported'.
        mainFields: ['module', 'main'],
        banner:
          "import { createRequire as __cjsRequire } from 'node:module'; const require = __cjsRequire(import.meta.url);",
        // Ship the SDK version the tests ran against instead of whatever the runtime carries.
        bundleAwsSDK: true,
        minify: true,
        sourceMap: true,
        sourcesContent: false,
      },
    });

    oktaToken.grantGetValue(this.fn);
    elimityToken.grantGetValue(this.fn);
    const snapshotObjects = this.audit.bucket.arnForObjects(`${SNAPSHOT_PREFIX}*`);
    this.fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'SnapshotsUnderPrefix',
        actions: ['s3:PutObject', 's3:GetObject'],
        resources: [snapshotObjects],
      }),
    );
    // Without ListBucket, S3 answers GetObject of a missing key with 403 AccessDenied instead of
    // 404 NoSuchKey, and the function could not tell "no latest-succeeded.json yet" (the first
    // run) from a permission error. The bucket holds only this connector's snapshots.
    this.fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'MissingKeysAre404',
        actions: ['s3:ListBucket'],
        resources: [this.audit.bucket.bucketArn],
      }),
    );
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${this.getLogicalId(this.audit.bucket.node.defaultChild as s3.CfnBucket)}.Arn>/${SNAPSHOT_PREFIX}*]`,
      reason: `Each run writes new keys under ${SNAPSHOT_PREFIX}runs/<runId>/ and a pointer object; the wildcard is limited to that prefix and to PutObject/GetObject.`,
    });

    // --- Schedule ------------------------------------------------------------------------------
    // Own role (the target would otherwise create a shared one) so the finding below is scoped.
    const scheduleRole = new iam.Role(this, 'SyncScheduleRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
      description: 'EventBridge Scheduler: invoke the Okta to Elimity sync function',
    });
    Validations.of(scheduleRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${this.getLogicalId(this.fn.node.defaultChild as lambda.CfnFunction)}.Arn>:*]`,
      reason:
        'Added by the Scheduler LambdaInvoke target (Function.grantInvoke): lambda:InvokeFunction on this one function and its versions/aliases; no other function is reachable.',
    });
    const target = new targets.LambdaInvoke(this.fn, {
      role: scheduleRole,
      input: scheduler.ScheduleTargetInput.fromObject({
        scheduledTime: scheduler.ContextAttribute.scheduledTime,
      }),
      retryAttempts: SCHEDULE_RETRY_ATTEMPTS,
      maxEventAge: MAX_EVENT_AGE,
      deadLetterQueue: this.failureQueue,
    });
    this.schedule = new scheduler.Schedule(this, 'SyncSchedule', {
      description: `Runs the Okta to Elimity sync: ${config.schedule} (${config.timezone})`,
      schedule: scheduler.ScheduleExpression.expression(
        config.schedule,
        TimeZone.of(config.timezone),
      ),
      target,
    });

    // --- Monitoring ----------------------------------------------------------------------------
    const period = schedulePeriod(config.schedule);
    if (period.basis === 'fallback') {
      Annotations.of(this).addWarningV2(
        'okta-connector:schedulePeriod',
        `Cannot derive the period of schedule ${config.schedule}; the "no successful run" alarm assumes a daily run (window: 2 days).`,
      );
    }
    this.monitoring = new Monitoring(this, 'Monitoring', {
      fn: this.fn,
      timeout: FUNCTION_TIMEOUT,
      failureQueue: this.failureQueue,
      noSuccessWindow: noSuccessAlarmWindow(period.seconds),
      alarmEmail: config.alarmEmail,
    });

    // --- Outputs -------------------------------------------------------------------------------
    const outputs: Record<string, { value: string; description: string }> = {
      FunctionName: {
        value: this.fn.functionName,
        description: 'Invoke it by hand with aws lambda invoke',
      },
      LogGroupName: { value: logGroup.logGroupName, description: 'JSON logs of every run' },
      SnapshotBucketName: {
        value: this.audit.bucket.bucketName,
        description: `Raw snapshots under ${SNAPSHOT_PREFIX}`,
      },
      AccessLogsBucketName: {
        value: this.audit.accessLogsBucket.bucketName,
        description: 'Server access logs of the snapshot bucket',
      },
      OktaTokenSecretName: {
        value: oktaToken.secretName,
        description: 'Secret with the Okta API token',
      },
      ElimityTokenSecretName: {
        value: elimityToken.secretName,
        description: 'Secret with the Elimity source token',
      },
      FailureQueueUrl: {
        value: this.failureQueue.queueUrl,
        description: 'Failed or undeliverable runs',
      },
      AlarmTopicArn: { value: this.monitoring.topic.topicArn, description: 'Alarm notifications' },
      DashboardUrl: {
        value: `https://console.aws.amazon.com/cloudwatch/home?region=${this.region}#dashboards/dashboard/${this.monitoring.dashboard.dashboardName}`,
        description: 'CloudWatch dashboard of the per-run metrics',
      },
    };
    for (const [outputId, output] of Object.entries(outputs)) {
      new CfnOutput(this, outputId, output);
    }
  }
}
