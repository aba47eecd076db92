// What the Ganeti tests share: the lab's cluster settings and the recorded outputs in test/fixtures/ganeti.
import { readFileSync } from 'node:fs';

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
