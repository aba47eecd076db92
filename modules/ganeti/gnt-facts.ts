// gnt's facts: the one probe every gnt module sends (installed? initialised? master? then one gnt-* query) and the strict parsers of Ganeti's output.
import { probe, type ProbeFacts } from '../../core/module.ts';
import { ProbeFormatError, type ProbeFrame, type ProbeSections } from '../../core/probe-frame.ts';
import { sh, ShellCommand } from '../../core/sh.ts';

export const CONFIG = '/var/lib/ganeti/config.data';
/**
 * Every node of a cluster has it; config.data only the master candidates: a node drained or demoted
 * (a roll cut short during the master's turn) has no config.data but is still in the cluster.
 */
const SSCONF_MASTER = '/var/lib/ganeti/ssconf_master_node';

export type ProbeState = 'not-installed' | 'none' | 'broken' | 'not-master' | 'up';
const STATES: readonly string[] = ['not-installed', 'none', 'broken', 'not-master', 'up'];

/** The sections gntProbe prints, always all of them. */
export const GNT_SECTIONS = ['state', 'master', 'self', 'why', 'out'] as const;

export interface Probed {
  state: ProbeState;
  /** The master's name (`gnt-cluster getmaster`), empty before it answered. */
  master: string;
  /** This host's name as Ganeti knows it (the master's when this is the master). */
  self: string;
  /** With state broken: the command that failed. */
  why: string;
  /** The output of `then` (or of the command that failed), exactly. */
  out: string;
  /** The exit status `then` left in $rc (gnt-cluster verify's). */
  rc: number;
}

/**
 * Sections of `frame`: state (one of ProbeState), master, self, why (the command that failed when
 * broken), out (what `then` captured in $out; its status is $rc). `then` runs only on the master of a
 * cluster; it sets `out` (and `rc`), or `st=broken` with `why` when its command fails. Every value is
 * in its own section: output of Ganeti or a host name cannot pass for another one.
 */
export function gntProbe(frame: ProbeFrame, then: ShellCommand): ShellCommand {
  return ShellCommand.join([
    sh`st=up gm= self= why= out= rc=0
if ! command -v gnt-cluster >/dev/null 2>&1; then st=not-installed
elif ! test -e ${CONFIG} && ! test -e ${SSCONF_MASTER}; then st=none
elif ! gm=$(gnt-cluster getmaster 2>&1); then st=broken why='gnt-cluster getmaster' out=$gm gm=
else
  self=$(hostname)
  if test "$gm" != "$self" && test "$gm" != "$(hostname -f 2>/dev/null)"; then st=not-master
  else
    self=$gm
${then}
  fi
fi`,
    frame.section('state', sh`printf '%s' "$st"`),
    frame.section('master', sh`printf '%s' "$gm"`),
    frame.section('self', sh`printf '%s' "$self"`),
    frame.section('why', sh`printf '%s' "$why"`),
    frame.section('out', sh`printf '%s' "$out"; (exit "$rc")`),
  ]);
}

/** A `then` for gntProbe: `cmd`'s output in $out; when it fails the cluster counts as broken (`why` names it). */
export function captureOrBroken(cmd: ShellCommand, why: string): ShellCommand {
  return sh`if ! out=$(${cmd} 2>&1); then st=broken why=${why}; fi`;
}

/** A `then` for gntProbe: `cmd`'s output in $out and its exit status in $rc (a failure is an answer). */
export function captureWithStatus(cmd: ShellCommand): ShellCommand {
  return sh`out=$(${cmd} 2>&1); rc=$?`;
}

/** The probe's answer (strict: an unknown state or a multi-line name is a ProbeFormatError). */
export function readGntProbe(s: ProbeSections): Probed {
  const state = s.text('state');
  if (!STATES.includes(state))
    throw new ProbeFormatError(`gnt: unknown cluster state ${JSON.stringify(state.slice(0, 80))}`);
  const oneLine = (name: string) => {
    const v = s.text(name);
    if (v.includes('\n'))
      throw new ProbeFormatError(`gnt: ${name} holds a newline: ${JSON.stringify(v.slice(0, 120))}`);
    return v;
  };
  return {
    state: state as ProbeState,
    master: oneLine('master'),
    self: oneLine('self'),
    why: oneLine('why'),
    out: s.text('out'),
    rc: s.status('out'),
  };
}

/** What a gnt module knows after its probe: the cluster state, and on a working master what its query said. */
export interface GntFacts<T> extends Probed {
  /** `read` of the query's output; present exactly when state is 'up'. */
  found?: T;
}

/**
 * The facts step of a gnt module: gntProbe running `query` (the command it runs on the master, see
 * captureOrBroken / captureWithStatus), its answer parsed by `read` when the cluster is up.
 */
export function gntFacts<P, T>(
  query: (p: P) => ShellCommand,
  read: (probed: Probed, p: P) => T,
): ProbeFacts<P, GntFacts<T>> {
  return probe(
    (p, frame) => gntProbe(frame, query(p)),
    (s, p) => {
      const probed = readGntProbe(s);
      return probed.state === 'up' ? { ...probed, found: read(probed, p) } : probed;
    },
    () => GNT_SECTIONS,
  );
}

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
// A finding's further lines (a failing hook's output): the timestamp, then deeper than "  - ".
const CONTINUED = /^\S+ \S+ +\d+ [\d:]+ \d{4} {5,}(?![-*] )(\S.*)$/;

/** Parses `gnt-cluster verify --error-codes` output (stdout and stderr together) into findings. */
export function parseVerify(output: string): VerifyReport {
  const report: VerifyReport = { errors: [], warnings: [], other: [] };
  let last: VerifyFinding | undefined;
  for (const raw of output.split('\n')) {
    const line = raw.replace(/\s+$/, '');
    if (!line.trim()) continue;
    const more = last && CONTINUED.exec(line);
    if (more && last) {
      last.message = `${last.message} ${more[1]}`;
      continue;
    }
    last = undefined;
    const m = FINDING.exec(line);
    if (m) {
      const finding: VerifyFinding = {
        level: m[1] as 'ERROR' | 'WARNING',
        code: m[2],
        objectType: m[3],
        object: m[4],
        message: m[5].trim(),
      };
      (finding.level === 'ERROR' ? report.errors : report.warnings).push(finding);
      last = finding;
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
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Extracts the settings drover compares from a parsed `gnt-cluster info`. */
export function clusterFacts(info: InfoTree): ClusterFacts {
  const params = sub(info, 'Cluster parameters');
  const hv: Record<string, Record<string, string>> = {};
  for (const [name, v] of Object.entries(sub(info, 'Hypervisor parameters') ?? {}))
    if (typeof v === 'object') hv[name] = flat(v);
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
 * into one record per line keyed by the field names (strict: a line with another number of fields is a ProbeFormatError).
 */
export function parseList<F extends string>(text: string, fields: readonly F[]): Record<F, string>[] {
  const rows: Record<F, string>[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const cells = fields.length === 1 ? [line.trim()] : line.split('|').map((c) => c.trim());
    if (cells.length !== fields.length) {
      throw new ProbeFormatError(
        `gnt list line (want ${fields.length} fields ${fields.join(',')}): ${JSON.stringify(line.slice(0, 200))}`,
      );
    }
    const row = {} as Record<F, string>;
    fields.forEach((f, i) => (row[f] = cells[i]));
    rows.push(row);
  }
  return rows;
}

/**
 * `type base64` of each key in known_hosts or .pub text (host fields and comments dropped): Ganeti's
 * /var/lib/ganeti/known_hosts holds the cluster's host keys as `<cluster> ssh-rsa AAAA...`.
 */
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
