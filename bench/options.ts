// Parses `npm run bench -- [options]` into the list of scenarios to run (pure: no I/O).
import { parseArgs } from 'node:util';

export type Workload = 'ten' | 'forty';
export type Runner = 'drover' | 'ansible' | 'mitogen';
/** Every runner, in the order the tables show them. */
export const RUNNERS: readonly Runner[] = ['drover', 'ansible', 'mitogen'];
/** The runners built on ansible-playbook (plain, and with Mitogen's strategy). */
export const isAnsibleRunner = (r: Runner): boolean => r !== 'drover';
/** The largest host count bench/run.ts can bring up (labs of 80 hosts, several of them). */
export const MAX_BENCH_HOSTS = 500;

/** One measured configuration: a workload on N hosts, with or without the lab's added delay. */
export interface Scenario {
  workload: Workload;
  hosts: number;
  /** Added one-way delay per host, ms (0 = none). */
  delayMs: number;
}

export interface BenchOptions {
  scenarios: Scenario[];
  runners: Runner[];
  /** Measured rounds per runner (each round: reset, first run, second run). */
  runs: number;
  /** Rounds for Ansible and Ansible+Mitogen when fewer are affordable (they take ~20-50x longer); default = runs. */
  ansibleRuns: number;
  /** Ansible and Ansible+Mitogen are measured only on scenarios with at most this many hosts. */
  ansibleMaxHosts: number;
  /** Floor measurements per scenario. */
  floorRuns: number;
  keepLab: boolean;
  /** Add this invocation's rounds to the stored ones of the same scenarios instead of replacing them. */
  append: boolean;
  /** Lab instance name (default 'bench'). */
  lab: string;
  /** Only regenerate RESULTS.md and the plot from bench/out/results. */
  reportOnly: boolean;
  help: boolean;
}

export const USAGE = `Usage: npm run bench -- [options]

  --quick              smoke test: ten tasks on 1 and 5 hosts, 1 run each, no delay scenario
  --hosts 1,5,20,50    host counts, 1 to 500 (default 1,5,20,50; above 80 hosts the bench runs several labs)
  --workloads ten,forty
                       task sets (default ten,forty)
  --delay-hosts N      also run ten tasks on N hosts with --delay-ms added each way (default 20; 0 = skip)
  --delay-ms MS        the added one-way delay (default 25)
  --runs N             measured rounds per runner and scenario (default 3)
  --ansible-runs N     rounds for Ansible and Ansible+Mitogen (default: --runs)
  --ansible-max-hosts N
                       measure Ansible and Ansible+Mitogen only up to N hosts (default 200)
  --runners drover,ansible,mitogen
  --keep-lab           leave the lab up afterwards
  --lab NAME           lab instance to use (default bench)
  --append             add this invocation's rounds to the stored results of the same scenarios (more rounds)
  --report-only        rebuild bench/RESULTS.md and the plot from bench/out/results/*.json`;

function numberList(flag: string, text: string): number[] {
  const xs = text.split(',').map((s) => Number(s.trim()));
  for (const x of xs)
    if (!Number.isInteger(x) || x < 1 || x > MAX_BENCH_HOSTS)
      throw new Error(`${flag}: host counts are whole numbers from 1 to ${MAX_BENCH_HOSTS}, got "${text}"`);
  return xs;
}

function positive(flag: string, text: string | undefined, fallback: number, min = 1): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new Error(`${flag}: expected a whole number >= ${min}, got "${text}"`);
  return n;
}

export function parseBenchArgs(argv: string[]): BenchOptions {
  const { values: v } = parseArgs({
    args: argv,
    strict: true,
    options: {
      quick: { type: 'boolean' },
      hosts: { type: 'string' },
      workloads: { type: 'string' },
      'delay-hosts': { type: 'string' },
      'delay-ms': { type: 'string' },
      runs: { type: 'string' },
      'ansible-runs': { type: 'string' },
      'ansible-max-hosts': { type: 'string' },
      runners: { type: 'string' },
      'keep-lab': { type: 'boolean' },
      lab: { type: 'string' },
      append: { type: 'boolean' },
      'report-only': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const quick = v.quick ?? false;
  const hosts = v.hosts ? numberList('--hosts', v.hosts) : quick ? [1, 5] : [1, 5, 20, 50];
  const workloads = (v.workloads ?? (quick ? 'ten' : 'ten,forty')).split(',').map((w) => w.trim());
  for (const w of workloads)
    if (w !== 'ten' && w !== 'forty') throw new Error(`--workloads: unknown workload "${w}" (ten, forty)`);
  const runners = (v.runners ?? RUNNERS.join(',')).split(',').map((r) => r.trim());
  for (const r of runners)
    if (!(RUNNERS as readonly string[]).includes(r))
      throw new Error(`--runners: unknown runner "${r}" (${RUNNERS.join(', ')})`);
  const delayHosts = positive('--delay-hosts', v['delay-hosts'], quick ? 0 : 20, 0);
  if (delayHosts > 50) throw new Error(`--delay-hosts: at most 50, got ${delayHosts}`);
  const delayMs = positive('--delay-ms', v['delay-ms'], 25);
  const runs = positive('--runs', v.runs, quick ? 1 : 3);
  if (v.lab !== undefined && !/^[a-z0-9]{1,8}$/.test(v.lab))
    throw new Error(`--lab: a lab name is 1-8 characters [a-z0-9], got "${v.lab}"`);

  const scenarios: Scenario[] = [];
  for (const workload of workloads as Workload[])
    for (const n of hosts) scenarios.push({ workload, hosts: n, delayMs: 0 });
  if (delayHosts > 0) scenarios.push({ workload: 'ten', hosts: delayHosts, delayMs });
  return {
    scenarios,
    runners: runners as Runner[],
    runs,
    ansibleRuns: positive('--ansible-runs', v['ansible-runs'], runs),
    ansibleMaxHosts: positive('--ansible-max-hosts', v['ansible-max-hosts'], 200),
    floorRuns: 3,
    keepLab: v['keep-lab'] ?? false,
    lab: v.lab ?? 'bench',
    append: v.append ?? false,
    reportOnly: v['report-only'] ?? false,
    help: v.help ?? false,
  };
}

/** File-name key of a scenario: ten-20h, ten-20h-d25. */
export function scenarioKey(s: Scenario): string {
  return `${s.workload}-${s.hosts}h${s.delayMs ? `-d${s.delayMs}` : ''}`;
}

export function tasksOf(workload: Workload): number {
  return workload === 'ten' ? 10 : 40;
}

/** The runners measured on a scenario: Ansible's two only up to --ansible-max-hosts (a run there takes minutes). */
export function runnersFor(opts: Pick<BenchOptions, 'runners' | 'ansibleMaxHosts'>, s: Scenario): Runner[] {
  return opts.runners.filter((r) => !isAnsibleRunner(r) || s.hosts <= opts.ansibleMaxHosts);
}

/** Measured rounds of a runner. */
export function roundsOf(opts: Pick<BenchOptions, 'runs' | 'ansibleRuns'>, r: Runner): number {
  return isAnsibleRunner(r) ? opts.ansibleRuns : opts.runs;
}
