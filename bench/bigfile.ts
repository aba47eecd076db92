// Issue 17 benchmark: one big file (1 MB, 50 MB, 500 MB) to N lab hosts with drover's sysfile, against
// `scp` of the same file to the same hosts in parallel (the floor: same key, same known_hosts).
//
// Usage: node --import=tsx bench/bigfile.ts [--hosts 20] [--big-hosts 10] [--sizes 1,50,500] [--rounds 3]
//          [--tree NAME=DIR]... [--modes content,src] [--lab bigfile] [--keep-lab]
//   --tree: a drover checkout to measure (default after=<this repo>); e.g. before=/tmp/before, made with
//           `git archive HEAD | tar -x -C /tmp/before && ln -s $PWD/node_modules /tmp/before/`
//           (bench/bigfile-play.ts is copied into it). A tree without sysfile `src` runs `content` only.
//   --big-hosts: hosts for sizes >= 500 MB (each copy lands in a host's tmpfs overlay: RAM).
// Each round, per size: reset the hosts, scp; reset, drover per tree and mode (a fresh CLI process each:
// start-up and connections included, like scp's). After the last mode a rerun (nothing to change) is timed.
// Prints a markdown table of medians (wall seconds) and ratios to scp; writes bench/out/bigfile.json.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, createWriteStream, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { labExec } from '../lab/index.ts';
import { benchFleet, fleetInventory, shutdownFleet, type FleetHost } from './lab-hosts.ts';

const REPO = path.resolve(import.meta.dirname, '..');
const OUT = path.join(REPO, 'bench', 'out', 'bigfile');
const DEST = '/srv/bench/big.bin';

const { values } = parseArgs({
  options: {
    hosts: { type: 'string', default: '20' },
    'big-hosts': { type: 'string', default: '10' },
    sizes: { type: 'string', default: '1,50,500' },
    rounds: { type: 'string', default: '3' },
    tree: { type: 'string', multiple: true },
    modes: { type: 'string', default: 'content,src' },
    lab: { type: 'string', default: 'bigfile' },
    'keep-lab': { type: 'boolean', default: false },
  },
});
const hostsN = Number(values.hosts);
const bigHosts = Number(values['big-hosts']);
const sizes = values.sizes!.split(',').map(Number);
const rounds = Number(values.rounds);
const modes = values.modes!.split(',') as ('content' | 'src')[];
/** The CLI of a drover checkout: core/cli/bin.js, or core/bin.js before the layout of issue 23. */
function treeBin(dir: string): string | undefined {
  return ['core/cli/bin.js', 'core/bin.js'].find((b) => existsSync(path.join(dir, b)));
}
const trees = (values.tree?.length ? values.tree : [`after=${REPO}`]).map((t) => {
  const [name, dir] = t.split('=');
  if (!name || !dir || !treeBin(dir)) throw new Error(`--tree ${t}: want NAME=DIR of a drover checkout`);
  return { name, dir: path.resolve(dir) };
});

interface Sample {
  size: number;
  hosts: number;
  runner: string;
  round: number;
  seconds: number;
  ok: boolean;
  note?: string;
}

function run(argv: string[], cwd: string): Promise<{ code: number; out: string; seconds: number }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    let out = '';
    child.stdout.on('data', (d) => (out = (out + d).slice(-20000)));
    child.stderr.on('data', (d) => (out = (out + d).slice(-20000)));
    child.on('close', (code) => resolve({ code: code ?? -1, out, seconds: (performance.now() - t0) / 1000 }));
  });
}

async function dataFile(mb: number): Promise<{ file: string; sha256: string }> {
  mkdirSync(OUT, { recursive: true });
  const file = path.join(OUT, `data-${mb}MB.bin`);
  if (!existsSync(file) || statSync(file).size !== mb * 1_000_000) {
    const w = createWriteStream(file);
    for (let left = mb * 1_000_000; left > 0; left -= 1_000_000) {
      if (!w.write(randomBytes(Math.min(left, 1_000_000)))) await new Promise<void>((r) => w.once('drain', () => r()));
    }
    await new Promise<void>((r, j) => w.end((e?: Error) => (e ? j(e) : r())));
  }
  return { file, sha256: createHash('sha256').update(readFileSync(file)).digest('hex') };
}

async function reset(hosts: readonly FleetHost[]): Promise<void> {
  await Promise.all(hosts.map((h) => labExec(h.lab, h.short, ['sh', '-c', `rm -rf /srv/bench; mkdir -p /srv/bench`])));
}

/** The file on every host has the expected hash, and no temp file is left beside it. */
async function verify(hosts: readonly FleetHost[], sha256: string): Promise<string | undefined> {
  for (const h of hosts) {
    const r = await labExec(h.lab, h.short, ['sh', '-c', `sha256sum < ${DEST}; ls -A /srv/bench`]);
    const [sum, ...files] = r.stdout.trim().split('\n');
    if (!sum?.startsWith(sha256)) return `${h.name}: sha256 ${sum} != ${sha256}`;
    if (files.join(' ') !== 'big.bin') return `${h.name}: /srv/bench holds ${files.join(' ')}`;
  }
  return undefined;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};

async function main(): Promise<void> {
  const fleet = await benchFleet(values.lab!, hostsN, OUT);
  const samples: Sample[] = [];
  for (const t of trees)
    if (t.dir !== REPO)
      copyFileSync(path.join(REPO, 'bench/bigfile-play.ts'), path.join(t.dir, 'bench/bigfile-play.ts'));
  const treeHasSrc = (dir: string) =>
    ['modules/files/sysfile-plan.ts', 'modules/sysfile-plan.ts'].some(
      (f) => existsSync(path.join(dir, f)) && readFileSync(path.join(dir, f), 'utf8').includes('SrcParams'),
    );
  for (const mb of sizes) {
    const n = mb >= 500 ? Math.min(bigHosts, hostsN) : hostsN;
    const inv = await fleetInventory(fleet, n, OUT);
    const hosts = inv.hosts;
    const { file, sha256 } = await dataFile(mb);
    const droverArgv = (dir: string, mode: string) => [
      process.execPath,
      path.join(dir, treeBin(dir)!),
      'run',
      path.join(dir, 'bench/bigfile-play.ts'),
      '-i',
      inv.file,
      '--forks',
      String(n),
      '--no-typecheck',
      '-e',
      `bigfile_src=${file}`,
      '-e',
      `bigfile_dest=${DEST}`,
      '-e',
      `bigfile_mode=${mode}`,
    ];
    // untimed warm-up per tree: fills the bundle cache
    if (mb === sizes[0]) for (const t of trees) await run(droverArgv(t.dir, 'content'), t.dir);
    for (let round = 1; round <= rounds; round++) {
      await reset(hosts);
      const scp = await Promise.all(
        hosts.map((h) =>
          run(
            [
              'scp',
              '-q',
              '-i',
              h.lab.keyFile,
              '-o',
              `UserKnownHostsFile=${fleet.knownHostsFile}`,
              '-o',
              'StrictHostKeyChecking=yes',
              '-o',
              'BatchMode=yes',
              file,
              `root@${h.address}:${DEST}`,
            ],
            REPO,
          ),
        ),
      ).then((rs) => ({
        code: rs.find((r) => r.code !== 0)?.code ?? 0,
        seconds: Math.max(...rs.map((r) => r.seconds)),
        out: rs.map((r) => r.out).join(''),
      }));
      const scpBad = scp.code !== 0 ? scp.out.slice(-300) : await verify(hosts, sha256);
      samples.push({ size: mb, hosts: n, runner: 'scp', round, seconds: scp.seconds, ok: !scpBad, note: scpBad });
      console.error(
        `${mb} MB x${n} round ${round}: scp ${scp.seconds.toFixed(2)} s${scpBad ? ` FAILED ${scpBad}` : ''}`,
      );
      for (const t of trees) {
        for (const mode of modes) {
          if (mode === 'src' && !treeHasSrc(t.dir)) continue;
          await reset(hosts);
          const r = await run(droverArgv(t.dir, mode), t.dir);
          const bad = r.code !== 0 ? `exit ${r.code}: ${r.out.slice(-400)}` : await verify(hosts, sha256);
          samples.push({
            size: mb,
            hosts: n,
            runner: `${t.name} ${mode}`,
            round,
            seconds: r.seconds,
            ok: !bad,
            note: bad,
          });
          console.error(
            `${mb} MB x${n} round ${round}: ${t.name} ${mode} ${r.seconds.toFixed(2)} s${bad ? ` FAILED ${bad}` : ''}`,
          );
          if (bad) continue;
          // same file again: nothing to change (the probe's sha256 shortcut)
          const again = await run(droverArgv(t.dir, mode), t.dir);
          const ok = again.code === 0 && /changed=0/.test(again.out);
          samples.push({
            size: mb,
            hosts: n,
            runner: `${t.name} ${mode} rerun`,
            round,
            seconds: again.seconds,
            ok,
            note: ok ? undefined : again.out.slice(-300),
          });
          console.error(
            `${mb} MB x${n} round ${round}: ${t.name} ${mode} rerun ${again.seconds.toFixed(2)} s${ok ? '' : ' FAILED'}`,
          );
        }
      }
    }
  }
  await reset(fleet.hosts.slice(0, hostsN));
  writeFileSync(path.join(OUT, 'bigfile.json'), JSON.stringify(samples, null, 1));
  const runners = [...new Set(samples.map((s) => s.runner))];
  console.log(`| size | hosts | runner | median wall s | × scp | runs ok |\n|---|---|---|---|---|---|`);
  for (const mb of sizes) {
    const scpMed = median(samples.filter((s) => s.size === mb && s.runner === 'scp' && s.ok).map((s) => s.seconds));
    for (const runner of runners) {
      const mine = samples.filter((s) => s.size === mb && s.runner === runner);
      if (!mine.length) continue;
      const ok = mine.filter((s) => s.ok);
      const med = median(ok.map((s) => s.seconds));
      console.log(
        `| ${mb} MB | ${mine[0].hosts} | ${runner} | ${ok.length ? med.toFixed(2) : 'failed'} | ${ok.length && runner !== 'scp' ? (med / scpMed).toFixed(2) : ''} | ${ok.length}/${mine.length}${ok.length < mine.length ? ` (${(mine.find((s) => !s.ok)?.note ?? '').replace(/\s+/g, ' ').slice(0, 120)})` : ''} |`,
      );
    }
  }
  if (!values['keep-lab']) await shutdownFleet(values.lab!);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
