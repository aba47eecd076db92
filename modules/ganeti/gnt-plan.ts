// gnt's pure decisions: parameter checks, gnt-* arguments, cluster drift, verify verdicts and the errors every gnt module shares.
import { isIP } from 'node:net';
import { tail } from '../../core/errors.ts';
import { checkDnsName } from '../shared/dns-name.ts';
import {
  CONFIG,
  formatFinding,
  type ClusterFacts,
  type Probed,
  type VerifyFinding,
  type VerifyReport,
} from './gnt-facts.ts';

/** A parameter value as drover accepts it in typed params. */
export type ParamValue = string | number | boolean;

/** Refuses a secondary (DRBD network) address that is not an IP address. */
export function checkIp(value: string | undefined, where: string): void {
  if (value !== undefined && isIP(value) === 0)
    throw new Error(`${where} ${JSON.stringify(value)} is not an IP address`);
}

// Ganeti's names of OS definitions, disk templates and hypervisors: a word that cannot be an option.
const WORD = /^[A-Za-z0-9][A-Za-z0-9_.+-]*$/;
export function checkWord(value: string, where: string): void {
  if (typeof value !== 'string' || !WORD.test(value))
    throw new Error(
      `${where} ${JSON.stringify(value)} must be a name of letters, digits and '_.+-', not starting with '-'`,
    );
}

/** Stops on a cluster that exists on disk but does not answer: re-initialising over it would destroy it. */
export function halfInitialised(p: Probed): Error {
  return new Error(
    `the Ganeti cluster is half-initialised: ${CONFIG} exists but \`${p.why}\` failed:\n${tail(p.out, 6)}\n` +
      `drover will not run gnt-cluster init over it. Start the daemons (rc-service ganeti restart) and check ` +
      `\`gnt-cluster getmaster\`, or remove the cluster on purpose (gnt-cluster destroy --yes-do-it) and run again.`,
  );
}

export function notMaster(p: Probed, what: string): Error {
  return new Error(`${what} must run on the cluster master, which is ${p.master} (this host is ${p.self})`);
}

export function notInitialised(what: string): Error {
  return new Error(
    `${what}: the Ganeti cluster is not initialised here (no ${CONFIG}); run gnt.cluster on the master first`,
  );
}

export function notInstalled(what: string): Error {
  return new Error(`${what}: gnt-cluster not found: Ganeti is not installed on this host`);
}

/**
 * Where a gnt call on the master stands: a half-initialised cluster or another master is an error at
 * once. No cluster (or no Ganeti yet) is returned as the error a real run stops with: --check plans
 * past it, because an earlier step of the same run (gnt.cluster, emerge) would have made it.
 * Undefined: this is a working master.
 */
export function onMaster(f: Probed, what: string): Error | undefined {
  if (f.state === 'broken') throw halfInitialised(f);
  if (f.state === 'not-master') throw notMaster(f, what);
  if (f.state === 'none') return notInitialised(what);
  if (f.state === 'not-installed') return notInstalled(what);
  return undefined;
}

/** The apply of a plan whose real run cannot go on (see onMaster): it fails with `err`, changing nothing. */
export function refuse(err: Error): () => Promise<never> {
  return async () => {
    throw err;
  };
}

/** A clearer message for the gnt-node add failures people hit (undefined: keep Ganeti's own error). */
export function joinErrorMessage(name: string, output: string): string | undefined {
  if (/version mismatch|incompatible.*version|protocol version/i.test(output)) {
    return `gnt-node add ${name}: Ganeti versions differ between the master and ${name} (install the same version everywhere):\n${tail(output, 4)}`;
  }
  if (/already in the cluster/i.test(output)) {
    return `gnt-node add ${name}: Ganeti says the node is already in the cluster, under another name or half-joined; check \`gnt-node list\` (re-add on purpose with gnt-node add --readd):\n${tail(output, 4)}`;
  }
  if (/Cluster not initialized/i.test(output)) {
    return `gnt-node add ${name}: the cluster is not initialised on this host; run gnt.cluster here first:\n${tail(output, 4)}`;
  }
  return undefined;
}

// Backend/hypervisor params Ganeti stores as MiB and prints as a bare number.
const MEMORY_PARAMS = new Set(['maxmem', 'minmem', 'memory']);

/** Ganeti's unit parsing for memory-like values: "512M", "1G", "512" → MiB. */
export function toMiB(value: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([mgtMGT]?)(?:i?[bB])?$/.exec(value.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2].toUpperCase();
  const f = unit === 'G' ? 1024 : unit === 'T' ? 1024 * 1024 : 1;
  return Math.ceil(n * f);
}

/** Renders a value the way `gnt-cluster info` prints it, so wanted and actual compare as strings. */
export function normaliseParam(key: string, value: ParamValue): string {
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  const s = String(value);
  if (MEMORY_PARAMS.has(key)) {
    const mib = toMiB(s);
    if (mib !== undefined) return String(mib);
  }
  if (/^(true|false)$/i.test(s)) return s.toLowerCase() === 'true' ? 'True' : 'False';
  return s;
}

/** "k=v,k2=v2" for -B/-N; keys sorted as given. Values must not contain ',' (Ganeti's own list syntax), keys neither ',' nor '='. */
export function paramList(params: Record<string, ParamValue>, where: string): string {
  return Object.entries(params)
    .map(([k, v]) => {
      const s = String(v);
      if (/[,=]/.test(k) || /,/.test(s))
        throw new Error(`${where}: parameter ${k}=${s} cannot contain ',' (Ganeti's list syntax)`);
      return `${k}=${s}`;
    })
    .join(',');
}

/** The wanted cluster settings (the gnt.cluster params that `gnt-cluster info` can show). */
export interface WantedCluster {
  clusterName: string;
  masterNetdev: string;
  masterNetmask?: number;
  vgName?: string;
  enabledHypervisors: readonly string[];
  hypervisorParams?: Record<string, Record<string, ParamValue>>;
  enabledDiskTemplates: readonly string[];
  nicParams?: Record<string, ParamValue>;
  backendParams?: Record<string, ParamValue>;
  fileStorageDir?: string;
}

/** What differs between wanted and actual, split into what `gnt-cluster modify` converges and what it cannot. */
export interface ClusterDrift {
  /** Human lines: "enabled hypervisors: fake (want fake,kvm)". */
  fixable: string[];
  /** Differences drover refuses to change (the cluster name): reported as an error. */
  unfixable: string[];
  /** Arguments for `gnt-cluster modify` (empty when nothing to converge). */
  modifyArgs: string[];
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Compares wanted settings with `gnt-cluster info` facts: pure, so tests feed recorded output. */
export function planClusterDrift(want: WantedCluster, have: ClusterFacts): ClusterDrift {
  const fixable: string[] = [];
  const unfixable: string[] = [];
  const args: string[] = [];
  if (have.name !== want.clusterName)
    unfixable.push(`cluster name is ${have.name}, want ${want.clusterName} (rename with gnt-cluster rename yourself)`);
  if (want.fileStorageDir !== undefined && have.fileStorageDir && have.fileStorageDir !== want.fileStorageDir) {
    fixable.push(`file storage path: ${have.fileStorageDir} (want ${want.fileStorageDir})`);
    args.push(`--file-storage-dir=${want.fileStorageDir}`);
  }
  if (!sameList(have.enabledHypervisors, want.enabledHypervisors)) {
    fixable.push(
      `enabled hypervisors: ${have.enabledHypervisors.join(',')} (want ${want.enabledHypervisors.join(',')})`,
    );
    args.push(`--enabled-hypervisors=${want.enabledHypervisors.join(',')}`);
  }
  // The VG must be set before templates needing it are enabled: one modify call does both in Ganeti's order.
  if (want.vgName !== undefined && have.vgName !== want.vgName) {
    fixable.push(`lvm volume group: ${have.vgName || '(none)'} (want ${want.vgName})`);
    args.push(`--vg-name=${want.vgName}`);
  }
  if (!sameList(have.enabledDiskTemplates, want.enabledDiskTemplates)) {
    fixable.push(
      `enabled disk templates: ${have.enabledDiskTemplates.join(',')} (want ${want.enabledDiskTemplates.join(',')})`,
    );
    args.push(`--enabled-disk-templates=${want.enabledDiskTemplates.join(',')}`);
  }
  if (have.masterNetdev !== want.masterNetdev) {
    fixable.push(`master netdev: ${have.masterNetdev} (want ${want.masterNetdev})`);
    args.push(`--master-netdev=${want.masterNetdev}`);
  }
  if (want.masterNetmask !== undefined && have.masterNetmask !== String(want.masterNetmask)) {
    fixable.push(`master netmask: ${have.masterNetmask} (want ${want.masterNetmask})`);
    args.push(`--master-netmask=${want.masterNetmask}`);
  }
  const diffParams = (
    label: string,
    wanted: Record<string, ParamValue> | undefined,
    actual: Record<string, string>,
  ) => {
    const out: Record<string, ParamValue> = {};
    for (const [k, v] of Object.entries(wanted ?? {})) {
      const w = normaliseParam(k, v);
      if (actual[k] !== w) {
        fixable.push(`${label} ${k}: ${actual[k] ?? '(unset)'} (want ${w})`);
        out[k] = v;
      }
    }
    return out;
  };
  for (const [hv, params] of Object.entries(want.hypervisorParams ?? {})) {
    const d = diffParams(`hypervisor ${hv}`, params, have.hypervisorParams[hv] ?? {});
    if (Object.keys(d).length) args.push('-H', `${hv}:${paramList(d, `hypervisorParams.${hv}`)}`);
  }
  const be = diffParams('backend', want.backendParams, have.backendParams);
  if (Object.keys(be).length) args.push('-B', paramList(be, 'backendParams'));
  const nic = diffParams('nic', want.nicParams, have.nicParams);
  if (Object.keys(nic).length) args.push('-N', paramList(nic, 'nicParams'));
  return { fixable, unfixable, modifyArgs: args };
}

/** The arguments after `gnt-cluster init` for wanted settings (Ganeti 3: --vg-name, no -g). */
export function initArgs(want: WantedCluster & { secondaryIp?: string; noEtcHosts?: boolean }): string[] {
  const args = [`--master-netdev=${want.masterNetdev}`];
  if (want.masterNetmask !== undefined) args.push(`--master-netmask=${want.masterNetmask}`);
  if (want.vgName !== undefined) args.push(`--vg-name=${want.vgName}`);
  if (want.secondaryIp !== undefined) args.push('-s', want.secondaryIp);
  args.push(`--enabled-hypervisors=${want.enabledHypervisors.join(',')}`);
  args.push(`--enabled-disk-templates=${want.enabledDiskTemplates.join(',')}`);
  if (want.fileStorageDir !== undefined) args.push(`--file-storage-dir=${want.fileStorageDir}`);
  for (const [hv, params] of Object.entries(want.hypervisorParams ?? {})) {
    if (Object.keys(params).length) args.push('-H', `${hv}:${paramList(params, `hypervisorParams.${hv}`)}`);
  }
  if (want.nicParams && Object.keys(want.nicParams).length) args.push('-N', paramList(want.nicParams, 'nicParams'));
  if (want.backendParams && Object.keys(want.backendParams).length)
    args.push('-B', paramList(want.backendParams, 'backendParams'));
  if (want.noEtcHosts) args.push('--no-etc-hosts');
  // `--` ends Ganeti's (optparse) options: the name is never read as one.
  args.push('--', want.clusterName);
  return args;
}

/** An instance to ensure, for gnt.instance (runs on the master). */
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

/** The params of an instance that decide `gnt-instance add`. */
export type WantedInstance = InstanceParams;

/** `gnt-instance add` arguments for the params; throws naming the param that cannot go on its command line. */
export function instanceAddArgs(p: WantedInstance): string[] {
  checkDnsName(p.name, 'name');
  checkWord(p.template, 'template');
  checkWord(p.os, 'os');
  if (p.node !== undefined) checkDnsName(p.node, 'node');
  if (p.secondaryNode !== undefined) checkDnsName(p.secondaryNode, 'secondaryNode');
  for (const [i, size] of (p.disks ?? []).entries()) {
    if (!/^\d+(\.\d+)?[MGTmgt]?$/.test(String(size)))
      throw new Error(`disks[${i}] ${JSON.stringify(size)} is not a size like '1G' or '512M'`);
  }
  const args = ['-t', p.template, '-o', p.os];
  if (p.template !== 'diskless') {
    const disks = p.disks ?? [];
    if (!disks.length) throw new Error(`template ${p.template} needs at least one disk size (disks: ['1G'])`);
    disks.forEach((size, i) => args.push('--disk', `${i}:size=${size}`));
  }
  const nics = p.nics ?? [{}];
  if (!nics.length) args.push('--no-nics');
  nics.forEach((nic, i) =>
    args.push('--net', Object.keys(nic).length ? `${i}:${paramList(nic, `nics[${i}]`)}` : String(i)),
  );
  if (p.node !== undefined) args.push('-n', p.secondaryNode !== undefined ? `${p.node}:${p.secondaryNode}` : p.node);
  if (p.backendParams && Object.keys(p.backendParams).length)
    args.push('-B', paramList(p.backendParams, 'backendParams'));
  if (p.hypervisorParams && Object.keys(p.hypervisorParams).length)
    args.push('-H', paramList(p.hypervisorParams, 'hypervisorParams'));
  if (p.start === false) args.push('--no-start');
  if (p.nameCheck === false) args.push('--no-name-check', '--no-ip-check');
  // `--` ends Ganeti's (optparse) options: the name is never read as one.
  args.push('--', p.name);
  return args;
}

/** What one `gnt-cluster verify` run says, with the ignore list applied. */
export interface VerifyVerdict {
  passed: boolean;
  errors: VerifyFinding[];
  /** Ganeti's warnings and the errors whose code is ignored. */
  warnings: VerifyFinding[];
  /** When failed: the errors as Ganeti prints them, or the exit status and the tail of the output. */
  why: string;
}

/** Judges a verify run (its parsed output and exit status) against the codes to ignore. */
export function judgeVerify(ignore: readonly string[], report: VerifyReport, rc: number, out: string): VerifyVerdict {
  // Ganeti already downgrades -I codes; filtering here too keeps the ignore list authoritative.
  const errors = report.errors.filter((f) => !ignore.includes(f.code));
  const warnings = [...report.warnings, ...report.errors.filter((f) => ignore.includes(f.code))];
  const passed = rc === 0 && errors.length === 0;
  const why = passed
    ? ''
    : errors.length > 0
      ? errors.map(formatFinding).join('\n')
      : `exit ${rc}: ${tail(report.other.join('\n') || out, 8)}`;
  return { passed, errors, warnings, why };
}
