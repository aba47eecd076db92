// gnt.cluster: gnt-cluster init on a host without a cluster, or converge what gnt-cluster modify can change.
import { defineModule, type Result } from '../core/module.ts';
import { sh } from '../core/sh.ts';
import { checkDnsName } from './dns-name.ts';
import { checkIp, checkWord, halfInitialised, notInstalled, notMaster, probe } from './gnt-common.ts';
import { clusterFacts, initArgs, parseClusterInfo, planClusterDrift, type ClusterFacts, type ParamValue } from './gnt-parse.ts';
import { captureOrBroken } from './gnt-probe.ts';
import { checkLvmName } from './lvm-probe.ts';

/** Wanted cluster settings for {@link gnt.cluster}. */
export interface ClusterParams {
  /** The cluster's FQDN; must resolve to an address nobody uses yet (Ganeti: "Cluster IP already active"). */
  clusterName: string;
  /** Interface that carries the cluster (master) IP: `br0` on real nodes, `eth0` in the lab. */
  masterNetdev: string;
  /** Netmask length of the master IP (Ganeti's default: 32). */
  masterNetmask?: number;
  /** LVM volume group for plain/drbd disks (`--vg-name`; Ganeti 3 has no `-g`). Omit when no LVM template is enabled. */
  vgName?: string;
  /** This master's address on the DRBD (replication) network (`-s`). Omit when there is no separate network. */
  secondaryIp?: string;
  /** `--enabled-hypervisors`: the first is the default hypervisor (kvm, xen-pvm, lxc, fake). */
  enabledHypervisors: string[];
  /** `-H hv:k=v,...` per hypervisor, e.g. `{ kvm: { kernel_path: '/boot/guest/vmlinuz-x86_64' } }`. */
  hypervisorParams?: Record<string, Record<string, ParamValue>>;
  /** `--enabled-disk-templates`: the first is the default (drbd, plain, file, diskless, ...). */
  enabledDiskTemplates: string[];
  /** `-N` default NIC params, e.g. `{ mode: 'bridged', link: 'br0' }`. */
  nicParams?: Record<string, ParamValue>;
  /** `-B` default backend params, e.g. `{ vcpus: 2, maxmem: '512M', minmem: '512M' }`. */
  backendParams?: Record<string, ParamValue>;
  /** `--no-etc-hosts`: Ganeti leaves /etc/hosts alone (when DNS or your own /etc/hosts has every name). */
  noEtcHosts?: boolean;
  /** `--file-storage-dir` for the file disk template (Ganeti's default: /srv/ganeti/file-storage). */
  fileStorageDir?: string;
}

export interface ClusterResult extends Result {
  /** The master's node name (empty in --check before init). */
  master: string;
  /** True when this call ran (or in --check would run) `gnt-cluster init`. */
  initialised: boolean;
  /** Differences between wanted and actual settings found before converging. */
  drift: string[];
  /** The cluster as `gnt-cluster info` showed it before any change (absent before init). */
  facts?: ClusterFacts;
}

/** Refuses cluster params that could be read as options or break Ganeti's comma lists. */
function checkClusterParams(p: ClusterParams): void {
  checkDnsName(p.clusterName, 'gnt.cluster: clusterName');
  checkIp(p.secondaryIp, 'gnt.cluster: secondaryIp');
  checkWord(p.masterNetdev, 'gnt.cluster: masterNetdev');
  p.enabledHypervisors.forEach((h, i) => checkWord(h, `gnt.cluster: enabledHypervisors[${i}]`));
  p.enabledDiskTemplates.forEach((d, i) => checkWord(d, `gnt.cluster: enabledDiskTemplates[${i}]`));
  if (p.vgName !== undefined) checkLvmName(p.vgName, 'gnt.cluster', 'vgName');
}

export const cluster = defineModule<ClusterParams, ClusterResult>({
  name: 'gnt.cluster',
  title: (p) => `gnt cluster ${p.clusterName}`,
  async run(host, p) {
    checkClusterParams(p);
    const probed = await probe(host, captureOrBroken(sh`gnt-cluster info`, 'gnt-cluster info'));
    if (probed.state === 'broken') throw halfInitialised(host, probed);
    if (probed.state === 'not-master') throw notMaster(host, probed, 'gnt.cluster');
    if (probed.state === 'not-installed' && !host.check) throw notInstalled(host, 'gnt.cluster');
    if (probed.state === 'none' || probed.state === 'not-installed') {
      const init = sh`gnt-cluster init ${initArgs(p)}`;
      if (host.check) {
        const note = probed.state === 'not-installed' ? ' (Ganeti is not installed yet)' : '';
        return { changed: true, initialised: true, master: '', drift: [], message: `would run: ${init.display}${note}`, detail: init.display };
      }
      await host.exec(init, { progress: true });
      return { changed: true, initialised: true, master: host.name, drift: [], message: `initialised cluster ${p.clusterName}`, detail: init.display };
    }
    const facts = clusterFacts(parseClusterInfo(probed.out));
    const drift = planClusterDrift(p, facts);
    if (drift.unfixable.length) {
      throw new Error(`${host.name}: this host is the master of another cluster than the one wanted: ${drift.unfixable.join('; ')}`);
    }
    if (!drift.modifyArgs.length) return { changed: false, initialised: false, master: facts.master, drift: [], facts };
    const modify = sh`gnt-cluster modify ${drift.modifyArgs}`;
    const detail = `${drift.fixable.join('\n')}\n${host.check ? 'would run' : 'ran'}: ${modify.display}`;
    if (host.check) {
      return { changed: true, initialised: false, master: facts.master, drift: drift.fixable, facts, message: `would run: ${modify.display}`, detail };
    }
    await host.exec(modify, { progress: true });
    return { changed: true, initialised: false, master: facts.master, drift: drift.fixable, facts, message: `converged: ${drift.fixable.join('; ')}`, detail };
  },
});
