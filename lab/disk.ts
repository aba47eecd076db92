// `lab disk`: a sparse file on the machine, attached to a loop device, appearing as a block device in one host's private /dev.
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { labExec } from './exec.ts';
import { diskRoot } from './paths.ts';
import { hostIndex } from './plan.ts';
import { assertLabAvailable } from './preflight.ts';
import { mustRun, runProgram } from './run.ts';
import { readRecord, writeRecord } from './state.ts';
import type { LabDiskRecord } from './types.ts';

/** `vdb` or `/dev/vdb` → `/dev/vdb`; anything else is refused (it becomes a file name too). */
export function diskDevicePath(device: string): string {
  const base = device.replace(/^\/dev\//, '');
  if (!/^[a-z][a-z0-9]{0,15}$/.test(base))
    throw new Error(`bad disk device ${JSON.stringify(device)}: use a name like vdb`);
  return `/dev/${base}`;
}

/** Sizes truncate(1) understands: 1G, 512M, 100000 ... */
export function checkDiskSize(size: string): void {
  if (!/^\d+[KMGT]?$/.test(size)) throw new Error(`bad disk size ${JSON.stringify(size)}: use e.g. 1G, 512M`);
}

export async function labDisk(
  name: string,
  node: string,
  size: string,
  opts: { device?: string } = {},
): Promise<string> {
  assertLabAvailable(['losetup', 'truncate', 'nsenter']);
  checkDiskSize(size);
  const device = diskDevicePath(opts.device ?? 'vdb');
  const rec = readRecord(name);
  if (!rec) throw new Error(`lab ${name} is not up`);
  const h = rec.hosts[hostIndex(rec, node)];
  if (rec.disks.some((d) => d.host === h.name && d.device === device))
    throw new Error(`lab ${name}: ${h.short} already has ${device}`);
  const file = path.join(diskRoot, name, `${h.short}-${path.basename(device)}.img`);
  const disk: LabDiskRecord = { host: h.name, device, file };
  rec.disks.push(disk);
  writeRecord(rec); // recorded before the file and loop device exist, so `down` after a crash finds them
  mkdirSync(path.dirname(file), { recursive: true });
  await mustRun(['truncate', '-s', size, file]);
  disk.loop = (await mustRun(['losetup', '--find', '--show', file])).trim();
  writeRecord(rec);
  const majMin = readFileSync(`/sys/block/${path.basename(disk.loop)}/dev`, 'utf8')
    .trim()
    .split(':');
  const r = await labExec(rec, h.short, ['mknod', '-m', '660', device, 'b', majMin[0], majMin[1]]);
  if (r.code !== 0) throw new Error(`lab ${name}: cannot create ${device} in ${h.short}: ${r.stderr.trim()}`);
  // host-init.sh creates it again when the host reboots (its /dev is new at each boot).
  appendFileSync(path.join(rec.dir, 'nodes', h.short, 'devices'), `${device} b ${majMin[0]} ${majMin[1]}\n`);
  return device;
}

/** Detaches every loop device backed by the disk's file (recorded or not) and deletes the file. */
export async function detachDisk(d: LabDiskRecord): Promise<void> {
  if (existsSync(d.file)) {
    const out = (await runProgram(['losetup', '-j', d.file])).stdout;
    for (const m of out.matchAll(/^(\/dev\/loop\d+):/gm)) await mustRun(['losetup', '-d', m[1]]);
  }
  rmSync(d.file, { force: true });
}
