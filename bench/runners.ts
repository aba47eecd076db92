// Runs one measured invocation of drover, ansible-playbook or the floor, through bench/measure.py.
import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Runner, Workload } from './options.ts';

const execFileP = promisify(execFile);

export const REPO = path.resolve(import.meta.dirname, '..');
export const OUT = path.join(REPO, 'bench', 'out');
const MEASURE = path.join(REPO, 'bench', 'measure.py');
const FLOOR = path.join(REPO, 'bench', 'floor.ts');

/** What measure.py reports for one command (CPU and memory of its whole process tree). */
export interface Measurement {
  wallMs: number;
  userMs: number;
  sysMs: number;
  cpuMs: number;
  /** Largest single process (ru_maxrss of the reaped tree), KiB. */
  maxRssKb: number;
  /** Sum over the process tree, sampled every 200 ms, KiB. */
  peakTreeRssKb: number;
  exitCode: number;
}

export interface RunRecord extends Measurement {
  runner: Runner;
  /** 'first': hosts were reset (everything changes); 'second': same run again (nothing changes). */
  pass: 'first' | 'second';
  round: number;
  /** Per-host recap totals parsed from the runner's output. */
  changed: number;
  failed: number;
  unreachable: number;
  hostsInRecap: number;
  log: string;
  /** The 1-minute load average when the run started (the machine is shared). */
  load1: number;
  /** When the run started (ISO). */
  at: string;
  /** drover only: run-start to recap as its recap line reports it (the play, without process start-up). */
  playMs?: number;
}

/** The play's own duration from drover's `RECAP 0.81 s` line. */
export function parsePlayMs(output: string): number | undefined {
  const m = /^RECAP[^\n]*?(\d+(?:\.\d+)?) s\s*$/m.exec(output.replace(/\x1b\[[0-9;]*m/g, ''));
  return m ? Math.round(Number(m[1]) * 1000) : undefined;
}

/** Parses `name : ok=N changed=N unreachable=N failed=N` recap lines (ansible-playbook's and drover's). */
export function parseRecap(output: string): { hosts: number; changed: number; failed: number; unreachable: number } {
  const re = /^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)/gm;
  const seen = new Map<string, { changed: number; failed: number; unreachable: number }>();
  // eslint-disable-next-line no-control-regex
  const plain = output.replace(/\x1b\[[0-9;]*m/g, '');
  for (const m of plain.matchAll(re)) seen.set(m[1], { changed: +m[3], unreachable: +m[4], failed: +m[5] });
  let changed = 0;
  let failed = 0;
  let unreachable = 0;
  for (const s of seen.values()) {
    changed += s.changed;
    failed += s.failed;
    unreachable += s.unreachable;
  }
  return { hosts: seen.size, changed, failed, unreachable };
}

async function measure(
  argv: string[],
  opts: { log: string; controlDir?: string; env?: NodeJS.ProcessEnv },
): Promise<Measurement> {
  const args = [
    MEASURE,
    '--log',
    opts.log,
    ...(opts.controlDir ? ['--control-dir', opts.controlDir] : []),
    '--',
    ...argv,
  ];
  const { stdout } = await execFileP('/usr/bin/python3', args, {
    cwd: REPO,
    env: opts.env ?? process.env,
    maxBuffer: 1 << 20,
  });
  return JSON.parse(stdout.trim().split('\n').pop()!) as Measurement;
}

/** The exact command lines measured (also printed into RESULTS.md). */
export function droverArgv(workload: Workload, inventory: string, forks: number): string[] {
  return [
    'node',
    'core/cli/bin.js',
    'run',
    `bench/workloads/${workload}.ts`,
    '-i',
    path.relative(REPO, inventory),
    '--forks',
    String(forks),
  ];
}

export function ansibleArgv(workload: Workload, inventory: string, forks: number): string[] {
  return [
    'ansible-playbook',
    '-i',
    path.relative(REPO, inventory),
    '-f',
    String(forks),
    `bench/workloads/${workload}.yml`,
  ];
}

/** Debian's ansible-mitogen (0.3.3, for ansible-core 2.14): its strategy plugins. */
export const MITOGEN_STRATEGY_PLUGINS = '/usr/lib/python3/dist-packages/ansible_mitogen/plugins/strategy';

/**
 * Ansible + Mitogen: the same ansible-playbook command, config, inventory, key and known_hosts, with
 * Mitogen's linear strategy (one persistent Python interpreter per host, modules run in it).
 */
export const MITOGEN_ENV = {
  ANSIBLE_STRATEGY_PLUGINS: MITOGEN_STRATEGY_PLUGINS,
  ANSIBLE_STRATEGY: 'mitogen_linear',
} as const;

/** The command line as RESULTS.md shows it for each runner. */
export function commandLine(runner: Runner, workload: Workload, inventory: string, forks: number): string {
  if (runner === 'drover') return droverArgv(workload, inventory, forks).join(' ');
  const argv = ansibleArgv(workload, inventory, forks).join(' ');
  return runner === 'mitogen'
    ? `${Object.entries(MITOGEN_ENV)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')} ${argv}`
    : argv;
}

/**
 * ansible.cfg for the benchmark: pipelining on, no fact gathering, the lab's known_hosts with strict
 * checking (the inventory passes it in ansible_ssh_common_args), Ansible's default ssh_args
 * (ControlMaster/ControlPersist), the Python interpreter named so no discovery round trip is spent.
 */
export async function writeAnsibleConfig(): Promise<string> {
  const file = path.join(OUT, 'ansible.cfg');
  await mkdir(OUT, { recursive: true });
  await writeFile(
    file,
    [
      '# Written by bench/run.ts: the Ansible settings of the benchmark.',
      '[defaults]',
      'gathering = explicit',
      'host_key_checking = True',
      'interpreter_python = /usr/bin/python3',
      'retry_files_enabled = False',
      `local_tmp = ${path.join(OUT, 'ansible-tmp')}`,
      '',
      '[ssh_connection]',
      'pipelining = True',
      'ssh_args = -C -o ControlMaster=auto -o ControlPersist=60s',
      '',
    ].join('\n'),
  );
  return file;
}

let sequence = 0;

export async function runOnce(
  runner: Runner,
  workload: Workload,
  inventory: string,
  forks: number,
  meta: { pass: 'first' | 'second'; round: number; tag: string },
): Promise<RunRecord> {
  const logDir = path.join(OUT, 'logs');
  await mkdir(logDir, { recursive: true });
  const load1 = Number((await readFile('/proc/loadavg', 'utf8')).split(' ')[0]);
  const at = new Date().toISOString();
  // The start time in the name keeps the logs of earlier invocations (--append, --runners) that the results still cite.
  const log = path.join(
    logDir,
    `${meta.tag}-${runner}-r${meta.round}-${meta.pass}-${at.replace(/[-:]/g, '').slice(0, 15)}.log`,
  );
  let m: Measurement;
  if (runner === 'drover') {
    m = await measure(droverArgv(workload, inventory, forks), { log, env: { ...process.env, NO_COLOR: '1' } });
  } else {
    // A fresh ControlMaster directory per run: every run starts without open connections, as drover's do,
    // and measure.py stops the masters afterwards (their CPU time counts).
    const controlDir = path.join(OUT, 'cp', String(++sequence));
    await rm(controlDir, { recursive: true, force: true });
    await mkdir(controlDir, { recursive: true });
    m = await measure(ansibleArgv(workload, inventory, forks), {
      log,
      controlDir,
      env: {
        ...process.env,
        ANSIBLE_CONFIG: path.join(OUT, 'ansible.cfg'),
        ANSIBLE_SSH_CONTROL_PATH_DIR: controlDir,
        ANSIBLE_NOCOLOR: '1',
        ANSIBLE_FORCE_COLOR: '0',
        ...(runner === 'mitogen' ? MITOGEN_ENV : {}),
      },
    });
    await rm(controlDir, { recursive: true, force: true });
  }
  const output = await readFile(log, 'utf8');
  const recap = parseRecap(output);
  const playMs = runner === 'drover' ? parsePlayMs(output) : undefined;
  return {
    ...m,
    runner,
    pass: meta.pass,
    round: meta.round,
    changed: recap.changed,
    failed: recap.failed,
    unreachable: recap.unreachable,
    hostsInRecap: recap.hosts,
    log: path.relative(REPO, log),
    load1,
    at,
    playMs,
  };
}

/** Fixed costs a drover run pays before touching a host: node, tsx, drover's CLI modules. */
export const STARTUP_COMMANDS: Record<string, string[]> = {
  'node -e 0': ['node', '-e', '0'],
  'node --import=tsx -e 0': ['node', '--import=tsx', '-e', '0'],
  'node core/cli/bin.js --version': ['node', 'core/cli/bin.js', '--version'],
  'node core/cli/bin.js check bench/workloads/ten.ts': ['node', 'core/cli/bin.js', 'check', 'bench/workloads/ten.ts'],
  'ansible-playbook --version': ['ansible-playbook', '--version'],
};

export async function runStartup(label: string, round: number): Promise<Measurement> {
  const logDir = path.join(OUT, 'logs');
  await mkdir(logDir, { recursive: true });
  return measure(STARTUP_COMMANDS[label], {
    log: path.join(logDir, `startup-${label.replace(/\W+/g, '_')}-r${round}.log`),
  });
}

export interface FloorRecord {
  hosts: number;
  tasks: number;
  /** In-process: connect every host in parallel + `tasks` round trips each. */
  totalMs: number;
  connectMsMedian: number;
  connectMsMax: number;
  roundTripMsMedian: number;
  /** The same, as a process (node + tsx start-up included), with its CPU and memory. */
  process: Measurement;
}

/**
 * bench/floor.ts compiled to plain JavaScript (esbuild, types stripped, nothing bundled), so the floor as
 * a process pays `node` start-up only, like drover's bin.js — not tsx's loader (~0.1 s).
 */
async function floorScript(): Promise<string> {
  const out = path.join(OUT, 'floor.mjs');
  const { build } = await import('esbuild');
  await build({
    entryPoints: [FLOOR],
    outfile: out,
    format: 'esm',
    platform: 'node',
    bundle: false,
    logLevel: 'error',
  });
  return out;
}

export async function runFloor(
  hostsFile: string,
  keyFile: string,
  knownHostsFile: string,
  tasks: number,
  tag: string,
  round: number,
): Promise<FloorRecord> {
  const logDir = path.join(OUT, 'logs');
  await mkdir(logDir, { recursive: true });
  const log = path.join(logDir, `${tag}-floor-r${round}.log`);
  const m = await measure(
    [
      'node',
      await floorScript(),
      '--hosts',
      hostsFile,
      '--key',
      keyFile,
      '--known-hosts',
      knownHostsFile,
      '--tasks',
      String(tasks),
    ],
    { log },
  );
  if (m.exitCode !== 0) throw new Error(`floor measurement failed (exit ${m.exitCode}); see ${log}`);
  const inner = JSON.parse((await readFile(log, 'utf8')).trim().split('\n').pop()!) as Omit<FloorRecord, 'process'>;
  return { ...inner, process: m };
}
