/**
 * Memory of the Okta simulator serving a large org end to end:
 *
 *   npx tsx --expose-gc test/okta-simulator/measure-memory.ts [--users N --groups N --apps N
 *     --memberships N --concurrency N]
 *
 * Builds the org (default 100,000 users, 10,000 groups, 2,000 apps, ~1,000,000 memberships), starts
 * the simulator, pages every collection over HTTP (users, groups, every group's members, apps, every
 * app's users and groups), checks the totals against the org, and prints heap and RSS: after
 * generation, the peak while serving (sampled every 100 ms), and after serving. The client runs in
 * the same process but keeps only counts, so the figures are the simulator's plus a small client.
 */
import { parseArgs } from 'node:util';
import { generateOrg, startOktaSimulator } from './index';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '100000' },
    groups: { type: 'string', default: '10000' },
    apps: { type: 'string', default: '2000' },
    memberships: { type: 'string', default: '1000000' },
    concurrency: { type: 'string', default: '8' },
  },
});

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
const gc = (globalThis as { gc?: () => void }).gc;
const snapshot = (label: string) => {
  gc?.();
  const m = process.memoryUsage();
  console.log(
    `${label.padEnd(22)} heapUsed ${mib(m.heapUsed).padStart(8)}  rss ${mib(m.rss).padStart(8)}  external+buffers ${mib(m.external + m.arrayBuffers)}`,
  );
  return m;
};

snapshot('baseline');
const started = performance.now();
const org = generateOrg({
  users: Number(values.users),
  groups: Number(values.groups),
  apps: Number(values.apps),
  memberships: Number(values.memberships),
});
const counts = org.counts;
console.log(
  `generated in ${((performance.now() - started) / 1000).toFixed(1)} s: ${JSON.stringify(counts)}`,
);
snapshot('after generation');

const sim = await startOktaSimulator({ org, rateLimits: 'unlimited' });
const headers = { Authorization: `SSWS ${sim.token}` };
let peakRss = 0;
let peakHeap = 0;
const sampler = setInterval(() => {
  const m = process.memoryUsage();
  peakRss = Math.max(peakRss, m.rss);
  peakHeap = Math.max(peakHeap, m.heapUsed);
}, 100);

/** Follows `next` to the end and returns the number of items. */
async function count(path: string, onItem?: (item: { id: string }) => void): Promise<number> {
  let url: string | undefined = `${sim.url}${path}`;
  let total = 0;
  while (url) {
    const res: Response = await fetch(url, { headers });
    if (res.status !== 200) throw new Error(`${url}: HTTP ${res.status}`);
    const items = (await res.json()) as { id: string }[];
    total += items.length;
    if (onItem) for (const item of items) onItem(item);
    url = /<([^>]+)>;\s*rel="next"/.exec(res.headers.get('link') ?? '')?.[1];
  }
  return total;
}

/** Runs `task` over `items` with at most `limit` at a time; sums the results. */
async function pool<T>(items: T[], limit: number, task: (item: T) => Promise<number>) {
  let next = 0;
  let sum = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const item = items[next++] as T;
        const n = await task(item);
        sum += n;
      }
    }),
  );
  return sum;
}

const servingStarted = performance.now();
const concurrency = Number(values.concurrency);
const users = await count('/api/v1/users?search=status%20pr&limit=200');
const groupIds: string[] = [];
await count('/api/v1/groups?limit=200&expand=stats,app', (g) => groupIds.push(g.id));
const memberships = await pool(groupIds, concurrency, (id) =>
  count(`/api/v1/groups/${id}/users?limit=1000`),
);
const appIds: string[] = [];
await count('/api/v1/apps?limit=200', (a) => appIds.push(a.id));
const appUsers = await pool(appIds, concurrency, (id) =>
  count(`/api/v1/apps/${id}/users?limit=500`),
);
const appGroups = await pool(appIds, concurrency, (id) =>
  count(`/api/v1/apps/${id}/groups?limit=200`),
);
clearInterval(sampler);
const served = {
  users,
  groups: groupIds.length,
  apps: appIds.length,
  memberships,
  appUserAssignments: appUsers,
  appGroupAssignments: appGroups,
};
console.log(
  `served ${sim.requests.length} requests in ${((performance.now() - servingStarted) / 1000).toFixed(1)} s: ${JSON.stringify(served)}`,
);
const expected = {
  users: counts.users,
  groups: counts.groups,
  apps: counts.apps,
  memberships: counts.memberships,
  appUserAssignments: counts.appUserAssignments,
  appGroupAssignments: counts.appGroupAssignments,
};
if (JSON.stringify(served) !== JSON.stringify(expected)) {
  throw new Error(`served totals differ from the org: ${JSON.stringify(expected)}`);
}
console.log(
  `peak while serving     heapUsed ${mib(peakHeap).padStart(8)}  rss ${mib(peakRss).padStart(8)}`,
);
sim.requests.length = 0; // the request log grows with every request; it is not the org's memory
snapshot('after serving');
await sim.stop();
