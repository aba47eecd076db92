// The benchmark's hosts: the 'bench' lab, per-size inventories cut from its inventory, and resetting hosts between runs.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { labDown, labExec, labState, labUp, type LabState } from '../core/lab/index.ts';

/** Every file the workloads write lives under here, so one rm resets a host. */
export const WORKLOAD_ROOT = '/srv/bench';

/** Brings lab `name` up with at least `hosts` base hosts (reusing a running one that is big enough). */
export async function benchLab(name: string, hosts: number): Promise<LabState> {
  const existing = await labState(name);
  if (existing && existing.profile === 'base' && existing.hosts.length >= hosts) return existing;
  if (existing) await labDown(name);
  return labUp({ name, hosts, profile: 'base' });
}

/** Keeps only the named hosts in every group of an Ansible YAML inventory document (pure). */
export function subsetInventory(doc: unknown, keep: ReadonlySet<string>): unknown {
  if (Array.isArray(doc) || doc === null || typeof doc !== 'object') return doc;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(doc as Record<string, unknown>)) {
    if (key === 'hosts' && value && typeof value === 'object') {
      out.hosts = Object.fromEntries(Object.entries(value as Record<string, unknown>).filter(([name]) => keep.has(name)));
    } else if (key === 'vars') {
      out.vars = value;
    } else {
      out[key] = subsetInventory(value, keep);
    }
  }
  return out;
}

export interface SizedInventory {
  /** Ansible YAML inventory with the first N lab hosts (both runners read it). */
  file: string;
  /** Targets for bench/floor.ts. */
  floorHostsFile: string;
  hosts: LabState['hosts'];
}

/** Writes bench/out/inventory-N.yml (the lab's inventory cut to its first N hosts) and the floor's host list. */
export async function sizedInventory(lab: LabState, n: number, outDir: string): Promise<SizedInventory> {
  const hosts = lab.hosts.slice(0, n);
  const doc = subsetInventory(parse(await readFile(lab.inventoryFile, 'utf8')), new Set(hosts.map((h) => h.name)));
  await mkdir(outDir, { recursive: true });
  const file = path.join(outDir, `inventory-${n}.yml`);
  await writeFile(file, `# first ${n} hosts of lab ${lab.name}, cut from ${lab.inventoryFile} by bench/run.ts\n` + stringify(doc, { nullStr: '' }));
  const floorHostsFile = path.join(outDir, `floor-hosts-${n}.json`);
  await writeFile(floorHostsFile, JSON.stringify(hosts.map((h) => ({ name: h.name, address: h.address, port: 22 }))));
  return { file, floorHostsFile, hosts };
}

/** Removes everything the workloads wrote, on each host (through nsenter: not part of any measurement). */
export async function resetHosts(lab: LabState, hosts: LabState['hosts']): Promise<void> {
  await Promise.all(
    hosts.map(async (h) => {
      const r = await labExec(lab, h.short, ['rm', '-rf', WORKLOAD_ROOT]);
      if (r.code !== 0) throw new Error(`${h.name}: resetting ${WORKLOAD_ROOT} failed: ${r.stderr.trim()}`);
    }),
  );
}

/** Reads a file on a host (nsenter), for checking what a run left behind; null when absent. */
export async function readHostFile(lab: LabState, host: string, file: string): Promise<string | null> {
  const r = await labExec(lab, host, ['cat', file]);
  return r.code === 0 ? r.stdout : null;
}

export async function shutdownLab(name: string): Promise<void> {
  await labDown(name);
}
