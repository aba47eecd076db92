// Pure renderers of the files a lab writes: /etc/hosts, known_hosts, ssh_config, the Ansible-format inventory.
import { stringify } from 'yaml';
import { isGanetiProfile, type LabState } from './types.ts';

/** One host's public host keys (OpenSSH .pub lines). */
export interface HostPublicKeys {
  ed25519: string;
  rsa: string;
}

export function renderEtcHosts(state: LabState): string {
  const lines = ['127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback', ''];
  for (const h of state.hosts) lines.push(`${h.address}\t${h.name} ${h.short}`);
  if (state.cluster) lines.push(`${state.cluster.address}\t${state.cluster.name} ${state.cluster.name.split('.')[0]}`);
  return lines.join('\n') + '\n';
}

/** known_hosts: each host under its FQDN, short name and address (plain, not hashed, no port brackets). */
export function renderKnownHosts(state: LabState, keys: readonly HostPublicKeys[]): string {
  return (
    state.hosts
      .flatMap((h, i) => {
        const names = `${h.name},${h.short},${h.address}`;
        return [keys[i].ed25519, keys[i].rsa].map((pub) => `${names} ${pub.trim().split(/\s+/).slice(0, 2).join(' ')}`);
      })
      .join('\n') + '\n'
  );
}

export function renderSshConfig(state: LabState): string {
  return state.hosts
    .map((h) =>
      [
        `Host ${h.short} ${h.name} ${h.address}`,
        `  HostName ${h.address}`,
        '  User root',
        `  IdentityFile ${state.keyFile}`,
        '  IdentitiesOnly yes',
        `  UserKnownHostsFile ${state.knownHostsFile}`,
        '  GlobalKnownHostsFile /dev/null',
        '  StrictHostKeyChecking yes',
        '  LogLevel ERROR',
        '',
      ].join('\n'),
    )
    .join('\n');
}

/** Ansible YAML inventory: group `lab` (+ `ganeti` for that profile), hosts by FQDN. */
export function renderInventory(state: LabState): string {
  const hosts: Record<string, Record<string, unknown>> = {};
  for (const h of state.hosts)
    hosts[h.name] = { ansible_host: h.address, ansible_user: 'root', ansible_ssh_private_key_file: state.keyFile };
  const children: Record<string, unknown> = { lab: { hosts } };
  if (isGanetiProfile(state.profile))
    children.ganeti = { hosts: Object.fromEntries(state.hosts.map((h) => [h.name, null])) };
  const doc = {
    all: {
      vars: {
        known_hosts_file: state.knownHostsFile,
        // So ansible-playbook verifies against the same file drover does.
        ansible_ssh_common_args: `-o UserKnownHostsFile=${state.knownHostsFile} -o StrictHostKeyChecking=yes`,
      },
      children,
    },
  };
  return (
    `# drover lab ${state.name} (profile ${state.profile}): written by \`drover lab up\`, removed by \`drover lab down\`\n` +
    stringify(doc, { nullStr: '', lineWidth: 0 })
  );
}

/** netifrc's /etc/conf.d/net for a host of a netifrc profile: eth0's address and default route. */
export function renderConfdNet(
  state: Pick<LabState, 'name' | 'gateway'>,
  h: { name: string; address: string },
): string {
  return [
    `# drover lab ${state.name}: ${h.name}'s network, brought up by netifrc (net.eth0) at boot`,
    `config_eth0="${h.address}/24"`,
    `routes_eth0="default via ${state.gateway}"`,
    '# no IPv6 duplicate address detection wait (5 s per start otherwise)',
    'dad_timeout=0',
    '',
  ].join('\n');
}
