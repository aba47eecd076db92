// Bridged networking for Ganeti nodes with netifrc: /etc/conf.d/net content and the net.* service links.
import {
  defineModule,
  probe,
  ProbeFormatError,
  sh,
  ShellCommand,
  type Apply,
  type Plan,
  type ProbeFrame,
  type ProbeSections,
  type Result,
} from 'drover';
import type { NodeVars } from './vars.ts';

/**
 * /etc/conf.d/net for a node: the public interface enslaved to the bridge, the address on the bridge,
 * the DRBD interface with its own address. netifrc wants strings, not bash arrays (arrays are gone).
 * Returns undefined when the node has no bridge configured.
 */
export function confNet(v: NodeVars): string | undefined {
  if (!v.bridge) return undefined;
  const port = v.publicInterface ?? 'eth0';
  const lines = [
    '# Managed by drover (playbooks/ganeti.ts): public network on a bridge, DRBD on its own interface.',
    `config_${port}="null"`,
    `bridge_${v.bridge}="${port}"`,
    `config_${v.bridge}="${v.publicIp}/${v.publicPrefix ?? 24}"`,
    // A bridge port that waits for STP would delay boot: Ganeti's bridges carry no loops.
    `bridge_forward_delay_${v.bridge}="0"`,
  ];
  if (v.gateway) lines.push(`routes_${v.bridge}="default via ${v.gateway}"`);
  if (v.drbdInterface && v.drbdIp) lines.push(`config_${v.drbdInterface}="${v.drbdIp}/${v.drbdPrefix ?? 24}"`);
  for (const l of lines) {
    if (/[`$\\]/.test(l)) throw new Error(`/etc/conf.d/net: refusing a value with shell metacharacters: ${l}`);
  }
  return lines.join('\n') + '\n';
}

export interface NetServicesParams {
  /** The bridge (net.br0 is linked to net.lo, enabled at boot, started). */
  bridge: string;
  /** The bridge port: its own net.eth0 is stopped and leaves the default runlevel (the bridge brings the port up, address-less). */
  port: string;
  /** The DRBD interface: net.eth1 linked, enabled, started. */
  drbdInterface?: string;
}

export interface NetServicesResult extends Result {
  /** What was (or would be) done, one line each. */
  actions: string[];
}

/** What the probe saw: whether netifrc is there, and the "linked/enabled/started net.X" facts that hold. */
export interface NetFacts {
  netifrc: boolean;
  facts: Set<string>;
}

const INITD = '/etc/init.d';
const DEFAULT_RL = '/etc/runlevels/default';
// Interface names as netifrc's net.* services take them: they end up in paths and service names.
const IFACE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/;
const FACT = /^(linked|enabled|started) net\.[A-Za-z0-9_.-]+$/;

/** Sections: netifrc (rc 0 when /etc/init.d/net.lo exists), facts ("linked net.br0" lines). */
export function netProbe(p: NetServicesParams, frame: ProbeFrame): ShellCommand {
  const ifaces = [p.bridge, ...(p.drbdInterface ? [p.drbdInterface] : []), p.port];
  return ShellCommand.join([
    frame.section('netifrc', sh`test -e ${INITD}/net.lo`),
    frame.section(
      'facts',
      sh`if test -e ${INITD}/net.lo; then for i in ${ifaces}; do
  test "$(readlink ${INITD}/net.$i 2>/dev/null)" = net.lo && echo "linked net.$i"
  test -e ${DEFAULT_RL}/net.$i && echo "enabled net.$i"
  rc-service net.$i status >/dev/null 2>&1 && echo "started net.$i"
done; fi; true`,
    ),
  ]);
}

/** The probe's answer (strict: a line that is not one of the facts it prints is a ProbeFormatError). */
export function readNetProbe(s: ProbeSections): NetFacts {
  const facts = new Set<string>();
  for (const line of s.text('facts').split('\n')) {
    if (line === '') continue;
    if (!FACT.test(line)) throw new ProbeFormatError(`netifrc: ${JSON.stringify(line.slice(0, 80))}`);
    facts.add(line);
  }
  return { netifrc: s.status('netifrc') === 0, facts };
}

/**
 * The actions still needed, from the facts that hold: pure. The port's own net.eth0 goes out of the
 * runlevel and is stopped BEFORE the bridge starts: netifrc 0.7.14's bridge start enslaves eth0 but leaves
 * its address on it (both then hold it, eth0's routes win, ARP answers arrive through the bridge, and new
 * connections time out once the neighbour cache expires), and stopping net.eth0 after the bridge is up
 * takes eth0 out of the bridge again. A bridge already running next to a started port is restarted.
 */
export function planNetServices(p: NetServicesParams, facts: ReadonlySet<string>): string[] {
  const actions: string[] = [];
  const b = p.bridge;
  if (!facts.has(`linked net.${b}`)) actions.push(`link net.${b}`);
  if (!facts.has(`enabled net.${b}`)) actions.push(`enable net.${b}`);
  if (facts.has(`enabled net.${p.port}`)) actions.push(`disable net.${p.port}`);
  const portUp = facts.has(`started net.${p.port}`);
  if (portUp) actions.push(`stop net.${p.port}`);
  if (!facts.has(`started net.${b}`)) actions.push(`start net.${b}`);
  else if (portUp) actions.push(`restart net.${b}`);
  if (p.drbdInterface) {
    const d = p.drbdInterface;
    if (!facts.has(`linked net.${d}`)) actions.push(`link net.${d}`);
    if (!facts.has(`enabled net.${d}`)) actions.push(`enable net.${d}`);
    if (!facts.has(`started net.${d}`)) actions.push(`start net.${d}`);
  }
  return actions;
}

/** The whole decision (pure): nothing without netifrc (said as skipped), else the missing links, runlevel entries and starts. */
export function netServicesPlan(p: NetServicesParams, f: NetFacts): Plan<NetServicesResult> {
  const ifaces = [p.bridge, ...(p.drbdInterface ? [p.drbdInterface] : [])];
  if (!f.netifrc) {
    return {
      result: {
        changed: false,
        actions: [],
        skipped: `netifrc is not installed (no ${INITD}/net.lo): /etc/conf.d/net is written, but net.${ifaces.join(', net.')} are not linked, enabled or started`,
      },
    };
  }
  const actions = planNetServices(p, f.facts);
  if (!actions.length) return { result: { changed: false, actions } };
  return { result: { changed: true, actions, message: actions.join(', ') }, apply: applyNet(p, actions) };
}

/** How long the node may take to answer again after its address moved onto the bridge. */
export const SWITCH_TIMEOUT_MS = 60_000;

/**
 * After the switch: waits (on the node) until the bridge is started and the port's service stopped, then
 * prints the port's and the bridge's global addresses, so the caller checks the port holds none.
 */
export function switchCheck(p: NetServicesParams): ShellCommand {
  return sh`i=0; while test $i -lt 30; do rc-service ${`net.${p.bridge}`} status >/dev/null 2>&1 && ! rc-service ${`net.${p.port}`} status >/dev/null 2>&1 && break; sleep 1; i=$((i+1)); done
rc-service ${`net.${p.bridge}`} status >/dev/null 2>&1 || { echo net.${p.bridge} is not started; exit 1; }
rc-service ${`net.${p.port}`} status >/dev/null 2>&1 && { echo net.${p.port} is still started; exit 1; }
a=$(ip -o addr show dev ${p.port} scope global) || exit 1
test -z "$a" || { echo ${p.port} still holds an address: "$a"; exit 1; }
test -n "$(ip -o addr show dev ${p.bridge} scope global)" || { echo ${p.bridge} holds no address; exit 1; }`;
}

/**
 * Links and runlevel changes in one command; then the stops and starts in ONE detached command (the
 * address moves from eth0 to the bridge under this SSH session, which stalls for a moment); then a new
 * connection (host.reconnect: the node answers on the bridge) and a check that the bridge holds the
 * address and the port none. `--nodeps`: stopping the node's only `net` provider must not stop what
 * needs `net` (sshd, netmount) while the bridge takes over.
 */
function applyNet(p: NetServicesParams, actions: readonly string[]): Apply<NetServicesResult> {
  return async (host) => {
    const cmds: ShellCommand[] = [];
    const switches: ShellCommand[] = [];
    for (const a of actions) {
      const [verb, svc] = a.split(' ');
      if (verb === 'link') cmds.push(sh`ln -sfn net.lo ${`${INITD}/${svc}`}`);
      if (verb === 'enable') cmds.push(sh`rc-update add ${svc} default`);
      if (verb === 'disable') cmds.push(sh`rc-update del ${svc} default`);
      if (verb === 'stop') switches.push(sh`rc-service ${svc} --nodeps stop`);
      if (verb === 'restart') switches.push(sh`rc-service ${svc} --nodeps restart`);
      if (verb === 'start') switches.push(sh`rc-service ${svc} start`);
    }
    if (cmds.length) await host.exec(ShellCommand.join(cmds, ' && '));
    if (!switches.length) return;
    await host.exec(sh`setsid sh -c ${ShellCommand.join(switches, '; ').text} </dev/null >/dev/null 2>&1 &`);
    if (
      actions.some(
        (a) => a === `stop net.${p.port}` || a === `start net.${p.bridge}` || a === `restart net.${p.bridge}`,
      )
    ) {
      await host.reconnect({ timeoutMs: SWITCH_TIMEOUT_MS });
    }
    const r = await host.exec(switchCheck(p), { allowFail: true });
    if (r.code !== 0) {
      throw new Error(
        `after moving the address onto ${p.bridge}: ${(r.stdout + r.stderr).trim() || `exit ${r.code}`} (check /etc/conf.d/net and the console)`,
      );
    }
  };
}

/**
 * Links, enables and starts net.<bridge> (and the DRBD interface); takes the bridge port's net.<port> out
 * of the default runlevel and stops it first, so the address is on the bridge only; reconnects and checks
 * that. On a host without netifrc it does nothing and says so.
 */
export const netServices = defineModule<NetServicesParams, NetFacts, NetServicesResult>({
  name: 'netifrc',
  title: (p) => `netifrc net.${p.bridge}${p.drbdInterface ? ` net.${p.drbdInterface}` : ''}`,
  validate: (p) => {
    for (const [what, v] of [
      ['bridge', p.bridge],
      ['port', p.port],
      ['drbdInterface', p.drbdInterface],
    ] as const) {
      if (v !== undefined && !IFACE.test(v))
        throw new Error(`${what} ${JSON.stringify(v)} is not an interface name (letters, digits, '_.-', at most 15)`);
    }
  },
  facts: probe(netProbe, readNetProbe, () => ['netifrc', 'facts']),
  plan: netServicesPlan,
});
