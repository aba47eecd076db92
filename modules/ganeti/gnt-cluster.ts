// gnt.cluster: gnt-cluster init on a host without a cluster, or converge what gnt-cluster modify can change.
import { defineModule, type Apply, type Plan, type Result } from '../../core/module.ts';
import { sh, type ShellCommand } from '../../core/sh.ts';
import { checkDnsName } from '../shared/dns-name.ts';
import {
  captureOrBroken,
  clusterFacts,
  gntFacts,
  parseClusterInfo,
  type ClusterFacts,
  type GntFacts,
} from './gnt-facts.ts';
import {
  checkIp,
  checkWord,
  halfInitialised,
  initArgs,
  notInstalled,
  notMaster,
  planClusterDrift,
  refuse,
  type ParamValue,
} from './gnt-plan.ts';
import { checkLvmName } from '../lvm/lvm-plan.ts';

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
  checkDnsName(p.clusterName, 'clusterName');
  checkIp(p.secondaryIp, 'secondaryIp');
  checkWord(p.masterNetdev, 'masterNetdev');
  p.enabledHypervisors.forEach((h, i) => checkWord(h, `enabledHypervisors[${i}]`));
  p.enabledDiskTemplates.forEach((d, i) => checkWord(d, `enabledDiskTemplates[${i}]`));
  if (p.vgName !== undefined) checkLvmName(p.vgName, 'vgName');
  initArgs(p); // -H/-N/-B values that would break Ganeti's comma lists
}

/** The whole decision (pure): init where there is no cluster, one modify for the drift, an error for what modify cannot fix. */
export function clusterPlan(p: ClusterParams, f: GntFacts<ClusterFacts>, hostName: string): Plan<ClusterResult> {
  if (f.state === 'broken') throw halfInitialised(f);
  if (f.state === 'not-master') throw notMaster(f, 'gnt-cluster init/modify');
  if (f.state === 'none' || f.state === 'not-installed') {
    const init = sh`gnt-cluster init ${initArgs(p)}`;
    // Not installed yet: in --check an earlier emerge would install it; a real run stops here.
    const missing = f.state === 'not-installed';
    const result: ClusterResult = {
      changed: true,
      initialised: true,
      master: '',
      drift: [],
      message: `would run: ${init.display}${missing ? ' (Ganeti is not installed yet)' : ''}`,
      detail: init.display,
    };
    return {
      result,
      apply: missing
        ? refuse(notInstalled('gnt-cluster init'))
        : run(init, { master: hostName, message: `initialised cluster ${p.clusterName}` }),
    };
  }
  const facts = f.found!;
  const drift = planClusterDrift(p, facts);
  if (drift.unfixable.length)
    throw new Error(`this host is the master of another cluster than the one wanted: ${drift.unfixable.join('; ')}`);
  if (!drift.modifyArgs.length)
    return { result: { changed: false, initialised: false, master: facts.master, drift: [], facts } };
  const modify = sh`gnt-cluster modify ${drift.modifyArgs}`;
  const fixes = drift.fixable.join('\n');
  return {
    result: {
      changed: true,
      initialised: false,
      master: facts.master,
      drift: drift.fixable,
      facts,
      message: `would run: ${modify.display}`,
      detail: `${fixes}\nwould run: ${modify.display}`,
    },
    apply: run(modify, {
      message: `converged: ${drift.fixable.join('; ')}`,
      detail: `${fixes}\nran: ${modify.display}`,
    }),
  };
}

/** Runs a (long: a cluster job) gnt-* command with its progress shown, then reports what it did. */
function run(cmd: ShellCommand, done: Partial<ClusterResult>): Apply<ClusterResult> {
  return async (host) => {
    await host.exec(cmd, { progress: true });
    return done;
  };
}

export const cluster = defineModule<ClusterParams, GntFacts<ClusterFacts>, ClusterResult>({
  name: 'gnt.cluster',
  title: (p) => `gnt cluster ${p.clusterName}`,
  validate: checkClusterParams,
  facts: gntFacts(
    () => captureOrBroken(sh`gnt-cluster info`, 'gnt-cluster info'),
    (probed) => clusterFacts(parseClusterInfo(probed.out)),
  ),
  plan: (p, f, host) => clusterPlan(p, f, host.name),
});
