/**
 * Child process of `npm run bench`: one real sync (dry run) against the simulator, wired exactly as
 * the CLI wires it (`parseSyncConfig` → `createSyncDeps` → `runSync`), with the simulator's scaled
 * clock injected as `now` and `sleep`. Its own process, so the peak RSS is the crawler's alone.
 * Progress goes to stderr; the last stdout line is an `OursResult`.
 */
import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { createTextLogger, type Logger } from '../../functions/sync/logger';
import { runSync } from '../../functions/sync/run';
import { createSyncDeps, runOptionsOf } from '../../functions/sync/setup';
import { parseSyncConfig } from '../../shared/config';
import { describeError } from '../../shared/errors';
import { scaledClock } from './clock';
import {
  type MemoryPeaks,
  memorySampler,
  type OursResult,
  processFigures,
  readParams,
} from './protocol';

async function dirBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(path.join(entry.parentPath, entry.name))).size;
  }
  return total;
}

async function main(): Promise<void> {
  const params = readParams();
  const snapshotDir = params.snapshotDir;
  if (!snapshotDir) throw new Error('no snapshotDir');
  const clock = scaledClock(params.anchor, params.scale);
  const text = createTextLogger((line) => process.stderr.write(`${line}\n`));

  let crawlEnd: { sim: number; real: number; peaks: MemoryPeaks } | undefined;
  let body: { compressed?: number; uncompressed?: number } = {};
  const sampler = memorySampler();
  const log: Logger = {
    info(message, fields) {
      if (message === 'okta extraction complete') {
        crawlEnd = { sim: clock.now(), real: performance.now(), peaks: sampler.mark() };
      }
      if (message === 'elimity import built') {
        body = {
          compressed: Number(fields?.compressedBytes),
          uncompressed: Number(fields?.uncompressedBytes),
        };
      }
      text.info(message, fields);
    },
    warn: text.warn,
    error: text.error,
  };

  const config = parseSyncConfig(
    {
      OKTA_ORG_URL: params.orgUrl,
      OKTA_API_TOKEN: params.token,
      SNAPSHOT_DIR: snapshotDir,
      DRY_RUN: 'true',
      ...(params.concurrency === undefined ? {} : { OKTA_CONCURRENCY: String(params.concurrency) }),
    },
    'cli',
  );
  const deps = createSyncDeps(
    config,
    { okta: params.token, elimity: undefined },
    { log, now: clock.now, sleep: clock.sleep },
  );

  const cpuStart = process.cpuUsage();
  const realStart = performance.now();
  const simStart = clock.now();
  const outcome = await runSync(deps, runOptionsOf(config));
  const simEnd = clock.now();
  const realEnd = performance.now();
  const lastPeaks = sampler.mark();
  sampler.stop();

  const stats = deps.okta?.stats();
  const crawl = crawlEnd ?? { sim: simEnd, real: realEnd, peaks: lastPeaks };
  const result: OursResult = {
    kind: 'ours',
    status: outcome.summary.status,
    ...(outcome.error === undefined ? {} : { error: describeError(outcome.error) }),
    counts: { ...outcome.summary.counts },
    oktaRequests: outcome.summary.oktaRequests,
    byBucket: (stats?.byBucket ?? {}) as Record<string, number>,
    rateLimited: stats?.rateLimited ?? 0,
    concurrencyLimited: stats?.concurrencyLimited ?? 0,
    retries: stats?.retries ?? 0,
    learnedLimits: (deps.okta?.pacer.stats().limits ?? {}) as Record<string, number>,
    crawlMs: crawl.sim - simStart,
    postRealMs: realEnd - crawl.real,
    scaledTotalMs: outcome.summary.durationMs,
    crawlPeaks: crawl.peaks,
    postPeaks: lastPeaks,
    snapshotBytes: await dirBytes(snapshotDir),
    ...(body.compressed === undefined ? {} : { compressedBodyBytes: body.compressed }),
    ...(body.uncompressed === undefined ? {} : { uncompressedBodyBytes: body.uncompressed }),
    ...processFigures(sampler, cpuStart, realEnd - realStart),
  };
  if (!params.keepSnapshot) await rm(snapshotDir, { recursive: true, force: true });
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`error: ${describeError(error)}\n`);
  process.exitCode = 1;
});
