/**
 * `npm run demo`: the real Lambda handler, end to end, against local stand-ins it starts itself
 * (Okta simulator, S3-compatible server, Secrets Manager endpoint, Elimity receiver). No accounts,
 * no network. The handler's own JSON log lines go to demo-out/handler-log.jsonl.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { handler } from '../functions/sync/handler';
import { describeError } from '../shared/errors';
import { startStandIns, withEnv } from './helpers/stand-ins';
import { summarizeSnapshot } from './stand-ins/elimity-receiver';

const OUT = join(import.meta.dirname, '..', 'demo-out');
const n = (x: number) => x.toLocaleString('en-US');
const say = (line = '') => process.stderr.write(`${line}\n`);

/** Runs fn while keeping what it writes to stdout (the handler's logs) out of the terminal. */
async function capturingStdout<T>(fn: () => Promise<T>): Promise<{ result: T; lines: string }> {
  const original = process.stdout.write.bind(process.stdout);
  let lines = '';
  process.stdout.write = ((chunk: string | Uint8Array) => {
    lines += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  }) as typeof process.stdout.write;
  try {
    return { result: await fn(), lines };
  } finally {
    process.stdout.write = original;
  }
}

async function main(): Promise<number> {
  say('Starting local stand-ins: Okta simulator, S3 server, Secrets Manager, Elimity receiver…');
  const s = await startStandIns();
  try {
    const org = s.okta.org.counts;
    say(
      `  Okta org ${s.okta.url}: ${n(org.users)} users, ${n(org.groups)} groups, ${n(org.apps)} apps`,
    );
    say(
      `  Elimity  ${s.elimity.url} (source ${s.elimity.sourceId}), S3 ${s.s3.endpoint}, Secrets Manager ${s.secrets.endpoint}`,
    );
    say('Invoking the Lambda handler with {} …');

    const started = Date.now();
    const { result, lines } = await capturingStdout(() =>
      withEnv(s.env, async () => {
        try {
          return { summary: await handler({}, { getRemainingTimeInMillis: () => 15 * 60_000 }) };
        } catch (error) {
          return { error };
        }
      }),
    );
    await mkdir(OUT, { recursive: true });
    await writeFile(join(OUT, 'handler-log.jsonl'), lines);

    if ('error' in result) {
      say(`\nThe sync failed: ${describeError(result.error)}`);
      say(`Handler log: ${join(OUT, 'handler-log.jsonl')}`);
      return 1;
    }
    const { summary } = result;
    const received = s.elimity.latest();
    say('');
    say(
      `Sync ${summary.status} in ${(summary.durationMs / 1000).toFixed(1)} s (demo total ${((Date.now() - started) / 1000).toFixed(1)} s)`,
    );
    say(`  Okta requests          ${n(summary.oktaRequests)}`);
    say(`  Users                  ${n(summary.counts.users)}`);
    say(`  Groups                 ${n(summary.counts.groups)}`);
    say(`  Applications           ${n(summary.counts.applications)}`);
    say(`  Group memberships      ${n(summary.counts.groupMemberships)}`);
    say(`  App user assignments   ${n(summary.counts.appUserAssignments)}`);
    say(`  App group assignments  ${n(summary.counts.appGroupAssignments)}`);
    say(`  Raw snapshot           ${summary.snapshot}`);
    if (received) {
      const got = summarizeSnapshot(received);
      say('What Elimity received (decoded and checked against data-model.json):');
      say(
        `  ${n(got.entityCount)} entities: ${Object.entries(got.entities)
          .map(([k, v]) => `${n(v)} ${k}`)
          .join(', ')}`,
      );
      say(
        `  ${n(got.relationshipCount)} relationships: ${Object.entries(got.relationships)
          .map(([k, v]) => `${n(v)} ${k}`)
          .join(', ')}`,
      );
      say(
        `  ${n(received.compressedBytes)} bytes zlib-compressed (${n(received.uncompressedBytes)} bytes of JSON)`,
      );
    }
    const log = s.elimity.logs.at(-1);
    if (log) say(`  connector log (${log.level}): ${log.message}`);
    say(`Handler log: ${join(OUT, 'handler-log.jsonl')}`);
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return summary.status === 'succeeded' && received ? 0 : 1;
  } finally {
    await s.stop();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    say(`demo failed: ${describeError(error)}`);
    process.exitCode = 1;
  },
);
