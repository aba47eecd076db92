// gnt.master planned from probe answers (no host): nothing on the master, master-failover elsewhere, refusals.
import test from 'ava';
import { ganetiFixture } from '../../support/ganeti.ts';
import { gnt } from '../../../modules/ganeti/gnt.ts';
import { planFromAnswer, probeCommand, type Answer } from '../../../modules/kit.ts';

const fixture = ganetiFixture;
const M = 'node1.example.org';
const answer = (st: string, master: string, self: string, why = '', out = ''): Answer => [
  ['state', st],
  ['master', master],
  ['self', self],
  ['why', why],
  ['out', out],
];

test('gnt.master: on the master → nothing to do (master-failover there is refused by Ganeti anyway)', (t) => {
  t.regex(fixture('master-failover-on-master.txt'), /must be run on the node where you want the new master to be/);
  const plan = planFromAnswer(gnt.master, {}, answer('up', M, M));
  t.deepEqual(plan.result, { changed: false, master: M, previous: M });
  t.is(plan.apply, undefined);
});

test('gnt.master: on another node → gnt-cluster master-failover there', (t) => {
  // master-failover.txt: Ganeti prints nothing and exits 0; the apply reads getmaster back to be sure.
  t.is(fixture('master-failover.txt'), 'rc=0\n');
  const plan = planFromAnswer(gnt.master, {}, answer('not-master', M, 'node2.example.org'));
  t.like(plan.result, {
    changed: true,
    master: M,
    previous: M,
    message: `would take the master role from ${M}`,
    detail: 'gnt-cluster master-failover',
  });
  t.is(typeof plan.apply, 'function');
});

test('gnt.master: the probe asks nothing beyond getmaster', (t) => {
  t.regex(probeCommand(gnt.master, {}), /gnt-cluster getmaster/);
  t.notRegex(probeCommand(gnt.master, {}), /gnt-(node|instance) list/);
});

test('gnt.master: no cluster → a real run refuses; a dead master daemon → the half-initialised error', async (t) => {
  const plan = planFromAnswer(gnt.master, {}, answer('none', '', ''));
  t.true(plan.result.changed);
  await t.throwsAsync(async () => (plan.apply as () => Promise<unknown>)(), {
    message: /gnt-cluster master-failover: the Ganeti cluster is not initialised here/,
  });
  const broken = answer('broken', '', '', 'gnt-cluster getmaster', fixture('not-initialised.txt'));
  t.regex(t.throws(() => planFromAnswer(gnt.master, {}, broken))?.message ?? '', /half-initialised/);
});
