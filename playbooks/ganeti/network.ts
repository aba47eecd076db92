// Bridged networking for Ganeti nodes with netifrc: /etc/conf.d/net content and the net.* service links.
import { defineModule, probe, ProbeFormatError, sh, ShellCommand, type Apply, type Plan, type ProbeFrame, type ProbeSections, type Result } from 'drover';
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
  /** The bridge port: its own net.eth0 leaves the default runlevel (the bridge brings it up). */
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

/** The actions still needed, from the facts that hold: pure. */
export function planNetServices(p: NetServicesParams, facts: ReadonlySet<string>): string[] {
  const actions: string[] = [];
  for (const iface of [p.bridge, ...(p.drbdInterface ? [p.drbdInterface] : [])]) {
    if (!facts.has(`linked net.${iface}`)) actions.push(`link net.${iface}`);
    if (!facts.has(`enabled net.${iface}`)) actions.push(`enable net.${iface}`);
    if (!facts.has(`started net.${iface}`)) actions.push(`start net.${iface}`);
  }
  if (facts.has(`enabled net.${p.port}`)) actions.push(`disable net.${p.port}`);
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
  return { result: { changed: true, actions, message: actions.join(', ') }, apply: applyNet(p.bridge, actions) };
}

/**
 * Links and runlevel changes in one command; the starts detached: starting the bridge moves the address
 * off the port, which can stall this SSH session for a moment (established TCP sessions continue once
 * the bridge holds the address). Then waits for the bridge: gnt-cluster init needs it (--master-netdev).
 */
function applyNet(bridge: string, actions: readonly string[]): Apply<NetServicesResult> {
  return async (host) => {
    const cmds: ShellCommand[] = [];
    const starts: ShellCommand[] = [];
    for (const a of actions) {
      const [verb, svc] = a.split(' ');
      if (verb === 'link') cmds.push(sh`ln -sfn net.lo ${`${INITD}/${svc}`}`);
      if (verb === 'enable') cmds.push(sh`rc-update add ${svc} default`);
      if (verb === 'disable') cmds.push(sh`rc-update del ${svc} default`);
      if (verb === 'start') starts.push(sh`rc-service ${svc} start`);
    }
    if (cmds.length) await host.exec(ShellCommand.join(cmds, ' && '));
    if (starts.length) {
      await host.exec(sh`setsid sh -c ${ShellCommand.join(starts, '; ').text} </dev/null >/dev/null 2>&1 &`);
      const up = await host.exec(
        sh`i=0; while test $i -lt 30; do rc-service ${`net.${bridge}`} status >/dev/null 2>&1 && exit 0; sleep 1; i=$((i+1)); done; exit 1`,
        { allowFail: true },
      );
      if (up.code !== 0) throw new Error(`net.${bridge} did not start within 30 s (check /etc/conf.d/net and the console)`);
    }
  };
}

/**
 * Links, enables and starts net.<bridge> (and the DRBD interface) and takes the bridge port out of the
 * default runlevel. On a host without netifrc (the lab: Debian) it does nothing and says so.
 */
export const netServices = defineModule<NetServicesParams, NetFacts, NetServicesResult>({
  name: 'netifrc',
  title: (p) => `netifrc net.${p.bridge}${p.drbdInterface ? ` net.${p.drbdInterface}` : ''}`,
  validate: (p) => {
    for (const [what, v] of [['bridge', p.bridge], ['port', p.port], ['drbdInterface', p.drbdInterface]] as const) {
      if (v !== undefined && !IFACE.test(v)) throw new Error(`${what} ${JSON.stringify(v)} is not an interface name (letters, digits, '_.-', at most 15)`);
    }
  },
  facts: probe(netProbe, readNetProbe, () => ['netifrc', 'facts']),
  plan: netServicesPlan,
});
