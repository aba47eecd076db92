// Rolling maintenance of a Ganeti cluster (playbooks/ganeti.ts's inventory): health gate, one node at a time with instances kept running, health gate again; a roll cut short says where the cluster stands and a rerun finishes it.
import { playbook } from 'drover';
import { gnt, MIRRORED_TEMPLATES, type ClusterState } from 'drover/modules';
import { describeCluster, healthProblems, leftovers } from './ganeti/maintenance/health.ts';
import { maintainNode, type MaintenanceContext } from './ganeti/maintenance/node.ts';
import type { MaintenanceVars } from './ganeti/maintenance/vars.ts';
import type { NodeVars } from './ganeti/vars.ts';

export type { MaintenanceVars } from './ganeti/maintenance/vars.ts';

export default playbook<NodeVars, MaintenanceVars>(
  { name: 'Ganeti rolling maintenance', hosts: 'ganeti' },
  async (play) => {
    const v = play.vars;
    // The nodes this run maintains (with --limit, a subset; the others, the master included, are still
    // reached by name). A selected node missing from play.hosts later has left the play.
    const selected = new Set(play.hosts.map((h) => h.name));
    const inPlay = (name: string) => play.hosts.some((h) => h.name === name);
    const lost = (name: string) => selected.has(name) && !inPlay(name);
    const maintained = (name: string) => selected.has(name) && inPlay(name);
    const fail = (what: string, problems: string[]) => {
      if (problems.length) throw new Error(`${what}:\n  - ${problems.join('\n  - ')}`);
    };

    // 1. Which nodes need it: Ganeti installed (emerge) after their daemons started, or named in `maintain`.
    //    Read-only on every node: whether ganeti-noded runs is part of the health gate below.
    const daemons = await play.each('Check nodes', (host) => gnt.daemons(host, { restart: 'never' }));

    // 2. Health gate, on whichever node holds the master role now (a roll cut short may have moved it):
    //    every node reachable with its daemons answering, every instance that should run running, verify
    //    passing. What an earlier roll left half-done (a node drained, the master away) is due again.
    const ctx: MaintenanceContext = {
      vars: v,
      host: (n) => play.host(n),
      usable: (n) => !lost(n),
      master: v.master,
      check: play.check,
      stopping: () => play.stopping,
      progress: (node, done, left) => play.state([`${node}: ${done}; left: ${left}`]),
    };
    const due = await play.on(v.master, 'Cluster before', async (home) => {
      ctx.master = (await gnt.master(home, { takeOver: false })).master;
      const master = play.host(ctx.master);
      const state = await gnt.query(master, { live: true });
      const running = new Map([...daemons].map(([n, d]) => [n, d.running]));
      fail(
        'the cluster is not healthy; no node was touched',
        healthProblems(state, { vars: v, lost, maintained, daemonsRunning: running }, false),
      );
      await gnt.verify(master, { ignore: v.verifyIgnore, retries: 1 });
      const left = leftovers(state, v);
      if (left.drained.length || left.masterAway)
        home.log(
          `an earlier roll stopped half-way: ${[...left.drained.map((d) => `${d} drained`), ...(left.masterAway ? [`master on ${state.master}`] : [])].join(', ')}; this run finishes it`,
        );
      return play.hosts
        .filter(
          (h) =>
            daemons.get(h.name)?.stale ||
            v.maintain?.includes(h.name) ||
            left.drained.includes(h.name) ||
            h.name === left.masterAway,
        )
        .map((h) => h.name);
    });

    let finished = false;
    try {
      // 3. One node at a time; the first node that fails (verify included) stops the roll. A turn is a
      //    critical section: the first Ctrl-C lets it finish or roll back, then no new node starts.
      await play.rolling('Maintain nodes', { batch: 1, maxFailed: { count: 0 } }, async (batch) => {
        await batch.each('Maintain node', async (node) => {
          if (!due.includes(node.name)) {
            node.log('Ganeti daemons run the installed code: nothing to do');
            return;
          }
          await maintainNode(node, ctx);
        });
      });

      // 4. Instances where the inventory puts them (moves by hand, a roll stopped earlier), then the gate
      //    again: a finished roll leaves no node drained, the master home, every instance running at home.
      await play.on(ctx.master, 'Cluster after', async (master) => {
        for (const i of v.instances ?? []) {
          if (i.node !== undefined && MIRRORED_TEMPLATES.includes(i.template))
            await gnt.migrate(master, { instance: i.name, node: i.node, live: v.liveMigration ?? true });
        }
        await gnt.verify(master, { ignore: v.verifyIgnore, retries: 3 });
        const state = await gnt.query(master, { live: true, expectRunning: true });
        play.state(describeCluster(state, v));
        if (!play.check)
          fail(
            'the roll ended but the cluster is not as it should be',
            healthProblems(state, { vars: v, lost, maintained }, true),
          );
      });
      finished = true;
    } finally {
      // Whatever stopped the roll (Ctrl-C, a lost node, verify, the budget): where the cluster stands.
      if (!finished) await reportState(ctx, v);
    }

    /** The cluster's state for the recap after a roll cut short; never fails the run itself. */
    async function reportState(c: MaintenanceContext, vars: MaintenanceVars): Promise<void> {
      let state: ClusterState | undefined;
      const seen = await play
        .onEach([c.master], 'Cluster state', async (m) => (state = await gnt.query(m, { live: true })))
        .catch(() => undefined);
      if (seen?.size && state) play.state(describeCluster(state, vars));
      else play.state([`cluster state unknown: the master ${c.master} did not answer`]);
    }
  },
);
