// Bridged networking for Ganeti nodes with netifrc: /etc/conf.d/net content and the net.* service links.
import { defineModule, type Result } from '../../core/module.ts';
import { sh, ShellCommand } from '../../core/sh.ts';
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

const INITD = '/etc/init.d';
const DEFAULT_RL = '/etc/runlevels/default';

/** The actions still needed, from the probe's "key value" lines: pure. */
export function planNetServices(p: NetServicesParams, probe: string): string[] {
  const facts = new Set(probe.split('\n').map((l) => l.trim()).filter(Boolean));
  const actions: string[] = [];
  for (const iface of [p.bridge, ...(p.drbdInterface ? [p.drbdInterface] : [])]) {
    if (!facts.has(`linked net.${iface}`)) actions.push(`link net.${iface}`);
    if (!facts.has(`enabled net.${iface}`)) actions.push(`enable net.${iface}`);
    if (!facts.has(`started net.${iface}`)) actions.push(`start net.${iface}`);
  }
  if (facts.has(`enabled net.${p.port}`)) actions.push(`disable net.${p.port}`);
  return actions;
}

/**
 * Links, enables and starts net.<bridge> (and the DRBD interface) and takes the bridge port out of the
 * default runlevel. On a host without netifrc (the lab: Debian) it does nothing and says so.
 * Starting the bridge moves the address off the port, which can cut this SSH session: the switch runs
 * as one detached command, and established TCP sessions continue once the bridge holds the address.
 */
export const netServices = defineModule<NetServicesParams, NetServicesResult>({
  name: 'netifrc',
  title: (p) => `netifrc net.${p.bridge}${p.drbdInterface ? ` net.${p.drbdInterface}` : ''}`,
  async run(host, p) {
    const ifaces = [p.bridge, ...(p.drbdInterface ? [p.drbdInterface] : [])];
    const r = await host.exec(
      sh`if ! test -e ${INITD}/net.lo; then echo no-netifrc; exit 0; fi
for i in ${ifaces} ${p.port}; do
  test "$(readlink ${INITD}/net.$i 2>/dev/null)" = net.lo && echo "linked net.$i"
  test -e ${DEFAULT_RL}/net.$i && echo "enabled net.$i"
  rc-service net.$i status >/dev/null 2>&1 && echo "started net.$i"
done
exit 0`,
      { readOnly: true },
    );
    if (r.stdout.includes('no-netifrc')) {
      return {
        changed: false,
        actions: [],
        skipped: `netifrc is not installed (no ${INITD}/net.lo): /etc/conf.d/net is written, but net.${ifaces.join(', net.')} are not linked, enabled or started`,
      };
    }
    const actions = planNetServices(p, r.stdout);
    if (!actions.length) return { changed: false, actions };
    if (host.check) return { changed: true, actions, message: `would ${actions.join(', ')}` };
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
      // Detached: when the address moves from the port to the bridge, this session may stall briefly.
      await host.exec(sh`setsid sh -c ${ShellCommand.join(starts, '; ').text} </dev/null >/dev/null 2>&1 &`);
      // gnt-cluster init needs the bridge up (--master-netdev): wait for it here, not in a later phase.
      const up = await host.exec(
        sh`i=0; while test $i -lt 30; do rc-service ${`net.${p.bridge}`} status >/dev/null 2>&1 && exit 0; sleep 1; i=$((i+1)); done; exit 1`,
        { allowFail: true },
      );
      if (up.code !== 0) throw new Error(`${host.name}: net.${p.bridge} did not start within 30 s (check /etc/conf.d/net and the console)`);
    }
    return { changed: true, actions, message: actions.join(', ') };
  },
});
