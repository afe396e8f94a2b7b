/**
 * `npm run simulate [-- options]`: the Okta simulator and an Elimity receiver on their own, so that
 * `npm run sync` can be pointed at them by hand. Prints the variables to export; Ctrl-C stops.
 *
 * Options: --users N --groups N --apps N --seed N --okta-port N --elimity-port N
 *          --rate-limits workforce|unlimited (default unlimited)
 */
import { parseArgs } from 'node:util';
import { ENV } from '../shared/config';
import { startOktaSimulator, WORKFORCE_RATE_LIMITS } from './okta-simulator';
import { startElimityReceiver, summarizeSnapshot } from './stand-ins/elimity-receiver';

const { values } = parseArgs({
  options: {
    users: { type: 'string' },
    groups: { type: 'string' },
    apps: { type: 'string' },
    seed: { type: 'string' },
    'okta-port': { type: 'string' },
    'elimity-port': { type: 'string' },
    'rate-limits': { type: 'string', default: 'unlimited' },
  },
});

const int = (name: string, raw: string | undefined): number | undefined => {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw)) throw new Error(`--${name} must be a whole number`);
  return Number(raw);
};
const defined = <T extends object>(o: T) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

const rateLimits = values['rate-limits'];
if (rateLimits !== 'unlimited' && rateLimits !== 'workforce') {
  throw new Error('--rate-limits must be workforce or unlimited');
}

const okta = await startOktaSimulator({
  orgOptions: defined({
    users: int('users', values.users),
    groups: int('groups', values.groups),
    apps: int('apps', values.apps),
    seed: int('seed', values.seed),
  }),
  ...defined({ port: int('okta-port', values['okta-port']) }),
  rateLimits: rateLimits === 'workforce' ? WORKFORCE_RATE_LIMITS : 'unlimited',
});
const elimity = await startElimityReceiver(
  defined({ port: int('elimity-port', values['elimity-port']) }),
);
const counts = okta.org.counts;

console.log(`Okta simulator   ${okta.url}  (token ${okta.token})`);
console.log(
  `  org: ${counts.users} users, ${counts.groups} groups, ${counts.apps} apps, ${counts.memberships} memberships`,
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
