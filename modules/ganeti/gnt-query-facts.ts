// gnt.query's facts: one gnt-node list and one gnt-instance list on the master, parsed strictly into typed nodes and instances.
import { ProbeFormatError } from '../../core/probe-frame.ts';
import { sh, type ShellCommand } from '../../core/sh.ts';
import { parseList } from './gnt-facts.ts';

/** A node's role as `gnt-node list -o role` prints it (M, C, R, D, O). */
export type NodeRole = 'master' | 'candidate' | 'regular' | 'drained' | 'offline';
const ROLES: Record<string, NodeRole> = { M: 'master', C: 'candidate', R: 'regular', D: 'drained', O: 'offline' };

/** One node of the cluster, typed. */
export interface NodeState {
  name: string;
  role: NodeRole;
  drained: boolean;
  offline: boolean;
  masterCandidate: boolean;
  /** Whether instances may run on it (`vm_capable`). */
  vmCapable: boolean;
  /** Instances whose primary node this is. */
  primaryInstances: string[];
  /** Instances (DRBD) whose secondary node this is. */
  secondaryInstances: string[];
  /**
   * Whether the master reached the node's ganeti-noded just now (a live field answered); absent when
   * not asked (QUERY_THEN). False: the daemon is down or the node cannot be reached.
   */
  reachable?: boolean;
}

/** An instance's state as Ganeti reports it (`status` field); `running` is the one that means "up and where it should be". */
export type InstanceStatus =
  | 'running'
  | 'ADMIN_down'
  | 'ADMIN_offline'
  | 'USER_down'
  | 'ERROR_up'
  | 'ERROR_down'
  | 'ERROR_wrongnode'
  | 'ERROR_nodedown'
  | 'ERROR_nodeoffline';
const STATUSES: readonly string[] = [
  'running',
  'ADMIN_down',
  'ADMIN_offline',
  'USER_down',
  'ERROR_up',
  'ERROR_down',
  'ERROR_wrongnode',
  'ERROR_nodedown',
  'ERROR_nodeoffline',
];

/** One instance, typed. */
export interface InstanceState {
  name: string;
  status: InstanceStatus;
  /** What the admin asked for: up, down or offline (`admin_state`). */
  adminState: 'up' | 'down' | 'offline';
  primary: string;
  /** Secondary nodes (DRBD); empty for other templates. */
  secondaries: string[];
  template: string;
  os: string;
}

/** The cluster as the master sees it. */
export interface ClusterState {
  master: string;
  nodes: NodeState[];
  instances: InstanceState[];
}

export const NODE_FIELDS = [
  'name',
  'role',
  'drained',
  'offline',
  'master_candidate',
  'vm_capable',
  'pinst_list',
  'sinst_list',
] as const;
export const INSTANCE_FIELDS = ['name', 'status', 'admin_state', 'pnode', 'snodes', 'disk_template', 'os'] as const;

export const NODE_LIST: ShellCommand = sh`gnt-node list --no-headers --separator='|' -o ${NODE_FIELDS.join(',')}`;
export const INSTANCE_LIST: ShellCommand = sh`gnt-instance list --no-headers --separator='|' -o ${INSTANCE_FIELDS.join(',')}`;

/** The line between the two lists in the probe's `out` (written literally in QUERY_THEN): no node or instance name (DNS names) can be it. */
export const LISTS_SEPARATOR = '%%';

/**
 * A live field per node: Ganeti asks each node's ganeti-noded for its boot id and prints `?` (or `*`
 * for an offline node) when the node does not answer. The config-only fields above never show that.
 */
export const LIVE_LIST: ShellCommand = sh`gnt-node list --no-headers --separator='|' -o name,bootid`;

/**
 * A `then` for gntProbe: both lists in $out, separated by a `%%` line; the first list that fails makes
 * the cluster count as broken (`why` names it). Two queries, one round trip.
 */
export const QUERY_THEN: ShellCommand = sh`if ! nodes=$(${NODE_LIST} 2>&1); then st=broken why='gnt-node list' out=$nodes
elif ! insts=$(${INSTANCE_LIST} 2>&1); then st=broken why='gnt-instance list' out=$insts
else out="$nodes
%%
$insts"; fi`;

/** QUERY_THEN plus LIVE_LIST after a second `%%` line: which nodes answer now (one more round of node RPCs). */
export const QUERY_LIVE_THEN: ShellCommand = sh`${QUERY_THEN}
if test "$st" = up; then if live=$(${LIVE_LIST} 2>&1); then out="$out
%%
$live"; else st=broken why='gnt-node list -o bootid' out=$live; fi; fi`;

function yesNo(v: string, field: string, line: string): boolean {
  if (v === 'Y') return true;
  if (v === 'N') return false;
  throw new ProbeFormatError(`gnt-node list: ${field} is ${JSON.stringify(v)}, not Y or N, in ${JSON.stringify(line)}`);
}

/** Ganeti's list cells ("a,b", "" or "-" when empty). */
function names(v: string): string[] {
  return v === '' || v === '-'
    ? []
    : v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
}

/** `gnt-node list` output made with NODE_LIST (strict: unknown roles and flags are ProbeFormatErrors). */
export function parseNodes(text: string): NodeState[] {
  return parseList(text, NODE_FIELDS).map((r) => {
    const line = Object.values(r).join('|');
    const role = ROLES[r.role];
    if (!role)
      throw new ProbeFormatError(`gnt-node list: unknown role ${JSON.stringify(r.role)} in ${JSON.stringify(line)}`);
    return {
      name: r.name,
      role,
      drained: yesNo(r.drained, 'drained', line),
      offline: yesNo(r.offline, 'offline', line),
      masterCandidate: yesNo(r.master_candidate, 'master_candidate', line),
      vmCapable: yesNo(r.vm_capable, 'vm_capable', line),
      primaryInstances: names(r.pinst_list),
      secondaryInstances: names(r.sinst_list),
    };
  });
}

/** `gnt-instance list` output made with INSTANCE_LIST (strict: an unknown status is a ProbeFormatError). */
export function parseInstances(text: string): InstanceState[] {
  return parseList(text, INSTANCE_FIELDS).map((r) => {
    if (!STATUSES.includes(r.status))
      throw new ProbeFormatError(`gnt-instance list: unknown status ${JSON.stringify(r.status)} for ${r.name}`);
    if (r.admin_state !== 'up' && r.admin_state !== 'down' && r.admin_state !== 'offline') {
      throw new ProbeFormatError(
        `gnt-instance list: unknown admin_state ${JSON.stringify(r.admin_state)} for ${r.name}`,
      );
    }
    return {
      name: r.name,
      status: r.status as InstanceStatus,
      adminState: r.admin_state,
      primary: r.pnode,
      secondaries: names(r.snodes),
      template: r.disk_template,
      os: r.os,
    };
  });
}

/** LIVE_LIST's output: node name → whether its live field answered. */
export function parseLive(text: string): Map<string, boolean> {
  return new Map(
    parseList(text, ['name', 'bootid'] as const).map((r) => [r.name, !['?', '*', '', '-'].includes(r.bootid)]),
  );
}

/** QUERY_THEN's $out (the two lists around one separator line), or with `withLive` QUERY_LIVE_THEN's (three lists, two separators). */
export function parseClusterState(out: string, master: string, withLive = false): ClusterState {
  const lines = out.split('\n');
  const at = lines.indexOf(LISTS_SEPARATOR);
  const live = at < 0 ? -1 : lines.indexOf(LISTS_SEPARATOR, at + 1);
  const extra = live < 0 ? -1 : lines.indexOf(LISTS_SEPARATOR, live + 1);
  if (at < 0 || extra >= 0 || live >= 0 !== withLive)
    throw new ProbeFormatError(
      `gnt query: want ${withLive ? 'two' : 'one'} ${LISTS_SEPARATOR} line(s) between the node, instance${withLive ? ' and live' : ''} lists`,
    );
  const nodes = parseNodes(lines.slice(0, at).join('\n'));
  if (live >= 0) {
    const answered = parseLive(lines.slice(live + 1).join('\n'));
    for (const n of nodes) n.reachable = answered.get(n.name) ?? false;
  }
  return {
    master,
    nodes,
    instances: parseInstances(lines.slice(at + 1, live >= 0 ? live : undefined).join('\n')),
  };
}
