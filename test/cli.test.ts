import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../shared/config';
import { expectedGraph, receivedGraph } from './helpers/expected-graph';
import { type OktaSimulator, startOktaSimulator } from './okta-simulator';
import { type ElimityReceiver, startElimityReceiver } from './stand-ins/elimity-receiver';

const CLI = join(import.meta.dirname, '../functions/sync/cli.ts');

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `npm run sync`'s entry point as its own process, with only the given environment. */
function runCli(env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function lastLine(text: string): unknown {
  const lines = text.trim().split('\n');
  return JSON.parse(lines.at(-1) ?? '');
}

let okta: OktaSimulator;
let elimity: ElimityReceiver;
let dir: string;

beforeAll(async () => {
  [okta, elimity] = await Promise.all([
    startOktaSimulator({
      orgOptions: { seed: 7, users: 450, groups: 40, apps: 12, bigGroupMembers: 220 },
    }),
    startElimityReceiver(),
  ]);
  dir = await mkdtemp(join(tmpdir(), 'okta-cli-'));
});
afterAll(async () => {
  await Promise.all([okta?.stop(), elimity?.stop()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

const baseEnv = () => ({
  [ENV.oktaOrgUrl]: okta.url,
  [ENV.oktaApiToken]: okta.token,
  [ENV.elimityUrl]: elimity.url,
  [ENV.elimitySourceId]: elimity.sourceId,
  [ENV.elimitySourceToken]: elimity.token,
  [ENV.snapshotDir]: dir,
});

describe('npm run sync (the CLI)', () => {
  it('posts a snapshot that matches the org exactly and ends with the JSON summary', async () => {
    const result = await runCli(baseEnv());
    expect(result.stderr).not.toMatch(/^error:/m);
    expect(result.code).toBe(0);

    const summary = lastLine(result.stdout) as Record<string, unknown>;
    expect(Object.keys(summary)).toEqual([
      'status',
      'counts',
      'oktaRequests',
      'snapshot',
      'posted',
      'durationMs',
    ]);
    const org = okta.org.counts;
    expect(summary).toEqual({
      status: 'succeeded',
      counts: {
        users: org.users,
        groups: org.groups,
        applications: org.apps,
        groupMemberships: org.memberships,
        appUserAssignments: org.appUserAssignments,
        appGroupAssignments: org.appGroupAssignments,
      },
      oktaRequests: expect.any(Number),
      snapshot: expect.stringMatching(new RegExp(`^${dir}/runs/[^/]+/$`)),
      posted: true,
      durationMs: expect.any(Number),
    });
    expect(Object.keys(summary.counts as object)).toEqual([
      'users',
      'groups',
      'applications',
      'groupMemberships',
      'appUserAssignments',
      'appGroupAssignments',
    ]);

    const received = elimity.latest();
    if (!received) throw new Error('nothing posted');
    expect(receivedGraph(received)).toEqual(expectedGraph(okta.org));
    // The raw snapshot went to the directory.
    const runs = await readdir(join(dir, 'runs'));
    expect(runs.length).toBeGreaterThan(0);
  });

  it('with DRY_RUN=true needs no Elimity settings and posts nothing', async () => {
    const posted = elimity.snapshots.length;
    const result = await runCli({
      [ENV.oktaOrgUrl]: okta.url,
      [ENV.oktaApiToken]: okta.token,
      [ENV.snapshotDir]: dir,
      [ENV.dryRun]: 'true',
    });
    expect(result.code).toBe(0);
    expect(lastLine(result.stdout)).toMatchObject({ status: 'succeeded', posted: false });
    expect(elimity.snapshots).toHaveLength(posted);
  });

  it('exits 1 with one clear error line and a failed summary when the Okta token is wrong', async () => {
    const posted = elimity.snapshots.length;
    const result = await runCli({ ...baseEnv(), [ENV.oktaApiToken]: 'wrong-token' });
    expect(result.code).toBe(1);
    const errors = result.stderr.split('\n').filter((l) => l.startsWith('error'));
    // Exactly one error line: the logger's own error lines are not printed by the CLI.
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^error: /);
    expect(errors[0]).toMatch(/okta: list \w+: HTTP 401 E0000011 .*check the Okta API token/);
    expect(lastLine(result.stdout)).toMatchObject({ status: 'failed', posted: false });
    expect(elimity.snapshots).toHaveLength(posted);
    // Neither token shows up anywhere in what the CLI printed.
    expect(result.stdout + result.stderr).not.toContain(elimity.token);
    expect(result.stdout + result.stderr).not.toContain('wrong-token');
  });

  it.each([
    { name: 'a pasted second line', token: (t: string) => `${t}\nsecond-line` },
    { name: 'a non-ASCII character', token: (t: string) => `${t}€` },
  ])('refuses an Okta token with $name at once, sending nothing', async ({ token }) => {
    const requests = okta.requests.length;
    const bad = token(okta.token);
    const result = await runCli({ ...baseEnv(), [ENV.oktaApiToken]: bad });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: OKTA_API_TOKEN must be the token alone: .*HTTP header/m);
    expect(lastLine(result.stdout)).toMatchObject({ status: 'failed', oktaRequests: 0 });
    expect(okta.requests).toHaveLength(requests);
    expect(result.stdout + result.stderr).not.toContain(okta.token);
  });

  it('stops before reading Okta when the guard baseline is damaged, saying what to do', async () => {
    const own = await mkdtemp(join(tmpdir(), 'okta-cli-baseline-'));
    try {
      await writeFile(join(own, 'latest-succeeded.json'), '{"runId": ');
      const requests = okta.requests.length;
      const result = await runCli({ ...baseEnv(), [ENV.snapshotDir]: own });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(
        /^error: .*latest-succeeded\.json: is not valid JSON\. .*delete it/m,
      );
      expect(okta.requests).toHaveLength(requests);
    } finally {
      await rm(own, { recursive: true, force: true });
    }
  });

  it.each([
    { signal: 'SIGTERM' as const, code: 143, during: 'crawl', times: 1 },
    { signal: 'SIGINT' as const, code: 130, during: 'crawl', times: 1 },
    { signal: 'SIGINT' as const, code: 130, during: 'crawl', times: 2 },
    { signal: 'SIGTERM' as const, code: 143, during: 'post', times: 1 },
  ])(
    'on $signal ×$times during the $during: manifest failed, error and summary printed, no body left, nothing posted',
    async ({ signal, code, during, times }) => {
      if (during === 'crawl') {
        // A page that never answers keeps the run busy until the signal comes.
        okta.setScenario([
          { path: '/api/v1/users', page: 2, times: Number.POSITIVE_INFINITY, fault: 'stall' },
        ]);
      } else {
        // Elimity takes its time over the snapshot: the signal comes while it is being posted.
        elimity.failNext(1, 503, undefined, { delayMs: 5_000 });
      }
      const trigger = during === 'crawl' ? 'sync started' : 'elimity import built';
      const own = await mkdtemp(join(tmpdir(), 'okta-cli-signal-'));
      const temp = await mkdtemp(join(tmpdir(), 'okta-cli-signal-tmp-'));
      try {
        const posted = elimity.snapshots.length;
        const child = spawn(process.execPath, ['--import', 'tsx', CLI], {
          env: {
            PATH: process.env.PATH ?? '',
            TMPDIR: temp,
            ...baseEnv(),
            [ENV.snapshotDir]: own,
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d) => (stdout += d));
        const started = new Promise<void>((resolve) =>
          child.stderr.on('data', (d) => {
            stderr += d;
            if (stderr.includes(trigger)) resolve();
          }),
        );
        const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
        await started;
        await new Promise((r) => setTimeout(r, 300));
        for (let i = 0; i < times; i++) child.kill(signal);
        expect(await closed).toBe(code);
        const errors = stderr.split('\n').filter((l) => l.startsWith('error'));
        expect(errors).toEqual([
          `error: interrupted by ${signal} before the run finished; its manifest is marked failed`,
        ]);
        const summary = lastLine(stdout) as { status: string; posted: boolean; snapshot: string };
        expect(summary).toMatchObject({ status: 'failed', posted: false });
        const manifest = JSON.parse(
          await readFile(join(summary.snapshot, 'manifest.json'), 'utf8'),
        );
        expect(manifest).toMatchObject({ status: 'failed', error: `interrupted by ${signal}` });
        expect(manifest.requests.total).toBeGreaterThan(0);
        expect(elimity.snapshots).toHaveLength(posted);
        // tsx keeps a cache of its own there; the run's body directory must be gone.
        expect((await readdir(temp)).filter((n) => n.startsWith('okta-elimity-'))).toEqual([]);
      } finally {
        okta.setScenario([]);
        await rm(own, { recursive: true, force: true });
        await rm(temp, { recursive: true, force: true });
      }
    },
  );

  it('exits 1 naming the variable when the configuration is wrong', async () => {
    const result = await runCli({ ...baseEnv(), [ENV.oktaOrgUrl]: '' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: OKTA_ORG_URL must be set \(it is missing\)$/m);
    expect(lastLine(result.stdout)).toMatchObject({
      status: 'failed',
      posted: false,
      oktaRequests: 0,
    });
  });
});
