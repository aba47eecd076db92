// `lab down`: kills only recorded processes (and any in the lab's own namespaces), deletes recorded links, netns, loop devices; idempotent.
import { existsSync, readdirSync, readlinkSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { removeHostCgroups } from './cgroup.ts';
import { detachDisk } from './disk.ts';
import { linkNames, networkDown } from './net.ts';
import { diskRoot } from './paths.ts';
import { checkLabName } from './plan.ts';
import { assertLabAvailable, downTools } from './preflight.ts';
import { isOurProcess, killIfOurs, sleep } from './proc.ts';
import { readRecord, releaseSubnet } from './state.ts';
import type { LabRecord } from './types.ts';

/** True when every host's init is still the process we started. */
export function isRunning(rec: LabRecord): boolean {
  return rec.hosts.length > 0 && rec.hosts.every((h) => isOurProcess(h.pid, rec.hostStartTimes[h.name]));
}

/** PIDs of processes living in the given network namespaces (by inode of /run/netns/NAME): the lab's own. */
export function pidsInNetns(netns: readonly string[]): number[] {
  const inodes = new Set<string>();
  for (const ns of netns) {
    try {
      inodes.add(`net:[${statSync(`/run/netns/${ns}`).ino}]`);
    } catch {
      /* not created or already deleted */
    }
  }
  if (!inodes.size) return [];
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (inodes.has(readlinkSync(`/proc/${entry}/ns/net`))) pids.push(Number(entry));
    } catch {
      /* exited meanwhile */
    }
  }
  return pids;
}

async function killHosts(rec: LabRecord): Promise<void> {
  const recorded = [
    ...rec.launchers.map((l) => ({ pid: l.pid, startTime: l.startTime })),
    ...rec.hosts.filter((h) => h.pid).map((h) => ({ pid: h.pid, startTime: rec.hostStartTimes[h.name] || undefined })),
  ];
  for (const p of recorded) killIfOurs(p.pid, p.startTime);
  // Processes a crashed `up` started but never recorded are found by namespace, never by name.
  const netns = rec.hosts.map((h) => h.netns);
  for (const pid of pidsInNetns(netns)) killIfOurs(pid);
  const deadline = Date.now() + 10_000;
  for (;;) {
    const left = [
      ...recorded.filter((p) => isOurProcess(p.pid, p.startTime)).map((p) => p.pid),
      ...pidsInNetns(netns).filter((p) => isOurProcess(p)),
    ];
    if (!left.length) return;
    if (Date.now() > deadline)
      throw new Error(`lab ${rec.name}: processes ${left.join(', ')} did not exit after SIGKILL`);
    for (const pid of left) killIfOurs(pid);
    await sleep(20);
  }
}

/** Removes everything lab `name` made. Safe to run twice, and after a crash at any point of `up`. */
export async function labDown(name = 'lab'): Promise<void> {
  checkLabName(name);
  const rec = readRecord(name);
  if (!rec) return;
  assertLabAvailable(downTools);
  await killHosts(rec);
  removeHostCgroups(rec.hosts.map((h) => h.netns));
  for (const d of rec.disks) await detachDisk(d);
  await networkDown(rec);
  const left = await leftovers(rec);
  if (left.length) throw new Error(`lab ${name}: could not remove ${left.join(', ')}`);
  rmSync(path.join(diskRoot, name), { recursive: true, force: true });
  releaseSubnet(name, rec.subnetIndex);
  rmSync(rec.dir, { recursive: true, force: true });
}

/** Recorded links and namespaces that still exist. */
async function leftovers(rec: LabRecord): Promise<string[]> {
  const present = await linkNames();
  const left: string[] = [];
  for (const l of [rec.bridge, ...rec.hosts.map((h) => h.veth)]) if (present.has(l)) left.push(`link ${l}`);
  for (const h of rec.hosts) if (existsSync(`/run/netns/${h.netns}`)) left.push(`netns ${h.netns}`);
  return left;
}
