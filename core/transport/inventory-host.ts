// An inventory host's connection: resolved (ssh_config, jump hosts, known_hosts) and opened; its keys recorded on request.
import type { Secret } from '../secret.ts';
import { selectHosts, type Inventory, type InventoryHost } from '../inventory/index.ts';
import { replaceKnownHostKeys } from '../ssh/known-hosts.ts';
import { hostKeyPolicyFor, hostKeyRecord, openTransport, resolveConnection } from './connection.ts';
import type { Transport } from './transport.ts';

export interface ConnectHostOptions {
  /** --accept-new-host-keys: record unknown keys instead of refusing them. */
  acceptNewHostKeys: boolean;
  /** -K: sudo's password, for hosts that become with a prompt. */
  becomePassword?: Secret;
  /** What is left of a reconnect's budget: bounds the connect, the session channel and the shell start. */
  timeoutMs?: number;
}

/** Opens `h`'s transport: ssh config file, jump hosts, ProxyCommand and known_hosts files resolved per host. */
export function connectHost(h: InventoryHost, o: ConnectHostOptions): Promise<Transport> {
  const { spec, policy } = hostKeyPolicyFor(
    resolveConnection(h.name, h.connection),
    h.knownHostsFile,
    o.acceptNewHostKeys,
  );
  return openTransport(spec, policy, { becomePassword: o.becomePassword, name: h.name, timeoutMs: o.timeoutMs });
}

/** Host.trustHostKeys: replace what known_hosts says about `target` (an inventory host) on purpose. */
export async function trustHostKeys(inventory: Inventory, target: string, keys: readonly string[]): Promise<void> {
  const t = selectHosts(inventory, target)[0];
  if (!t || t.name !== target) throw new Error(`trustHostKeys: ${target} is not an inventory host`);
  const spec = resolveConnection(t.name, t.connection);
  if (spec.kind === 'local') return;
  const at = hostKeyRecord(spec, t.knownHostsFile);
  if (!at.file)
    throw new Error(`trustHostKeys: ${target} has no known_hosts file to record keys in (UserKnownHostsFile none)`);
  await replaceKnownHostKeys(at.file, at.host, at.port, [...keys]);
}
