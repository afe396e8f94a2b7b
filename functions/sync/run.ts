import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { SnapshotTarget } from '../../shared/config';
import { checkMassDeletion, type GuardVerdict } from '../../shared/deletion-guard';
import type { Entity, Relationship } from '../../shared/elimity-model';
import { DataError, describeError, GuardError } from '../../shared/errors';
import { createSchemaFilter, describeDrops, type SchemaFilter } from '../../shared/schema-filter';
import { type ImportCounts, toElimityImport } from '../../shared/transform/import';
import { encodeSnapshotBodyToFile } from './elimity-body';
import type { ElimityClient } from './elimity-client';
import type { Logger } from './logger';
import type { OktaClient } from './okta-client';
import { type CrawlResult, crawlOkta } from './okta-crawl';
import type { Sleep } from './okta-pacer';
import { parseSnapshotLocation, readManifest, readRecords } from './snapshot-reader';
import type { SnapshotStore } from './snapshot-store';
import {
  createSnapshotWriter,
  type LatestSucceeded,
  type Manifest,
  markLatestSucceeded,
  type PostedRun,
  readLatestSucceeded,
  runPrefix,
  type SnapshotWriter,
  UNRECORDED_SOURCE,
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
  /** Absent only for a replay without Okta settings (a replay makes no Okta call). */
  okta: OktaClient | undefined;
  orgUrl: URL | undefined;
  /** Where this run's raw snapshot, manifest and the last-posted pointer live. */
  store: SnapshotStore;
  /** Opens the store a replayed snapshot lives in (it may be another bucket or directory). */
  openStore(target: SnapshotTarget): SnapshotStore;
  /** Absent for a dry run: nothing can be posted then. */
  elimity: ElimityClient | undefined;
  /**
   * Which Elimity source `elimity` posts to (`…/api/sources/<id>/`): the mass-deletion guard
   * compares only with the last snapshot posted to this same source.
   */
  elimitySource?: string;
  log: Logger;
  concurrency: number;
  runId: string;
  now: () => number;
  /** Injected with `now` so that a time-scaled benchmark compresses every wait consistently. */
  sleep?: Sleep;
  /** Where the run keeps its compressed Elimity body until posted (default: the OS temp dir). */
  tmpDir?: string;
}

export interface RunOptions {
  dryRun: boolean;
  /** Post even when the mass-deletion guard objects. */
  force: boolean;
  /** A stored snapshot's location (what a summary printed as `snapshot`) to post again. */
  replay?: string;
  maxDropPercent: number;
}

export const ZERO_COUNTS: SummaryCounts = {
  users: 0,
  groups: 0,
  applications: 0,
  groupMemberships: 0,
  appUserAssignments: 0,
  appGroupAssignments: 0,
};

/** A new run id: sortable by time, unique enough for one schedule, safe in S3 keys and paths. */
export function newRunId(now: number): string {
  const stamp = new Date(now)
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replaceAll(':', '-');
  return `${stamp}-${Math.random().toString(36).slice(2, 8)}`;
}

const RELATIONSHIP_COUNT: Record<string, keyof SummaryCounts> = {
  'user->group': 'groupMemberships',
  'user->application': 'appUserAssignments',
  'group->application': 'appGroupAssignments',
};
const ENTITY_COUNT: Record<string, keyof SummaryCounts> = {
  user: 'users',
  group: 'groups',
  application: 'applications',
};

/** Passes items through the data-model filter (if any) and counts what is actually sent. */
async function* fitted<T extends Entity | Relationship>(
  items: AsyncIterable<T>,
  filter: ((item: T) => T | undefined) | undefined,
  count: (item: T) => void,
): AsyncGenerator<T> {
  for await (const item of items) {
    const kept = filter ? filter(item) : item;
    if (kept === undefined) continue;
    count(kept);
    yield kept;
  }
}

interface SnapshotSource {
  store: SnapshotStore;
  manifest: Manifest;
  location: string;
}

/**
 * One sync: crawl Okta into the raw snapshot (or take a stored one, for a replay), rebuild the
 * Elimity import from what is stored, fit it to the source's data model, check it against the
 * last posted snapshot, and post it only when every step before succeeded. Never throws: the
 * outcome says how it went.
 */
export async function runSync(deps: SyncDeps, options: RunOptions): Promise<RunOutcome> {
  const { store, log, runId, now } = deps;
  const startedAt = now();
  const ownLocation = store.describe(runPrefix(runId));
  const manifest: Manifest = {
    formatVersion: 1,
    runId,
    oktaOrg: deps.orgUrl?.origin ?? '',
    startedAt: new Date(startedAt).toISOString(),
    finishedAt: null,
    status: 'running',
    counts: {},
    requests: { total: 0, rateLimited: 0, byBucket: {} },
    parts: [],
    dryRun: options.dryRun,
    posted: false,
    ...(options.replay ? { replayOf: options.replay } : {}),
    ...(deps.elimitySource && !options.dryRun ? { elimitySource: deps.elimitySource } : {}),
  };
  const writer = createSnapshotWriter(store, runId);
  let snapshot = options.replay ?? ownLocation;
  let counts: SummaryCounts = { ...ZERO_COUNTS };
  let importCounts: ImportCounts | undefined;
  let crawl: CrawlResult | undefined;
  let posted = false;
  let postAttempted = false;
  // The compressed Elimity body goes to a file of this run's own (Lambda: /tmp), removed at the end.
  let workDir: string | undefined;
  const oktaStats = () => deps.okta?.stats();
  const requestStats = () => manifestRequests(deps.okta);

  try {
    // Written first, so that even a run killed half-way leaves a trace in the audit store.
    await writeManifest(store, runId, manifest);
    log.info(options.replay ? 'replay started' : 'sync started', {
      runId,
      oktaOrg: manifest.oktaOrg,
      snapshot,
      dryRun: options.dryRun,
      force: options.force,
    });

    // The source's data model first: it checks the Elimity credentials before a long crawl.
    let filter: SchemaFilter | undefined;
    if (deps.elimity && !options.dryRun) {
      filter = createSchemaFilter(await deps.elimity.getDomainGraphSchema());
      if (filter.missingEntityTypes.length > 0) {
        throw new GuardError(
          `elimity: the source's data model has no entity type ${filter.missingEntityTypes.join(', ')}; ` +
            'import data-model.json into the custom source (posting would empty those entities)',
        );
      }
    }

    // The guard's baseline is read up front, so a damaged pointer stops the run before a long crawl.
    const baseline = await lastPostedToThisSource(deps);

    let source: SnapshotSource;
    if (options.replay) {
      source = await openReplay(deps, options.replay);
      snapshot = source.location;
      manifest.oktaOrg = source.manifest.oktaOrg;
    } else {
      crawl = await crawlInto(deps, writer, manifest);
      source = { store, manifest, location: ownLocation };
    }

    // The import is built from the stored snapshot: what Elimity gets is what the audit holds.
    const elimityImport = toElimityImport({
      records: (resource) => readRecords(source.store, source.manifest, resource),
      gone: source.manifest.gone ?? { users: [], groups: [], apps: [] },
    });
    const sent = { ...ZERO_COUNTS };
    const countEntity = (e: Entity) => {
      const key = ENTITY_COUNT[e.type];
      if (key) sent[key]++;
    };
    const countRelationship = (r: Relationship) => {
      const key = RELATIONSHIP_COUNT[`${r.fromEntityType}->${r.toEntityType}`];
      if (key) sent[key]++;
    };
    workDir = bodyWorkDir(deps);
    await mkdir(workDir);
    const encoded = await encodeSnapshotBodyToFile(
      {
        entities: fitted(elimityImport.entities, filter?.filterEntity, countEntity),
        relationships: fitted(
          elimityImport.relationships,
          filter?.filterRelationship,
          countRelationship,
        ),
      },
      path.join(workDir, 'snapshot.json.zlib'),
    );
    importCounts = elimityImport.counts;
    counts = sent;
    const schemaDrops = filter ? describeDrops(filter.drops) : [];
    Object.assign(manifest, {
      counts: {
        ...sent,
        danglingRelationships: importCounts.danglingRelationships,
        duplicates: importCounts.duplicates,
      },
      ...(schemaDrops.length ? { schemaDrops } : {}),
    });
    log.info('elimity import built', {
      ...sent,
      danglingRelationships: importCounts.danglingRelationships,
      duplicates: importCounts.duplicates,
      compressedBytes: encoded.compressedBytes,
      uncompressedBytes: encoded.uncompressedBytes,
    });

    const verdict = checkMassDeletion(sent, baseline?.counts, options.maxDropPercent);
    if (!verdict.ok) await onGuard(deps, verdict, options, manifest);

    if (!options.dryRun) {
      if (!deps.elimity) throw new Error('no Elimity client for a run that posts');
      postAttempted = true;
      await deps.elimity.postSnapshot(encoded.body);
      posted = true;
      log.info('snapshot posted to elimity', {
        entities: encoded.entityCount,
        relationships: encoded.relationshipCount,
        forced: manifest.forced ?? false,
      });
    }

    const finishedAt = now();
    Object.assign(manifest, {
      status: 'succeeded',
      finishedAt: new Date(finishedAt).toISOString(),
      posted,
      requests: requestStats(),
    });
    await writeManifest(store, runId, manifest);
    // Only a posted run is what Elimity holds now: the baseline later runs are compared with.
    if (posted) await markLatestSucceeded(store, runId, manifest);
    const summary: RunSummary = {
      status: 'succeeded',
      counts,
      oktaRequests: oktaStats()?.total ?? 0,
      snapshot,
      posted,
      durationMs: finishedAt - startedAt,
    };
    if (posted && deps.elimity) {
      await deps.elimity.log([
        { level: 'info', message: successMessage(summary, importCounts, options.replay) },
        ...(schemaDrops.length
          ? [
              {
                level: 'alert' as const,
                message: `The source's data model made the connector leave data out: ${schemaDrops.join('; ')}. Add these to the data model (data-model.json) to receive them.`,
              },
            ]
          : []),
      ]);
    }
    for (const line of schemaDrops) log.warn('left out by the data model', { drop: line });
    return {
      summary,
      runId,
      oktaRateLimited: oktaStats()?.rateLimited ?? 0,
      ...(crawl ? { crawl } : {}),
      importCounts,
    };
  } catch (error) {
    const message = describeError(error);
    log.error('sync failed', { runId, error: message, posted });
    await recordFailure(
      deps,
      options.replay ? undefined : writer,
      manifest,
      message,
      requestStats(),
    );
    if (deps.elimity) {
      await deps.elimity.log([
        {
          level: 'alert',
          message: `Okta sync failed; ${failureImpact(posted, postAttempted)}: ${message} (raw snapshot: ${snapshot})`,
        },
      ]);
    }
    return {
      summary: {
        status: 'failed',
        counts,
        oktaRequests: oktaStats()?.total ?? 0,
        snapshot,
        posted,
        durationMs: now() - startedAt,
      },
      runId,
      error,
      oktaRateLimited: oktaStats()?.rateLimited ?? 0,
      ...(crawl ? { crawl } : {}),
      ...(importCounts ? { importCounts } : {}),
    };
  } finally {
    if (workDir) await rm(workDir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** The Okta request counts as a manifest records them (all zero without an Okta client). */
export function manifestRequests(okta: OktaClient | undefined): Manifest['requests'] {
  const s = okta?.stats();
  return {
    total: s?.total ?? 0,
    rateLimited: s?.rateLimited ?? 0,
    byBucket: (s?.byBucket ?? {}) as Record<string, number>,
  };
}

/**
 * The run's own directory for its compressed Elimity body (Lambda: under /tmp, which outlives a
 * run in a warm container); removed when the run ends, or by whoever abandons the run.
 */
export function bodyWorkDir(deps: Pick<SyncDeps, 'runId' | 'tmpDir'>): string {
  return path.join(deps.tmpDir ?? tmpdir(), `okta-elimity-${deps.runId}`);
}

/** Crawls Okta into the writer and closes the snapshot's parts into the manifest. */
async function crawlInto(
  deps: SyncDeps,
  writer: SnapshotWriter,
  manifest: Manifest,
): Promise<CrawlResult> {
  if (!deps.okta || !deps.orgUrl) throw new Error('no Okta client for a run that reads Okta');
  const crawl = await crawlOkta({
    client: deps.okta,
    writer,
    log: deps.log,
    orgUrl: deps.orgUrl,
    concurrency: deps.concurrency,
    now: deps.now,
    ...(deps.sleep ? { sleep: deps.sleep } : {}),
  });
  manifest.parts = await writer.close();
  manifest.gone = crawl.gone;
  manifest.anomalies = crawl.anomalies;
  for (const anomaly of crawl.anomalies) deps.log.warn('okta paging anomaly', { anomaly });
  deps.log.info('okta extraction complete', {
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
  return crawl;
}

/** Opens a stored snapshot for a replay, refusing anything that is not a complete run of this org. */
async function openReplay(deps: SyncDeps, location: string): Promise<SnapshotSource> {
  const { target, runId } = parseSnapshotLocation(location);
  const store = deps.openStore(target);
  const manifest = await readManifest(store, runId);
  const where = store.describe(runPrefix(runId));
  if (manifest.replayOf) {
    throw new GuardError(
      `cannot replay ${where}: it was itself a replay of ${manifest.replayOf}; replay that one`,
    );
  }
  if (manifest.status !== 'succeeded') {
    throw new GuardError(
      `cannot replay ${where}: its manifest says ${manifest.status}; an incomplete extraction is never posted`,
    );
  }
  if (deps.orgUrl && manifest.oktaOrg !== deps.orgUrl.origin) {
    throw new GuardError(
      `cannot replay ${where}: it is a snapshot of ${manifest.oktaOrg}, but this connector syncs ${deps.orgUrl.origin}`,
    );
  }
  deps.log.info('replaying a stored snapshot', { snapshot: where, of: manifest.startedAt });
  return { store, manifest, location: where };
}

/**
 * The baseline of the mass-deletion guard: the last snapshot posted to the Elimity source this run
 * posts to. Runs that posted to another source say nothing about what this source holds (a new
 * source, another tenant), so a source with no posted run of its own has nothing to compare with.
 */
async function lastPostedToThisSource(deps: SyncDeps): Promise<PostedRun | undefined> {
  let latest: LatestSucceeded | undefined;
  try {
    latest = await readLatestSucceeded(deps.store);
  } catch (error) {
    if (!(error instanceof DataError)) throw error;
    throw new GuardError(
      `${error.message}. It only records the last posted run for the mass-deletion guard: ` +
        'restore it from an earlier version, or delete it (the next run then has no baseline to compare with)',
    );
  }
  // Runs told no source, and pointers written before sources were recorded: the newest run.
  if (!latest || !deps.elimitySource || !latest.elimitySource) return latest;
  const own = latest.bySource?.[deps.elimitySource] ?? latest.bySource?.[UNRECORDED_SOURCE];
  if (!own) {
    deps.log.info(
      'no snapshot posted to this Elimity source yet in this store; nothing to compare',
      {
        postingTo: deps.elimitySource,
        lastPostedTo: latest.elimitySource,
      },
    );
  }
  return own;
}

/** The mass-deletion guard objected: refuse (the default), or post anyway when forced, saying so. */
async function onGuard(
  deps: SyncDeps,
  verdict: Extract<GuardVerdict, { ok: false }>,
  options: RunOptions,
  manifest: Manifest,
): Promise<void> {
  const reasons = verdict.reasons.join('; ');
  if (options.dryRun) {
    deps.log.warn('the mass-deletion guard would refuse to post this snapshot', { reasons });
    return;
  }
  if (options.force) {
    manifest.forced = true;
    deps.log.warn('mass-deletion guard overridden by force: posting anyway', { reasons });
    await deps.elimity?.log([
      { level: 'alert', message: `Posting despite the mass-deletion guard (forced): ${reasons}` },
    ]);
    return;
  }
  throw new GuardError(
    `mass-deletion guard: refusing to post: ${reasons}. Elimity keeps the previous snapshot. ` +
      'If the change is real, run once with {"force": true} (CLI: FORCE=true)',
  );
}

/** What a failure means for the data in Elimity, in the alert's words. */
function failureImpact(posted: boolean, postAttempted: boolean): string {
  if (posted) return 'the snapshot had been posted';
  // A post that failed may still have reached Elimity (a timeout after the body was sent, say).
  if (postAttempted)
    return 'posting the snapshot failed, so Elimity most likely keeps the previous one';
  return 'nothing was posted, Elimity keeps the previous snapshot';
}

/** Keeps what the failed run wrote and marks its manifest failed; never masks the first error. */
async function recordFailure(
  deps: SyncDeps,
  writer: SnapshotWriter | undefined,
  manifest: Manifest,
  message: string,
  requests: Manifest['requests'],
): Promise<void> {
  if (writer) {
    try {
      manifest.parts = await writer.close();
    } catch (closeError) {
      deps.log.warn('could not flush the raw snapshot parts', { error: describeError(closeError) });
      manifest.parts = writer.parts();
    }
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

function successMessage(
  summary: RunSummary,
  c: ImportCounts | undefined,
  replay: string | undefined,
): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const { counts } = summary;
  const dangling = c?.danglingRelationships ?? 0;
  const left =
    dangling === 1
      ? ' 1 relationship to an object deleted during the run was left out.'
      : dangling > 1
        ? ` ${n(dangling)} relationships to objects deleted during the run were left out.`
        : '';
  const what = replay ? `Okta snapshot replayed from ${replay}` : 'Okta sync succeeded';
  return (
    `${what}: ${n(counts.users)} users, ${n(counts.groups)} groups, ` +
    `${n(counts.applications)} applications, ${n(counts.groupMemberships)} group memberships, ` +
    `${n(counts.appUserAssignments)} app user assignments, ${n(counts.appGroupAssignments)} app group assignments ` +
    `in ${(summary.durationMs / 1000).toFixed(1)} s with ${n(summary.oktaRequests)} Okta requests.${left} ` +
    `Raw snapshot: ${summary.snapshot}`
  );
}
