// The maintenance roll's pure cluster reading (playbooks/ganeti/maintenance/health.ts) on lists recorded from Ganeti 3.0.2, and its --phase/--start-at selection (the refusal's hint taken literally).
import test from 'ava';
import path from 'node:path';
import { UsageError } from '../../../core/errors.ts';
import { outlinePlaybook } from '../../../core/typecheck/outline.ts';
import { selectPhases } from '../../../core/typecheck/phase-select.ts';
import { parseClusterState } from '../../../modules/ganeti/gnt-query-facts.ts';
import { describeCluster, healthProblems, leftovers } from '../../../playbooks/ganeti/maintenance/health.ts';
import type { MaintenanceVars } from '../../../playbooks/ganeti/maintenance/vars.ts';
import { recordedGaneti } from '../../support/ganeti.ts';
import { REPO } from '../../support/cli.ts';

const rec = (name: string) => recordedGaneti(name).out.trimEnd();
const M = 'node1.example.org';
const N2 = 'node2.example.org';
const N3 = 'node3.example.org';
const vars = {
  master: M,
  instances: [
    { name: 'inst1.example.org', node: N2, template: 'file' },
    { name: 'inst2.example.org', node: N3, template: 'diskless' },
  ],
} as unknown as MaintenanceVars;
const everyone = { lost: () => false, maintained: () => true };
const cluster = (nodes: string, instances: string, master = M, live?: string) =>
  parseClusterState(
    `${rec(nodes)}\n%%\n${rec(instances)}${live ? `\n%%\n${rec(live)}` : ''}`,
    master,
    live !== undefined,
  );

test('a healthy cluster has no problem, before and after the roll', (t) => {
  const s = cluster('query-nodes.txt', 'query-instances.txt');
  t.deepEqual(healthProblems(s, { vars, ...everyone }, false), []);
  t.deepEqual(healthProblems(s, { vars, ...everyone }, true), []);
  t.deepEqual(describeCluster(s, vars), [`master: ${M}`, 'drained: none', 'instances: 2 running where they should']);
});

test('unhealthy before the first node: a daemon down, a node out of reach, an instance down, a node not answering', (t) => {
  const s = cluster('query-nodes.txt', 'query-instances.txt', M, 'query-live-node1-down.txt');
  const problems = healthProblems(
    s,
    { vars, lost: (n) => n === N3, maintained: (n) => n !== N3, daemonsRunning: new Map([[N2, false]]) },
    false,
  );
  t.deepEqual(problems, [
    `${M}: its ganeti-noded does not answer the master`,
    `${N2}: ganeti-noded is not running`,
    `${N3}: not reachable over SSH (it left the play)`,
  ]);
  const down = cluster('query-nodes.txt', 'query-instances-down.txt');
  // ADMIN_down is what the admin asked for: not a problem; only an instance that should run.
  t.deepEqual(healthProblems(down, { vars, ...everyone }, false), []);
});

test('what a roll cut short leaves: drained node, master away, instance away; the recap lines say so and what a rerun does', (t) => {
  const s = cluster('query-nodes-after-failover.txt', 'query-instances.txt', N2);
  t.deepEqual(leftovers(s, vars), { drained: [], masterAway: M, away: [] });
  t.deepEqual(healthProblems(s, { vars, ...everyone }, true), [`the master is ${N2}, not ${M}`]);
  t.regex(
    describeCluster(s, vars).join('\n'),
    /master: node2\.example\.org \(the inventory's master is node1\.example\.org: a rerun gives it back\)/,
  );

  const drained = cluster('query-nodes-drained.txt', 'query-instances.txt');
  t.deepEqual(leftovers(drained, vars).drained, [N3]);
  t.deepEqual(healthProblems(drained, { vars, ...everyone }, false), [], 'drained is no reason to refuse the rerun');
  t.deepEqual(healthProblems(drained, { vars, ...everyone }, true), [`${N3}: still drained`]);

  // inst2 (diskless) on node1 and inst1 (file) moved to node3: one migrates back, the other is drift to report.
  const moved = parseClusterState(
    `${rec('query-nodes.txt')}\n%%\ninst1.example.org|running|up|${N3}||file|noop\ninst2.example.org|running|up|${M}||diskless|noop`,
    M,
  );
  const lines = describeCluster(moved, vars);
  t.true(lines.includes(`inst2.example.org: on ${M}, the inventory puts it on ${N3} (a rerun migrates it back)`));
  t.true(
    lines.includes(
      `inst1.example.org: on ${N3}, the inventory puts it on ${N2} (cannot migrate: move it back by hand, with downtime)`,
    ),
  );
  t.true(lines.includes('instances: 2 running'));
});

test("--start-at 'Maintain nodes' with the refusal's hint taken literally runs the roll, or is refused before any host; never an empty run", (t) => {
  const file = path.join(REPO, 'playbooks/ganeti-maintenance.ts');
  const items = outlinePlaybook(file, { cwd: REPO });
  const refusal = t.throws(() => selectPhases(items, { startAt: 'Maintain nodes' }, 'ganeti-maintenance.ts'), {
    instanceOf: UsageError,
  });
  const hint = /Run those phases too: (.*) \(without --start-at\)/.exec(refusal?.message ?? '');
  t.truthy(hint, refusal?.message);
  const phases = [...(hint?.[1] ?? '').matchAll(/--phase "([^"]+)"/g)].map((m) => m[1]);
  const chosen = selectPhases(items, { phases }, 'ganeti-maintenance.ts');
  t.is(chosen.skip('Maintain nodes'), undefined);
  t.is(chosen.skip('Cluster before'), undefined);
  // The issue's command: --phase names only phases before --start-at: nothing would run.
  t.throws(
    () =>
      selectPhases(
        items,
        { startAt: 'Maintain nodes', phases: ['Check nodes', 'Cluster before'] },
        'ganeti-maintenance.ts',
      ),
    { instanceOf: UsageError, message: /selects no phase/ },
  );
});
