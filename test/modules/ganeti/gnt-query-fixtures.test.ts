// gnt.query planned from probe answers holding Ganeti 3.0.2's recorded gnt-node/gnt-instance lists (no host).
import test from 'ava';
import { ProbeFormatError } from '../../../core/probe-frame.ts';
import { gnt } from '../../../modules/ganeti/gnt.ts';
import { parseInstances, parseNodes } from '../../../modules/ganeti/gnt-query-facts.ts';
import { recordedGaneti } from '../../support/ganeti.ts';
import { planFromAnswer, probeCommand, type Answer } from '../../../modules/kit.ts';

const recorded = (name: string) => recordedGaneti(name).out;

const M = 'node1.example.org';
const state = (st: string, out = '', master = M, why = ''): Answer => [
  ['state', st],
  ['master', master],
  ['self', st === 'up' ? master : ''],
  ['why', why],
  ['out', out],
];
/** What QUERY_THEN leaves in $out: both lists around the %% line (the shell's $(...) drops their final newlines). */
const both = (nodes: string, instances: string) => state('up', `${nodes.trimEnd()}\n%%\n${instances.trimEnd()}`);

test('gnt.query: the probe sends both lists in one round trip, fields named', (t) => {
  const cmd = probeCommand(gnt.query, {});
  t.regex(
    cmd,
    /gnt-node list --no-headers --separator='\|' -o name,role,drained,offline,master_candidate,vm_capable,pinst_list,sinst_list/,
  );
  t.regex(
    cmd,
    /gnt-instance list --no-headers --separator='\|' -o name,status,admin_state,pnode,snodes,disk_template,os/,
  );
});

test('gnt.query: the recorded lists become typed nodes and instances; never a change', (t) => {
  const plan = planFromAnswer(gnt.query, {}, both(recorded('query-nodes.txt'), recorded('query-instances.txt')));
  t.false(plan.result.changed);
  t.is(plan.apply, undefined);
  t.is(plan.result.master, M);
  t.deepEqual(plan.result.nodes[0], {
    name: M,
    role: 'master',
    drained: false,
    offline: false,
    masterCandidate: true,
    vmCapable: true,
    primaryInstances: [],
    secondaryInstances: [],
  });
  t.deepEqual(plan.result.nodes[2].primaryInstances, ['inst2.example.org']);
  t.deepEqual(plan.result.instances[1], {
    name: 'inst2.example.org',
    status: 'running',
    adminState: 'up',
    primary: 'node3.example.org',
    secondaries: [],
    template: 'diskless',
    os: 'noop',
  });
  t.is(plan.result.message, 'master node1.example.org; 3 node(s); 2/2 instance(s) running');
});

test('gnt.query: a drained node is typed as such and named in the message', (t) => {
  const plan = planFromAnswer(
    gnt.query,
    {},
    both(recorded('query-nodes-drained.txt'), recorded('query-instances.txt')),
  );
  t.like(plan.result.nodes[2], { role: 'drained', drained: true, masterCandidate: false });
  t.is(plan.result.message, 'master node1.example.org; 3 node(s) (node3.example.org drained); 2/2 instance(s) running');
});

test('gnt.query: after master-failover the roles move', (t) => {
  const nodes = parseNodes(recorded('query-nodes-after-failover.txt'));
  t.deepEqual(
    nodes.map((n) => n.role),
    ['candidate', 'master', 'candidate'],
  );
});

test('gnt.query: expectRunning passes when they run, fails naming each one that does not', (t) => {
  const up = both(recorded('query-nodes.txt'), recorded('query-instances.txt'));
  t.false(planFromAnswer(gnt.query, { expectRunning: true }, up).result.changed);
  t.false(planFromAnswer(gnt.query, { expectRunning: ['inst1.example.org'] }, up).result.changed);
  const down = both(recorded('query-nodes.txt'), recorded('query-instances-down.txt'));
  // true means "every instance whose admin state is up": inst2 was shut down on purpose, so it passes.
  t.false(planFromAnswer(gnt.query, { expectRunning: true }, down).result.changed);
  const err = t.throws(() =>
    planFromAnswer(gnt.query, { expectRunning: ['inst2.example.org', 'gone.example.org'] }, down),
  );
  t.is(
    err?.message,
    'instance(s) not running: inst2.example.org (ADMIN_down on node3.example.org), gone.example.org (missing)',
  );
});

test('gnt.query: off the master, the error names the master; before init, what is missing', (t) => {
  const notMaster: Answer = [
    ['state', 'not-master'],
    ['master', M],
    ['self', 'node2.example.org'],
    ['why', ''],
    ['out', ''],
  ];
  t.is(
    t.throws(() => planFromAnswer(gnt.query, {}, notMaster))?.message,
    'gnt query must run on the cluster master, which is node1.example.org (this host is node2.example.org)',
  );
  t.regex(
    t.throws(() => planFromAnswer(gnt.query, {}, state('none', '', '')))?.message ?? '',
    /the Ganeti cluster is not initialised here/,
  );
  // A list command failing on the master is a half-working cluster: the error quotes it.
  const broken = state('broken', recorded('query-not-master.txt'), '', 'gnt-node list');
  t.regex(
    t.throws(() => planFromAnswer(gnt.query, {}, broken))?.message ?? '',
    /`gnt-node list` failed:\n.*This is not the master node/s,
  );
});

test('gnt.query: hostile or odd lists are format errors, never guesses', (t) => {
  t.throws(() => parseNodes('node1.example.org|X|N|N|Y|Y||\n'), {
    instanceOf: ProbeFormatError,
    message: /unknown role "X"/,
  });
  t.throws(() => parseNodes('node1.example.org|M|maybe|N|Y|Y||\n'), {
    instanceOf: ProbeFormatError,
    message: /drained is "maybe"/,
  });
  t.throws(() => parseNodes('node1.example.org|M|N|N|Y|Y|\n'), {
    instanceOf: ProbeFormatError,
    message: /want 8 fields/,
  });
  t.throws(() => parseInstances('i|running|up|n||diskless|noop|extra\n'), { instanceOf: ProbeFormatError });
  t.throws(() => parseInstances('i|weird|up|n||diskless|noop\n'), {
    instanceOf: ProbeFormatError,
    message: /unknown status "weird"/,
  });
  // No separator, or two: an instance list cannot pass for nodes.
  t.throws(() => planFromAnswer(gnt.query, {}, state('up', recorded('query-nodes.txt'))), {
    instanceOf: ProbeFormatError,
  });
  t.throws(() => planFromAnswer(gnt.query, {}, state('up', '%%\n%%\n')), { instanceOf: ProbeFormatError });
  // Empty cluster lists (no instances) are fine.
  t.deepEqual(planFromAnswer(gnt.query, {}, both(recorded('query-nodes.txt'), '')).result.instances, []);
  t.deepEqual(parseNodes('n|R|N|N|N|Y|a,b|c\n')[0], {
    name: 'n',
    role: 'regular',
    drained: false,
    offline: false,
    masterCandidate: false,
    vmCapable: true,
    primaryInstances: ['a', 'b'],
    secondaryInstances: ['c'],
  });
});

test('gnt.query: params are checked before the host is touched', (t) => {
  t.throws(() => planFromAnswer(gnt.query, { expectRunning: ['-rf'] }, both('', '')), {
    message: /expectRunning\[0\]/,
  });
  t.throws(() => planFromAnswer(gnt.query, { expectRunning: 'all' as never }, both('', '')), {
    message: /expectRunning must be a list/,
  });
});
