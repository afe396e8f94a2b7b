import { describeError } from '../../shared/errors';
import { type ImportCounts, toElimityImport } from '../../shared/transform/import';
import { encodeSnapshotBody } from './elimity-body';
import type { ElimityClient } from './elimity-client';
import type { Logger } from './logger';
import type { OktaClient } from './okta-client';
import { type CrawlResult, crawlOkta } from './okta-crawl';
import { readRecords } from './snapshot-reader';
import type { SnapshotStore } from './snapshot-store';
import {
  createSnapshotWriter,
  type Manifest,
  markLatestSucceeded,
  writeManifest,
} from './snapshot-writer';

/** The counts every run reports: what the Elimity import holds, per kind. */
export interface SummaryCounts {
  users: number;
  groups: number;
  applications: number;
  groupMemberships: number;
  appUserAssignments: number;
  appGroupAssignments: number;
}

/** The run summary: the CLI's last stdout line and the Lambda's result (a contract: keep exact). */
export interface RunSummary {
  status: 'succeeded' | 'failed';
  counts: SummaryCounts;
  oktaRequests: number;
  snapshot: string;
  posted: boolean;
  durationMs: number;
}

/** The summary plus what logs, metrics and the caller need to know beyond it. */
export interface RunOutcome {
  summary: RunSummary;
  runId: string;
  error?: unknown;
  oktaRateLimited: number;
  crawl?: CrawlResult;
  importCounts?: ImportCounts;
}

export interface SyncDeps {
  okta: OktaClient;
  store: SnapshotStore;
  /** Absent for a dry run: nothing can be posted then. */
  elimity: ElimityClient | undefined;
  log: Logger;
  orgUrl: URL;
  concurrency: number;
  runId: string;
  now: () => number;
}

export const ZERO_COUNTS: SummaryCounts = {
  users: 0,
  groups: 0,
  applications: 0,
  groupMemberships: 0,
  appUserAssignments: 0,
  appGroupAssignments: 0,
};

function summaryCounts(c: ImportCounts): SummaryCounts {
  return {
    users: c.users,
    groups: c.groups,
    applications: c.applications,
    groupMemberships: c.groupMemberships,
    appUserAssignments: c.appUserAssignments,
    appGroupAssignments: c.appGroupAssignments,
  };
}

/** A new run id: sortable by time, unique enough for one schedule, safe in S3 keys and paths. */
export function newRunId(now: number): string {
  const stamp = new Date(now)
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replaceAll(':', '-');
  return `${stamp}-${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * One sync: crawl Okta into the raw snapshot, rebuild the Elimity import from what was stored,
 * and post it only when every step before succeeded. Never throws: the outcome says how it went.
 */
export async function runSync(deps: SyncDeps, options: { dryRun: boolean }): Promise<RunOutcome> {
  const { store, log, runId, now } = deps;
  const startedAt = now();
  const writer = createSnapshotWriter(store, runId);
  const snapshot = store.describe(`runs/${runId}/`);
  const manifest: Manifest = {
    formatVersion: 1,
    runId,
    oktaOrg: deps.orgUrl.origin,
    startedAt: new Date(startedAt).toISOString(),
    finishedAt: null,
    status: 'running',
    counts: {},
    requests: { total: 0, rateLimited: 0, byBucket: {} },
    parts: [],
    dryRun: options.dryRun,
    posted: false,
  };
  let counts: SummaryCounts = ZERO_COUNTS;
  let importCounts: ImportCounts | undefined;
  let crawl: CrawlResult | undefined;
  let posted = false;

  const requestStats = () => {
    const s = deps.okta.stats();
    return {
      total: s.total,
      rateLimited: s.rateLimited,
      byBucket: s.byBucket as Record<string, number>,
    };
  };

  try {
    // Written first, so that even a run killed half-way leaves a trace in the audit store.
    await writeManifest(store, runId, manifest);
    log.info('sync started', {
      runId,
      oktaOrg: manifest.oktaOrg,
      snapshot,
      dryRun: options.dryRun,
    });

    crawl = await crawlOkta({
      client: deps.okta,
      writer,
      log,
      orgUrl: deps.orgUrl,
      concurrency: deps.concurrency,
      now,
    });
    manifest.parts = await writer.close();
    manifest.gone = crawl.gone;
    manifest.anomalies = crawl.anomalies;
    for (const anomaly of crawl.anomalies) log.warn('okta paging anomaly', { anomaly });
    log.info('okta extraction complete', {
      pages: crawl.pages,
      lists: crawl.lists,
      requests: deps.okta.stats().total,
      fetchedById: crawl.fetchedById,
      gone: {
        users: crawl.gone.users.length,
        groups: crawl.gone.groups.length,
        apps: crawl.gone.apps.length,
      },
    });

    // The import is built from the stored snapshot, so what Elimity gets is what the audit holds.
    const elimityImport = toElimityImport({
      records: (resource) => readRecords(store, manifest, resource),
      gone: crawl.gone,
    });
    const encoded = await encodeSnapshotBody(elimityImport);
    importCounts = elimityImport.counts;
    counts = summaryCounts(importCounts);
    manifest.counts = { ...importCounts };
    log.info('elimity import built', {
      ...importCounts,
      compressedBytes: encoded.body.length,
      uncompressedBytes: encoded.uncompressedBytes,
    });

    if (!options.dryRun) {
      if (!deps.elimity) throw new Error('no Elimity client for a run that posts');
      await deps.elimity.postSnapshot(encoded.body);
      posted = true;
      log.info('snapshot posted to elimity', { entities: encoded.entityCount });
    }

    const finishedAt = now();
    Object.assign(manifest, {
      status: 'succeeded',
      finishedAt: new Date(finishedAt).toISOString(),
      posted,
      requests: requestStats(),
    });
    await writeManifest(store, runId, manifest);
    // Only a posted run is what Elimity holds now: the baseline later runs compare with.
    if (posted) await markLatestSucceeded(store, runId, manifest);
    const summary: RunSummary = {
      status: 'succeeded',
      counts,
      oktaRequests: deps.okta.stats().total,
      snapshot,
      posted,
      durationMs: finishedAt - startedAt,
    };
    if (posted) {
      await deps.elimity?.log([{ level: 'info', message: successMessage(summary, importCounts) }]);
    }
    return { summary, runId, oktaRateLimited: deps.okta.stats().rateLimited, crawl, importCounts };
  } catch (error) {
    const message = describeError(error);
    log.error('sync failed', { runId, error: message, posted });
    await recordFailure(deps, writer, manifest, message, requestStats());
    if (deps.elimity) {
      await deps.elimity.log([
        {
          level: 'alert',
          message: `Okta sync failed; ${posted ? 'the snapshot had been posted' : 'nothing was posted, Elimity keeps the previous snapshot'}: ${message} (raw snapshot: ${snapshot})`,
        },
      ]);
    }
    const summary: RunSummary = {
      status: 'failed',
      counts,
      oktaRequests: deps.okta.stats().total,
      snapshot,
      posted,
      durationMs: now() - startedAt,
    };
    return {
      summary,
      runId,
      error,
      oktaRateLimited: deps.okta.stats().rateLimited,
      ...(crawl ? { crawl } : {}),
      ...(importCounts ? { importCounts } : {}),
    };
  }
}

/** Keeps what the failed run wrote and marks its manifest failed; never masks the first error. */
async function recordFailure(
  deps: SyncDeps,
  writer: ReturnType<typeof createSnapshotWriter>,
  manifest: Manifest,
  message: string,
  requests: Manifest['requests'],
): Promise<void> {
  try {
    manifest.parts = await writer.close();
  } catch (closeError) {
    deps.log.warn('could not flush the raw snapshot parts', { error: describeError(closeError) });
    manifest.parts = writer.parts();
  }
  Object.assign(manifest, {
    status: 'failed',
    error: message,
    finishedAt: new Date(deps.now()).toISOString(),
    requests,
  });
  try {
    await writeManifest(deps.store, deps.runId, manifest);
  } catch (manifestError) {
    deps.log.warn('could not write the failed manifest', { error: describeError(manifestError) });
  }
}

function successMessage(summary: RunSummary, c: ImportCounts | undefined): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const { counts } = summary;
  const left =
    c && c.danglingRelationships > 0
      ? ` ${n(c.danglingRelationships)} relationships to objects deleted during the run were left out.`
      : '';
  return (
    `Okta sync succeeded: ${n(counts.users)} users, ${n(counts.groups)} groups, ` +
    `${n(counts.applications)} applications, ${n(counts.groupMemberships)} group memberships, ` +
    `${n(counts.appUserAssignments)} app user assignments, ${n(counts.appGroupAssignments)} app group assignments ` +
    `in ${(summary.durationMs / 1000).toFixed(1)} s with ${n(summary.oktaRequests)} Okta requests.${left} ` +
    `Raw snapshot: ${summary.snapshot}`
  );
}
