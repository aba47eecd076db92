// `npm run bench`: drover against ansible-playbook on lab hosts, the floor, and bench/RESULTS.md + hosts-vs-time.svg.
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { labDelay, labUndelay } from '../lab/delay.ts';
import { ensureLabTools } from '../lab/install-tools.ts';
import { delayTools } from '../lab/preflight.ts';
import { describeEnvironment, type Environment } from './environment.ts';
import {
  benchFleet,
  fleetInventory,
  readHostFile,
  resetFleetHosts,
  shutdownFleet,
  WORKLOAD_ROOT,
  type BenchFleet,
  type FleetHost,
} from './lab-hosts.ts';
import {
  parseBenchArgs,
  roundsOf,
  runnersFor,
  scenarioKey,
  tasksOf,
  USAGE,
  type BenchOptions,
  type Runner,
  type Scenario,
} from './options.ts';
import { renderPlot } from './plot.ts';
import { renderResults } from './report.ts';
import { measureRoundTrips } from './round-trips.ts';
import {
  commandLine,
  MITOGEN_STRATEGY_PLUGINS,
  OUT,
  REPO,
  runFloor,
  runOnce,
  runStartup,
  STARTUP_COMMANDS,
  writeAnsibleConfig,
  type Measurement,
  type RunRecord,
} from './runners.ts';
import { summarise, type ScenarioResult } from './stats.ts';

/** Where a bench invocation keeps its scenario JSON and writes its report; --quick smoke tests stay out of RESULTS.md. */
interface OutputPaths {
  results: string;
  report: string;
  plot: string;
}
const FULL: OutputPaths = {
  results: path.join(OUT, 'results'),
  report: path.join(REPO, 'bench', 'RESULTS.md'),
  plot: path.join(REPO, 'bench', 'hosts-vs-time.svg'),
};
const QUICK: OutputPaths = {
  results: path.join(OUT, 'quick', 'results'),
  report: path.join(OUT, 'quick', 'RESULTS.md'),
  plot: path.join(OUT, 'quick', 'hosts-vs-time.svg'),
};

function say(line: string): void {
  process.stdout.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

/** Checks what a first run left on a host: the template names the host, the symlink points at a.conf. */
async function verifyFirstRun(host: FleetHost, runner: Runner): Promise<void> {
  const read = (file: string) => readHostFile(host.lab, host.short, `${WORKLOAD_ROOT}/s1/${file}`);
  const [t, link, a, c] = await Promise.all([read('t.conf'), read('link'), read('a.conf'), read('c.conf')]);
  const problems: string[] = [];
  if (!t?.includes(`host=${host.name}`)) problems.push(`t.conf is ${JSON.stringify(t)}`);
  if (a === null || link !== a) problems.push('link does not read as a.conf');
  if (!c?.includes('key1=value1\n') || !c.includes('option=on\n')) problems.push(`c.conf is ${JSON.stringify(c)}`);
  if (problems.length)
    throw new Error(`${runner} first run on ${host.name} left the wrong state: ${problems.join('; ')}`);
}

function describe(r: RunRecord): string {
  return `${r.runner.padEnd(7)} ${r.pass.padEnd(6)} ${(r.wallMs / 1000).toFixed(2).padStart(7)} s wall, ${(r.cpuMs / 1000).toFixed(2).padStart(7)} s CPU, ${(r.peakTreeRssKb / 1024).toFixed(0).padStart(4)} MB, changed=${r.changed}${r.exitCode ? ` EXIT ${r.exitCode} (${r.log})` : ''}`;
}

/**
 * Adds the scenario's delay to every host; when it cannot (no iptables and no way to install it, no NFQUEUE
 * in the kernel), takes back what it added and says why in one line: the scenario is skipped, the bench goes on.
 */
async function addDelay(hosts: readonly FleetHost[], key: string, ms: number): Promise<boolean> {
  try {
    await ensureLabTools('the delay', delayTools, say); // once, before the hosts ask together
    await Promise.all(hosts.map((h) => labDelay(h.lab, h.short, ms, 0, 0, say)));
    return true;
  } catch (err) {
    await Promise.all(hosts.map((h) => labUndelay(h.lab, h.short).catch(() => undefined)));
    say(`scenario ${key} skipped: ${(err as Error).message.split('\n')[0]}`);
    return false;
  }
}

async function runScenario(
  fleet: BenchFleet,
  scenario: Scenario,
  opts: BenchOptions,
  paths: OutputPaths,
): Promise<ScenarioResult | undefined> {
  const key = scenarioKey(scenario);
  const startedAt = new Date().toISOString();
  const inv = await fleetInventory(fleet, scenario.hosts, path.join(OUT, opts.lab));
  const runners = runnersFor(opts, scenario);
  const tasks = tasksOf(scenario.workload);
  say(
    `scenario ${key}: ${scenario.hosts} host(s), ${tasks} tasks${scenario.delayMs ? `, +${scenario.delayMs} ms each way` : ''}`,
  );
  if (scenario.delayMs && !(await addDelay(inv.hosts, key, scenario.delayMs))) return undefined;
  const result: ScenarioResult = {
    scenario,
    key,
    startedAt,
    finishedAt: '',
    commands: Object.fromEntries(runners.map((r) => [r, commandLine(r, scenario.workload, inv.file, scenario.hosts)])),
    floor: [],
    runs: [],
  };
  try {
    for (let i = 1; i <= opts.floorRuns; i++) {
      const f = await runFloor(inv.floorHostsFile, inv.hosts[0].lab.keyFile, fleet.knownHostsFile, tasks, key, i);
      result.floor.push(f);
      say(
        `  floor        ${(f.totalMs / 1000).toFixed(2).padStart(7)} s (connect ${f.connectMsMedian.toFixed(0)} ms, round trip ${f.roundTripMsMedian.toFixed(2)} ms; as a process ${(f.process.wallMs / 1000).toFixed(2)} s)`,
      );
    }
    if (scenario.delayMs) {
      const rt = await measureRoundTrips(inv.hosts[0], fleet.knownHostsFile, scenario.delayMs);
      result.roundTrips = rt;
      say(
        `  round trips  ${rt.commands} x true ${rt.silentMs.toFixed(0)} ms, ${rt.commands} x echo x ${rt.printingMs.toFixed(0)} ms; ${rt.commands} checks one by one ${rt.checksSequentialMs.toFixed(0)} ms, at once ${rt.checksConcurrentMs.toFixed(0)} ms; ${rt.commands} x true as jobs ${rt.jobMs?.toFixed(0)} ms, framed ${rt.framedMs?.toFixed(0)} ms`,
      );
    }
    const rounds = Math.max(...runners.map((r) => roundsOf(opts, r)));
    for (let round = 1; round <= rounds; round++) {
      // Rotate who goes first, so drift in the machine's load does not favour one runner.
      const order = runners.map((_, i) => runners[(i + round - 1) % runners.length]);
      for (const runner of order) {
        if (round > roundsOf(opts, runner)) continue;
        await resetFleetHosts(inv.hosts);
        for (const pass of ['first', 'second'] as const) {
          const r = await runOnce(runner, scenario.workload, inv.file, scenario.hosts, { pass, round, tag: key });
          result.runs.push(r);
          say(`  r${round} ${describe(r)}`);
          if (pass === 'first' && r.exitCode === 0) {
            await verifyFirstRun(inv.hosts[0], runner);
            await verifyFirstRun(inv.hosts[inv.hosts.length - 1], runner);
          }
        }
      }
    }
  } finally {
    if (scenario.delayMs) await Promise.all(inv.hosts.map((h) => labUndelay(h.lab, h.short)));
    await resetFleetHosts(inv.hosts).catch(() => undefined);
  }
  result.finishedAt = new Date().toISOString();
  await mkdir(paths.results, { recursive: true });
  const file = path.join(paths.results, `${key}.json`);
  // A run limited with --runners keeps the other runner's earlier measurements of this scenario.
  if (existsSync(file)) {
    const earlier = JSON.parse(await readFile(file, 'utf8')) as ScenarioResult;
    const kept = earlier.runs.filter((r) => opts.append || !opts.runners.includes(r.runner));
    if (kept.length) {
      result.runs = [...kept, ...result.runs];
      result.startedAt = earlier.startedAt < result.startedAt ? earlier.startedAt : result.startedAt;
    }
    if (opts.append) result.floor = [...earlier.floor, ...result.floor];
  }
  await writeFile(file, JSON.stringify(result, null, 2) + '\n');
  return result;
}

/** Ansible + Mitogen is Debian's ansible-mitogen package (for its ansible-core 2.14): installed when missing. */
async function ensureMitogen(): Promise<void> {
  if (existsSync(path.join(MITOGEN_STRATEGY_PLUGINS, 'mitogen_linear.py'))) return;
  say('installing ansible-mitogen (apt-get install ansible-mitogen)');
  const { execFile } = await import('node:child_process');
  await new Promise<void>((resolve, reject) =>
    execFile(
      'apt-get',
      ['install', '-y', '-qq', '--no-install-recommends', 'ansible-mitogen'],
      { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } },
      (err, _out, stderr) =>
        err
          ? reject(
              new Error(`apt-get install ansible-mitogen failed: ${stderr.trim().split('\n').slice(-3).join(' | ')}`),
            )
          : resolve(),
    ),
  );
  if (!existsSync(path.join(MITOGEN_STRATEGY_PLUGINS, 'mitogen_linear.py')))
    throw new Error(`ansible-mitogen installed, but ${MITOGEN_STRATEGY_PLUGINS}/mitogen_linear.py is missing`);
}

/** Start-up costs (no host involved), 3 runs each: context for the fixed part of a drover run. */
async function measureStartup(paths: OutputPaths): Promise<void> {
  const out: Record<string, Measurement[]> = {};
  for (const label of Object.keys(STARTUP_COMMANDS)) {
    out[label] = [];
    for (let i = 1; i <= 3; i++) out[label].push(await runStartup(label, i));
    const wall = out[label].map((m) => m.wallMs).sort((a, b) => a - b)[1];
    say(`start-up ${label}: ${(wall / 1000).toFixed(2)} s wall (median of 3)`);
  }
  await writeFile(path.join(paths.results, 'startup.json'), JSON.stringify(out, null, 2) + '\n');
}

/** Rebuilds RESULTS.md and the plot from every scenario JSON in bench/out/results. */
async function writeReport(argv: string[], paths: OutputPaths): Promise<void> {
  const RESULTS_DIR = paths.results;
  const files = existsSync(RESULTS_DIR)
    ? (await readdir(RESULTS_DIR)).filter(
        (f) => f.endsWith('.json') && f !== 'environment.json' && f !== 'startup.json',
      )
    : [];
  const results = await Promise.all(
    files.map(async (f) => JSON.parse(await readFile(path.join(RESULTS_DIR, f), 'utf8')) as ScenarioResult),
  );
  const summaries = results.map(summarise);
  const envFile = path.join(RESULTS_DIR, 'environment.json');
  type Recorded = Environment & { argv?: string[]; invocations?: { at: string; argv: string[]; commit?: string }[] };
  const env: Recorded = existsSync(envFile)
    ? (JSON.parse(await readFile(envFile, 'utf8')) as Recorded)
    : { ...(await describeEnvironment(REPO)), argv };
  const invocations = env.invocations ?? [{ at: '', argv: env.argv ?? argv }];
  const analysisFile = path.join(REPO, 'bench', 'analysis.md');
  const notes = [
    "Before the measured runs, each runner does one untimed warm-up run per workload on one host, so drover's type-check and bundle caches (keyed by content) are warm: the measured drover command is the normal one, type check included, answered from the cache. A cold type check (first run after an edit) runs in a child process: see the analysis below.",
    'Rounds where a runner exited non-zero or reported failed/unreachable hosts are marked ⚠ in the tables.',
    'The machine is shared (2 cores, other jobs running): compare the load column; CPU seconds are less sensitive to load than wall time.',
    'Each invocation above lists the git commit it measured; the tables hold only results of the invocations listed.',
    '"alt." in the runs column: both runners were measured in the same invocation, alternating round by round; "sep.": in separate invocations (`--runners`), so under different load — compare the load column.',
  ];
  const startupFile = path.join(RESULTS_DIR, 'startup.json');
  const startup = existsSync(startupFile)
    ? (JSON.parse(await readFile(startupFile, 'utf8')) as Record<string, Measurement[]>)
    : {};
  let md = renderResults({
    env,
    summaries,
    startup,
    commands: {
      bench: invocations
        .map(
          (i) =>
            `\`npm run bench${i.argv.length ? ' -- ' + i.argv.join(' ') : ''}\` (${i.at ? i.at.slice(11, 16) + ' UTC' : 'time not recorded'}${i.commit ? `, git ${i.commit}` : ''})`,
        )
        .join(', then '),
      drover:
        'node core/cli/bin.js run bench/workloads/<ten|forty>.ts -i bench/out/<lab>/inventory-<N>.yml --forks <N>',
      ansible: 'ansible-playbook -i bench/out/<lab>/inventory-<N>.yml -f <N> bench/workloads/<ten|forty>.yml',
      mitogen: `ANSIBLE_STRATEGY_PLUGINS=${MITOGEN_STRATEGY_PLUGINS} ANSIBLE_STRATEGY=mitogen_linear ansible-playbook -i bench/out/<lab>/inventory-<N>.yml -f <N> bench/workloads/<ten|forty>.yml`,
      floor:
        'node bench/out/floor.mjs (bench/floor.ts with types stripped by esbuild) --hosts bench/out/<lab>/floor-hosts-<N>.json --key <lab key> --known-hosts <bench known_hosts> --tasks <10|40>',
    },
    notes,
  });
  if (existsSync(analysisFile)) md += '\n' + (await readFile(analysisFile, 'utf8'));
  // The sections of bench/bigfile.ts (big files vs scp) and bench/bastion.ts (50 hosts behind one
  // bastion vs direct) are measured by their own scripts and survive a regeneration.
  for (const section of ['bigfile.md', 'bastion.md']) {
    const file = path.join(REPO, 'bench', section);
    if (existsSync(file)) md += '\n' + (await readFile(file, 'utf8'));
  }
  await mkdir(path.dirname(paths.report), { recursive: true });
  await writeFile(paths.report, md);
  await writeFile(paths.plot, renderPlot(summaries));
  say(
    `wrote ${path.relative(REPO, paths.report)} and ${path.relative(REPO, paths.plot)} (${summaries.length} scenario(s))`,
  );
}

async function main(argv: string[]): Promise<number> {
  let opts: BenchOptions;
  try {
    opts = parseBenchArgs(argv);
  } catch (err) {
    process.stderr.write(`bench: ${(err as Error).message}\n\n${USAGE}\n`);
    return 1;
  }
  if (opts.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  const paths = argv.includes('--quick') ? QUICK : FULL;
  if (opts.reportOnly) {
    await writeReport(
      argv.filter((a) => a !== '--report-only'),
      paths,
    );
    return 0;
  }
  if (process.getuid?.() !== 0) {
    process.stderr.write('bench: needs root (it brings up lab hosts in network namespaces)\n');
    return 1;
  }
  await mkdir(paths.results, { recursive: true });
  // Results accumulate over invocations (a run limited with --runners/--hosts keeps the rest): record each one.
  const envFile = path.join(paths.results, 'environment.json');
  const before = existsSync(envFile)
    ? (JSON.parse(await readFile(envFile, 'utf8')) as {
        argv?: string[];
        invocations?: { at: string; argv: string[] }[];
      })
    : undefined;
  const env = await describeEnvironment(REPO);
  const invocations = [
    ...(before?.invocations ?? (before?.argv ? [{ at: '', argv: before.argv }] : [])),
    { at: new Date().toISOString(), argv, commit: env.commit },
  ];
  await writeFile(envFile, JSON.stringify({ ...env, argv, invocations }, null, 2) + '\n');
  await writeAnsibleConfig();
  if (opts.runners.includes('mitogen')) await ensureMitogen();
  const maxHosts = Math.max(...opts.scenarios.map((s) => s.hosts));
  say(`bringing up ${maxHosts} host(s) (lab '${opts.lab}'${maxHosts > 80 ? ' and more labs of 80' : ''})`);
  const fleet = await benchFleet(opts.lab, maxHosts, path.join(OUT, opts.lab));
  let interrupted = false;
  const onSigint = () => {
    interrupted = true;
    say('interrupted: finishing the current run, then cleaning up');
  };
  process.on('SIGINT', onSigint);
  try {
    // Untimed warm-up, once per workload this invocation measures: drover's type-check and bundle
    // caches (keyed by the playbook's content) and both runners' file caches, on one host.
    const warm = await fleetInventory(fleet, 1, path.join(OUT, opts.lab));
    for (const workload of [...new Set(opts.scenarios.map((s) => s.workload))]) {
      for (const runner of opts.runners) {
        await resetFleetHosts(warm.hosts);
        const r = await runOnce(runner, workload, warm.file, 1, { pass: 'first', round: 0, tag: `warmup-${workload}` });
        say(`warm-up ${workload} ${describe(r)}`);
        if (r.exitCode !== 0) throw new Error(`${runner} warm-up run failed (exit ${r.exitCode}); see ${r.log}`);
      }
    }
    await measureStartup(paths);
    for (const scenario of opts.scenarios) {
      if (interrupted) break;
      await runScenario(fleet, scenario, opts, paths);
      await writeReport(argv, paths);
    }
  } finally {
    process.off('SIGINT', onSigint);
    if (!opts.keepLab) {
      say(`taking the bench labs down`);
      await shutdownFleet(opts.lab);
    }
  }
  return interrupted ? 130 : 0;
}

process.exitCode = await main(process.argv.slice(2));
