// `node --import=tsx bench/bastion.ts [--hosts 50] [--runs 3] [--lab bbast]`: the same N lab hosts, the
// no-change 10-task run, rounds alternating direct and with all N behind one bastion (lab/topology.ts:
// the lab's node1; the N hosts moved onto a network inside it, and back). Writes bench/bastion.md (appended to RESULTS.md by
// bench/run.ts, and spliced into it here). Goal (issue 15): bastion wall time within 1.3x of direct.
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parse, stringify } from 'yaml';
import { applyTopology, removeTopology, type Topology, writeTopologySshConfig } from '../lab/topology.ts';
import { labDown, type LabState } from '../lab/index.ts';
import { runProgram } from '../lab/run.ts';
import { benchLab, resetHosts, subsetInventory } from './lab-hosts.ts';
import { OUT, REPO, runOnce, type RunRecord } from './runners.ts';

const SECTION = path.join(REPO, 'bench', 'bastion.md');
const BEGIN = '<!-- bastion: written by bench/bastion.ts -->';
const END = '<!-- /bastion -->';

function say(line: string): void {
  process.stdout.write(`[bastion ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

async function inventory(
  lab: LabState,
  hosts: LabState['hosts'],
  file: string,
  sshConfigFile?: string,
): Promise<string> {
  const doc = subsetInventory(parse(await readFile(lab.inventoryFile, 'utf8')), new Set(hosts.map((h) => h.name))) as {
    all: { vars: Record<string, unknown> };
  };
  // drover's typed var: the topology's ssh_config (ProxyJump node1 for these hosts) instead of ~/.ssh/config.
  if (sshConfigFile) doc.all.vars.ssh_config_file = sshConfigFile;
  await writeFile(
    file,
    `# bench/bastion.ts: ${hosts.length} hosts of lab ${lab.name}${sshConfigFile ? ' behind node1' : ', direct'}\n` +
      stringify(doc, { nullStr: '' }),
  );
  return file;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function measureRounds(label: string, inv: string, n: number, runs: number, first = 1): Promise<RunRecord[]> {
  const out: RunRecord[] = [];
  for (let r = first; r < first + runs; r++) {
    const rec = await runOnce('drover', 'ten', inv, n, { pass: 'second', round: r, tag: `bastion-${label}` });
    say(
      `${label} round ${r}: ${(rec.wallMs / 1000).toFixed(2)} s wall, ${(rec.cpuMs / 1000).toFixed(2)} s CPU, load ${rec.load1}, changed=${rec.changed} unreachable=${rec.unreachable}${rec.exitCode ? ` EXIT ${rec.exitCode} (${rec.log})` : ''}`,
    );
    if (rec.exitCode !== 0 || rec.changed !== 0)
      throw new Error(
        `${label} round ${r}: exit ${rec.exitCode}, changed ${rec.changed} (a no-change run must change nothing): ${rec.log}`,
      );
    out.push(rec);
  }
  return out;
}

function render(n: number, runs: number, direct: RunRecord[], bastion: RunRecord[], argv: string[]): string {
  const row = (label: string, rs: RunRecord[]) =>
    `| ${label} | ${rs.map((r) => (r.wallMs / 1000).toFixed(2)).join(', ')} | ${(median(rs.map((r) => r.wallMs)) / 1000).toFixed(2)} | ${(median(rs.map((r) => r.cpuMs)) / 1000).toFixed(2)} | ${rs.map((r) => r.load1.toFixed(1)).join(', ')} |`;
  const ratio = median(bastion.map((r) => r.wallMs)) / median(direct.map((r) => r.wallMs));
  return [
    BEGIN,
    `## ${n} hosts behind one bastion vs the same ${n} direct`,
    '',
    `\`node --import=tsx bench/bastion.ts${argv.length ? ' ' + argv.join(' ') : ''}\` (${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC): the no-change`,
    `10-task run (\`node core/cli/bin.js run bench/workloads/ten.ts -i <inventory> --forks ${n}\`, after one untimed first run)`,
    `on the same ${n} lab hosts, ${runs} rounds each, alternating: direct, then with all of them moved behind the lab's node1`,
    '(lab/topology.ts: one SSH connection to node1, a forwarded channel per host), then moved back.',
    '',
    '| path | wall per round (s) | median wall (s) | median CPU (s) | load (1 min) per round |',
    '| --- | --- | --- | --- | --- |',
    row('direct', direct),
    row('via bastion', bastion),
    '',
    `Bastion / direct median wall: **${ratio.toFixed(2)}x** (goal ≤ 1.3x: ${ratio <= 1.3 ? 'met' : 'NOT met'}).`,
    END,
    '',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      hosts: { type: 'string', default: '50' },
      runs: { type: 'string', default: '3' },
      lab: { type: 'string', default: 'bbast' },
      'keep-lab': { type: 'boolean', default: false },
    },
  });
  const n = Number(values.hosts);
  const runs = Number(values.runs);
  // A fresh lab, so no topology is left from an interrupted invocation.
  await labDown(values.lab!);
  const lab = await benchLab(values.lab!, n + 1);
  const bastion = lab.hosts[0];
  const hosts = lab.hosts.slice(1, n + 1);
  const dir = path.join(OUT, 'bastion');
  await mkdir(dir, { recursive: true });
  try {
    await resetHosts(lab, hosts);
    const direct = await inventory(lab, hosts, path.join(dir, `direct-${n}.yml`));
    say(`first (untimed) run on ${n} hosts, direct`);
    const first = await runOnce('drover', 'ten', direct, n, { pass: 'first', round: 0, tag: 'bastion-direct' });
    if (first.exitCode !== 0) throw new Error(`first run failed: ${first.log}`);
    const topo: Topology = { bastions: [{ bastion: bastion.short, behind: hosts.map((h) => h.short) }] };
    const cfg = await writeTopologySshConfig(lab, topo);
    const viaInv = await inventory(lab, hosts, path.join(dir, `bastion-${n}.yml`), cfg);
    await applyTopology(lab, topo);
    const probe = await runProgram(['ip', 'route', 'get', hosts[0].address]);
    say(
      `topology applied (${hosts.length} hosts behind ${bastion.short}); ${cfg}; machine route to ${hosts[0].short}: ${probe.stdout.trim()}`,
    );
    // One untimed run through the bastion too: the same warm caches on both sides.
    await runOnce('drover', 'ten', viaInv, n, { pass: 'second', round: 0, tag: 'bastion-via-warmup' });
    await removeTopology(lab, topo);
    // Rounds alternate (direct, then via the bastion) so both see the same drift in the machine's load.
    const directRuns: RunRecord[] = [];
    const viaRuns: RunRecord[] = [];
    for (let r = 1; r <= runs; r++) {
      directRuns.push(...(await measureRounds('direct', direct, n, 1, r)));
      await applyTopology(lab, topo);
      viaRuns.push(...(await measureRounds('via-bastion', viaInv, n, 1, r)));
      await removeTopology(lab, topo);
    }

    const md = render(n, runs, directRuns, viaRuns, argv);
    await writeFile(SECTION, md);
    const results = path.join(REPO, 'bench', 'RESULTS.md');
    if (existsSync(results)) {
      const text = await readFile(results, 'utf8');
      const a = text.indexOf(BEGIN);
      const b = text.indexOf(END);
      await writeFile(
        results,
        a >= 0 && b > a ? text.slice(0, a) + md.trimEnd() + text.slice(b + END.length) : text.trimEnd() + '\n\n' + md,
      );
    }
    process.stdout.write('\n' + md);
    return 0;
  } finally {
    if (!values['keep-lab']) await labDown(values.lab!);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`bench/bastion.ts: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  },
);
