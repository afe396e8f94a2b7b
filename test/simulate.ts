/**
 * `npm run simulate [-- options]`: the Okta simulator and an Elimity receiver on their own, so that
 * `npm run sync` can be pointed at them by hand. Prints the variables to export; Ctrl-C stops.
 *
 * `npm run simulate -- --help` lists the options (sizes of the generated org, ports, rate limits,
 * latency, time scale, clock skew, Link style and a JSON fault scenario); see
 * okta-simulator/simulate-options.ts. A bad option or value prints one `error:` line and exits 2
 * before any server starts.
 */
import { ENV } from '../shared/config';
import { type OktaSimulator, startOktaSimulator } from './okta-simulator';
import {
  parseSimulateArgs,
  type SimulateCommand,
  USAGE_EXIT_CODE,
  USAGE_HINT,
  UsageError,
  usageText,
} from './okta-simulator/simulate-options';
import {
  type ElimityReceiver,
  startElimityReceiver,
  summarizeSnapshot,
} from './stand-ins/elimity-receiver';

/** Reports a problem in one line (no stack trace) and sets the exit status. */
function fail(message: string, exitCode: number, hint?: string): void {
  process.stderr.write(`error: ${message}\n${hint ? `${hint}\n` : ''}`);
  process.exitCode = exitCode;
}

const oneLine = (error: unknown) =>
  (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, ' ');

async function main(): Promise<void> {
  let command: SimulateCommand;
  try {
    command = parseSimulateArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    fail(error.message, USAGE_EXIT_CODE, USAGE_HINT);
    return;
  }
  if (command.help) {
    // `--help | head` closes the pipe early: that is not an error.
    process.stdout.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      process.exit(0);
    });
    process.stdout.write(usageText());
    return;
  }
  const { shown } = command;

  let okta: OktaSimulator;
  try {
    okta = await startOktaSimulator(command.okta);
  } catch (error) {
    fail(`cannot start the Okta simulator: ${oneLine(error)}`, 1);
    return;
  }
  let elimity: ElimityReceiver;
  try {
    elimity = await startElimityReceiver(command.elimity);
  } catch (error) {
    await okta.stop();
    fail(`cannot start the Elimity receiver: ${oneLine(error)}`, 1);
    return;
  }
  const counts = okta.org.counts;

  console.log(`Okta simulator   ${okta.url}  (token ${okta.token})`);
  console.log(
    `  org: ${counts.users} users, ${counts.groups} groups, ${counts.apps} apps, ${counts.memberships} memberships`,
  );
  console.log(
    `  rate limits ${shown.rateLimits} (token share ${shown.tokenShare}), concurrency ${shown.concurrency}, latency ${shown.latency}, time scale ${okta.timeScale}, ${shown.scenario ? 'fault scenario loaded' : 'no faults'}`,
  );
  console.log(
    `Elimity receiver ${elimity.url}  (source ${elimity.sourceId}, token ${elimity.token})`,
  );
  console.log('\nIn another shell:\n');
  console.log(`export ${ENV.oktaOrgUrl}=${okta.url}`);
  console.log(`export ${ENV.oktaApiToken}=${okta.token}`);
  console.log(`export ${ENV.elimityUrl}=${elimity.url}`);
  console.log(`export ${ENV.elimitySourceId}=${elimity.sourceId}`);
  console.log(`export ${ENV.elimitySourceToken}=${elimity.token}`);
  console.log(`export ${ENV.snapshotDir}=./demo-out/snapshots`);
  console.log('npm run sync\n\nWaiting for requests; Ctrl-C stops.');

  let seen = 0;
  const timer = setInterval(() => {
    while (seen < elimity.snapshots.length) {
      const snapshot = elimity.snapshots[seen++];
      if (!snapshot) continue;
      const s = summarizeSnapshot(snapshot);
      console.log(
        `Elimity received a snapshot: ${s.entityCount} entities, ${s.relationshipCount} relationships ${JSON.stringify(s.entities)}`,
      );
    }
  }, 500);

  process.on('SIGINT', () => {
    clearInterval(timer);
    void Promise.all([okta.stop(), elimity.stop()]).then(() => process.exit(0));
  });
}

await main();
