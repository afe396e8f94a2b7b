/**
 * `npm run simulate [-- options]`: the Okta simulator and an Elimity receiver on their own, so that
 * `npm run sync` can be pointed at them by hand. Prints the variables to export; Ctrl-C stops.
 *
 * Options: --users N --groups N --apps N --memberships N --seed N --okta-port N --elimity-port N
 *          --rate-limits workforce|generous|unlimited (default unlimited)
 *          --token-share F (default 0.5)  --concurrency N (default 75)
 *          --latency okta|none|BASE,PER_OBJECT,JITTER (ms, ms, σ; default none)
 *          --time-scale S (simulated ms per real ms; default 1)  --clock-skew MS (default 0)
 *          --link-style lines|comma-joined (default lines)
 *          --scenario JSON|@file.json (fault rules; a path starting with ^ is a regex)
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ENV } from '../shared/config';
import { type LatencyModel, parseFaultRules, startOktaSimulator } from './okta-simulator';
import { startElimityReceiver, summarizeSnapshot } from './stand-ins/elimity-receiver';

const { values } = parseArgs({
  options: {
    users: { type: 'string' },
    groups: { type: 'string' },
    apps: { type: 'string' },
    memberships: { type: 'string' },
    seed: { type: 'string' },
    'okta-port': { type: 'string' },
    'elimity-port': { type: 'string' },
    'rate-limits': { type: 'string', default: 'unlimited' },
    'token-share': { type: 'string' },
    concurrency: { type: 'string' },
    latency: { type: 'string', default: 'none' },
    'time-scale': { type: 'string' },
    'clock-skew': { type: 'string' },
    'link-style': { type: 'string', default: 'lines' },
    scenario: { type: 'string' },
  },
});

const int = (name: string, raw: string | undefined): number | undefined => {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw)) throw new Error(`--${name} must be a whole number`);
  return Number(raw);
};
const defined = <T extends object>(o: T) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

const num = (name: string, raw: string | undefined): number | undefined => {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value)) throw new Error(`--${name} must be a number`);
  return value;
};

const rateLimits = values['rate-limits'];
if (rateLimits !== 'unlimited' && rateLimits !== 'workforce' && rateLimits !== 'generous') {
  throw new Error('--rate-limits must be workforce, generous or unlimited');
}
const latencyOption = values.latency;
let latency: 'okta' | 'none' | LatencyModel;
if (latencyOption === 'okta' || latencyOption === 'none') latency = latencyOption;
else {
  const [baseMs, perObjectMs, jitter] = latencyOption.split(',').map((part) => Number(part));
  if (![baseMs, perObjectMs, jitter].every((n) => n !== undefined && Number.isFinite(n))) {
    throw new Error('--latency must be okta, none or BASE_MS,PER_OBJECT_MS,JITTER');
  }
  latency = { baseMs: baseMs ?? 0, perObjectMs: perObjectMs ?? 0, jitter: jitter ?? 0 };
}
const linkStyle = values['link-style'];
if (linkStyle !== 'lines' && linkStyle !== 'comma-joined') {
  throw new Error('--link-style must be lines or comma-joined');
}
const scenarioText = values.scenario?.startsWith('@')
  ? readFileSync(values.scenario.slice(1), 'utf8')
  : values.scenario;

const okta = await startOktaSimulator({
  orgOptions: defined({
    users: int('users', values.users),
    groups: int('groups', values.groups),
    apps: int('apps', values.apps),
    memberships: int('memberships', values.memberships),
    seed: int('seed', values.seed),
  }),
  ...defined({
    port: int('okta-port', values['okta-port']),
    tokenShare: num('token-share', values['token-share']),
    concurrencyLimit: int('concurrency', values.concurrency),
    timeScale: num('time-scale', values['time-scale']),
    clockSkewMs: num('clock-skew', values['clock-skew']),
  }),
  rateLimits,
  latency,
  linkStyle,
  scenario: scenarioText === undefined ? [] : parseFaultRules(scenarioText),
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
  `  rate limits ${rateLimits} (token share ${values['token-share'] ?? '0.5'}), concurrency ${values.concurrency ?? '75'}, latency ${latencyOption}, time scale ${okta.timeScale}, ${scenarioText === undefined ? 'no faults' : 'fault scenario loaded'}`,
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
