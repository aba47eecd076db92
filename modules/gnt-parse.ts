// Pure parsers and planners for Ganeti's command output (gnt-cluster verify/info, gnt-node/gnt-instance list).

/** One `ERROR:CODE:type:item:message` (or WARNING) line of `gnt-cluster verify --error-codes`. */
export interface VerifyFinding {
  level: 'ERROR' | 'WARNING';
  /** Ganeti's error code: ENODESETUP, ENODENET, ECLUSTERCFG, ... */
  code: string;
  /** What the finding is about: cluster, node, instance, group. */
  objectType: string;
  /** Name of that object (a node's FQDN, an instance name); may be empty. */
  object: string;
  message: string;
}

export interface VerifyReport {
  errors: VerifyFinding[];
  warnings: VerifyFinding[];
  /** Lines that are neither progress nor findings (e.g. "1 job(s) failed while verifying the cluster."). */
  other: string[];
}

// Findings are printed as "<timestamp>   - ERROR:CODE:type:item:msg"; the message may itself contain colons.
const FINDING = /(?:^|\s-\s)(ERROR|WARNING):([A-Z0-9_]+):([a-z_]*):([^:]*):(.*)$/;
// Progress lines: "Tue Nov 24 12:00:00 2026 * Verifying node status", "Submitted jobs 4, 5", "Waiting for job 4 ...".
const PROGRESS = /^(?:\S+ \S+ +\d+ [\d:]+ \d{4} +\* |Submitted jobs? |Waiting for job )/;

/** Parses `gnt-cluster verify --error-codes` output (stdout and stderr together) into findings. */
export function parseVerify(output: string): VerifyReport {
  const report: VerifyReport = { errors: [], warnings: [], other: [] };
  for (const raw of output.split('\n')) {
    const line = raw.replace(/\s+$/, '');
    if (!line.trim()) continue;
    const m = FINDING.exec(line);
    if (m) {
      const finding: VerifyFinding = { level: m[1] as 'ERROR' | 'WARNING', code: m[2], objectType: m[3], object: m[4], message: m[5].trim() };
      (finding.level === 'ERROR' ? report.errors : report.warnings).push(finding);
      continue;
    }
    if (PROGRESS.test(line)) continue;
    report.other.push(line.trim());
  }
  return report;
}

/** One finding as Ganeti prints it, for messages. */
export function formatFinding(f: VerifyFinding): string {
  return `${f.level}:${f.code}:${f.objectType}:${f.object}:${f.message}`;
}

/** A node of `gnt-cluster info`'s indented "key: value" tree. */
export type InfoTree = { [key: string]: string | InfoTree };

/**
 * Parses `gnt-cluster info` (Ganeti's PrintGenericInfo: YAML-like "key: value" lines, children indented
 * two spaces under "key:"). List items ("- x") are kept as keys with an empty value.
 */
export function parseClusterInfo(text: string): InfoTree {
  const root: InfoTree = {};
  // Stack of (indent, node): a line belongs to the deepest open node with a smaller indent.
  const stack: { indent: number; node: InfoTree }[] = [{ indent: -1, node: root }];
  let pending: { indent: number; parent: InfoTree; key: string } | undefined;
  for (const raw of text.split('\n')) {
    if (!raw.trim()) continue;
    const indent = raw.length - raw.trimStart().length;
    let body = raw.trim();
    if (body.startsWith('- ')) body = body.slice(2);
    if (pending) {
      // "key:" with nothing after it opens a subtree only if the next line is indented deeper.
      if (indent > pending.indent) {
        const child: InfoTree = {};
        pending.parent[pending.key] = child;
        stack.push({ indent: pending.indent, node: child });
      }
      pending = undefined;
    }
    while (stack.length > 1 && stack[stack.length - 1].indent >= indent) stack.pop();
    const parent = stack[stack.length - 1].node;
    const colon = body.indexOf(':');
    if (colon < 0) {
      parent[body] = '';
      continue;
    }
    const key = body.slice(0, colon).trim();
    const value = body.slice(colon + 1).trim();
    parent[key] = value;
    if (value === '') pending = { indent, parent, key };
  }
  return root;
}

/** The cluster settings drover manages, read from `gnt-cluster info`. */
export interface ClusterFacts {
  name: string;
  master: string;
  enabledHypervisors: string[];
  enabledDiskTemplates: string[];
  /** Empty when no volume group is set. */
  vgName: string;
  masterNetdev: string;
  masterNetmask: string;
  fileStorageDir: string;
  /** hypervisor → param → value as printed. */
  hypervisorParams: Record<string, Record<string, string>>;
  /** The cluster-wide "default" backend params (maxmem in MiB). */
  backendParams: Record<string, string>;
  /** The cluster-wide "default" NIC params. */
  nicParams: Record<string, string>;
}

function sub(tree: InfoTree | undefined, key: string): InfoTree | undefined {
  const v = tree?.[key];
  return typeof v === 'object' ? v : undefined;
}

function str(tree: InfoTree | undefined, key: string): string {
  const v = tree?.[key];
  return typeof v === 'string' ? v : '';
}

function flat(tree: InfoTree | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(tree ?? {})) if (typeof v === 'string') out[k] = v;
  return out;
}

/** Splits Ganeti's comma lists ("diskless, file"); "(none)" and "" are empty. */
export function commaList(value: string): string[] {
  if (!value || value === '(none)' || value === 'None') return [];
  return value.split(',').map((s) => s.trim()).filter(Boolean);
}

/** Extracts the settings drover compares from a parsed `gnt-cluster info`. */
export function clusterFacts(info: InfoTree): ClusterFacts {
  const params = sub(info, 'Cluster parameters');
  const hv: Record<string, Record<string, string>> = {};
  for (const [name, v] of Object.entries(sub(info, 'Hypervisor parameters') ?? {})) if (typeof v === 'object') hv[name] = flat(v);
  const vg = str(params, 'lvm volume group');
  return {
    name: str(info, 'Cluster name'),
    master: str(info, 'Master node'),
    enabledHypervisors: commaList(str(info, 'Enabled hypervisors')),
    enabledDiskTemplates: commaList(str(params, 'enabled disk templates')),
    vgName: vg === 'None' || vg === '(none)' ? '' : vg,
    masterNetdev: str(params, 'master netdev'),
    masterNetmask: str(params, 'master netmask'),
    fileStorageDir: str(params, 'file storage path'),
    hypervisorParams: hv,
    backendParams: flat(sub(sub(info, 'Default instance parameters'), 'default')),
    nicParams: flat(sub(sub(info, 'Default nic parameters'), 'default')),
  };
}

/**
 * Parses `gnt-node list` / `gnt-instance list` output made with `--no-headers --separator='|' -o F1,F2`
 * into one record per line keyed by the field names.
 */
export function parseList<F extends string>(text: string, fields: readonly F[]): Record<F, string>[] {
  const rows: Record<F, string>[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const cells = fields.length === 1 ? [line.trim()] : line.split('|').map((c) => c.trim());
    if (cells.length !== fields.length) {
      throw new Error(`unexpected gnt list line (want ${fields.length} fields ${fields.join(',')}): ${JSON.stringify(line)}`);
    }
    const row = {} as Record<F, string>;
    fields.forEach((f, i) => (row[f] = cells[i]));
    rows.push(row);
  }
  return rows;
}

/** A parameter value as drover accepts it in typed params. */
export type ParamValue = string | number | boolean;

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

/** "k=v,k2=v2" for -B/-N; keys sorted as given. Values must not contain ',' or '=' (Ganeti's own syntax). */
export function paramList(params: Record<string, ParamValue>, where: string): string {
  return Object.entries(params)
    .map(([k, v]) => {
      const s = typeof v === 'boolean' ? String(v) : String(v);
      if (/[,=]/.test(k) || /,/.test(s)) throw new Error(`${where}: parameter ${k}=${s} cannot contain ',' (Ganeti's list syntax)`);
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
  if (have.name !== want.clusterName) unfixable.push(`cluster name is ${have.name}, want ${want.clusterName} (rename with gnt-cluster rename yourself)`);
  if (want.fileStorageDir !== undefined && have.fileStorageDir && have.fileStorageDir !== want.fileStorageDir) {
    fixable.push(`file storage path: ${have.fileStorageDir} (want ${want.fileStorageDir})`);
    args.push(`--file-storage-dir=${want.fileStorageDir}`);
  }
  if (!sameList(have.enabledHypervisors, want.enabledHypervisors)) {
    fixable.push(`enabled hypervisors: ${have.enabledHypervisors.join(',')} (want ${want.enabledHypervisors.join(',')})`);
    args.push(`--enabled-hypervisors=${want.enabledHypervisors.join(',')}`);
  }
  // The VG must be set before templates needing it are enabled: one modify call does both in Ganeti's order.
  if (want.vgName !== undefined && have.vgName !== want.vgName) {
    fixable.push(`lvm volume group: ${have.vgName || '(none)'} (want ${want.vgName})`);
    args.push(`--vg-name=${want.vgName}`);
  }
  if (!sameList(have.enabledDiskTemplates, want.enabledDiskTemplates)) {
    fixable.push(`enabled disk templates: ${have.enabledDiskTemplates.join(',')} (want ${want.enabledDiskTemplates.join(',')})`);
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
  const diffParams = (label: string, wanted: Record<string, ParamValue> | undefined, actual: Record<string, string>) => {
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
  if (want.backendParams && Object.keys(want.backendParams).length) args.push('-B', paramList(want.backendParams, 'backendParams'));
  if (want.noEtcHosts) args.push('--no-etc-hosts');
  // `--` ends Ganeti's (optparse) options: the name is never read as one.
  args.push('--', want.clusterName);
  return args;
}
