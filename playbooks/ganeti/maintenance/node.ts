// Maintaining one Ganeti node: master role away, drain, instances away, restart or reboot, undrain, verify, instances and master role back, instances still running.
import type { Host } from 'drover';
import { emerge, gnt, MIRRORED_TEMPLATES, reboot, type ClusterState } from 'drover/modules';
import { packageSteps } from '../plan.ts';
import type { NodeVars } from '../vars.ts';
import type { MaintenanceVars } from './vars.ts';

/** What maintaining a node needs to know about the play. */
export interface MaintenanceContext {
  vars: MaintenanceVars;
  /** A host of the play by inventory name (the master, the node that stands in for it). */
  host(name: string): Host<NodeVars>;
  /** Instances that ran before the roll: each must still run after every node. */
  running: readonly string[];
  /** --check: modules only plan, so the master role never actually moves. */
  check: boolean;
}

/** The node that takes the master role while the master is maintained: a master candidate that can take it. */
export function standIn(state: ClusterState, master: string, inPlay: (name: string) => boolean): string {
  const c = state.nodes.find(
    (n) => n.name !== master && n.masterCandidate && !n.drained && !n.offline && inPlay(n.name),
  );
  if (!c)
    throw new Error(
      `no master candidate can take the master role from ${master} while it is maintained (each is drained, offline or out of the play)`,
    );
  return c.name;
}

/**
 * One node, start to end. Every step is a module call that says what it did; the first that fails
 * fails this node (and the rolling phase then stops before the next one).
 */
export async function maintainNode(
  node: Host<NodeVars>,
  ctx: MaintenanceContext,
  inPlay: (name: string) => boolean,
): Promise<void> {
  const v = ctx.vars;
  const action = v.maintenanceAction ?? 'restart';
  const live = v.liveMigration ?? true;
  let master = ctx.host(v.master);
  const state = await gnt.query(master, {});
  const nonMirrored = v.nonMirrored ?? (action === 'restart' ? 'stay' : 'fail');

  // Refuse before touching anything (evacuate would refuse too, but after the node was drained).
  const stuck = state.instances.filter((i) => i.primary === node.name && !MIRRORED_TEMPLATES.includes(i.template));
  if (nonMirrored === 'fail' && stuck.length) {
    throw new Error(
      `${stuck.map((i) => `${i.name} (${i.template})`).join(', ')} cannot migrate off ${node.name}; nothing was changed. ` +
        `Set nonMirrored to 'move' (downtime while the disks are copied) or 'stay' (only if they survive a ${action})`,
    );
  }

  // Ganeti changes the master's role only through master-failover: hand it to a candidate first.
  const wasMaster = state.master === node.name;
  if (wasMaster) {
    master = ctx.host(standIn(state, node.name, inPlay));
    await gnt.master(master, {});
    if (ctx.check) {
      // The stand-in did not really take over: every later step would ask a node that is not the master.
      node.log(`--check: the steps after ${master.name} takes the master role are not planned`);
      return;
    }
  }

  // Nothing new lands on it, then everything leaves it (live migration where the template allows).
  await gnt.nodeFlags(master, { name: node.name, drained: true });
  await gnt.evacuate(master, { node: node.name, live, nonMirrored });

  // Ganeti updated while the node is empty (`emerge --update`, Portage decides what is newer), with the keywords,
  // USE and config file playbooks/ganeti.ts installs it with, so the update never fights the install. Nothing
  // newer: no change; the daemons' staleness check below still decides what restarts.
  const ganeti = packageSteps(v)[0]; // Ganeti's step is always the first
  await emerge(node, {
    atoms: ganeti.atoms,
    use: ganeti.use,
    keywords: ganeti.keywords,
    configFile: 'ganeti',
    update: true,
  });
  if (action === 'reboot') await reboot(node, {});
  await gnt.daemons(node, { restart: action === 'reboot' ? 'if-stale' : 'always' });

  await gnt.nodeFlags(master, { name: node.name, drained: false });
  // The roll goes on only over a cluster that verifies (few retries: the daemons were just restarted).
  await gnt.verify(master, { ignore: v.verifyIgnore, retries: 3 });

  // The instances the inventory places on this node come back to it.
  for (const i of v.instances ?? []) {
    if (i.node === node.name && MIRRORED_TEMPLATES.includes(i.template))
      await gnt.migrate(master, { instance: i.name, node: node.name, live });
  }
  if (wasMaster) {
    master = node;
    await gnt.master(node, {});
  }
  await gnt.query(master, { expectRunning: ctx.running });
}
