// Lab hosts reboot as real nodes do (files, address, host keys kept; OpenRC boots again), and the reboot module waits for them on the same host handle.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { rootCause, UnreachableError } from '../../../core/errors.ts';
import type { RunEvent } from '../../../core/events.ts';
import { labCut, labDisk, labDown, labExec, labHeal, labState, labUp } from '../../../lab/index.ts';
import { isOurProcess, sleep } from '../../../lab/proc.ts';
import { readRecord } from '../../../lab/state.ts';
import type { LabState } from '../../../lab/types.ts';
import { sh } from '../../../core/sh.ts';
import { reboot } from '../../../modules/system/reboot.ts';
import { drover, recap, REPO } from '../../support/cli.ts';
import { labHost, labHostOpener, labSerialTest, useLab } from '../../support/lab.ts';

const NAME = 'reboot';
const lab = useLab(test, { name: NAME, hosts: 2, profile: 'gentoo' });
const labTest = labSerialTest(test);
const open = labHostOpener(test, lab);

/** The host's boot id as its init sees it (nsenter, no SSH). */
async function bootId(state: LabState, node: string): Promise<string> {
  const r = await labExec(state, node, ['cat', '/proc/sys/kernel/random/boot_id']);
  if (r.code !== 0) throw new Error(`cannot read node ${node}'s boot id: ${r.stderr}`);
  return r.stdout.trim();
}

/** The running lab, as read now (a rebooted host has a new init PID: a state read before it is stale). */
async function now(): Promise<LabState> {
  const s = await labState(NAME);
  if (!s) throw new Error(`lab ${NAME} is gone`);
  return s;
}

function moduleEnd(events: readonly RunEvent[]): Extract<RunEvent, { kind: 'module-end' }> | undefined {
  return events.find((e): e is Extract<RunEvent, { kind: 'module-end' }> => e.kind === 'module-end');
}

/** Every process the lab recorded (supervisors, current inits) and every one in its netns. */
function labProcesses(): { pid: number; startTime?: string }[] {
  const rec = readRecord(NAME);
  if (!rec) return [];
  return [...rec.launchers, ...rec.hosts.map((h) => ({ pid: h.pid, startTime: rec.hostStartTimes[h.name] }))];
}

labTest('--check says it would reboot; nothing happens (same boot id, same init)', async (t) => {
  const before = await now();
  const id = await bootId(before, 'node1');
  const { host, events } = open({ check: true });
  const r = await reboot(host, { reason: 'new kernel' });
  t.true(r.changed);
  t.is(r.message, 'would reboot (new kernel)');
  t.is(r.bootId, id);
  t.is(r.seconds, undefined);
  t.is(moduleEnd(events)?.status, 'changed');
  await sleep(1500); // a reboot the module started by mistake would have begun by now
  t.is(await bootId(await now(), 'node1'), id);
  t.is((await now()).hosts[0].pid, before.hosts[0].pid);
});

labTest(
  'reboot: files, address and host key kept; new boot id; OpenRC default runlevel again; the same handle works after it',
  async (t) => {
    const before = await now();
    const knownHosts = readFileSync(before.knownHostsFile, 'utf8');
    const { host, events } = open();
    await host.exec(sh`echo kept >/root/before-reboot`);
    await labDisk(NAME, 'node1', '16M');
    // A link the host made itself: a real node's reboot forgets it (no config brings it back here).
    await host.exec(sh`ip link add rbtest0 type bridge && ip addr add 10.99.0.1/24 dev rbtest0`);
    const idBefore = (await host.exec(sh`cat /proc/sys/kernel/random/boot_id`)).stdout.trim();
    const startedBefore = (await host.exec(sh`ls /run/openrc/started`)).stdout;

    const r = await reboot(host, { reason: 'test', timeoutMs: 120_000 });
    t.true(r.changed);
    t.regex(r.message ?? '', /^rebooted in \d+\.\d s \(test\)$/);
    t.true(r.seconds !== undefined && r.seconds > 0 && r.seconds < 120, `seconds ${r.seconds}`);
    t.is(r.bootId, idBefore);
    t.truthy(r.bootIdAfter);
    t.not(r.bootIdAfter, idBefore);
    const end = moduleEnd(events);
    t.is(end?.status, 'changed');
    t.is(end?.message, r.message);
    t.log(r.message);

    // The SAME handle: it reconnected to the same address, checking the same host key (acceptNew off).
    t.is((await host.exec(sh`cat /root/before-reboot`)).stdout, 'kept\n');
    t.is((await host.exec(sh`cat /proc/sys/kernel/random/boot_id`)).stdout.trim(), r.bootIdAfter ?? '(none)');
    t.regex(
      (await host.exec(sh`ip -o -4 addr show dev eth0`)).stdout,
      new RegExp(` ${before.hosts[0].address.replace(/\./g, '\\.')}/24 `),
    );
    t.is(readFileSync(before.knownHostsFile, 'utf8'), knownHosts, 'known_hosts unchanged');
    t.is((await host.exec(sh`test -b /dev/vdb`, { allowFail: true })).code, 0, 'the lab disk is there again');
    t.not((await host.exec(sh`ip link show rbtest0`, { allowFail: true })).code, 0, 'links the host made are gone');
    t.is(
      (await host.exec(sh`ip -o -4 addr show`)).stdout.split('\n').filter(Boolean).length,
      2,
      'lo and eth0 have one address each',
    );
    // OpenRC booted again: sysinit → boot → default, every service of the default runlevel started.
    t.is((await host.exec(sh`rc-status --runlevel`)).stdout.trim(), 'default');
    const services = (await host.exec(sh`ls /etc/runlevels/default`)).stdout.split('\n').filter(Boolean);
    t.true(services.includes('sshd'), services.join(' '));
    const startedAfter = (await host.exec(sh`ls /run/openrc/started`)).stdout;
    t.is(startedAfter, startedBefore, 'OpenRC started the same services as before the reboot');
    for (const s of services)
      t.true(startedAfter.split('\n').includes(s), `${s} (default runlevel) started: ${startedAfter}`);
    // Plain OpenSSH too, with the lab's known_hosts and StrictHostKeyChecking yes.
    const ssh = spawnSync(
      'ssh',
      ['-F', before.sshConfigFile, '-o', 'BatchMode=yes', 'node1', 'cat /root/before-reboot'],
      { encoding: 'utf8' },
    );
    t.is(ssh.stdout, 'kept\n', ssh.stderr);

    // The lab follows the new boot: a new init under the same supervisor.
    const after = await now();
    t.not(after.hosts[0].pid, before.hosts[0].pid);
    t.true(isOurProcess(after.hosts[0].pid));
    t.is(after.hosts[1].pid, before.hosts[1].pid, 'the other host did not reboot');
    t.is(
      await bootId(before, 'node1'),
      r.bootIdAfter ?? '(none)',
      'labExec with a state read before the reboot reaches the new boot',
    );
    t.regex(
      readFileSync(path.join(after.dir, 'nodes/node1/console.log'), 'utf8'),
      /the host rebooted; booting it again/,
    );
  },
);

labTest(
  'onlyIfExists: reboots once; the marker under /run goes with the reboot, so a second run does nothing',
  async (t) => {
    const { host } = open();
    const marker = '/run/reboot-required';
    t.like(await reboot(host, { onlyIfExists: marker }), {
      changed: false,
      message: `no reboot needed: ${marker} does not exist`,
    });
    await host.exec(sh`touch ${marker}`);
    const first = await reboot(host, { onlyIfExists: marker, timeoutMs: 120_000 });
    t.true(first.changed);
    t.regex(first.message ?? '', /^rebooted in \d+\.\d s \(\/run\/reboot-required exists\)$/);
    const second = await reboot(host, { onlyIfExists: marker });
    t.like(second, { changed: false, bootId: first.bootIdAfter });
  },
);

labTest('reboot mid-play: both hosts finish every phase; the recap shows the reboot as changed', async (t) => {
  const s = await now();
  const ids = await Promise.all(s.hosts.map((h) => bootId(s, h.short)));
  const o = await drover([
    'run',
    path.join(REPO, 'test/fixtures/playbooks/reboot-mid-play.ts'),
    '-i',
    s.inventoryFile,
    '--json',
    '--no-typecheck',
  ]);
  t.is(o.code, 0, o.stderr.slice(-3000) + o.stdout.slice(-3000));
  const stats = recap(o);
  for (const h of s.hosts) {
    t.like(stats[h.name], { changed: 1, failed: 0, unreachable: 0 }, JSON.stringify(stats));
    const end = o.events.find((e) => e.kind === 'module-end' && e.module === 'reboot' && e.host === h.name);
    t.is(end?.status, 'changed');
    t.regex(end?.message ?? '', /^rebooted in \d+\.\d s \(fixture\)$/);
  }
  const after = await now();
  for (const [i, h] of after.hosts.entries()) {
    t.not(await bootId(after, h.short), ids[i], `${h.short} rebooted`);
    t.is(
      (await labExec(after, h.short, ['cat', '/root/reboot-play-after'])).stdout,
      'before\n',
      `${h.short} ran the phase after the reboot`,
    );
  }
});

labTest('a host cut while the module waits for it: a clear unreachable error within the timeout', async (t) => {
  const s = await now();
  const bootIdFile = path.join(s.dir, 'nodes/node1/boot_id');
  const old = readFileSync(bootIdFile, 'utf8');
  const { host, events } = open();
  const started = Date.now();
  const run = reboot(host, { timeoutMs: 6000 });
  run.catch(() => undefined);
  // host-init.sh writes a new boot id first thing in the new boot, well before sshd answers: cut then.
  for (const deadline = Date.now() + 60_000; readFileSync(bootIdFile, 'utf8') === old; await sleep(10)) {
    if (Date.now() > deadline) return t.fail('the host never rebooted');
  }
  await labCut(NAME, 'node1');
  try {
    const err = await t.throwsAsync(run);
    t.true(rootCause(err) instanceof UnreachableError, String(err));
    t.regex(
      err!.message,
      /^reboot failed on node1\.example\.org \(test\/modules\/system\/reboot\.lab\.test\.ts:\d+\): rebooted, but the host did not come back within 6 s: cannot connect to root@[\d.]+:22: /,
    );
    t.is(moduleEnd(events)?.status, 'unreachable');
    // The timeout bounds the wait (plus at most one connection attempt: 10 s here).
    t.true(Date.now() - started < 6000 + 12_000, `${Date.now() - started} ms`);
  } finally {
    await labHeal(NAME, 'node1');
  }
  // Healed, it is a running host again (it booted while cut).
  const fresh = open().host;
  await fresh.reconnect({ timeoutMs: 60_000, delayMs: 200 });
  t.is((await fresh.exec(sh`cat /root/before-reboot`)).stdout, 'kept\n');
});

labTest('halt and poweroff leave a lab host down (the supervisor does not boot it again)', async (t) => {
  const s = await now();
  const rec = readRecord(NAME)!;
  const supervisor = rec.launchers.find((l) => l.host === s.hosts[1].name)!;
  t.true(isOurProcess(supervisor.pid, supervisor.startTime));
  await labExec(s, 'node2', [
    'sh',
    '-c',
    'setsid sh -c "sleep 0.2; openrc-shutdown -p now" >/dev/null 2>&1 </dev/null &',
  ]);
  const deadline = Date.now() + 60_000;
  while (isOurProcess(s.hosts[1].pid) || isOurProcess(supervisor.pid, supervisor.startTime)) {
    if (Date.now() > deadline) return t.fail('node2 did not go down');
    await sleep(50);
  }
  await sleep(1000);
  const rec2 = readRecord(NAME)!;
  t.false(
    isOurProcess(rec2.hosts[1].pid, rec2.hostStartTimes[rec2.hosts[1].name]),
    'no new boot: the lab shows node2 down',
  );
  t.true(isOurProcess(rec2.hosts[0].pid, rec2.hostStartTimes[rec2.hosts[0].name]), 'node1 runs on');
});

labTest(
  'a host with no reboot command (base profile: sshd is its init): a clear error at once, the host untouched',
  async (t) => {
    const name = 'rebootb'; // a lab of its own: the base profile
    await labDown(name);
    t.teardown(() => labDown(name));
    const s = await labUp({ name, hosts: 1, log: (l) => t.log(l) });
    const { host, close } = labHost(s, 0);
    t.teardown(close);
    const started = Date.now();
    const err = await t.throwsAsync(reboot(host, { timeoutMs: 60_000 }));
    t.is(
      err!.message.replace(/ \(.*?\):/, ':'),
      'reboot failed on node1.example.org: the host did not reboot: no reboot command worked (reboot, openrc-shutdown -r now, shutdown -r now): sh: 1: reboot: not found; sh: 1: openrc-shutdown: not found; sh: 1: shutdown: not found',
    );
    t.true(Date.now() - started < 10_000, `${Date.now() - started} ms: it did not wait for the timeout`);
    t.is((await host.exec(sh`echo still here`)).stdout, 'still here\n');
  },
);

labTest('lab down after reboots leaves no process, namespace, link or file', async (t) => {
  const s = await now();
  const pids = labProcesses();
  t.true(
    pids.some((p) => isOurProcess(p.pid, p.startTime)),
    'node1 (rebooted twice) still runs',
  );
  await labDown(NAME);
  t.true(
    pids.every((p) => !isOurProcess(p.pid, p.startTime)),
    'recorded processes are dead',
  );
  const out = (argv: string[]) => spawnSync(argv[0], argv.slice(1), { encoding: 'utf8' }).stdout;
  t.deepEqual(
    out(['ip', 'netns', 'list'])
      .split('\n')
      .filter((l) => l.startsWith(`dl-${NAME}-`)),
    [],
  );
  t.deepEqual(
    out(['ip', '-o', 'link', 'show'])
      .split('\n')
      .filter((l) => l.includes(`drb-${NAME}`) || l.includes(`dv-${NAME}-`)),
    [],
  );
  t.deepEqual(
    readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .filter((l) => l.includes(`/drover/lab/${NAME}/`)),
    [],
  );
  t.false(existsSync(s.dir), "state dir (with the hosts' upper dirs) removed");
});
