import { App } from 'aws-cdk-lib';
import { ConfigError } from '../shared/errors';
import { createConnectorApp } from './connector-app';

// The CDK app entry (cdk.json "app"). Environment-agnostic: synth needs no AWS credentials.
const app = new App();
try {
  createConnectorApp(app);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  // A configuration mistake is not a crash: print the list of problems without a stack trace.
  console.error(error.message);
  process.exit(1);
}
