// What the Ganeti tests share: the lab's cluster settings, the recorded outputs in test/fixtures/ganeti, and what the lab tests of the playbooks use (inventory, commands on a node, the cluster's health).
import type { ExecutionContext } from 'ava';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { labExec, type LabState } from '../../lab/index.ts';
import { REPO, type Outcome } from './cli.ts';

/** Where the lab's clusters keep file-based instance disks (listed in /etc/ganeti/file-storage-paths). */
export const LAB_FILE_DIR = '/srv/ganeti/file-storage';

/** gnt.cluster's parameters for a lab cluster: fake hypervisor, file and diskless disks, routed NICs. */
export function labClusterParams(clusterName = 'cluster.example.org') {
  return {
    clusterName,
    masterNetdev: 'eth0',
    masterNetmask: 24,
    enabledHypervisors: ['fake'],
    enabledDiskTemplates: ['file', 'diskless'],
    nicParams: { mode: 'routed', link: '100' },
    backendParams: { vcpus: 1, maxmem: '128M', minmem: '128M' },
    noEtcHosts: true,
    fileStorageDir: LAB_FILE_DIR,
  };
}

/** A file of test/fixtures/ganeti as recorded (see its README). */
export function ganetiFixture(name: string): string {
  return readFileSync(new URL(`../fixtures/ganeti/${name}`, import.meta.url), 'utf8');
}

/** A recorded command's output without the recording shell's final `rc=N` line, and that status. */
export function recordedGaneti(name: string): { out: string; rc: number } {
  const text = ganetiFixture(name);
  const m = /\nrc=(\d+)\n*$/.exec(text);
  if (!m) throw new Error(`${name}: no final rc= line`);
  return { out: text.slice(0, m.index + 1), rc: Number(m[1]) };
}

/**
 * A TypeScript inventory of lab `state` (playbooks/ganeti/lab-inventory.ts) in a directory of its own,
 * removed by `cleanup` (t.teardown, or test.after.always when several tests share it). bridge: false
 * (master IP on eth0, routed NICs): the rolls are about Ganeti; moving the address onto br0 with netifrc
 * is playbooks/ganeti.ts's own test.
 */
export function writeLabInventory(state: LabState, cleanup: (fn: () => void) => void): string {
  const dir = mkdtempSync(path.join(tmpdir(), `drover-${state.name}-`));
  cleanup(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'inventory.ts');
  writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}\n');
  const builder = path.join(REPO, 'playbooks/ganeti/lab-inventory.ts');
  writeFileSync(
    file,
    `import { labInventory, readLabState } from ${JSON.stringify(builder)};\nexport default labInventory(await readLabState(${JSON.stringify(state.name)}), { bridge: false });\n`,
  );
  return file;
}

/** `cmd` run by sh on lab host `i` (0-based); its stdout, or an error with its status and output. */
export async function inLabHost(state: LabState, i: number, cmd: string): Promise<string> {
  const r = await labExec(state, state.hosts[i].short, ['sh', '-c', cmd]);
  if (r.code !== 0) throw new Error(`${state.hosts[i].short}: ${cmd}: exit ${r.code}\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

/** The failures of a --json run, for an assertion's message. */
export function whyFailed(o: Outcome): string {
  const failed = o.events.filter(
    (e) =>
      (e.kind === 'module-end' && (e.status === 'failed' || e.status === 'unreachable')) ||
      e.kind === 'host-failed' ||
      e.kind === 'play-stopped',
  );
  return `exit ${o.code}\n${failed.map((e) => `${e.host ?? ''} ${e.title ?? ''}: ${e.message ?? e.reason}`).join('\n')}\n${o.stderr.slice(-2000)}`;
}

/** What a package manager does when it installs a newer Ganeti: rewrite the package's record (the lab's Ganeti is Debian's). */
export const LAB_UPDATE = 'touch /var/lib/dpkg/info/ganeti-3.0.list';
export const LAB_INSTANCES = "gnt-instance list --no-headers --separator='|' -o name,status,pnode";
export const LAB_NODES = "gnt-node list --no-headers --separator='|' -o name,role,drained";

/** The lab cluster as playbooks/ganeti.ts leaves it: node1 master, none drained, inst1 on node2 and inst2 on node3 running. */
export async function labClusterHealthy(t: ExecutionContext<unknown>, state: LabState): Promise<void> {
  const [n1, n2, n3] = state.hosts.map((h) => h.name);
  t.is(
    (await inLabHost(state, 0, LAB_INSTANCES)).trim(),
    `inst1.example.org|running|${n2}\ninst2.example.org|running|${n3}`,
  );
  t.is((await inLabHost(state, 0, LAB_NODES)).trim(), `${n1}|M|N\n${n2}|C|N\n${n3}|C|N`);
}
