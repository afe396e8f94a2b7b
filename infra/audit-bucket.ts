import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** Settings of the audit bucket, taken from the validated stack configuration. */
export interface AuditBucketProps {
  /** Days after which snapshots (and the server access logs about them) expire. */
  readonly retentionDays: number;
  /** Optional S3 Object Lock default retention; cannot be switched off once a bucket has it. */
  readonly objectLock:
    | { readonly mode: 'governance' | 'compliance'; readonly days: number }
    | undefined;
}

/**
 * The raw-snapshot audit store: private, TLS-only, encrypted, versioned, expiring, optionally
 * write-once (Object Lock), with server access logs in a second bucket. Both buckets survive
 * `cdk destroy`, because they are evidence.
 */
export class AuditBucket extends Construct {
  readonly bucket: s3.Bucket;
  readonly accessLogsBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: AuditBucketProps) {
    super(scope, id);

    this.accessLogsBucket = new s3.Bucket(this, 'AccessLogsBucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      // S3 server access logging can only deliver to SSE-S3 buckets, not SSE-KMS.
      encryption: s3.BucketEncryption.S3_MANAGED,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      lifecycleRules: [
        {
          id: 'expire-access-logs',
          expiration: Duration.days(props.retentionDays),
          noncurrentVersionExpiration: Duration.days(7),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const lock = props.objectLock;
    this.bucket = new s3.Bucket(this, 'SnapshotBucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      // SSE-S3: free, no key policy to manage; cdk-nag's AwsSolutions pack does not require KMS.
      encryption: s3.BucketEncryption.S3_MANAGED,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      ...(lock
        ? {
            objectLockEnabled: true,
            objectLockDefaultRetention:
              lock.mode === 'compliance'
                ? s3.ObjectLockRetention.compliance(Duration.days(lock.days))
                : s3.ObjectLockRetention.governance(Duration.days(lock.days)),
          }
        : {}),
      lifecycleRules: [
        {
          id: 'expire-snapshots',
          expiration: Duration.days(props.retentionDays),
          // A retried run overwrites its keys; the older version goes after a short grace period
          // (Object Lock still keeps it until its retention date).
          noncurrentVersionExpiration: Duration.days(30),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'snapshot-bucket/',
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
