// Maintaining one Ganeti node: master role away, drain, instances away, update and restart (or reboot), undrain, verify, instances and master role back; rolls back instead when Ctrl-C came before the restart.
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
  /** Whether a node can stand in for the master: not lost by the play (a node outside --limit can). */
  usable(name: string): boolean;
  /** Where the master role is now: the roll moves it, and every later gnt call goes there. */
  master: string;
  /** --check: modules only plan, so the master role never actually moves. */
  check: boolean;
  /** Ctrl-C came: a turn not yet past its restart rolls back instead of going on. */
  stopping(): boolean;
  /** Where the turn stands, for the recap when the run stops at once (second Ctrl-C). */
  progress(node: string, done: string, left: string): void;
}

/** The node that takes the master role while the master is maintained: a master candidate that answers and is in the play. */
export function standIn(state: ClusterState, master: string, usable: (name: string) => boolean): string {
  const c = state.nodes.find(
    (n) =>
      n.name !== master && n.masterCandidate && !n.drained && !n.offline && n.reachable !== false && usable(n.name),
  );
  if (!c)
    throw new Error(
      `no master candidate can take the master role from ${master} while it is maintained (each is drained, offline, not answering or out of the play)`,
    );
  return c.name;
}

/**
 * One node, start to end. Every step is a module call that says what it did; the first that fails
 * fails this node (and the rolling phase stops before the next one), leaving it drained: the recap's
 * state says so and a rerun finishes it. The turn is a critical section: after the first Ctrl-C it
 * rolls back if it has not restarted anything yet, else it finishes (undrain, verify, migrate back).
 */
export async function maintainNode(node: Host<NodeVars>, ctx: MaintenanceContext): Promise<void> {
  const v = ctx.vars;
  const action = v.maintenanceAction ?? 'restart';
  const live = v.liveMigration ?? true;
  const master = () => ctx.host(ctx.master);
  const state = await gnt.query(master(), { live: true });
  const nonMirrored = v.nonMirrored ?? (action === 'restart' ? 'stay' : 'fail');

  // Refuse before touching anything (evacuate would refuse too, but after the node was drained).
  const stuck = state.instances.filter((i) => i.primary === node.name && !MIRRORED_TEMPLATES.includes(i.template));
  if (nonMirrored === 'fail' && stuck.length) {
    throw new Error(
      `${stuck.map((i) => `${i.name} (${i.template})`).join(', ')} cannot migrate off ${node.name}; nothing was changed. ` +
        `Set nonMirrored to 'move' (downtime while the disks are copied) or 'stay' (only if they survive a ${action})`,
    );
  }
  if (ctx.stopping()) {
    node.log('Ctrl-C: not started');
    return;
  }

  // Ganeti changes the master's role only through master-failover: hand it to a candidate first.
  if (state.master === node.name) {
    const to = ctx.host(standIn(state, node.name, ctx.usable));
    await gnt.master(to, {});
    if (ctx.check) {
      // The stand-in did not really take over: every later step would ask a node that is not the master.
      node.log(`--check: the steps after ${to.name} takes the master role are not planned`);
      return;
    }
    ctx.master = to.name;
  }
  ctx.progress(node.name, `master role on ${ctx.master}`, 'drain, evacuate, update, restart, undrain, verify');

  // Nothing new lands on it, then everything leaves it (live migration where the template allows).
  if (!ctx.stopping()) {
    await gnt.nodeFlags(master(), { name: node.name, drained: true });
    ctx.progress(node.name, 'drained', 'evacuate, update, restart, undrain, verify, migrate back');
    // Ctrl-C during the drain: nothing has moved yet, so the rollback starts here (moving every instance
    // away only to move it back would make the person who pressed it wait minutes for nothing).
    if (!ctx.stopping()) {
      await gnt.evacuate(master(), { node: node.name, live, nonMirrored });
      ctx.progress(node.name, 'drained, instances moved away', 'update, restart, undrain, verify, migrate back');
    }
  }

  if (ctx.stopping()) {
    node.log('Ctrl-C: rolling back (nothing was restarted): undrain, instances and master role back');
  } else {
    // Ganeti updated while the node is empty (`emerge --update`), with the keywords, USE and config file
    // playbooks/ganeti.ts installs it with. Nothing newer: no change; the restart below still happens.
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
    ctx.progress(node.name, 'drained, daemons restarted', 'undrain, verify, migrate back');
  }
  await finishTurn(node, ctx);
}

/**
 * The end of a node's turn, also what a rerun does for a node an earlier roll left drained: undrain,
 * verify, the inventory's instances back on it, the master role back when it is the inventory's master.
 */
async function finishTurn(node: Host<NodeVars>, ctx: MaintenanceContext): Promise<void> {
  const v = ctx.vars;
  const live = v.liveMigration ?? true;
  await gnt.nodeFlags(ctx.host(ctx.master), { name: node.name, drained: false });
  // The roll goes on only over a cluster that verifies (few retries: the daemons were just restarted).
  await gnt.verify(ctx.host(ctx.master), { ignore: v.verifyIgnore, retries: 3 });
  ctx.progress(node.name, 'undrained, verify passed', 'migrate back');
  for (const i of v.instances ?? []) {
    if (i.node === node.name && MIRRORED_TEMPLATES.includes(i.template))
      await gnt.migrate(ctx.host(ctx.master), { instance: i.name, node: node.name, live });
  }
  if (node.name === v.master && ctx.master !== node.name) {
    await gnt.master(node, {});
    ctx.master = node.name;
  }
  await gnt.query(ctx.host(ctx.master), { expectRunning: true });
  ctx.progress(node.name, 'done', 'nothing');
}
