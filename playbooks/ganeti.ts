// Flagship playbook: bare Gentoo/OpenRC nodes to a verified Ganeti cluster (ganeti-gentoo.md, every step).
import { playbook } from 'drover';
import { gnt, sysfile } from 'drover/modules';
import { binaryPackages, type BinhostVars } from './ganeti/binhost.ts';
import { FILE_STORAGE_DEFAULT, hostsEntries } from './ganeti/plan.ts';
import { prepareNode } from './ganeti/prepare.ts';
import { rootKey } from './ganeti/ssh.ts';
import type { ClusterVars, NodeVars } from './ganeti/vars.ts';

export type { ClusterVars, NodeVars, InstanceVars } from './ganeti/vars.ts';
export type { BinhostVars } from './ganeti/binhost.ts';

/** The play's vars: the cluster's, and the optional binhost (playbooks/ganeti/binhost.ts). */
type PlayVars = ClusterVars & BinhostVars;

export default playbook<NodeVars, PlayVars>({ name: 'Ganeti cluster', hosts: 'ganeti' }, async (play) => {
  const c = play.vars;
  const master = play.host(c.master);
  const entries = hostsEntries(play.hosts, c);

  // With a binhost (var `binhost`): it builds the packages once and serves them; the other nodes install its binaries.
  await binaryPackages(play);

  // Phase 1, every node in parallel: names, hostname, DRBD, Portage, network, LVM, SSH, services.
  await play.each('Prepare nodes', (host) => prepareNode(host, c, entries));

  // Phase 2, the master: gnt-cluster init (or converge what gnt-cluster modify can change).
  await play.on(master, 'Initialise cluster', (host) =>
    gnt.cluster(host, {
      clusterName: c.clusterName,
      masterNetdev: c.masterNetdev,
      masterNetmask: c.masterNetmask,
      vgName: c.vgName,
      secondaryIp: host.vars.drbdIp,
      enabledHypervisors: c.hypervisors,
      hypervisorParams: c.hypervisorParams,
      enabledDiskTemplates: c.diskTemplates,
      nicParams: c.nicParams,
      backendParams: c.backendParams,
      noEtcHosts: !c.ganetiEditsEtcHosts,
      fileStorageDir: c.diskTemplates.includes('file') ? (c.fileStorageDir ?? FILE_STORAGE_DEFAULT) : undefined,
    }),
  );

  // Phase 3: init made root's key on the master; every node must accept it before it can join.
  const key = await play.on(master, 'Read master key', async (host) => (await rootKey(host, {})).key);
  const others = play.hosts.filter((h) => h.name !== master.name);
  await play.onEach(others, 'Authorize master key', async (host) => {
    if (key === undefined) {
      host.log('the master has no root key yet (--check before init): it is added after gnt-cluster init');
      return;
    }
    // Prepare made /root/.ssh; a node may have no authorized_keys yet.
    await sysfile(host, { path: '/root/.ssh/authorized_keys', line: key, mode: '0600', create: true });
  });

  // Phase 4, from the master, one node at a time (each join is a cluster job taking the node locks).
  await play.on(master, 'Join nodes', async (host) => {
    for (const node of others) {
      await gnt.node(host, { name: node.name, secondaryIp: node.vars.drbdIp });
    }
  });

  // Phase 5: gnt-cluster verify passes (ignoring only the codes the inventory names).
  await play.on(master, 'Verify cluster', (host) => gnt.verify(host, { ignore: c.verifyIgnore }));

  // Phase 6: the instances the inventory asks for.
  if (c.instances?.length) {
    await play.on(master, 'Instances', async (host) => {
      for (const i of c.instances ?? []) {
        await gnt.instance(host, {
          name: i.name,
          os: i.os,
          template: i.template,
          disks: i.disks,
          nics: i.nics,
          node: i.node,
          secondaryNode: i.secondaryNode,
          start: i.start,
          nameCheck: i.nameCheck,
        });
      }
    });
  }
});
