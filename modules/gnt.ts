// gnt: Ganeti cluster init/converge, node join, cluster verify and instances, each one probe when nothing changes.
import { setTimeout as delay } from 'node:timers/promises';
import { CommandError, tail } from '../core/errors.ts';
import type { Host } from '../core/host.ts';
import { defineModule, type Result } from '../core/module.ts';
import { sh, ShellCommand } from '../core/sh.ts';
import {
  clusterFacts,
  formatFinding,
  initArgs,
  paramList,
  parseClusterInfo,
  parseList,
  parseVerify,
  planClusterDrift,
  sections,
  type ClusterFacts,
  type ParamValue,
  type VerifyFinding,
} from './gnt-parse.ts';

export type { ClusterFacts, ParamValue, VerifyFinding } from './gnt-parse.ts';

const CONFIG = '/var/lib/ganeti/config.data';

/**
 * The state every gnt call probes first, as sh: prints `@@state=` one of not-installed, none (no cluster),
 * broken (config.data present but Ganeti does not answer), not-master (this host is a node, not the
 * master); and `@@master=` the master's name. `then` runs only on the master of a cluster (its output follows).
 */
function probe(then: ShellCommand): ShellCommand {
  return sh`if ! command -v gnt-cluster >/dev/null 2>&1; then echo @@state=not-installed; exit 0; fi
if ! test -e ${CONFIG}; then echo @@state=none; exit 0; fi
if ! gm=$(gnt-cluster getmaster 2>&1); then echo @@state=broken; echo @@why=gnt-cluster getmaster; printf '%s\\n' "$gm"; exit 0; fi
echo "@@master=$gm"
self=$(hostname)
if test "$gm" != "$self" && test "$gm" != "$(hostname -f 2>/dev/null)"; then echo "@@self=$self"; echo @@state=not-master; exit 0; fi
echo "@@self=$gm"
${then}`;
}

type ProbeState = 'not-installed' | 'none' | 'broken' | 'not-master' | 'up';

interface Probed {
  state: ProbeState;
  master: string;
  self: string;
  why: string;
  parts: Map<string, string>;
}

function readProbe(stdout: string): Probed {
  const parts = sections(stdout);
  const state = (parts.get('state')?.split('\n')[0] ?? 'up') as ProbeState;
  return {
    state: parts.has('state') ? state : 'up',
    master: parts.get('master')?.split('\n')[0] ?? '',
    self: parts.get('self')?.split('\n')[0] ?? '',
    why: parts.get('why') ?? '',
    parts,
  };
}

/** Stops on a cluster that exists on disk but does not answer: re-initialising over it would destroy it. */
function halfInitialised(host: Host<unknown>, p: Probed): Error {
  const [cmd, ...out] = p.why.split('\n');
  return new Error(
    `${host.name}: the Ganeti cluster is half-initialised: ${CONFIG} exists but \`${cmd}\` failed:\n${tail(out.join('\n'), 6)}\n` +
      `drover will not run gnt-cluster init over it. Start the daemons (rc-service ganeti restart) and check ` +
      `\`gnt-cluster getmaster\`, or remove the cluster on purpose (gnt-cluster destroy --yes-do-it) and run again.`,
  );
}

function notMaster(host: Host<unknown>, p: Probed, what: string): Error {
  return new Error(`${host.name}: ${what} must run on the cluster master, which is ${p.master} (this host is ${p.self})`);
}

function notInitialised(host: Host<unknown>, what: string): Error {
  return new Error(`${host.name}: ${what}: the Ganeti cluster is not initialised here (no ${CONFIG}); run gnt.cluster on the master first`);
}

function notInstalled(host: Host<unknown>, what: string): Error {
  return new Error(`${host.name}: ${what}: gnt-cluster not found: Ganeti is not installed on this host`);
}

// ---------------------------------------------------------------- cluster

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

const cluster = defineModule<ClusterParams, ClusterResult>({
  name: 'gnt.cluster',
  title: (p) => `gnt cluster ${p.clusterName}`,
  async run(host, p) {
    const r = await host.exec(
      probe(sh`if ! info=$(gnt-cluster info 2>&1); then echo @@state=broken; echo @@why=gnt-cluster info; printf '%s\\n' "$info"; exit 0; fi
echo @@info; printf '%s\\n' "$info"`),
      { readOnly: true },
    );
    const probed = readProbe(r.stdout);
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
    const facts = clusterFacts(parseClusterInfo(probed.parts.get('info') ?? ''));
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

// ---------------------------------------------------------------- node

/** A node to join, for {@link gnt.node} (runs on the master). */
export interface NodeParams {
  /** The node's FQDN as Ganeti will know it (must resolve on the master). */
  name: string;
  /** The node's DRBD (replication) network address: `gnt-node add -s`. */
  secondaryIp?: string;
  /**
   * Joining replaces the node's SSH host keys with the cluster's. After adding, drover records the
   * cluster's host keys (the master's /var/lib/ganeti/known_hosts) as the known keys of this inventory
   * host, through Host.trustHostKeys. Default: `name`.
   * Set to false when drover does not connect to that node itself.
   */
  inventoryName?: string | false;
}

export interface NodeResult extends Result {
  /** Members of the cluster after this call (before it in --check). */
  nodes: string[];
}

/**
 * The cluster's SSH host keys as Ganeti itself records them (`<cluster> ssh-rsa AAAA...`): exactly the
 * key types gnt-node add copies onto a joining node (rsa, dsa); the node keeps its own keys of other types.
 */
const CLUSTER_KNOWN_HOSTS = '/var/lib/ganeti/known_hosts';

/** `type base64` of each key in known_hosts or .pub text (host fields and comments dropped). */
export function publicKeyLines(text: string): string[] {
  const keys: string[] = [];
  for (const line of text.split('\n')) {
    if (line.trim().startsWith('#')) continue;
    const w = line.trim().split(/\s+/);
    const i = w.findIndex((x) => /^(ssh-|ecdsa-|sk-)/.test(x));
    if (i >= 0 && w[i + 1]) keys.push(`${w[i]} ${w[i + 1]}`);
  }
  return keys;
}

/** A clearer message for the gnt-node add failures people hit (pure; undefined: keep Ganeti's own error). */
export function joinErrorMessage(master: string, name: string, output: string): string | undefined {
  if (/version mismatch|incompatible.*version|protocol version/i.test(output)) {
    return `${master}: gnt-node add ${name}: Ganeti versions differ between the master and ${name} (install the same version everywhere):\n${tail(output, 4)}`;
  }
  if (/already in the cluster/i.test(output)) {
    return `${master}: gnt-node add ${name}: Ganeti says the node is already in the cluster, under another name or half-joined; check \`gnt-node list\` (re-add on purpose with gnt-node add --readd):\n${tail(output, 4)}`;
  }
  if (/Cluster not initialized/i.test(output)) {
    return `${master}: gnt-node add ${name}: the cluster is not initialised on ${master}; run gnt.cluster there first:\n${tail(output, 4)}`;
  }
  return undefined;
}

const node = defineModule<NodeParams, NodeResult>({
  name: 'gnt.node',
  title: (p) => `gnt node ${p.name}`,
  async run(host, p) {
    const r = await host.exec(
      probe(sh`if ! nl=$(gnt-node list --no-headers -o name 2>&1); then echo @@state=broken; echo @@why=gnt-node list; printf '%s\\n' "$nl"; exit 0; fi
echo @@nodes; printf '%s\\n' "$nl"`),
      { readOnly: true },
    );
    const probed = readProbe(r.stdout);
    const add = sh`gnt-node add ${['--no-ssh-key-check', ...(p.secondaryIp !== undefined ? ['-s', p.secondaryIp] : []), p.name]}`;
    if (probed.state === 'broken') throw halfInitialised(host, probed);
    if (probed.state === 'not-master') throw notMaster(host, probed, `gnt-node add ${p.name}`);
    if (probed.state === 'none' || probed.state === 'not-installed') {
      if (host.check) return { changed: true, nodes: [], message: `would run: ${add.display} (the cluster is not initialised yet)` };
      throw probed.state === 'none' ? notInitialised(host, `gnt-node add ${p.name}`) : notInstalled(host, 'gnt.node');
    }
    const nodes = parseList(probed.parts.get('nodes') ?? '', ['name'] as const).map((n) => n.name);
    if (nodes.includes(p.name)) return { changed: false, nodes };
    if (host.check) return { changed: true, nodes, message: `would run: ${add.display}`, detail: add.display };
    try {
      await host.exec(add, { progress: true });
    } catch (err) {
      const clearer = err instanceof CommandError ? joinErrorMessage(host.name, p.name, `${err.stdout}\n${err.stderr}`) : undefined;
      throw clearer ? new Error(clearer, { cause: err }) : err;
    }
    const target = p.inventoryName === undefined ? p.name : p.inventoryName;
    let keyNote = '';
    if (target !== false) {
      const keys = publicKeyLines((await host.exec(sh`cat ${CLUSTER_KNOWN_HOSTS}`)).stdout);
      if (!keys.length) throw new Error(`${host.name}: joined ${p.name} but ${CLUSTER_KNOWN_HOSTS} lists no cluster host key to trust for it`);
      await host.trustHostKeys(target, keys);
      keyNote = `; now trusting the cluster's ${keys.length} SSH host key(s) for ${target}`;
    }
    return { changed: true, nodes: [...nodes, p.name], message: `added ${p.name} to the cluster${keyNote}`, detail: add.display };
  },
});

// ---------------------------------------------------------------- verify

/** Params of {@link gnt.verify} (runs on the master). */
export interface VerifyParams {
  /** Error codes Ganeti should downgrade to warnings (`-I CODE`), e.g. `['ENODESETUP']` where /proc/sysrq-trigger is missing. */
  ignore?: string[];
  /** Extra attempts when verify fails (right after init the master IP and daemons settle for a few seconds). Default 5. */
  retries?: number;
  /** Milliseconds between attempts. Default 3000. */
  retryDelayMs?: number;
}

export interface VerifyResult extends Result {
  errors: VerifyFinding[];
  warnings: VerifyFinding[];
  /** Attempts it took (1 when the first passed). */
  attempts: number;
}

const verify = defineModule<VerifyParams, VerifyResult>({
  name: 'gnt.verify',
  title: (p) => `gnt cluster verify${p.ignore?.length ? ` -I ${p.ignore.join(',')}` : ''}`,
  async run(host, p) {
    const ignore = p.ignore ?? [];
    const args = ignore.flatMap((c) => ['-I', c]);
    const cmd = sh`gnt-cluster verify --error-codes ${args}`;
    const retries = p.retries ?? 5;
    let last = '';
    for (let attempt = 1; ; attempt++) {
      const r = await host.exec(probe(sh`out=$(${cmd} 2>&1); rc=$?; echo "@@rc=$rc"; echo @@out; printf '%s\\n' "$out"`), { readOnly: true });
      const probed = readProbe(r.stdout);
      if (probed.state === 'broken') throw halfInitialised(host, probed);
      if (probed.state === 'not-master') throw notMaster(host, probed, 'gnt-cluster verify');
      if (probed.state === 'none' || probed.state === 'not-installed') {
        if (host.check) return { changed: false, errors: [], warnings: [], attempts: attempt, skipped: `the cluster is not initialised yet (--check): would run ${cmd.display}` };
        throw probed.state === 'none' ? notInitialised(host, 'gnt-cluster verify') : notInstalled(host, 'gnt.verify');
      }
      const rc = Number(probed.parts.get('rc') ?? '1');
      const out = probed.parts.get('out') ?? '';
      const report = parseVerify(out);
      // Ganeti already downgrades -I codes; filtering here too keeps the ignore list authoritative.
      const errors = report.errors.filter((f) => !ignore.includes(f.code));
      const warnings = [...report.warnings, ...report.errors.filter((f) => ignore.includes(f.code))];
      if (rc === 0 && errors.length === 0) {
        const message = warnings.length ? `passed with ${warnings.length} warning(s): ${warnings.map((w) => w.code).join(', ')}` : 'passed';
        return { changed: false, errors, warnings, attempts: attempt, message, detail: warnings.map(formatFinding).join('\n') || undefined };
      }
      last =
        errors.length > 0
          ? errors.map(formatFinding).join('\n')
          : `exit ${rc}: ${tail([...report.other].join('\n') || out, 8)}`;
      if (attempt > retries) {
        throw new Error(`${host.name}: gnt-cluster verify failed after ${attempt} attempt(s):\n${last}`);
      }
      host.log(`verify failed (attempt ${attempt}), retrying: ${last.split('\n')[0]}`);
      await delay(p.retryDelayMs ?? 3000);
    }
  },
});

// ---------------------------------------------------------------- instance

/** An instance to ensure, for {@link gnt.instance} (runs on the master). */
export interface InstanceParams {
  /** Instance name (an FQDN that resolves, unless `nameCheck: false`). */
  name: string;
  /** OS definition (`-o`): `noop` from ganeti-os-noop, `debootstrap+default`, `image+default`, ... */
  os: string;
  /** Disk template (`-t`): drbd, plain, file, sharedfile, diskless, ... (must be enabled on the cluster). */
  template: string;
  /** Disk sizes (`--disk N:size=S`), e.g. `['1G']`. Ignored for diskless. Ganeti's default policy wants >= 1 GiB. */
  disks?: string[];
  /** NICs (`--net N:k=v`); default one NIC with the cluster's NIC params. `[]` means `--no-nics`. */
  nics?: Record<string, ParamValue>[];
  /** Primary node (`-n`); with `secondaryNode` (drbd) `-n primary:secondary`. Default: Ganeti's iallocator. */
  node?: string;
  secondaryNode?: string;
  /** Start the instance after creating it (default true). */
  start?: boolean;
  /** Resolve the name and check its IP is unused (default true; the lab has no DNS for instances). */
  nameCheck?: boolean;
  /** Backend params for this instance (`-B`). */
  backendParams?: Record<string, ParamValue>;
  /** Hypervisor params for this instance (`-H hv:...` is the cluster's; here `-H k=v` for the default hypervisor). */
  hypervisorParams?: Record<string, ParamValue>;
}

export interface InstanceResult extends Result {
  /** The instance as `gnt-instance list` shows it (after creating it; absent in --check before creation). */
  instance?: { name: string; pnode: string; status: string; template: string; os: string };
}

const LIST_FIELDS = ['name', 'pnode', 'status', 'disk_template', 'os'] as const;

/** `gnt-instance add` arguments for the params: pure, so tests can check them. */
export function instanceAddArgs(p: InstanceParams): string[] {
  const args = ['-t', p.template, '-o', p.os];
  if (p.template !== 'diskless') {
    const disks = p.disks ?? [];
    if (!disks.length) throw new Error(`gnt.instance ${p.name}: template ${p.template} needs at least one disk size (disks: ['1G'])`);
    disks.forEach((size, i) => args.push('--disk', `${i}:size=${size}`));
  }
  const nics = p.nics ?? [{}];
  if (!nics.length) args.push('--no-nics');
  nics.forEach((nic, i) => args.push('--net', Object.keys(nic).length ? `${i}:${paramList(nic, `nics[${i}]`)}` : String(i)));
  if (p.node !== undefined) args.push('-n', p.secondaryNode !== undefined ? `${p.node}:${p.secondaryNode}` : p.node);
  if (p.backendParams && Object.keys(p.backendParams).length) args.push('-B', paramList(p.backendParams, 'backendParams'));
  if (p.hypervisorParams && Object.keys(p.hypervisorParams).length) args.push('-H', paramList(p.hypervisorParams, 'hypervisorParams'));
  if (p.start === false) args.push('--no-start');
  if (p.nameCheck === false) args.push('--no-name-check', '--no-ip-check');
  args.push(p.name);
  return args;
}

const instance = defineModule<InstanceParams, InstanceResult>({
  name: 'gnt.instance',
  title: (p) => `gnt instance ${p.name}`,
  async run(host, p) {
    const add = sh`gnt-instance add ${instanceAddArgs(p)}`;
    const list = sh`gnt-instance list --no-headers --separator='|' -o ${LIST_FIELDS.join(',')}`;
    const r = await host.exec(
      probe(sh`if ! il=$(${list} 2>&1); then echo @@state=broken; echo @@why=gnt-instance list; printf '%s\\n' "$il"; exit 0; fi
echo @@instances; printf '%s\\n' "$il"`),
      { readOnly: true },
    );
    const probed = readProbe(r.stdout);
    if (probed.state === 'broken') throw halfInitialised(host, probed);
    if (probed.state === 'not-master') throw notMaster(host, probed, `gnt-instance add ${p.name}`);
    if (probed.state === 'none' || probed.state === 'not-installed') {
      if (host.check) return { changed: true, message: `would run: ${add.display} (the cluster is not initialised yet)` };
      throw probed.state === 'none' ? notInitialised(host, `gnt-instance add ${p.name}`) : notInstalled(host, 'gnt.instance');
    }
    const toInstance = (row: Record<(typeof LIST_FIELDS)[number], string>) => ({
      name: row.name,
      pnode: row.pnode,
      status: row.status,
      template: row.disk_template,
      os: row.os,
    });
    const found = parseList(probed.parts.get('instances') ?? '', LIST_FIELDS).find((row) => row.name === p.name);
    if (found) {
      const have = toInstance(found);
      // An existing instance is never rebuilt: a different template or OS is reported, not "fixed".
      const differs = [have.template !== p.template ? `template ${have.template} (want ${p.template})` : '', have.os !== p.os ? `os ${have.os} (want ${p.os})` : '']
        .filter(Boolean)
        .join(', ');
      return { changed: false, instance: have, message: differs ? `exists with ${differs}: not recreated` : undefined };
    }
    if (host.check) return { changed: true, message: `would run: ${add.display}`, detail: add.display };
    await host.exec(add, { progress: true });
    const after = await host.exec(list, { readOnly: true });
    const row = parseList(after.stdout, LIST_FIELDS).find((x) => x.name === p.name);
    return { changed: true, instance: row ? toInstance(row) : undefined, message: `added instance ${p.name}${row ? ` on ${row.pnode} (${row.status})` : ''}`, detail: add.display };
  },
});

/** Ganeti: `gnt.cluster` (init/converge), `gnt.node` (join from the master), `gnt.verify`, `gnt.instance`. */
export const gnt = { cluster, node, verify, instance };
