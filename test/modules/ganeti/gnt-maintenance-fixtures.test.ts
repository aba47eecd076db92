// gnt.nodeFlags / gnt.evacuate / gnt.migrate planned from probe answers holding Ganeti 3.0.2's recorded lists (no host).
import test from 'ava';
import { gnt } from '../../../modules/ganeti/gnt.ts';
import { recordedGaneti } from '../../support/ganeti.ts';
import { planFromAnswer, type Answer } from '../../../modules/kit.ts';

const recorded = (name: string) => recordedGaneti(name).out;

const M = 'node1.example.org';
const N2 = 'node2.example.org';
const N3 = 'node3.example.org';
const up = (nodes: string, instances: string): Answer => [
  ['state', 'up'],
  ['master', M],
  ['self', M],
  ['why', ''],
  ['out', `${nodes.trimEnd()}\n%%\n${instances.trimEnd()}`],
];
const FRESH = up(recorded('query-nodes.txt'), recorded('query-instances.txt'));
const DRAINED3 = up(recorded('query-nodes-drained.txt'), recorded('query-instances.txt'));
const NONE: Answer = [
  ['state', 'none'],
  ['master', ''],
  ['self', ''],
  ['why', ''],
  ['out', ''],
];

async function refusal(apply: unknown): Promise<string> {
  if (typeof apply !== 'function') throw new Error('the plan has no apply function');
  return apply(undefined).then(
    () => 'applied',
    (e: Error) => e.message,
  );
}

// ---- nodeFlags ----

test('gnt.nodeFlags: drain a node → one gnt-node modify with the name after --', (t) => {
  const plan = planFromAnswer(gnt.nodeFlags, { name: N3, drained: true }, FRESH);
  t.like(plan.result, { changed: true, message: `${N3}: drained`, detail: `gnt-node modify --drained=yes -- ${N3}` });
  t.is(plan.result.node?.role, 'candidate');
  t.is(typeof plan.apply, 'function');
});

test('gnt.nodeFlags: already drained → nothing; undrain → --drained=no', (t) => {
  const same = planFromAnswer(gnt.nodeFlags, { name: N3, drained: true }, DRAINED3);
  t.false(same.result.changed);
  t.is(same.apply, undefined);
  const undrain = planFromAnswer(gnt.nodeFlags, { name: N3, drained: false, autoPromote: true }, DRAINED3);
  t.is(undrain.result.detail, `gnt-node modify --drained=no --auto-promote -- ${N3}`);
});

test('gnt.nodeFlags: offline, and back online', (t) => {
  t.is(
    planFromAnswer(gnt.nodeFlags, { name: N2, offline: true }, FRESH).result.detail,
    `gnt-node modify --offline=yes -- ${N2}`,
  );
  const offline = up('node1.example.org|M|N|N|Y|Y||\nnode2.example.org|O|N|Y|N|Y||\n', '');
  t.is(planFromAnswer(gnt.nodeFlags, { name: N2, offline: false }, offline).result.message, `${N2}: online`);
});

test('gnt.nodeFlags: the master cannot be drained (Ganeti: "only via master-failover"); said before running', (t) => {
  // node-drain-master.txt: what Ganeti answers when asked anyway.
  t.regex(recorded('node-drain-master.txt'), /The master role can be changed only via master-failover/);
  const err = t.throws(() => planFromAnswer(gnt.nodeFlags, { name: M, drained: true }, FRESH));
  t.is(
    err?.message,
    `${M} is the master: Ganeti changes the master's role only through master-failover (run gnt.master on another node first)`,
  );
  // Undraining the master (a no-op) is fine.
  t.false(planFromAnswer(gnt.nodeFlags, { name: M, drained: false }, FRESH).result.changed);
});

test('gnt.nodeFlags: errors — unknown node, bad params, no cluster', async (t) => {
  t.is(
    t.throws(() => planFromAnswer(gnt.nodeFlags, { name: 'node9.example.org', drained: true }, FRESH))?.message,
    'node node9.example.org is not in the cluster',
  );
  t.is(t.throws(() => planFromAnswer(gnt.nodeFlags, { name: N2 }, FRESH))?.message, 'give drained and/or offline');
  t.regex(
    t.throws(() => planFromAnswer(gnt.nodeFlags, { name: N2, drained: true, offline: true }, FRESH))?.message ?? '',
    /cannot both be true/,
  );
  t.regex(
    t.throws(() => planFromAnswer(gnt.nodeFlags, { name: '--all', drained: true }, FRESH))?.message ?? '',
    /name/,
  );
  const plan = planFromAnswer(gnt.nodeFlags, { name: N2, drained: true }, NONE);
  t.true(plan.result.changed);
  t.regex(await refusal(plan.apply), /not initialised/);
});

// ---- evacuate ----

test('gnt.evacuate: a running diskless instance migrates live to the least loaded node', (t) => {
  const plan = planFromAnswer(gnt.evacuate, { node: N3 }, DRAINED3);
  t.true(plan.result.changed);
  // node1 holds no instance, node2 one: node1 wins.
  t.is(plan.result.detail, `gnt-instance migrate -f -n ${M} -- inst2.example.org`);
  t.like(plan.result.moves[0], { instance: 'inst2.example.org', action: 'migrate', target: M });
  t.is(plan.result.message, `inst2.example.org: live migrate to ${M}`);
  // instance-migrate.txt: Ganeti 3.0.2's fake hypervisor does migrate a diskless instance.
  t.regex(recorded('instance-migrate.txt'), /\* done\n$/);
});

test('gnt.evacuate: --non-live; a stopped instance fails over instead', (t) => {
  t.is(
    planFromAnswer(gnt.evacuate, { node: N3, live: false }, DRAINED3).result.detail,
    `gnt-instance migrate -f --non-live -n ${M} -- inst2.example.org`,
  );
  const down = planFromAnswer(
    gnt.evacuate,
    { node: N3 },
    up(recorded('query-nodes-drained.txt'), recorded('query-instances-down.txt')),
  );
  t.is(down.result.detail, `gnt-instance failover -f -n ${M} -- inst2.example.org`);
});

test('gnt.evacuate: a file instance cannot migrate: fail (default) / stay / move', (t) => {
  t.regex(recorded('instance-migrate-file.txt'), /disk layout 'file' does not allow migrations/);
  const err = t.throws(() => planFromAnswer(gnt.evacuate, { node: N2 }, FRESH));
  t.regex(
    err?.message ?? '',
    /^inst1\.example\.org on node2\.example\.org has disk template file, which cannot migrate: set nonMirrored/,
  );
  const stay = planFromAnswer(gnt.evacuate, { node: N2, nonMirrored: 'stay' }, FRESH);
  t.false(stay.result.changed);
  t.is(stay.result.message, 'inst1.example.org: stays on node2.example.org (template file cannot migrate)');
  const move = planFromAnswer(gnt.evacuate, { node: N2, nonMirrored: 'move' }, FRESH);
  t.is(move.result.detail, `gnt-instance move -f -n ${M} -- inst1.example.org`);
});

test('gnt.evacuate: an empty node → nothing to do', (t) => {
  const plan = planFromAnswer(gnt.evacuate, { node: M }, FRESH);
  t.false(plan.result.changed);
  t.deepEqual(plan.result.moves, []);
});

test('gnt.evacuate: DRBD primaries migrate to their secondary; DRBD secondaries get a new one; targets spread', (t) => {
  const nodes = [
    'node1.example.org|M|N|N|Y|Y|d1|d2',
    'node2.example.org|C|N|N|Y|Y|d2|d1',
    'node3.example.org|C|N|N|Y|Y||',
    'node4.example.org|C|N|N|Y|Y||',
    'node5.example.org|D|Y|N|N|Y||',
  ].join('\n');
  const instances = [
    'd1|running|up|node1.example.org|node2.example.org|drbd|noop',
    'd2|running|up|node2.example.org|node1.example.org|drbd|noop',
    'x1|running|up|node1.example.org||diskless|noop',
    'x2|running|up|node1.example.org||diskless|noop',
  ].join('\n');
  const plan = planFromAnswer(gnt.evacuate, { node: M }, up(nodes, instances));
  t.deepEqual(
    plan.result.detail?.split('\n'),
    [
      'gnt-instance migrate -f -- d1',
      'gnt-instance replace-disks -n node3.example.org -- d2',
      'gnt-instance migrate -f -n node4.example.org -- x1',
      'gnt-instance migrate -f -n node3.example.org -- x2',
    ],
    'the drained node5 gets nothing; node3 and node4 share the load',
  );
});

test('gnt.evacuate: nowhere to go is an error naming the instance', (t) => {
  // The master is not vm-capable here, node3 is drained: nobody can take inst2.
  const nodes = 'node1.example.org|M|N|N|Y|N||\nnode3.example.org|D|Y|N|N|Y|inst2.example.org|\n';
  const err = t.throws(() =>
    planFromAnswer(gnt.evacuate, { node: N3 }, up(nodes, recorded('query-instances.txt').split('\n')[1])),
  );
  t.is(
    err?.message,
    'no node can take inst2.example.org: every other node is drained, offline, not answering, not vm-capable or excluded',
  );
  const only = planFromAnswer(gnt.evacuate, { node: N3, targets: [N2] }, DRAINED3);
  t.is(only.result.detail, `gnt-instance migrate -f -n ${N2} -- inst2.example.org`);
  t.regex(
    t.throws(() => planFromAnswer(gnt.evacuate, { node: N3, nonMirrored: 'delete' as never }, DRAINED3))?.message ?? '',
    /nonMirrored "delete"/,
  );
});

// ---- migrate ----

test('gnt.migrate: already there → nothing; elsewhere → migrate -n; stopped → failover', (t) => {
  t.false(planFromAnswer(gnt.migrate, { instance: 'inst2.example.org', node: N3 }, FRESH).result.changed);
  const plan = planFromAnswer(gnt.migrate, { instance: 'inst2.example.org', node: N2 }, FRESH);
  t.like(plan.result, {
    changed: true,
    from: N3,
    detail: `gnt-instance migrate -f -n ${N2} -- inst2.example.org`,
    message: `inst2.example.org: live migrate ${N3} → ${N2}`,
  });
  const down = up(recorded('query-nodes.txt'), recorded('query-instances-down.txt'));
  t.is(
    planFromAnswer(gnt.migrate, { instance: 'inst2.example.org', node: N2 }, down).result.detail,
    `gnt-instance failover -f -n ${N2} -- inst2.example.org`,
  );
});

test('gnt.migrate: errors name the instance, the template or the node', (t) => {
  t.is(
    t.throws(() => planFromAnswer(gnt.migrate, { instance: 'inst1.example.org', node: M }, FRESH))?.message,
    `inst1.example.org has disk template file, which cannot migrate to ${M} (it runs on ${N2})`,
  );
  t.is(
    t.throws(() =>
      planFromAnswer(
        gnt.migrate,
        { instance: 'inst2.example.org', node: N3 },
        up(recorded('query-nodes-drained.txt'), recorded('query-instances-down.txt').replace('node3', 'node2')),
      ),
    )?.message,
    `cannot place inst2.example.org on ${N3}: the node is drained`,
  );
  t.is(
    t.throws(() => planFromAnswer(gnt.migrate, { instance: 'nope.example.org', node: N3 }, FRESH))?.message,
    'instance nope.example.org is not in the cluster',
  );
  const drbd = up(
    'node1.example.org|M|N|N|Y|Y|d1|\nnode2.example.org|C|N|N|Y|Y||d1\nnode3.example.org|C|N|N|Y|Y||',
    'd1|running|up|node1.example.org|node2.example.org|drbd|noop',
  );
  t.is(
    t.throws(() => planFromAnswer(gnt.migrate, { instance: 'd1', node: N3 }, drbd))?.message,
    'd1 (drbd) can only migrate to its secondary node2.example.org, not node3.example.org',
  );
  t.is(planFromAnswer(gnt.migrate, { instance: 'd1', node: N2 }, drbd).result.detail, 'gnt-instance migrate -f -- d1');
});
