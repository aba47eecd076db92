// Writes bench/RESULTS.md from the scenario summaries: machine, commands, a table per workload, ratios, targets (pure).
import type { Environment } from './environment.ts';
import type { Measurement } from './runners.ts';
import { RUNNERS, type Runner } from './options.ts';
import {
  checkScaleTargets,
  checkTargets,
  headline,
  median,
  ratio,
  type PassSummary,
  type ScenarioSummary,
} from './stats.ts';

const s1 = (ms: number | undefined) => (ms === undefined || Number.isNaN(ms) ? '–' : (ms / 1000).toFixed(2));
const mb = (kb: number | undefined) => (kb === undefined ? '–' : (kb / 1024).toFixed(0));
const x = (r: number | undefined, d = 1) => (r === undefined || Number.isNaN(r) ? '–' : `${r.toFixed(d)}x`);

function passCells(p: PassSummary | undefined, withPlay = false): string[] {
  if (!p) return withPlay ? ['–', '–', '–', '–'] : ['–', '–', '–'];
  const flag = p.errors ? ` ⚠${p.errors} failed` : '';
  const wall = [`${s1(p.wallMs)}${flag}`, ...(withPlay ? [s1(p.playMs)] : [])];
  return [...wall, s1(p.cpuMs), `${mb(p.peakTreeRssKb)} (${mb(p.maxRssKb)})`];
}

const _ABBREV: Record<Runner, string> = { drover: 'd', ansible: 'A', mitogen: 'M' };

function table(rows: readonly ScenarioSummary[]): string[] {
  const out = [
    '| hosts | run | drover wall s | drover play s | drover CPU s | drover RSS MB | Ansible wall s | Ansible CPU s | Ansible RSS MB | Mitogen wall s | Mitogen CPU s | Mitogen RSS MB | Ansible/drover wall | Mitogen/drover wall | Mitogen/drover CPU | floor s | drover/floor | changed (d / A / M) | runs (d / A / M) | load (d / A / M) |',
    '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|',
  ];
  for (const s of rows) {
    for (const pass of ['first', 'second'] as const) {
      const d = s.runners.drover?.[pass];
      const a = s.runners.ansible?.[pass];
      const m = s.runners.mitogen?.[pass];
      const hosts = `${s.scenario.hosts}${s.scenario.delayMs ? ` (+${s.scenario.delayMs} ms)` : ''}`;
      const each = (f: (p: PassSummary) => string) =>
        RUNNERS.map((r) => (s.runners[r]?.[pass] ? f(s.runners[r]![pass]!) : '–')).join(' / ');
      out.push(
        `| ${hosts} | ${pass} | ${passCells(d, true).join(' | ')} | ${passCells(a).join(' | ')} | ${passCells(m).join(' | ')} | ` +
          `${x(ratio(a?.wallMs, d?.wallMs))} | ${x(ratio(m?.wallMs, d?.wallMs))} | ${x(ratio(m?.cpuMs, d?.cpuMs))} | ` +
          `${pass === 'second' ? s1(s.floorMs) : '–'} | ${pass === 'second' ? x(ratio(d?.wallMs, s.floorMs), 2) : '–'} | ` +
          `${each((p) => String(p.changed))} | ${each((p) => String(p.runs))}${s.alternated === undefined ? '' : s.alternated ? ' alt.' : ' sep.'} | ${each((p) => p.load1.toFixed(1))} |`,
      );
    }
  }
  return out;
}

/** Issue 17's scale view: drover at every size (no-change and first runs), its distance from the floor, false unreachables. */
function scaleTable(rows: readonly ScenarioSummary[]): string[] {
  const out = [
    '| hosts | drover second run wall s | play s | CPU s | peak RSS MB | floor s (in process) | floor as a process s | drover/floor process | drover first run wall s | unreachable reported (runs) | Ansible second run s | Mitogen second run s |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|',
  ];
  for (const s of rows) {
    const d2 = s.runners.drover?.second;
    const d1 = s.runners.drover?.first;
    const runs = (d1?.runs ?? 0) + (d2?.runs ?? 0);
    const unreachable = (d1?.unreachable ?? 0) + (d2?.unreachable ?? 0);
    out.push(
      `| ${s.scenario.hosts} | ${s1(d2?.wallMs)} | ${s1(d2?.playMs)} | ${s1(d2?.cpuMs)} | ${mb(d2?.peakTreeRssKb)} | ${s1(s.floorMs)} | ${s1(s.floorProcessMs)} | ${x(ratio(d2?.wallMs, s.floorProcessMs), 2)} | ${s1(d1?.wallMs)} | ${unreachable} (${runs}) | ${s1(s.runners.ansible?.second?.wallMs)} | ${s1(s.runners.mitogen?.second?.wallMs)} |`,
    );
  }
  return out;
}

export interface ReportInput {
  env: Environment;
  summaries: ScenarioSummary[];
  /** Start-up commands (no host involved) and their measurements. */
  startup: Record<string, Measurement[]>;
  /** bench: the invocations, already formatted as markdown. */
  commands: { bench: string; drover: string; ansible: string; mitogen: string; floor: string };
  /** Extra sections (markdown) placed after the scale table: the big-file measurements. */
  extra?: string;
  notes: string[];
}

export function renderResults(input: ReportInput): string {
  const { env, summaries } = input;
  const byWorkload = (w: string, delayed: boolean) =>
    summaries
      .filter((s) => s.scenario.workload === w && s.scenario.delayMs > 0 === delayed)
      .sort((a, b) => a.scenario.hosts - b.scenario.hosts);
  const lines: string[] = [
    '# drover vs Ansible and Ansible+Mitogen: benchmark results',
    '',
    headline(summaries),
    '',
    `Produced by bench/run.ts: ${input.commands.bench}. Each invocation keeps the stored results of scenarios it does not run (and, with --runners, of the other runner); raw JSON per scenario in \`bench/out/results/\` (not in git).`,
    '',
    '![wall time against host count](hosts-vs-time.svg)',
    '',
    '## Machine and versions',
    '',
    `- ${env.os}, kernel ${env.kernel}, ${env.cores} cores (${env.cpu}), ${env.memGiB} GiB RAM — shared with other jobs; the 1-minute load at the start of each run is in the tables (load avg at the end: ${env.load})`,
    `- drover ${env.drover} (git ${env.commit} + working tree), Node ${env.node}`,
    `- ${env.ansible}, ${env.python} on the targets and the runner`,
    `- ${env.openssh}; lab hosts: network namespaces with OpenSSH 9.2 (drover lab, profile base)`,
    '',
    '## What was run',
    '',
    `- drover: \`${input.commands.drover}\``,
    `- Ansible: \`${input.commands.ansible}\` with \`ANSIBLE_CONFIG=bench/out/ansible.cfg\`: pipelining on, \`gathering = explicit\` (no facts), forks = hosts, \`interpreter_python = /usr/bin/python3\` (no discovery), Ansible's default \`ssh_args\` (ControlMaster, ControlPersist=60s) with a fresh control directory per run; the same key and known_hosts as drover (\`-o UserKnownHostsFile=<bench known_hosts> -o StrictHostKeyChecking=yes\` from the inventory)`,
    `- Ansible+Mitogen: \`${input.commands.mitogen}\` — the same config, inventory, key and known_hosts; Debian's ansible-mitogen 0.3.3 (the bench installs it when missing)`,
    `- floor: \`${input.commands.floor}\` — ssh2, all hosts in parallel: open one connection and one \`sh\` channel per host, then per task write \`true; echo marker\` and wait for the marker`,
    '- Workloads: bench/workloads/ten.yml / ten.ts — file (directory), copy (small content), copy (3 KiB file), lineinfile (regexp, creating the file), lineinfile (append a line), command (creates=), shell (creates=), stat, template, symlink; forty = the ten four times on different directories. drover does the same with `sysfile` and `command`, and a read-only `host.exec(sh`stat …`)`.',
    "- Each round: reset the hosts (rm -rf /srv/bench via nsenter, not timed), **first** run (everything changes), **second** run (nothing changes). Rounds rotate which runner goes first. Wall = median over rounds; CPU = user+sys of the runner's whole process tree (Ansible's forks, its ssh clients and ControlMaster processes included: bench/measure.py is a child subreaper and stops the masters before reading RUSAGE_CHILDREN); RSS = peak of the summed process tree, sampled every 200 ms (in brackets: the largest single process). \"drover play\" = run-start to recap as drover's own `RECAP … s` line reports it, i.e. without process start-up.",
    '',
  ];
  for (const w of ['ten', 'forty']) {
    const rows = byWorkload(w, false);
    if (!rows.length) continue;
    lines.push(`## ${w === 'ten' ? '10' : '40'} tasks`, '', ...table(rows), '');
  }
  const delayed = summaries.filter((s) => s.scenario.delayMs > 0);
  if (delayed.length) {
    lines.push(
      `## With added network delay (user-space NFQUEUE delay on each host, each way)`,
      '',
      ...table(delayed),
      '',
    );
    for (const d of delayed) {
      lines.push(
        `Floor at ${d.scenario.hosts} hosts with ${d.scenario.delayMs} ms each way: connect ${d.floorConnectMs.toFixed(0)} ms (median per host) + ${d.scenario.workload === 'ten' ? 10 : 40} × ${d.floorRoundTripMs.toFixed(1)} ms round trip = ${s1(d.floorMs)} s measured end to end.`,
        '',
      );
      const rt = d.roundTrips;
      if (rt)
        lines.push(
          `Round trips on one host (${rt.host}, +${rt.delayMs} ms each way; bench/round-trips.ts, one connection, medians of ${rt.rounds} rounds in the same run): ` +
            `${rt.commands} × \`true\` ${rt.silentMs.toFixed(0)} ms, ${rt.commands} × \`echo x\` ${rt.printingMs.toFixed(0)} ms (${(rt.printingMs / rt.silentMs).toFixed(2)}x); ` +
            `${rt.commands} independent checks one by one ${rt.checksSequentialMs.toFixed(0)} ms, started at once (pipelined) ${rt.checksConcurrentMs.toFixed(0)} ms ` +
            `(${(rt.checksConcurrentMs / (rt.silentMs / rt.commands)).toFixed(1)} round trips for ${rt.commands} checks).` +
            (rt.jobMs !== undefined && rt.framedMs !== undefined
              ? ` A changing command as a job (a module's apply, the default) vs framed (\`--no-detach\`): ${rt.commands} × \`true\` ${rt.jobMs.toFixed(0)} vs ${rt.framedMs.toFixed(0)} ms (+${((rt.jobMs - rt.framedMs) / rt.commands).toFixed(1)} ms per command).`
              : ''),
          '',
        );
    }
  }
  const scale = byWorkload('ten', false);
  if (scale.length) {
    lines.push('## Scale (10 tasks)', '', ...scaleTable(scale), '');
    const top = (r: Runner) => Math.max(0, ...scale.filter((s) => s.runners[r]).map((s) => s.scenario.hosts));
    lines.push(
      `drover was measured at every size up to ${top('drover')} hosts; Ansible up to ${top('ansible') || '–'} and Ansible+Mitogen up to ${top('mitogen') || '–'} hosts (\`--ansible-max-hosts\`: beyond that a run takes many minutes and forks = hosts Python processes). Above 80 hosts the hosts come from several labs of 80 (one /24 each) in one merged inventory.`,
      '',
    );
  }
  if (input.extra) lines.push(input.extra.trimEnd(), '');
  lines.push('## The floor', '');
  lines.push(
    '| workload | hosts | floor s (in process) | connect ms (median host) | round trip ms | floor as a process s (node start included) |',
    '|---|---:|---:|---:|---:|---:|',
  );
  for (const s of [...summaries].sort((a, b) => a.key.localeCompare(b.key))) {
    lines.push(
      `| ${s.scenario.workload}${s.scenario.delayMs ? ` +${s.scenario.delayMs} ms` : ''} | ${s.scenario.hosts} | ${s1(s.floorMs)} | ${s.floorConnectMs.toFixed(0)} | ${s.floorRoundTripMs.toFixed(2)} | ${s1(s.floorProcessMs)} |`,
    );
  }
  if (Object.keys(input.startup).length) {
    lines.push(
      '',
      '## Start-up costs (no host contacted)',
      '',
      '| command | wall s | CPU s | max RSS MB |',
      '|---|---:|---:|---:|',
    );
    for (const [label, ms] of Object.entries(input.startup)) {
      lines.push(
        `| \`${label}\` | ${s1(median(ms.map((m) => m.wallMs)))} | ${s1(median(ms.map((m) => m.cpuMs)))} | ${mb(Math.max(...ms.map((m) => m.maxRssKb)))} |`,
      );
    }
  }
  lines.push('', '## Targets', '', '| target | measured | met |', '|---|---|---|');
  for (const t of [...checkScaleTargets(summaries), ...checkTargets(summaries)])
    lines.push(`| ${t.target} | ${t.measured} | ${t.met === undefined ? 'not measured' : t.met ? 'yes' : '**no**'} |`);
  lines.push('');
  if (input.notes.length) lines.push('## Notes', '', ...input.notes.map((n) => `- ${n}`), '');
  return lines.join('\n');
}
