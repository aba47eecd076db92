// The "prepare nodes" phase of playbooks/ganeti.ts: steps 1-9 and 11 of ganeti-gentoo.md on one node.
import { sh, type Host } from 'drover';
import { command, emerge, hostname, kmod, lvm, service, sysfile } from 'drover/modules';
import { confNet, netServices } from './network.ts';
import { hostsMap, packageSteps, FILE_STORAGE_DEFAULT, type HostsEntry } from './plan.ts';
import type { ClusterVars, NodeVars } from './vars.ts';

/** Prepares one node for Ganeti. Every step is idempotent; steps that do not apply say why. */
export async function prepareNode(
  host: Host<NodeVars>,
  cluster: ClusterVars,
  entries: readonly HostsEntry[],
): Promise<void> {
  const v = host.vars;
  const drbd = cluster.diskTemplates.includes('drbd');

  // 1-2. Names and hostname: every node and the cluster name in /etc/hosts (one line per address, a
  // 127.0.1.1 line for this FQDN dropped), /etc/hostname and /etc/conf.d/hostname, applied and checked.
  await hostname(host, { name: host.name, hosts: hostsMap(entries) });

  // 3-4. DRBD: kernel module options and load at boot, only when a DRBD template is enabled.
  if (drbd) {
    await kmod(host, { name: 'drbd', options: 'minor_count=128 usermode_helper=/bin/true', load: true, onBoot: true });
    // Ganeti drives DRBD itself: the drbd init script must stay off.
    await service(host, { name: 'drbd', enabled: false });
  }

  // 5-6. Portage: keywords, USE flags, packages.
  // package.use/ganeti and package.accept_keywords/ganeti when those are directories, else line edits.
  for (const step of packageSteps(cluster)) {
    await emerge(host, { atoms: step.atoms, use: step.use, keywords: step.keywords, configFile: 'ganeti' });
  }

  // 7. Bridged networking (netifrc).
  const net = confNet(v);
  if (net !== undefined && v.bridge) {
    await sysfile(host, { path: '/etc/conf.d/net', content: net, createParents: true });
    await netServices(host, {
      bridge: v.bridge,
      port: v.publicInterface ?? 'eth0',
      drbdInterface: v.drbdIp ? v.drbdInterface : undefined,
    });
  }

  // 8. LVM: never scan DRBD devices (their backing LVs would show twice); the VG from blank devices.
  if (drbd || (cluster.vgName && v.vgDevices?.length)) await lvm.filter(host, { reject: ['^/dev/drbd[0-9]+$'] });
  if (cluster.vgName && v.vgDevices?.length) {
    for (const device of v.vgDevices) await lvm.pv(host, { device });
    await lvm.vg(host, { name: cluster.vgName, devices: v.vgDevices });
  }

  // File storage: Ganeti only uses directories listed in /etc/ganeti/file-storage-paths.
  // init creates the directory on the master only; verify fails on a node without it (ENODEFILESTORAGEPATHUNUSABLE).
  if (cluster.diskTemplates.includes('file')) {
    const dir = cluster.fileStorageDir ?? FILE_STORAGE_DEFAULT;
    await sysfile(host, { path: '/etc/ganeti/file-storage-paths', content: `${dir}\n`, createParents: true });
    await command(host, { cmd: sh`install -d -m 750 ${dir}`, creates: dir });
  }

  // 9. SSH: an RSA host key (Ganeti: "Failed to find SSH public keys"), root's .ssh, sshd running.
  await command(host, {
    cmd: sh`ssh-keygen -q -t rsa -b 3072 -N '' -f /etc/ssh/ssh_host_rsa_key`,
    creates: '/etc/ssh/ssh_host_rsa_key',
  });
  await command(host, {
    cmd: sh`install -d -m 700 /root/.ssh && touch /root/.ssh/authorized_keys && chmod 600 /root/.ssh/authorized_keys`,
    unless: sh`test "$(stat -c %a /root/.ssh)" = 700 && test -f /root/.ssh/authorized_keys`,
  });
  await service(host, { name: 'sshd', state: 'started', enabled: true });

  // 11. Ganeti's daemons at boot (gnt-cluster init / gnt-node add start them).
  await service(host, { name: 'ganeti', enabled: true });
}
