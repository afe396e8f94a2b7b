/**
 * Child process of `npm run bench`: the same extraction done the obvious way with the official
 * `@okta/okta-sdk-nodejs` — one collection after another, each paged sequentially with `for await`,
 * relying on the SDK's own 429 handling (DefaultRequestExecutor: wait `X-Rate-Limit-Reset − Date +
 * 1 s`, then retry). Only time is compressed: the SDK's computed retry delay is divided by the time
 * scale (same algorithm, simulated time). It lists the members of every group (it does not skip
 * empty ones) and keeps counts only: no raw snapshot, no Elimity body, which only flatters it.
 * The last stdout line is a `BaselineResult`.
 */
import { Client, DefaultRequestExecutor } from '@okta/okta-sdk-nodejs';
import { describeError } from '../../shared/errors';
import { scaledClock } from './clock';
import { type BaselineResult, memorySampler, processFigures, readParams } from './protocol';

/** The SDK's default executor with its retry wait played in simulated time. */
class ScaledRetryExecutor extends DefaultRequestExecutor {
  constructor(
    private readonly scale: number,
    maxRetries: number,
  ) {
    super({ maxRetries, requestTimeout: 0 });
  }

  override getRetryDelayMs(response: Parameters<DefaultRequestExecutor['getRetryDelayMs']>[0]) {
    return super.getRetryDelayMs(response) / this.scale;
  }
}

async function count<T>(items: Promise<AsyncIterable<T | null>>, each?: (item: T) => void) {
  let n = 0;
  for await (const item of await items) {
    // The SDK's iterator yields null for an empty page that still has a `next` link.
    if (item === null) continue;
    n++;
    each?.(item);
  }
  return n;
}

async function main(): Promise<void> {
  const params = readParams();
  const clock = scaledClock(params.anchor, params.scale);
  const maxRetries = params.maxRetries ?? 2;
  const executor = new ScaledRetryExecutor(params.scale, maxRetries);
  let rateLimited = 0;
  let concurrencyLimited = 0;
  let retried = 0;
  executor.on('response', (response: { status: number; headers: Headers }) => {
    if (response.status !== 429) return;
    rateLimited++;
    if (response.headers.get('x-rate-limit-limit') === '0') concurrencyLimited++;
  });
  executor.on('backoff', () => {
    retried++;
  });
  const client = new Client({
    orgUrl: params.orgUrl,
    token: params.token,
    cacheMiddleware: null,
    requestExecutor: executor,
  });

  const counts = {
    users: 0,
    groups: 0,
    applications: 0,
    groupMemberships: 0,
    appUserAssignments: 0,
    appGroupAssignments: 0,
  };
  const sampler = memorySampler();
  const cpuStart = process.cpuUsage();
  const realStart = performance.now();
  const simStart = clock.now();
  let status: BaselineResult['status'] = 'succeeded';
  let error: string | undefined;
  try {
    counts.users = await count(client.userApi.listUsers({ search: 'status pr', limit: 200 }));
    const groupIds: string[] = [];
    counts.groups = await count(
      client.groupApi.listGroups({ limit: 200, expand: 'stats' }),
      (g) => {
        if (g.id) groupIds.push(g.id);
      },
    );
    for (const groupId of groupIds) {
      counts.groupMemberships += await count(
        client.groupApi.listGroupUsers({ groupId, limit: 1000 }),
      );
    }
    const appIds: string[] = [];
    counts.applications = await count(
      client.applicationApi.listApplications({
        limit: 200,
        filter: 'status eq "ACTIVE" or status eq "INACTIVE"',
      }),
      (a) => {
        if (a.id) appIds.push(a.id);
      },
    );
    for (const appId of appIds) {
      counts.appUserAssignments += await count(
        client.applicationApi.listApplicationUsers({ appId, limit: 500 }),
      );
      counts.appGroupAssignments += await count(
        client.applicationApi.listApplicationGroupAssignments({ appId, limit: 200 }),
      );
    }
  } catch (e) {
    status = 'failed';
    error = describeError(e);
  }
  const simEnd = clock.now();
  const realEnd = performance.now();
  sampler.stop();
  const result: BaselineResult = {
    kind: 'baseline',
    status,
    ...(error === undefined ? {} : { error }),
    counts,
    wallMs: simEnd - simStart,
    rateLimited,
    concurrencyLimited,
    retried,
    maxRetries,
    ...processFigures(sampler, cpuStart, realEnd - realStart),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`error: ${describeError(e)}\n`);
  process.exitCode = 1;
});
