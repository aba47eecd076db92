// Fact network (interfaces, addresses, bridges, default routes) from iproute2's JSON: parser and probe sections.
import { sh } from '../../core/sh.ts';
import { ShellCommand } from '../../core/sh.ts';
import { FactError, json, objects, okText, str, type FactProbe } from './fact.ts';

export interface NetAddress {
  readonly family: 'inet' | 'inet6';
  readonly address: string;
  readonly prefix: number;
  /** 'global', 'link', 'host'. */
  readonly scope: string;
}

export interface NetInterface {
  readonly name: string;
  readonly index: number;
  /** The link's kind when it has one (`ip -d`): 'bridge', 'veth', 'vlan', 'bond'...; absent for a plain NIC. */
  readonly kind?: string;
  /** The MAC address (absent on links without one). */
  readonly mac?: string;
  readonly mtu: number;
  /** Administratively up (the UP flag). */
  readonly up: boolean;
  /** 'UP', 'DOWN', 'UNKNOWN' (loopback, some virtual links). */
  readonly operState: string;
  /** The bridge or bond it is a port of. */
  readonly master?: string;
  readonly addresses: readonly NetAddress[];
}

export interface DefaultRoute {
  /** Absent for a device route (`default dev ppp0`). */
  readonly gateway?: string;
  readonly interface: string;
}

export interface NetworkFact {
  readonly interfaces: readonly NetInterface[];
  /** Bridges and the interfaces enslaved to each. */
  readonly bridges: readonly { readonly name: string; readonly ports: readonly string[] }[];
  /** The IPv4 default route of the main table (the first, when several). */
  readonly defaultRoute?: DefaultRoute;
  readonly defaultRoute6?: DefaultRoute;
}

const F = 'network';

/** Interfaces from `ip -j -d addr show`. */
export function parseIpAddr(text: string): NetInterface[] {
  return objects(F, 'ip -j addr', json(F, 'ip -j addr', text)).map((o) => {
    const name = str(F, o, 'ifname');
    if (!name || typeof o.ifindex !== 'number') throw new FactError(F, 'ip -j addr: a link without ifname/ifindex');
    const flags = Array.isArray(o.flags) ? o.flags : [];
    const info = o.linkinfo as { info_kind?: unknown } | undefined;
    const kind = typeof info?.info_kind === 'string' ? info.info_kind : undefined;
    const mac = str(F, o, 'address');
    const master = str(F, o, 'master');
    const addresses = objects(F, `ip -j addr ${name} addr_info`, o.addr_info ?? []).flatMap((a): NetAddress[] => {
      const family = a.family;
      const local = str(F, a, 'local');
      if ((family !== 'inet' && family !== 'inet6') || !local || typeof a.prefixlen !== 'number') return [];
      return [{ family, address: local, prefix: a.prefixlen, scope: str(F, a, 'scope') ?? 'global' }];
    });
    return {
      name,
      index: o.ifindex,
      ...(kind ? { kind } : {}),
      ...(mac && o.link_type !== 'none' ? { mac } : {}),
      mtu: typeof o.mtu === 'number' ? o.mtu : 0,
      up: flags.includes('UP'),
      operState: str(F, o, 'operstate') ?? 'UNKNOWN',
      ...(master ? { master } : {}),
      addresses,
    };
  });
}

/** The first default route of `ip -j route show default` (an empty list: none). */
export function parseDefaultRoute(text: string, what: string): DefaultRoute | undefined {
  const routes = objects(F, what, json(F, what, text.trim() === '' ? '[]' : text));
  const r = routes.find((x) => x.dst === 'default' && typeof x.dev === 'string');
  if (!r) return undefined;
  const gateway = str(F, r, 'gateway');
  return { ...(gateway ? { gateway } : {}), interface: r.dev as string };
}

/** The network fact from the three answers. */
export function parseNetwork(addr: string, route4: string, route6: string): NetworkFact {
  const interfaces = parseIpAddr(addr);
  const bridges = interfaces
    .filter((i) => i.kind === 'bridge')
    .map((b) => ({ name: b.name, ports: interfaces.filter((i) => i.master === b.name).map((i) => i.name) }));
  const defaultRoute = parseDefaultRoute(route4, 'ip -j route show default');
  const defaultRoute6 = parseDefaultRoute(route6, 'ip -j -6 route show default');
  return {
    interfaces,
    bridges,
    ...(defaultRoute ? { defaultRoute } : {}),
    ...(defaultRoute6 ? { defaultRoute6 } : {}),
  };
}

export const networkFact: FactProbe<NetworkFact> = {
  sections: ['network.addr', 'network.route4', 'network.route6'],
  build: (frame) =>
    ShellCommand.join([
      frame.section('network.addr', sh`ip -j -d addr show`),
      frame.section('network.route4', sh`ip -j -4 route show default`),
      // A host without IPv6 answers an error here: that is "no IPv6 default route", not a failure.
      frame.section('network.route6', sh`ip -j -6 route show default 2>/dev/null || printf '[]'`),
    ]),
  parse: (s) =>
    parseNetwork(
      okText(s, F, 'network.addr', 'ip -j -d addr show (iproute2 with JSON output)'),
      okText(s, F, 'network.route4', 'ip -j -4 route show default'),
      okText(s, F, 'network.route6', 'ip -j -6 route show default'),
    ),
};
