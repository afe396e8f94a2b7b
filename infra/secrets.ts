import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { SECRET_PLACEHOLDER_KEY } from '../shared/config';

export interface ConnectorSecretProps {
  /** Name of an existing secret to use; when absent the construct creates one with a placeholder. */
  readonly existingSecretName: string | undefined;
  readonly description: string;
}

/**
 * One token secret of the connector: an existing secret imported by name, or a new one whose
 * value is a generated placeholder (`{"placeholder":true,"token":"<random>"}`) until the operator
 * sets the real token. No value ever passes through the template.
 */
export class ConnectorSecret extends Construct {
  readonly secret: secretsmanager.ISecret;
  /** What the function receives in its environment: the secret's name, never its value. */
  readonly secretName: string;
  readonly created: boolean;
  private readonly policyArn: string;

  constructor(scope: Construct, id: string, props: ConnectorSecretProps) {
    super(scope, id);
    if (props.existingSecretName) {
      this.secret = secretsmanager.Secret.fromSecretNameV2(
        this,
        'Existing',
        props.existingSecretName,
      );
      this.secretName = props.existingSecretName;
      this.created = false;
      // The real ARN ends in "-" plus six random characters, unknown at synth time.
      this.policyArn = `${this.secret.secretArn}-??????`;
    } else {
      const secret = new secretsmanager.Secret(this, 'Secret', {
        description: props.description,
        generateSecretString: {
          secretStringTemplate: JSON.stringify({ [SECRET_PLACEHOLDER_KEY]: true }),
          generateStringKey: 'token',
        },
        // The stack owns this secret: removing the stack removes the token with it.
        removalPolicy: RemovalPolicy.DESTROY,
      });
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          'Okta API tokens and Elimity source tokens are issued by those services, not by AWS, so a rotation Lambda cannot mint new ones; operators rotate them by hand (README: set the secret value).',
      });
      this.secret = secret;
      this.secretName = secret.secretName;
      this.created = true;
      this.policyArn = secret.secretArn;
    }
  }

  /** Lets `grantee` read this secret's value: GetSecretValue on this one secret and nothing else. */
  grantGetValue(grantee: iam.IGrantable): void {
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['secretsmanager:GetSecretValue'],
      resourceArns: [this.policyArn],
    });
  }
}
