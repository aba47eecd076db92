// Bastion topologies on a running lab: hosts moved onto a second network inside a bastion host, reachable
// only through it (and, chained, through a bastion that is itself behind a bastion). Only the bastions
// that are on the machine's bridge are reachable from the machine.
//
// How: a host's machine-side veth is moved from the machine's bridge into the bastion's network namespace
// and enslaved to a bridge there (`bri0`), with a /32 route per host behind it. The hosts keep their
// addresses; the machine has no link to them any more (a direct connection fails: no route to host). Nothing
// is created in the machine's namespace: the bridge, the routes and the moved veths live in the bastion's
// namespace and go with it at `lab down` (a veth is destroyed with its namespace), so `lab down` stays exact
// without recording anything new.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { renderSshConfig } from './render.ts';
import { mustRun } from './run.ts';
import type { LabHostState, LabState } from './types.ts';

/** Which hosts sit behind which bastion (short names). A bastion may itself be behind another. */
export interface Topology {
  bastions: { bastion: string; behind: string[] }[];
}

const INNER_BRIDGE = 'bri0';

function host(state: LabState, short: string): LabHostState {
  const h = state.hosts.find((x) => x.short === short);
  if (!h)
    throw new Error(
      `lab ${state.name} has no host ${JSON.stringify(short)} (hosts: ${state.hosts.map((x) => x.short).join(', ')})`,
    );
  return h;
}

/** The bastion a host is directly behind, if any. */
export function bastionOf(topo: Topology, short: string): string | undefined {
  return topo.bastions.find((b) => b.behind.includes(short))?.bastion;
}

/** Checks the topology against the lab: known hosts, each host behind one bastion at most, no cycle. */
export function checkTopology(state: LabState, topo: Topology): void {
  const seen = new Set<string>();
  for (const b of topo.bastions) {
    host(state, b.bastion);
    for (const s of b.behind) {
      host(state, s);
      if (seen.has(s)) throw new Error(`topology: ${s} is behind two bastions`);
      seen.add(s);
    }
  }
  for (const b of topo.bastions) {
    const path: string[] = [];
    for (let cur: string | undefined = b.bastion; cur; cur = bastionOf(topo, cur)) {
      if (path.includes(cur)) throw new Error(`topology: bastions form a cycle (${[...path, cur].join(' → ')})`);
      path.push(cur);
    }
  }
}

/** `ip` commands, by namespace ('' = the machine's), that build the topology (pure: tests read them). */
export function topologyCommands(state: LabState, topo: Topology): { netns: string; batch: string }[] {
  checkTopology(state, topo);
  const machine: string[] = [];
  const inner: { netns: string; batch: string }[] = [];
  for (const b of topo.bastions) {
    const bh = host(state, b.bastion);
    const lines = [`link add ${INNER_BRIDGE} type bridge forward_delay 0`, `link set ${INNER_BRIDGE} up`];
    for (const s of b.behind) {
      const h = host(state, s);
      machine.push(`link set ${h.veth} netns ${bh.netns}`);
      lines.push(`link set ${h.veth} master ${INNER_BRIDGE} up`, `route add ${h.address}/32 dev ${INNER_BRIDGE}`);
    }
    inner.push({ netns: bh.netns, batch: lines.join('\n') + '\n' });
  }
  return [{ netns: '', batch: machine.join('\n') + '\n' }, ...inner];
}

/** Moves the hosts behind their bastions. Run once, on a lab that is up. */
export async function applyTopology(state: LabState, topo: Topology): Promise<void> {
  for (const { netns, batch } of topologyCommands(state, topo)) {
    await mustRun(netns ? ['ip', '-n', netns, '-batch', '-'] : ['ip', '-batch', '-'], { stdin: batch });
  }
}

/**
 * `ip` commands that undo topologyCommands: inner bastions first, each host's veth back into the
 * machine's namespace (`netns MACHINE_PID`, a process of the machine's network namespace) and onto the
 * lab bridge, the inner bridge deleted (its routes go with it).
 */
export function untopologyCommands(
  state: LabState,
  topo: Topology,
  machinePid: number,
): { netns: string; batch: string }[] {
  checkTopology(state, topo);
  const out: { netns: string; batch: string }[] = [];
  const machine: string[] = [];
  for (const b of [...topo.bastions].reverse()) {
    const bh = host(state, b.bastion);
    const lines = b.behind.map((s) => `link set ${host(state, s).veth} netns ${machinePid}`);
    lines.push(`link del ${INNER_BRIDGE}`);
    out.push({ netns: bh.netns, batch: lines.join('\n') + '\n' });
    for (const s of b.behind) machine.push(`link set ${host(state, s).veth} master ${state.bridge} up`);
  }
  return [...out, { netns: '', batch: machine.join('\n') + '\n' }];
}

/** Puts every host back on the lab bridge (bench/bastion.ts alternates direct and bastion rounds). */
export async function removeTopology(state: LabState, topo: Topology): Promise<void> {
  for (const { netns, batch } of untopologyCommands(state, topo, process.pid)) {
    await mustRun(netns ? ['ip', '-n', netns, '-batch', '-'] : ['ip', '-batch', '-'], { stdin: batch });
  }
}

/** Cuts (or heals) a host behind a bastion: its link on the bastion's inner bridge goes down (up). */
export async function setLinkBehind(state: LabState, topo: Topology, short: string, up: boolean): Promise<void> {
  const b = bastionOf(topo, short);
  if (!b) throw new Error(`topology: ${short} is not behind a bastion (use lab cut)`);
  await mustRun(['ip', '-n', host(state, b).netns, 'link', 'set', host(state, short).veth, up ? 'up' : 'down']);
}

/** Every name a lab host is known by (ssh_config Host patterns, Match lists). */
function names(h: LabHostState): string[] {
  return [h.short, h.name, h.address];
}

export interface TopologyFiles {
  /** The ssh_config to give `ssh -F` and drover (ssh_config_file / -F in the inventory). */
  sshConfig: string;
  /** Included by it: the one-jump hosts. */
  include: string;
}

/**
 * The topology's ssh_config, read by OpenSSH and drover alike: hosts directly behind a bastion that the
 * machine reaches get `ProxyJump BASTION` from an Included file; hosts behind a bastion that is itself
 * behind one get it from a `Match originalhost` block (Include and Match both used on purpose); then the
 * lab's own per-host blocks (address, key, known_hosts).
 */
export function renderTopologySshConfig(state: LabState, topo: Topology, includeFile: string): TopologyFiles {
  const include: string[] = [`# drover lab ${state.name}: hosts behind a bastion the machine reaches`];
  const match: string[] = [];
  for (const b of topo.bastions) {
    const outer = bastionOf(topo, b.bastion) === undefined;
    const hosts = b.behind.map((s) => host(state, s));
    if (!hosts.length) continue;
    if (outer) include.push(`Host ${hosts.flatMap(names).join(' ')}`, `  ProxyJump ${b.bastion}`, '');
    else match.push(`Match originalhost ${hosts.flatMap(names).join(',')}`, `  ProxyJump ${b.bastion}`, '');
  }
  const sshConfig = [
    `# drover lab ${state.name}: bastion topology (written by the lab, removed by \`drover lab down\`)`,
    `Include ${includeFile}`,
    '',
    ...match,
    renderSshConfig(state),
  ].join('\n');
  return { sshConfig, include: include.join('\n') + '\n' };
}

/** Writes the topology's ssh_config (and its Included file) into the lab directory; returns its path. */
export async function writeTopologySshConfig(state: LabState, topo: Topology): Promise<string> {
  const dir = path.join(state.dir, 'topology');
  await mkdir(dir, { recursive: true });
  const includeFile = path.join(dir, 'jumps.conf');
  const file = path.join(dir, 'ssh_config');
  const r = renderTopologySshConfig(state, topo, includeFile);
  // ssh refuses an Included file that others may write (drover too): 0600 like ~/.ssh/config.
  await writeFile(includeFile, r.include, { mode: 0o600 });
  await writeFile(file, r.sshConfig, { mode: 0o600 });
  return file;
}
