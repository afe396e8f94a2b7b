import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FAULT_KINDS } from './okta-simulator';
import {
  OPTION_NAMES,
  parseSimulateArgs,
  RULE_FIELDS,
  UsageError,
  usageText,
} from './okta-simulator/simulate-options';

const ROOT = join(import.meta.dirname, '..');
const SCRIPT = 'test/simulate.ts';

/** Runs `npm run simulate`'s entry point with these arguments; it must exit on its own. */
function simulate(...args: string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', SCRIPT, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    // A run that starts the servers would wait for Ctrl-C: kill it rather than leave it running.
    timeout: 30_000,
    killSignal: 'SIGKILL',
  });
  return {
    status: result.status,
    signal: result.signal,
    stdout: result.stdout,
    stderr: result.stderr,
  };
}

/** The options the README and other scripts rely on; none may disappear. */
const DOCUMENTED_OPTIONS = [
  'users',
  'groups',
  'apps',
  'memberships',
  'seed',
  'okta-port',
  'elimity-port',
  'rate-limits',
  'token-share',
  'concurrency',
  'latency',
  'time-scale',
  'clock-skew',
  'link-style',
  'scenario',
  'help',
];

describe('npm run simulate -- --help', () => {
  it('prints the usage text to stdout and exits 0', () => {
    const result = simulate('--help');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(usageText());
    expect(result.stdout).toMatch(/^Usage: npm run simulate -- \[options\]/);
    expect(result.stdout).not.toMatch(/Okta simulator {3}http/); // no server was started
  });

  it('lists every option, the presets, the latency models, the scenario fields and every fault kind', () => {
    const text = simulate('--help').stdout;
    expect(OPTION_NAMES).toEqual(expect.arrayContaining(DOCUMENTED_OPTIONS));
    for (const name of OPTION_NAMES)
      expect(text).toMatch(new RegExp(`^ {2}(-h, )?--${name}\\b`, 'm'));
    for (const preset of ['workforce', 'generous', 'unlimited']) {
      expect(text).toMatch(new RegExp(`^ {2}${preset} `, 'm'));
    }
    const flat = text.replace(/\s+/g, ' ');
    expect(flat).toContain('--rate-limits PRESET org-wide per-minute bucket sizes');
    expect(flat).toContain('(default unlimited;');
    expect(flat).toContain(
      '--latency MODEL how long answers take: none, okta or BASE,PER_OBJECT,JITTER',
    );
    expect(flat).toContain('A path that starts with ^ is a JavaScript regular expression');
    expect(flat).toContain('(default 1); null = unlimited');
    for (const field of RULE_FIELDS) {
      expect(text).toMatch(new RegExp(`^ {2}${field} `, 'm'));
    }
    const kinds = text.slice(text.indexOf('Fault kinds'));
    for (const kind of FAULT_KINDS) expect(kinds).toMatch(new RegExp(`^ {2}${kind} +\\S`, 'm'));
    // Fits in a 100-column terminal.
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(100);
  });

  it('-h is the same, and --help wins over other options', () => {
    expect(simulate('-h')).toMatchObject({ status: 0, stdout: usageText() });
    expect(simulate('--users', '5', '--bogus', '--help')).toMatchObject({ status: 0 });
  });
});

describe('npm run simulate -- --help | head', () => {
  it('exits 0 without a stack trace when stdout is closed early', async () => {
    const proc = spawn(process.execPath, ['--import', 'tsx', SCRIPT, '--help'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc.stdout.destroy(); // as `head` does once it has its lines
    let stderr = '';
    proc.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => proc.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});

describe('npm run simulate with a bad option or value', () => {
  const cases: [string[], RegExp][] = [
    [
      ['--rate-limits', 'banana'],
      /--rate-limits must be one of workforce, generous, unlimited, got "banana"/,
    ],
    [['--users', 'abc'], /--users must be a whole number >= 0, got "abc"/],
    [
      ['--scenario', 'notjson'],
      /--scenario is not valid JSON .*expected a JSON array of fault rules/,
    ],
    [
      ['--scenario', '[{"path": "/api/v1/users", "fault": "banana"}]'],
      /rule 0 \(path "\/api\/v1\/users"\): unknown fault "banana"; expected one of the fault kinds reset, /,
    ],
    [['--help=yes'], /--help takes no value/],
    [['--bogus'], /unknown option --bogus/],
    [['--usres', '5'], /unknown option --usres \(did you mean --users\?\)/],
    [['--users'], /--users needs a value: --users N/],
    [['--users', '--groups', '5'], /--users needs a value/],
    [['stray'], /unexpected argument "stray"/],
    [
      ['--scenario', '@test/no-such-scenario.json'],
      /cannot read test\/no-such-scenario\.json: ENOENT/,
    ],
    [['--scenario', '{"path": "/api/v1/users"}'], /--scenario must be a JSON array of fault rules/],
    [
      ['--scenario', '[{"path": "/api/v1/users", "time": 2, "fault": "reset"}]'],
      /unknown field "time" in a rule \(did you mean times\?\)/,
    ],
    [['--scenario', '[{"path": "^(", "fault": "reset"}]'], /not a valid regular expression/],
    [['--scenario', '[{"path": "/api/v1/users"}]'], /needs respond, fault or delayMs/],
    [['--latency', '1,2'], /--latency must be none, okta or BASE_MS,PER_OBJECT_MS,JITTER/],
    [['--token-share', '2'], /--token-share must be a number with 0 < F <= 1, got "2"/],
    [['--time-scale', '0'], /--time-scale must be a number > 0/],
    [['--okta-port', '70000'], /--okta-port must be a whole number 0-65535/],
    [['--link-style', 'commas'], /--link-style must be one of lines, comma-joined/],
  ];

  it.each(cases)('%j exits 2 with one error line and no stack trace', (args, message) => {
    const result = simulate(...args);
    expect(result.signal).toBeNull(); // exited on its own, before starting any server
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines.filter((line) => line.startsWith('error: '))).toHaveLength(1);
    expect(lines[0]).toMatch(/^error: /);
    expect(lines[0]).toMatch(message);
    expect(lines.slice(1)).toEqual(["Run 'npm run simulate -- --help' for the options."]);
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(result.stderr).not.toMatch(/\b[A-Z]\w*Error\b|ERR_/);
  });

  it('names every fault kind when the fault is unknown', () => {
    const { stderr } = simulate('--scenario', '[{"path": "/api/v1/users", "fault": "resett"}]');
    expect(stderr).toContain('unknown fault "resett" (did you mean reset?)');
    for (const kind of FAULT_KINDS) expect(stderr).toContain(kind);
  });
});

describe('the options as before', () => {
  it('parses every option into the same simulator options as the old script', () => {
    const command = parseSimulateArgs([
      '--users=30',
      '--groups',
      '6',
      '--apps',
      '4',
      '--memberships',
      '100',
      '--seed',
      '3',
      '--okta-port',
      '0',
      '--elimity-port',
      '0',
      '--rate-limits',
      'workforce',
      '--token-share',
      '0.25',
      '--concurrency',
      '10',
      '--latency',
      '5,1,0.1',
      '--time-scale',
      '60',
      '--clock-skew',
      '-5000',
      '--link-style',
      'comma-joined',
      '--scenario',
      '[{"path": "^/api/v1/users$", "page": 2, "times": null, "respond": {"status": 429}}]',
    ]);
    expect(command).toEqual({
      help: false,
      okta: {
        orgOptions: { users: 30, groups: 6, apps: 4, memberships: 100, seed: 3 },
        port: 0,
        tokenShare: 0.25,
        concurrencyLimit: 10,
        timeScale: 60,
        clockSkewMs: -5000,
        rateLimits: 'workforce',
        latency: { baseMs: 5, perObjectMs: 1, jitter: 0.1 },
        linkStyle: 'comma-joined',
        scenario: [
          {
            path: /^\/api\/v1\/users$/,
            page: 2,
            times: Number.POSITIVE_INFINITY,
            respond: { status: 429 },
          },
        ],
      },
      elimity: { port: 0 },
      shown: {
        rateLimits: 'workforce',
        tokenShare: '0.25',
        concurrency: '10',
        latency: '5,1,0.1',
        scenario: true,
      },
    });
  });

  it('has the old defaults', () => {
    expect(parseSimulateArgs([])).toEqual({
      help: false,
      okta: {
        orgOptions: {},
        rateLimits: 'unlimited',
        latency: 'none',
        linkStyle: 'lines',
        scenario: [],
      },
      elimity: {},
      shown: {
        rateLimits: 'unlimited',
        tokenShare: '0.5',
        concurrency: '75',
        latency: 'none',
        scenario: false,
      },
    });
    expect(parseSimulateArgs(['--latency', 'okta'])).toMatchObject({ okta: { latency: 'okta' } });
  });

  it('reads --scenario @FILE', () => {
    const read: string[] = [];
    const command = parseSimulateArgs(['--scenario', '@rules.json'], (path) => {
      read.push(path);
      return '[{"path": "/api/v1/groups", "fault": "stall"}]';
    });
    expect(read).toEqual(['rules.json']);
    expect(command).toMatchObject({
      okta: { scenario: [{ path: '/api/v1/groups', fault: 'stall' }] },
    });
    expect(() => parseSimulateArgs(['--scenario', '@'])).toThrow(UsageError);
  });
});

describe('npm run simulate with good options', () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    // Never leave a simulator behind, even when an assertion failed.
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    child = undefined;
  });

  it('starts both servers, applies the scenario, and stops on Ctrl-C (SIGINT) with status 0', async () => {
    const proc = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        SCRIPT,
        '--users',
        '20',
        '--groups',
        '5',
        '--apps',
        '3',
        '--rate-limits',
        'workforce',
        '--scenario',
        '[{"path": "/api/v1/users", "times": null, "respond": {"status": 429}}]',
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = proc;
    let stdout = '';
    let stderr = '';
    proc.stdout?.on('data', (d) => (stdout += d));
    proc.stderr?.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) =>
      proc.on('close', (code) => resolve(code)),
    );

    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no start-up banner: ${stdout}${stderr}`)),
        30_000,
      );
      proc.stdout?.on('data', () => {
        if (stdout.includes('Ctrl-C stops.')) {
          clearTimeout(timer);
          resolve();
        }
      });
      proc.on('close', () => reject(new Error(`exited early: ${stdout}${stderr}`)));
    });
    expect(stdout).toContain('org: 20 users, 5 groups, 3 apps');
    expect(stdout).toContain(
      'rate limits workforce (token share 0.5), concurrency 75, latency none',
    );
    expect(stdout).toContain('fault scenario loaded');

    const url = /export OKTA_ORG_URL=(\S+)/.exec(stdout)?.[1];
    const token = /export OKTA_API_TOKEN=(\S+)/.exec(stdout)?.[1];
    const response = await fetch(`${url}/api/v1/users`, {
      headers: { Authorization: `SSWS ${token}` },
    });
    expect(response.status).toBe(429);
    await response.arrayBuffer();

    proc.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stderr).toBe('');
  });
});
