/**
 * `npm run bench [-- --sizes small,large --time-scale N --skip-baseline --concurrency N]`
 *
 * For each org size, on a fresh simulator (Workforce rate limits, the token's default 50 % share,
 * Okta-like latency, time-scaled) serving the same generated org:
 * - **ours**: the real sync (dry run: pages stored, Elimity body built and compressed, nothing
 *   posted) in a child process with the simulator's clock injected (test/bench/run-ours.ts);
 * - **baseline**: the same extraction with the official Okta Node SDK, sequential, its default
 *   429 retry in simulated time (test/bench/run-baseline.ts), on a second fresh simulator.
 * From the simulator's request log of our run: requests per bucket, each bucket's rate, and the
 * rate-limit lower bound (max over buckets of requests ÷ rate). Prints tables, writes
 * demo-out/bench.json, and prints the same JSON as the last stdout line.
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  DEFAULT_TOKEN_SHARE,
  OKTA_LATENCY,
  type OrgCounts,
  type OrgOptions,
  type RateLimitBucket,
  resolveRateLimits,
  sampleLatency,
  startOktaSimulator,
  WINDOW_MS,
} from '../okta-simulator/index';
import { RateLimiter } from '../okta-simulator/rate-limits';
import {
  analyseLog,
  type Demagnified,
  demagnify,
  type LogAnalysis,
  minutes,
  type NumberedRequest,
} from './analysis';
import { anchorOf, recordingNow } from './clock';
import {
  type BaselineResult,
  type ChildParams,
  type ChildResult,
  type MemoryPeaks,
  type OursResult,
  PARAMS_ENV,
} from './protocol';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const OUT_DIR = path.join(ROOT, 'demo-out');

export const SIZES = {
  small: { users: 10_000, groups: 1_000, apps: 200, memberships: 100_000 },
  large: { users: 100_000, groups: 10_000, apps: 1_000, memberships: 1_000_000 },
} as const satisfies Record<string, Partial<OrgOptions>>;
type SizeName = keyof typeof SIZES;

/** Simulated ms per real ms unless --time-scale says otherwise (see the README's performance section). */
export const DEFAULT_TIME_SCALE = 20;

const TARGETS = {
  ratioToBound: 1.15,
  speedupLarge: 1.5,
  peakRssLargeMiB: 512,
  rssGrowthLargeOverSmall: 3,
};

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: 'small,large' },
    'time-scale': { type: 'string', default: String(DEFAULT_TIME_SCALE) },
    'skip-baseline': { type: 'boolean', default: false },
    concurrency: { type: 'string' },
    'baseline-max-retries': { type: 'string', default: '2' },
    seed: { type: 'string', default: '1' },
  },
});
const timeScale = Number(values['time-scale']);
if (!(timeScale >= 1)) throw new Error('--time-scale must be a number ≥ 1');
const sizes = (values.sizes ?? '').split(',').map((s) => s.trim()) as SizeName[];
for (const s of sizes) if (!(s in SIZES)) throw new Error(`unknown size ${s} (small, large)`);
const seed = Number(values.seed);
const concurrency = values.concurrency === undefined ? undefined : Number(values.concurrency);
const baselineMaxRetries = Number(values['baseline-max-retries']);

const limiter = new RateLimiter(resolveRateLimits('workforce'), Date.now, DEFAULT_TOKEN_SHARE);
const ratePerMinute = (bucket: RateLimitBucket) => limiter.tokenLimit(bucket);

interface Run<R extends ChildResult> {
  result: R;
  analysis: LogAnalysis;
  /** Simulated time with CPU magnification removed from phases that were chains of round trips. */
  demagnified: Demagnified;
  counts: OrgCounts;
  realMs: number;
}

/** One child against a fresh simulator serving the org of `size`; the request log analysed. */
async function runOnFreshSimulator<R extends ChildResult>(
  size: SizeName,
  kind: R['kind'],
): Promise<Run<R>> {
  const clock = recordingNow();
  const sim = await startOktaSimulator({
    orgOptions: { ...SIZES[size], seed },
    rateLimits: 'workforce',
    tokenShare: DEFAULT_TOKEN_SHARE,
    latency: 'okta',
    timeScale,
    now: clock.now,
  });
  const anchor = anchorOf(sim.now(), clock.last(), timeScale);
  const snapshotDir = kind === 'ours' ? await mkdtemp(path.join(tmpdir(), 'bench-snap-')) : '';
  const params: ChildParams = {
    orgUrl: sim.url,
    token: sim.token,
    anchor,
    scale: timeScale,
    ...(kind === 'ours' ? { snapshotDir } : { maxRetries: baselineMaxRetries }),
    ...(kind === 'ours' && concurrency !== undefined ? { concurrency } : {}),
  };
  const file = path.join(HERE, kind === 'ours' ? 'run-ours.ts' : 'run-baseline.ts');
  const logFile = path.join(OUT_DIR, `bench-${size}-${kind}.log`);
  const started = performance.now();
  try {
    const stdout = await runChild(file, params, logFile);
    const last = stdout.trim().split('\n').at(-1) ?? '';
    let result: R;
    try {
      result = JSON.parse(last) as R;
    } catch {
      throw new Error(`${kind} (${size}) printed no result; see ${logFile}`);
    }
    const log: NumberedRequest[] = sim.requests.map((r, index) => ({
      index,
      bucket: r.bucket,
      status: r.status,
      at: r.at,
      simulatedLatencyMs: r.simulatedLatencyMs,
      objects: r.objects,
    }));
    return {
      result,
      analysis: analyseLog(log, ratePerMinute, WINDOW_MS),
      demagnified: demagnify(log, timeScale, (index, objects) =>
        sampleLatency(OKTA_LATENCY, index, objects),
      ),
      counts: sim.org.counts,
      realMs: performance.now() - started,
    };
  } finally {
    await sim.stop();
  }
}

function runChild(file: string, params: ChildParams, logFile: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file], {
      cwd: ROOT,
      env: { ...process.env, [PARAMS_ENV]: JSON.stringify(params) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.pipe(createWriteStream(logFile));
    child.on('error', reject);
    child.on('close', (code) => {
      const out = Buffer.concat(chunks).toString('utf8');
      if (code !== 0 && !out.trim()) reject(new Error(`${file} exited ${code}; see ${logFile}`));
      else resolve(out);
    });
  });
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
const roundAll = (p: MemoryPeaks): MemoryPeaks => ({
  rss: round(p.rss, 0),
  heapUsed: round(p.heapUsed, 0),
  heapTotal: round(p.heapTotal, 0),
  external: round(p.external, 0),
  arrayBuffers: round(p.arrayBuffers, 0),
});
const describePeaks = (label: string, p: MemoryPeaks) =>
  `${label}: rss ${p.rss}, heap ${p.heapUsed}/${p.heapTotal}, buffers ${p.arrayBuffers}`;

function sizeReport(ours: Run<OursResult>, baseline: Run<BaselineResult> | undefined) {
  const a = ours.analysis;
  const o = ours.result;
  const wallMs = o.crawlMs + o.postRealMs;
  const buckets = Object.fromEntries(
    Object.entries(a.buckets).map(([bucket, f]) => [
      bucket,
      {
        requests: f.requests,
        ratePerMinute: f.ratePerMinute,
        minMinutes: round(f.minMs / 60_000),
        baselineRequests: baseline?.analysis.buckets[bucket as RateLimitBucket]?.requests ?? null,
        rateLimited: f.rateLimited,
        rateLimitedSteady: f.rateLimitedSteady,
      },
    ]),
  );
  const b = baseline?.result;
  return {
    org: ours.counts,
    timeScale,
    buckets,
    boundingBucket: a.boundingBucket,
    lowerBoundMinutes: round(a.lowerBoundMs / 60_000),
    maxSpeedupFromOverlap: round(a.maxSpeedupFromOverlap),
    ours: {
      status: o.status,
      ...(o.error ? { error: o.error } : {}),
      wallMinutes: round(wallMs / 60_000),
      crawlMinutes: round(o.crawlMs / 60_000),
      postExtractionSeconds: round(o.postRealMs / 1000, 1),
      scaledTotalMinutes: round(o.scaledTotalMs / 60_000),
      ratioToBound: round(wallMs / a.lowerBoundMs),
      requests: a.requests,
      rateLimited: {
        bucket: o.rateLimited - o.concurrencyLimited,
        concurrency: o.concurrencyLimited,
        bucketSteadyState: a.rateLimitedSteady,
      },
      retries: o.retries,
      counts: o.counts,
      peakRssMiB: round(o.peakRssMiB, 0),
      memoryPeaksMiB: {
        extraction: roundAll(o.crawlPeaks),
        afterExtraction: roundAll(o.postPeaks),
      },
      cpuSeconds: round(o.cpuMs / 1000, 1),
      realSeconds: round(o.realMs / 1000, 1),
      snapshotMiB: round(o.snapshotBytes / 2 ** 20, 1),
      ...(o.compressedBodyBytes === undefined
        ? {}
        : { elimityBodyMiB: round(o.compressedBodyBytes / 2 ** 20, 1) }),
    },
    baseline: b
      ? {
          status: b.status,
          ...(b.error ? { error: b.error } : {}),
          wallMinutes: round(b.wallMs / 60_000),
          wallMinutesDemagnified: round(baselineWallMs(baseline) / 60_000),
          phases: Object.fromEntries(
            Object.entries(baseline.demagnified.phases).map(([bucket, p]) => [
              bucket,
              {
                measuredMinutes: round(p.measuredMs / 60_000),
                demagnifiedMinutes: round(p.correctedMs / 60_000),
                rateLimited: p.rateLimited,
              },
            ]),
          ),
          requests: baseline.analysis.requests,
          rateLimited: {
            bucket: b.rateLimited - b.concurrencyLimited,
            concurrency: b.concurrencyLimited,
          },
          retried: b.retried,
          maxRetries: b.maxRetries,
          counts: b.counts,
          peakRssMiB: round(b.peakRssMiB, 0),
          cpuSeconds: round(b.cpuMs / 1000, 1),
          realSeconds: round(b.realMs / 1000, 1),
        }
      : null,
    /** Conservative: the baseline's time with CPU magnification removed (see analysis.ts). */
    speedup: b && b.status === 'succeeded' ? round(baselineWallMs(baseline) / wallMs) : null,
    speedupMeasured: b && b.status === 'succeeded' ? round(b.wallMs / wallMs) : null,
  };
}
type SizeReport = ReturnType<typeof sizeReport>;

/**
 * The baseline's wall time, simulated, with its local CPU counted once instead of `scale` times in
 * the phases that were chains of round trips: the child's own measure, minus what the simulator's
 * log shows was magnified.
 */
function baselineWallMs(run: Run<BaselineResult>): number {
  return run.result.wallMs - (run.demagnified.measuredMs - run.demagnified.correctedMs);
}

function pad(cells: (string | number)[], widths: number[]): string {
  return cells
    .map((c, i) =>
      i === 0 ? String(c).padEnd(widths[i] ?? 0) : String(c).padStart(widths[i] ?? 0),
    )
    .join('  ');
}

function printSize(size: SizeName, r: SizeReport, ours: Run<OursResult>): void {
  const org = r.org;
  console.log(
    `\n== ${size}: ${org.users} users, ${org.groups} groups, ${org.apps} apps, ${org.memberships} memberships, ` +
      `${org.appUserAssignments} app users, ${org.appGroupAssignments} app groups (time scale ${timeScale}) ==`,
  );
  const widths = [22, 8, 8, 8, 9, 10, 16, 9];
  console.log(
    pad(
      [
        'bucket',
        'ours',
        'sdk',
        'rate/min',
        'min (min)',
        '429s/steady',
        'ours first..last',
        'max gap',
      ],
      widths,
    ),
  );
  for (const [bucket, f] of Object.entries(r.buckets)) {
    const t = ours.analysis.buckets[bucket as RateLimitBucket];
    console.log(
      pad(
        [
          bucket,
          f.requests,
          f.baselineRequests ?? '-',
          f.ratePerMinute,
          f.minMinutes.toFixed(2),
          `${f.rateLimited}/${f.rateLimitedSteady}`,
          t ? `${minutes(t.firstMs)}..${minutes(t.lastMs)} min` : '',
          t ? `${(t.maxGapMs / 1000).toFixed(1)} s` : '',
        ],
        widths,
      ),
    );
  }
  const o = r.ours;
  const lines: [string, string][] = [
    ['lower bound', `${r.lowerBoundMinutes} min (${r.boundingBucket})`],
    [
      'ours',
      `${o.wallMinutes} min = crawl ${o.crawlMinutes} min + post-extraction ${o.postExtractionSeconds} s; ratio ${o.ratioToBound} (${o.status})`,
    ],
    [
      'baseline (SDK)',
      r.baseline
        ? `${r.baseline.wallMinutesDemagnified} min with its CPU counted once (${r.baseline.wallMinutes} min as measured, CPU magnified ${timeScale}×) (${r.baseline.status}${r.baseline.error ? `: ${r.baseline.error}` : ''})`
        : 'skipped',
    ],
    ['speedup', `${r.speedup ?? '-'}× (the most overlap can give: ${r.maxSpeedupFromOverlap}×)`],
    [
      '429s ours',
      `bucket ${o.rateLimited.bucket} (steady state ${o.rateLimited.bucketSteadyState}), concurrency ${o.rateLimited.concurrency}`,
    ],
    [
      '429s baseline',
      r.baseline
        ? `bucket ${r.baseline.rateLimited.bucket}, concurrency ${r.baseline.rateLimited.concurrency}; retried ${r.baseline.retried} (maxRetries ${r.baseline.maxRetries})`
        : '-',
    ],
    [
      'memory ours',
      `peak RSS ${o.peakRssMiB} MiB; ${describePeaks('extraction', o.memoryPeaksMiB.extraction)}; ${describePeaks('after', o.memoryPeaksMiB.afterExtraction)}`,
    ],
    [
      'cpu/real ours',
      `${o.cpuSeconds} s CPU in ${o.realSeconds} s real; snapshot ${o.snapshotMiB} MiB, Elimity body ${'elimityBodyMiB' in o ? o.elimityBodyMiB : '-'} MiB`,
    ],
    [
      'cpu/real baseline',
      r.baseline ? `${r.baseline.cpuSeconds} s CPU in ${r.baseline.realSeconds} s real` : '-',
    ],
  ];
  for (const [k, v] of lines) console.log(`${k.padEnd(18)} ${v}`);
}

async function main(): Promise<void> {
  await mkdir(OUT_DIR, { recursive: true });
  const started = performance.now();
  const report: Record<string, SizeReport> = {};
  for (const size of sizes) {
    process.stderr.write(`bench: ${size}: ours…\n`);
    const ours = await runOnFreshSimulator<OursResult>(size, 'ours');
    let baseline: Run<BaselineResult> | undefined;
    if (!values['skip-baseline']) {
      process.stderr.write(`bench: ${size}: baseline (okta-sdk-nodejs)…\n`);
      baseline = await runOnFreshSimulator<BaselineResult>(size, 'baseline');
    }
    const r = sizeReport(ours, baseline);
    report[size] = r;
    printSize(size, r, ours);
  }

  const small = report.small;
  const large = report.large;
  const targets = {
    ratioToBound: Object.fromEntries(
      Object.entries(report).map(([s, r]) => [
        s,
        {
          value: r.ours.ratioToBound,
          target: TARGETS.ratioToBound,
          met: r.ours.ratioToBound <= TARGETS.ratioToBound,
        },
      ]),
    ),
    speedupLarge: large
      ? {
          value: large.speedup,
          target: TARGETS.speedupLarge,
          met: (large.speedup ?? 0) >= TARGETS.speedupLarge,
        }
      : null,
    noSteadyStateBucket429s: Object.fromEntries(
      Object.entries(report).map(([s, r]) => [s, r.ours.rateLimited.bucketSteadyState === 0]),
    ),
    peakRssLarge: large
      ? {
          valueMiB: large.ours.peakRssMiB,
          targetMiB: TARGETS.peakRssLargeMiB,
          met: large.ours.peakRssMiB <= TARGETS.peakRssLargeMiB,
        }
      : null,
    rssGrowthLargeOverSmall:
      large && small
        ? {
            value: round(large.ours.peakRssMiB / small.ours.peakRssMiB),
            target: TARGETS.rssGrowthLargeOverSmall,
            met: large.ours.peakRssMiB < TARGETS.rssGrowthLargeOverSmall * small.ours.peakRssMiB,
          }
        : null,
  };
  const json = {
    command: `npm run bench -- --sizes ${sizes.join(',')} --time-scale ${timeScale}${values['skip-baseline'] ? ' --skip-baseline' : ''}`,
    timeScale,
    realSeconds: round((performance.now() - started) / 1000, 0),
    sizes: report,
    targets,
  };
  console.log(`\ntargets: ${JSON.stringify(targets)}`);
  await writeFile(path.join(OUT_DIR, 'bench.json'), `${JSON.stringify(json, null, 2)}\n`);
  console.log(JSON.stringify(json));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
