// Summaries of measured runs: medians per runner and pass, ratios, the floor, and the issue-7 targets (pure).
import { RUNNERS, type Runner, type Scenario } from './options.ts';
import type { RoundTripRecord } from './round-trips.ts';
import type { FloorRecord, RunRecord } from './runners.ts';

/** What one scenario's JSON file in bench/out/results holds. */
export interface ScenarioResult {
  scenario: Scenario;
  key: string;
  startedAt: string;
  finishedAt: string;
  commands: Partial<Record<Runner, string>>;
  floor: FloorRecord[];
  runs: RunRecord[];
  /** Delay scenarios: silent vs printing commands and checks one by one vs at once, on one host (round-trips.ts). */
  roundTrips?: RoundTripRecord;
}

export interface PassSummary {
  runs: number;
  wallMs: number;
  cpuMs: number;
  /** Max over runs of the sampled process-tree RSS, KiB. */
  peakTreeRssKb: number;
  /** Max over runs of the largest single process, KiB. */
  maxRssKb: number;
  /** drover: median play time (run-start to recap, no process start-up). */
  playMs?: number;
  /** Median over runs of the sampled process-tree RSS, KiB. */
  medianTreeRssKb: number;
  /** Median changed count of the runs (0 expected for the second pass). */
  changed: number;
  /** Any run failed or had unreachable hosts. */
  errors: number;
  /** Hosts reported unreachable, summed over the runs (every host is healthy: each one is a false report). */
  unreachable: number;
  load1: number;
}

export interface ScenarioSummary {
  scenario: Scenario;
  key: string;
  startedAt: string;
  floorMs: number;
  floorConnectMs: number;
  floorRoundTripMs: number;
  floorProcessMs: number;
  /** Both runners were measured in one invocation, alternating; false: in separate invocations (different load). */
  alternated: boolean | undefined;
  runners: Partial<Record<Runner, { first?: PassSummary; second?: PassSummary }>>;
  roundTrips?: RoundTripRecord;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function summarisePass(runs: readonly RunRecord[]): PassSummary | undefined {
  if (runs.length === 0) return undefined;
  return {
    runs: runs.length,
    wallMs: median(runs.map((r) => r.wallMs)),
    cpuMs: median(runs.map((r) => r.cpuMs)),
    peakTreeRssKb: Math.max(...runs.map((r) => r.peakTreeRssKb)),
    maxRssKb: Math.max(...runs.map((r) => r.maxRssKb)),
    medianTreeRssKb: median(runs.map((r) => r.peakTreeRssKb)),
    playMs: runs.every((r) => r.playMs !== undefined) ? median(runs.map((r) => r.playMs!)) : undefined,
    changed: median(runs.map((r) => r.changed)),
    errors: runs.filter((r) => r.exitCode !== 0 || r.failed > 0 || r.unreachable > 0).length,
    unreachable: runs.reduce((n, r) => n + r.unreachable, 0),
    load1: median(runs.map((r) => r.load1)),
  };
}

export function summarise(result: ScenarioResult): ScenarioSummary {
  const runners: ScenarioSummary['runners'] = {};
  for (const runner of RUNNERS) {
    const mine = result.runs.filter((r) => r.runner === runner);
    if (mine.length === 0) continue;
    runners[runner] = {
      first: summarisePass(mine.filter((r) => r.pass === 'first')),
      second: summarisePass(mine.filter((r) => r.pass === 'second')),
    };
  }
  const span = (runner: string) => {
    const at = result.runs.filter((r) => r.runner === runner && r.at).map((r) => r.at);
    return at.length ? [at.reduce((a, b) => (a < b ? a : b)), at.reduce((a, b) => (a > b ? a : b))] : undefined;
  };
  // Alternated: every other runner's rounds interleave with drover's (measured in one invocation).
  const d = span('drover');
  const others = RUNNERS.filter((r) => r !== 'drover')
    .map(span)
    .filter((x) => x !== undefined);
  return {
    scenario: result.scenario,
    key: result.key,
    startedAt: result.startedAt,
    alternated: d && others.length ? others.every((a) => d[0] <= a[1] && a[0] <= d[1]) : undefined,
    floorMs: median(result.floor.map((f) => f.totalMs)),
    floorConnectMs: median(result.floor.map((f) => f.connectMsMedian)),
    floorRoundTripMs: median(result.floor.map((f) => f.roundTripMsMedian)),
    floorProcessMs: median(result.floor.map((f) => f.process.wallMs)),
    runners,
    roundTrips: result.roundTrips,
  };
}

export function ratio(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined || !(b > 0) ? undefined : a / b;
}

/** The per-pass medians of peak RSS of the 50-host drover runs (one outlier run does not move a median). */
function allRuns50(rows: readonly ScenarioSummary[]): number[] {
  return rows
    .flatMap((s) => [s.runners.drover?.first?.medianTreeRssKb, s.runners.drover?.second?.medianTreeRssKb])
    .filter((x): x is number => x !== undefined);
}

function playOf(s: ScenarioSummary | undefined): number | undefined {
  return s?.runners.drover?.second?.playMs;
}

export interface TargetCheck {
  target: string;
  measured: string;
  met: boolean | undefined;
}

const fmt = (x: number | undefined, digits = 1) => (x === undefined || Number.isNaN(x) ? 'n/a' : x.toFixed(digits));

/** The targets of issue 7, checked against the summaries (undefined = not measured). */
const findIn = (summaries: readonly ScenarioSummary[], w: string, hosts: number, delay = 0) =>
  summaries.find((s) => s.scenario.workload === w && s.scenario.hosts === hosts && s.scenario.delayMs === delay);

/** RESULTS.md's first line (issue 17): the 20-host, 10-task no-change run of the three runners. */
export function headline(summaries: readonly ScenarioSummary[]): string {
  const t20 = findIn(summaries, 'ten', 20);
  const d = t20?.runners.drover?.second?.wallMs;
  const a = t20?.runners.ansible?.second?.wallMs;
  const m = t20?.runners.mitogen?.second?.wallMs;
  const s = (ms: number | undefined) => fmt(ms && ms / 1000, 2);
  return `20 hosts, 10 tasks, no-change run: drover ${s(d)} s; Ansible ${s(a)} s (${fmt(ratio(a, d))}x); Ansible+Mitogen ${s(m)} s (${fmt(ratio(m, d))}x)`;
}

/** The targets of issue 17 (fleet scale), checked against the summaries (undefined = not measured). */
export function checkScaleTargets(summaries: readonly ScenarioSummary[]): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const t20 = findIn(summaries, 'ten', 20);
  const d20 = t20?.runners.drover?.second?.wallMs;
  const m20 = t20?.runners.mitogen?.second?.wallMs;
  const vsMitogen = ratio(m20, d20);
  checks.push({
    target: '20 hosts, 10 tasks, no-change run: ≥ 25x faster than Ansible + Mitogen',
    measured: `Ansible+Mitogen ${fmt(m20 && m20 / 1000, 2)} s / drover ${fmt(d20 && d20 / 1000, 2)} s = ${fmt(vsMitogen)}x`,
    met: vsMitogen === undefined ? undefined : vsMitogen >= 25,
  });
  const toProcessFloor = ratio(d20, t20?.floorProcessMs);
  checks.push({
    target:
      '20 hosts, 10 tasks, no-change run: within 1.3x of the floor measured as a process (node start-up included)',
    measured: `drover ${fmt(d20 && d20 / 1000, 2)} s / floor as a process ${fmt(t20 && t20.floorProcessMs / 1000, 2)} s = ${fmt(toProcessFloor, 2)}x`,
    met: toProcessFloor === undefined ? undefined : toProcessFloor <= 1.3,
  });
  const t50 = findIn(summaries, 'ten', 50);
  const t500 = findIn(summaries, 'ten', 500);
  for (const pass of ['first', 'second'] as const) {
    const w50 = t50?.runners.drover?.[pass]?.wallMs;
    const w500 = t500?.runners.drover?.[pass]?.wallMs;
    const growth = ratio(w500, w50);
    checks.push({
      target: `500 hosts, 10 tasks, ${pass} run: wall ≤ 10x the 50-host time`,
      measured: `drover t(500) ${fmt(w500 && w500 / 1000, 2)} s / t(50) ${fmt(w50 && w50 / 1000, 2)} s = ${fmt(growth, 2)}x`,
      met: growth === undefined ? undefined : growth <= 10,
    });
  }
  const rss500 = [t500?.runners.drover?.first?.peakTreeRssKb, t500?.runners.drover?.second?.peakTreeRssKb].filter(
    (x) => x !== undefined,
  );
  const peak500 = rss500.length ? Math.max(...rss500) / 1024 : undefined;
  checks.push({
    target: '500 hosts: peak RSS < 300 MB',
    measured: `drover peak RSS of the process tree over the 500-host runs: ${fmt(peak500, 0)} MB`,
    met: peak500 === undefined ? undefined : peak500 < 300,
  });
  const big = summaries.filter((s) => s.scenario.hosts >= 160 && s.scenario.delayMs === 0 && s.runners.drover);
  const runs = big.reduce(
    (n, s) => n + (s.runners.drover?.first?.runs ?? 0) + (s.runners.drover?.second?.runs ?? 0),
    0,
  );
  const falseUnreachable = big.reduce(
    (n, s) => n + (s.runners.drover?.first?.unreachable ?? 0) + (s.runners.drover?.second?.unreachable ?? 0),
    0,
  );
  checks.push({
    target: '160+ hosts: no healthy host reported unreachable (10 consecutive runs)',
    measured: `${runs} drover runs at ${big.map((s) => s.scenario.hosts).join(', ') || 'n/a'} hosts: ${falseUnreachable} host(s) reported unreachable`,
    met: runs >= 10 ? falseUnreachable === 0 : undefined,
  });
  return checks;
}

export function checkTargets(summaries: readonly ScenarioSummary[]): TargetCheck[] {
  const find = (w: string, hosts: number, delay = 0) => findIn(summaries, w, hosts, delay);
  const checks: TargetCheck[] = [];

  const t20 = find('ten', 20);
  const d20 = t20?.runners.drover?.second?.wallMs;
  const a20 = t20?.runners.ansible?.second?.wallMs;
  const speedup = ratio(a20, d20);
  checks.push({
    target: 'Second run, 10 tasks, 20 hosts: ≥ 20x faster than Ansible',
    measured: `Ansible ${fmt(a20 && a20 / 1000, 2)} s / drover ${fmt(d20 && d20 / 1000, 2)} s = ${fmt(speedup)}x`,
    met: speedup === undefined ? undefined : speedup >= 20,
  });
  const toFloor = ratio(d20, t20?.floorMs);
  checks.push({
    target: 'Second run, 10 tasks, 20 hosts: within 2x of the floor',
    measured: `drover ${fmt(d20 && d20 / 1000, 2)} s / floor ${fmt(t20 && t20.floorMs / 1000, 2)} s = ${fmt(toFloor, 2)}x (the play alone, without process start-up: ${fmt(playOf(t20) && playOf(t20)! / 1000, 2)} s = ${fmt(ratio(playOf(t20), t20?.floorMs), 2)}x)`,
    met: toFloor === undefined ? undefined : toFloor <= 2,
  });

  const t50 = [find('ten', 50), find('forty', 50)].filter((s) => s !== undefined);
  const rss50 = t50
    .flatMap((s) => [s.runners.drover?.first?.peakTreeRssKb, s.runners.drover?.second?.peakTreeRssKb])
    .filter((x) => x !== undefined);
  const peakMb = rss50.length ? Math.max(...rss50) / 1024 : undefined;
  // A run whose type-check cache missed (ts-morph loaded) stands out as the max; the medians show the usual run.
  const perRun = t50.length ? allRuns50(t50) : [];
  const typicalMb = perRun.length ? median(perRun) / 1024 : undefined;
  checks.push({
    target: '50 hosts: runner peak RSS < 200 MB',
    measured: `drover peak RSS of the process tree over all 50-host runs: max ${fmt(peakMb, 0)} MB, typical (median per workload and pass) ${fmt(typicalMb, 0)} MB`,
    met: peakMb === undefined ? undefined : peakMb < 200,
  });

  for (const pass of ['first', 'second'] as const) {
    const w20 = t20?.runners.drover?.[pass]?.wallMs;
    const w50 = find('ten', 50)?.runners.drover?.[pass]?.wallMs;
    const growth = ratio(w50, w20);
    // Every measured host count from 20 up: the marginal cost per added host should not grow.
    const points = summaries
      .filter(
        (s) =>
          s.scenario.workload === 'ten' &&
          s.scenario.delayMs === 0 &&
          s.scenario.hosts >= 20 &&
          s.runners.drover?.[pass],
      )
      .sort((a, b) => a.scenario.hosts - b.scenario.hosts)
      .map((s) => `t(${s.scenario.hosts}) = ${fmt(s.runners.drover![pass]!.wallMs / 1000, 2)} s`);
    checks.push({
      target: `50 hosts: wall time grows no faster than linearly (10 tasks, ${pass} run: t(50)/t(20) ≤ 50/20)`,
      measured: `drover ${points.join(', ')}; t(50)/t(20) = ${fmt(growth, 2)}`,
      met: growth === undefined ? undefined : growth <= 2.5,
    });
  }

  const delayed = summaries.find((s) => s.scenario.delayMs > 0 && s.scenario.workload === 'ten');
  const dd = delayed?.runners.drover?.second?.wallMs;
  const expected = delayed ? delayed.floorMs : undefined;
  const toDelayFloor = ratio(dd, expected);
  checks.push({
    target: `With ${delayed?.scenario.delayMs ?? 25} ms delay each way (${delayed?.scenario.hosts ?? 20} hosts, 10 tasks, second run): within 1.5x of connect + tasks × round trip`,
    measured: delayed
      ? `drover ${fmt(dd && dd / 1000, 2)} s / floor ${fmt(expected! / 1000, 2)} s (connect ${fmt(delayed.floorConnectMs, 0)} ms + 10 × ${fmt(delayed.floorRoundTripMs, 1)} ms) = ${fmt(toDelayFloor, 2)}x (the play alone: ${fmt(playOf(delayed) && playOf(delayed)! / 1000, 2)} s = ${fmt(ratio(playOf(delayed), expected), 2)}x)`
      : 'n/a',
    met: toDelayFloor === undefined ? undefined : toDelayFloor <= 1.5,
  });
  return checks;
}
