// The benchmark's hosts: the 'bench' lab (or, above 80 hosts, a fleet of several labs), per-size inventories
// cut from them, and resetting hosts between runs.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { labDown, labExec, labState, labUp, type LabState } from '../lab/index.ts';
import { maxHosts as LAB_MAX_HOSTS } from '../lab/plan.ts';

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
      out.hosts = Object.fromEntries(
        Object.entries(value as Record<string, unknown>).filter(([name]) => keep.has(name)),
      );
    } else if (key === 'vars') {
      out.vars = value;
    } else {
      out[key] = subsetInventory(value, keep);
    }
  }
  return out;
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

/** One host of a bench fleet: the lab it lives in, and its name in the fleet's inventories. */
export interface FleetHost {
  lab: LabState;
  /** Its short name inside its lab (for labExec, labDelay). */
  short: string;
  /** node<K>.example.org, K numbered across the whole fleet: unique in a merged inventory. */
  name: string;
  address: string;
}

/** Several labs used as one set of hosts (a lab holds at most 80: one /24 each). */
export interface BenchFleet {
  labs: LabState[];
  hosts: FleetHost[];
  /** known_hosts of every host, under its fleet name and address. */
  knownHostsFile: string;
}

/** Lab names of a fleet: `bench`, `bench2`, `bench3`... (lab names are at most 8 characters). */
export function fleetLabNames(name: string, hosts: number): string[] {
  const labs = Math.ceil(hosts / LAB_MAX_HOSTS);
  if (name.length + String(labs).length > 8)
    throw new Error(`lab name ${name} is too long for ${labs} labs (names are at most 8 characters)`);
  return Array.from({ length: labs }, (_, i) => (i === 0 ? name : `${name}${i + 1}`));
}

/** The fleet's hosts in order, lab by lab, numbered node1..nodeN across labs (pure). */
export function fleetHosts(labs: readonly LabState[]): FleetHost[] {
  let k = 0;
  return labs.flatMap((lab) =>
    lab.hosts.map((h) => ({ lab, short: h.short, name: `node${++k}.example.org`, address: h.address })),
  );
}

/** known_hosts of a fleet: each lab's lines re-keyed from the lab's own names to the fleet name and address (pure). */
export function fleetKnownHosts(
  labKnownHosts: readonly { lab: LabState; text: string }[],
  hosts: readonly FleetHost[],
): string {
  const byAddress = new Map(hosts.map((h) => [h.address, h]));
  const out: string[] = [];
  for (const { text } of labKnownHosts) {
    for (const line of text.split('\n')) {
      const [names, type, key] = line.trim().split(/\s+/);
      if (!type || !key) continue;
      // The lab writes `fqdn,short,address type key`: the address is unique across the fleet's labs.
      const h = names
        .split(',')
        .map((n) => byAddress.get(n))
        .find((x) => x !== undefined);
      if (h) out.push(`${h.name},${h.address} ${type} ${key}`);
    }
  }
  return out.join('\n') + '\n';
}

/**
 * Brings up enough base labs for `hosts` hosts (80 per lab), reusing running ones that fit, and writes the
 * fleet's known_hosts. Labs beyond what `hosts` needs are left alone (a later, smaller run reuses the first).
 */
export async function benchFleet(name: string, hosts: number, outDir: string): Promise<BenchFleet> {
  const names = fleetLabNames(name, hosts);
  const labs: LabState[] = [];
  for (const [i, labName] of names.entries()) {
    // Every lab but the last is full, so host K is the same host at every fleet size.
    const last = i === names.length - 1;
    labs.push(await benchLab(labName, last ? hosts - LAB_MAX_HOSTS * i : LAB_MAX_HOSTS));
  }
  const all = fleetHosts(labs);
  await mkdir(outDir, { recursive: true });
  const knownHostsFile = path.join(outDir, 'known_hosts');
  const texts = await Promise.all(labs.map(async (lab) => ({ lab, text: await readFile(lab.knownHostsFile, 'utf8') })));
  await writeFile(knownHostsFile, fleetKnownHosts(texts, all));
  return { labs, hosts: all, knownHostsFile };
}

/** Writes OUTDIR/inventory-N.yml with the fleet's first N hosts (each with its lab's key) and the floor's host list. */
export async function fleetInventory(
  fleet: BenchFleet,
  n: number,
  outDir: string,
): Promise<{ file: string; floorHostsFile: string; hosts: FleetHost[] }> {
  if (n > fleet.hosts.length) throw new Error(`the fleet has ${fleet.hosts.length} hosts, ${n} asked for`);
  const hosts = fleet.hosts.slice(0, n);
  const doc = {
    all: {
      vars: {
        known_hosts_file: fleet.knownHostsFile,
        // So ansible-playbook verifies against the same file drover does.
        ansible_ssh_common_args: `-o UserKnownHostsFile=${fleet.knownHostsFile} -o StrictHostKeyChecking=yes`,
      },
      children: {
        lab: {
          hosts: Object.fromEntries(
            hosts.map((h) => [
              h.name,
              { ansible_host: h.address, ansible_user: 'root', ansible_ssh_private_key_file: h.lab.keyFile },
            ]),
          ),
        },
      },
    },
  };
  await mkdir(outDir, { recursive: true });
  const file = path.join(outDir, `inventory-${n}.yml`);
  const labs = [...new Set(hosts.map((h) => h.lab.name))];
  await writeFile(
    file,
    `# first ${n} hosts of lab(s) ${labs.join(', ')}, written by the bench\n` +
      stringify(doc, { nullStr: '', lineWidth: 0 }),
  );
  const floorHostsFile = path.join(outDir, `floor-hosts-${n}.json`);
  await writeFile(
    floorHostsFile,
    JSON.stringify(hosts.map((h) => ({ name: h.name, address: h.address, port: 22, key: h.lab.keyFile }))),
  );
  return { file, floorHostsFile, hosts };
}

/** resetHosts for fleet hosts, lab by lab. */
export async function resetFleetHosts(hosts: readonly FleetHost[]): Promise<void> {
  const byLab = new Map<LabState, LabState['hosts']>();
  for (const h of hosts) {
    const lab = byLab.get(h.lab) ?? [];
    lab.push(h.lab.hosts.find((x) => x.short === h.short)!);
    byLab.set(h.lab, lab);
  }
  await Promise.all([...byLab].map(([lab, hs]) => resetHosts(lab, hs)));
}

/** Takes down every lab of a fleet that `benchFleet(name, …)` may have made. */
export async function shutdownFleet(name: string): Promise<void> {
  for (const labName of fleetLabNames(name, 500)) if (await labState(labName)) await labDown(labName);
}
