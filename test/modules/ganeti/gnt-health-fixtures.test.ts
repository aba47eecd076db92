// Cluster health as the gnt modules read it, from Ganeti 3.0.2 output recorded in the lab: nodes that do not answer (never an evacuation target), hook output and node names in verify findings, where the master is.
import test from 'ava';
import { gnt } from '../../../modules/ganeti/gnt.ts';
import { parseVerify } from '../../../modules/ganeti/gnt-facts.ts';
import { namedVerifyOutput } from '../../../modules/ganeti/gnt-verify.ts';
import { recordedGaneti } from '../../support/ganeti.ts';
import { planFromAnswer, type Answer } from '../../../modules/kit.ts';

const recorded = (name: string) => recordedGaneti(name).out;
const M = 'node1.example.org';
const N2 = 'node2.example.org';
const N3 = 'node3.example.org';
const answer = (st: string, out: string, rc = 0, master = M, self = M): Answer => [
  ['state', st],
  ['master', master],
  ['self', self],
  ['why', ''],
  ['out', out, rc],
];
/** QUERY_LIVE_THEN's answer: nodes, instances, then `gnt-node list -o name,bootid`. */
const live = (nodes: string, instances: string, boot: string) =>
  answer('up', `${nodes.trimEnd()}\n%%\n${instances.trimEnd()}\n%%\n${boot.trimEnd()}`);

// query-live-node1-down.txt: `gnt-node list -o name,bootid` with node1's ganeti-noded stopped.
const NODE1_DOWN = recorded('query-live-node1-down.txt');

test('gnt.evacuate never sends an instance to a node whose ganeti-noded does not answer', (t) => {
  // node3 drained, inst2 on it; node1 (no instance) would win on load, but its daemon is down.
  const plan = planFromAnswer(
    gnt.evacuate,
    { node: N3 },
    live(recorded('query-nodes-drained.txt'), recorded('query-instances.txt'), NODE1_DOWN),
  );
  t.is(plan.result.detail, `gnt-instance migrate -f -n ${N2} -- inst2.example.org`);
  t.like(plan.result.moves[0], { target: N2 });
});

test('gnt.evacuate: nowhere to go when the only other node does not answer names it', (t) => {
  const nodes = recorded('query-nodes-drained.txt')
    .split('\n')
    .filter((l) => !l.startsWith(N2))
    .join('\n');
  const boot = NODE1_DOWN.split('\n')
    .filter((l) => !l.startsWith(N2))
    .join('\n');
  const err = t.throws(() =>
    planFromAnswer(gnt.evacuate, { node: N3 }, live(nodes, recorded('query-instances.txt'), boot)),
  );
  t.regex(err?.message ?? '', /no node can take inst2\.example\.org: .*\(not answering: node1\.example\.org\)/);
});

test('gnt.query live: reachable per node, and the message says which node does not answer', (t) => {
  const plan = planFromAnswer(
    gnt.query,
    { live: true },
    live(recorded('query-nodes.txt'), recorded('query-instances.txt'), NODE1_DOWN),
  );
  t.deepEqual(
    plan.result.nodes.map((n) => [n.name, n.reachable]),
    [
      [M, false],
      [N2, true],
      [N3, true],
    ],
  );
  t.regex(plan.result.message ?? '', /node1\.example\.org not answering/);
  // Without live the nodes carry no reachable at all (not "false").
  const plain = planFromAnswer(
    gnt.query,
    {},
    answer('up', `${recorded('query-nodes.txt').trimEnd()}\n%%\n${recorded('query-instances.txt').trimEnd()}`),
  );
  t.is(plain.result.nodes[0].reachable, undefined);
});

test("gnt.verify quotes a failing hook's output and names the node, not its UUID", (t) => {
  const { out, rc } = recordedGaneti('verify-hook-fails-uuid.txt');
  // verify-hook-fails-uuid.txt and node-uuids.txt: recorded on the same lab cluster, one after the other.
  const withNames = `${out.trimEnd()}\n%%uuids\n${recorded('node-uuids.txt').trimEnd()}`;
  const err = t.throws(() => planFromAnswer(gnt.verify, { retries: 0 }, answer('up', withNames, rc)));
  t.regex(
    err?.message ?? '',
    /ERROR:ENODEHOOKS:node:node2\.example\.org:Script cluster-verify-post\.d\/50-drover-test failed, output: maintenance test: failing on purpose/,
  );
  t.notRegex(err?.message ?? '', /c2830c9e/);
  // The parser alone: the hook's output line belongs to its finding.
  t.is(parseVerify(namedVerifyOutput(withNames)).errors[0].object, N2);
});

test('gnt.master takeOver false: where the master is, from a node that is not (a demoted former master); never a change', (t) => {
  const plan = planFromAnswer(gnt.master, { takeOver: false }, answer('not-master', '', 0, N2, M));
  t.like(plan.result, { changed: false, master: N2 });
  t.is(plan.apply, undefined);
  t.regex(
    t.throws(() => planFromAnswer(gnt.master, { takeOver: false }, answer('none', '', 0, '', '')))?.message ?? '',
    /not initialised/,
  );
});
