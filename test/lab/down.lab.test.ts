// Lab teardown leaves nothing on the machine: no namespaces, links, loop devices, mounts, processes, files; also after a killed `up`.
import test from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { labDelay } from '../../lab/delay.ts';
import { labCut, labDisk, labDown, labState, labUp } from '../../lab/index.ts';
import { readRecord, statePath } from '../../lab/state.ts';
import { isOurProcess, sleep } from '../../lab/proc.ts';
import type { LabRecord } from '../../lab/types.ts';
import { labSkipReason, labSerialTest } from '../support/lab.ts';

const labTest = labSerialTest(test);
if (labSkipReason) process.stderr.write(`drover lab tests skipped: ${labSkipReason}\n`);

/** Everything on the machine that carries this lab's name (other labs may come and go meanwhile). */
function traces(name: string) {
  const out = (argv: string[]) => spawnSync(argv[0], argv.slice(1), { encoding: 'utf8' }).stdout;
  return {
    netns: out(['ip', 'netns', 'list'])
      .split('\n')
      .filter((l) => l.startsWith(`dl-${name}-`)),
    links: out(['ip', '-o', 'link', 'show'])
      .split('\n')
      .filter((l) => l.includes(`drb-${name}`) || l.includes(`dv-${name}-`)),
    loops: out(['losetup', '-a'])
      .split('\n')
      .filter((l) => l.includes(`/drover/lab/${name}/`)),
    mounts: readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .filter((l) => l.includes(`/drover/lab/${name}/`) || l.includes(`dl-${name}-`)),
    stateDir: existsSync(`/run/drover/lab/${name}`),
    disks: existsSync(`/var/tmp/drover/lab/${name}`),
  };
}

const nothing = { netns: [], links: [], loops: [], mounts: [], stateDir: false, disks: false };

function recordedPids(rec: LabRecord): { pid: number; startTime?: string }[] {
  return [
    ...rec.launchers,
    ...rec.hosts.filter((h) => h.pid).map((h) => ({ pid: h.pid, startTime: rec.hostStartTimes[h.name] })),
  ];
}

labTest(
  'down removes every resource of a lab that was used (disk, cut link, delay process); a second down is a no-op',
  async (t) => {
    const name = 'lableak';
    await labDown(name);
    t.teardown(() => labDown(name));
    const s = await labUp({ name, hosts: 3 });
    await labDisk(name, 'node1', '32M');
    await labDisk(name, 'node2', '32M', { device: 'vdc' });
    await labCut(name, 'node3');
    await labDelay(s, 'node2', 5);
    const delayPid = Number(readFileSync(`${s.dir}/delay-node2.pid`, 'utf8').trim());
    t.true(isOurProcess(delayPid), 'the delay process runs');
    const during = traces(name);
    t.is(during.netns.length, 3);
    t.is(during.links.length, 4);
    t.is(during.loops.length, 2);
    t.true(during.stateDir);
    const rec = readRecord(name)!;
    const pids = recordedPids(rec);
    t.is(pids.length, 6);
    t.true(pids.every((p) => isOurProcess(p.pid, p.startTime)));

    await labDown(name);
    t.deepEqual(traces(name), nothing);
    t.true(
      pids.every((p) => !isOurProcess(p.pid, p.startTime)),
      'recorded processes are dead',
    );
    t.false(isOurProcess(delayPid), "the delay process (found in the lab's netns) is dead");
    t.is(await labState(name), undefined);
    await t.notThrowsAsync(labDown(name));
  },
);

/** Starts `drover lab up` as a separate process and SIGKILLs it once `ready(record)` holds. */
async function killedUp(
  t: { log: (...a: unknown[]) => void },
  name: string,
  hosts: number,
  ready: (rec: LabRecord) => boolean,
): Promise<LabRecord> {
  const child = spawn(process.execPath, ['--import=tsx', 'lab/cli-main.ts', 'up', String(hosts), '--name', name], {
    stdio: 'ignore',
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    const rec = existsSync(statePath(name)) ? readRecord(name) : undefined;
    if (rec && ready(rec)) {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      t.log(`killed up at phase ${rec.phase}, ${rec.launchers.length} launchers recorded`);
      return readRecord(name)!;
    }
    if (child.exitCode !== null) throw new Error(`lab up exited (${child.exitCode}) before it could be killed`);
    if (Date.now() > deadline) throw new Error('lab up did not reach the point to kill it');
    await sleep(2);
  }
}

labTest('down after an `up` killed right after it recorded its plan leaves nothing', async (t) => {
  const name = 'labkill';
  await labDown(name);
  t.teardown(() => labDown(name));
  const rec = await killedUp(t, name, 6, () => true);
  await sleep(300); // whatever the killed process had started settles
  await labDown(name);
  t.deepEqual(traces(name), nothing);
  t.true(recordedPids(rec).every((p) => !isOurProcess(p.pid, p.startTime)));
});

labTest('down after an `up` killed while hosts were starting leaves nothing; up works again after it', async (t) => {
  const name = 'labkill';
  await labDown(name);
  t.teardown(() => labDown(name));
  const rec = await killedUp(t, name, 6, (r) => r.launchers.length > 0);
  const before = traces(name);
  t.is(before.netns.length, 6, 'the killed up had created namespaces');
  t.true(
    recordedPids(rec).some((p) => isOurProcess(p.pid, p.startTime)),
    'its hosts outlive it (they run detached)',
  );
  await labDown(name);
  t.deepEqual(traces(name), nothing);
  t.true(recordedPids(rec).every((p) => !isOurProcess(p.pid, p.startTime)));

  // And a crashed up is cleaned by the next up on its own.
  await killedUp(t, name, 2, (r) => r.launchers.length > 0);
  const s = await labUp({ name, hosts: 2 });
  t.is(s.hosts.length, 2);
  const r = spawnSync('ssh', ['-F', s.sshConfigFile, '-o', 'BatchMode=yes', 'node2', 'hostname'], { encoding: 'utf8' });
  t.is(r.stdout.trim(), 'node2.example.org', r.stderr);
  await labDown(name);
  t.deepEqual(traces(name), nothing);
});
