// Rolling maintenance of a Ganeti cluster (playbooks/ganeti.ts's inventory): one node at a time, instances kept running, stop when verify fails.
import { playbook } from 'drover';
import { gnt, MIRRORED_TEMPLATES } from 'drover/modules';
import { maintainNode } from './ganeti/maintenance/node.ts';
import type { MaintenanceVars } from './ganeti/maintenance/vars.ts';
import type { NodeVars } from './ganeti/vars.ts';

export type { MaintenanceVars } from './ganeti/maintenance/vars.ts';

export default playbook<NodeVars, MaintenanceVars>(
  { name: 'Ganeti rolling maintenance', hosts: 'ganeti' },
  async (play) => {
    const v = play.vars;
    const home = play.host(v.master);

    // 1. Which nodes need it: Ganeti installed (emerge) after their daemons started, or named in `maintain`.
    const daemons = await play.each('Check nodes', (host) => gnt.daemons(host, { restart: 'never' }));
    const due = new Set(
      play.hosts.filter((h) => daemons.get(h.name)?.stale || v.maintain?.includes(h.name)).map((h) => h.name),
    );

    // 2. The master is where the inventory says (a roll stopped half-way may have left it on a stand-in),
    //    and the instances running now are the ones that must still run after every node.
    const before = await play.on(home, 'Cluster before', async (host) => {
      await gnt.master(host, {});
      return gnt.query(host, {});
    });
    const running = before.instances.filter((i) => i.status === 'running').map((i) => i.name);

    // 3. One node at a time; the first node that fails (verify included) stops the roll.
    const inPlay = (name: string) => play.hosts.some((h) => h.name === name);
    await play.rolling('Maintain nodes', { batch: 1, maxFailed: { count: 0 } }, async (batch) => {
      await batch.each('Maintain node', async (node) => {
        if (!due.has(node.name)) {
          node.log('Ganeti daemons run the installed code: nothing to do');
          return;
        }
        await maintainNode(node, { vars: v, host: (n) => play.host(n), running, check: play.check }, inPlay);
      });
    });

    // 4. Instances where the inventory puts them (after a roll that stopped, or moves by hand), all running.
    await play.on(home, 'Instances in place', async (host) => {
      for (const i of v.instances ?? []) {
        if (i.node !== undefined && MIRRORED_TEMPLATES.includes(i.template))
          await gnt.migrate(host, { instance: i.name, node: i.node, live: v.liveMigration ?? true });
      }
      await gnt.query(host, { expectRunning: running });
    });
  },
);
