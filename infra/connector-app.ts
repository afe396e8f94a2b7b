import { type App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { parseStackConfig, type StackConfig } from '../shared/stack-config';
import { OktaConnectorStack } from './connector-stack';

/** CloudFormation stack name (and construct id) of the connector. */
export const STACK_NAME = 'OktaElimityConnector';

/**
 * Reads the connector's keys from the app context (cdk.json, then `-c key=value`) and validates them.
 * The whole context is passed, so that a misspelled key (`timeZone`) fails instead of being ignored.
 */
export function stackConfigFromContext(app: App): StackConfig {
  return parseStackConfig(app.node.getAllContext());
}

/**
 * Builds the whole app: validated configuration, the stack, tags, and the cdk-nag AwsSolutions
 * pack as a validation plugin, so `cdk synth` fails on any finding that is not acknowledged.
 */
export function createConnectorApp(app: App): OktaConnectorStack {
  const stack = new OktaConnectorStack(app, STACK_NAME, {
    config: stackConfigFromContext(app),
    description: 'Okta to Elimity Insights connector: scheduled sync Lambda, audit bucket, alarms',
  });
  Tags.of(stack).add('application', 'okta-elimity-connector');
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return stack;
}
