// --diff at scale: a change made identically on many hosts shows once with its hosts; differing hosts apart.
import test from 'ava';
import { RedactingSink, type RunEvent } from '../../../core/events.ts';
import { describeHosts, hostRanges } from '../../../core/render/host-list.ts';
import { createRenderer, type RendererKind } from '../../../core/render/index.ts';
import { Secret, SecretSet } from '../../../core/secret.ts';

const hosts = ['node1', 'node2', 'node3', 'node4'];
const motd = (host: string, after: string): RunEvent => ({
  kind: 'module-end',
  host,
  module: 'sysfile',
  title: 'sysfile /etc/motd',
  status: 'changed',
  ms: 2,
  callsite: 'p.ts:5',
  changes: [{ path: '/etc/motd', before: 'old\n', after }],
});

/**
 * 3 hosts make the same change, node4 another; they finish out of order, as parallel hosts do (node4
 * first): groups and their hosts still come in the phase's host order.
 */
const events: RunEvent[] = [
  { kind: 'run-start', playbook: 'p.ts', name: 'Demo', hosts, check: false },
  { kind: 'phase-start', phase: 'Files', hosts },
  motd('node4', 'something else\n'),
  motd('node3', 'hello hunter2\n'),
  motd('node1', 'hello hunter2\n'),
  motd('node2', 'hello hunter2\n'),
  { kind: 'phase-end', phase: 'Files', ms: 10 },
  { kind: 'recap', stats: {}, ms: 10, check: false, interrupted: false },
];

async function render(kind: RendererKind): Promise<string> {
  let out = '';
  const sink = await createRenderer({ kind, diff: true, verbose: false, write: (s) => (out += s), isTTY: false });
  // As the runner wraps it: secrets are masked before any renderer (or the grouping) sees an event.
  const redacting = new RedactingSink(sink, new SecretSet([new Secret('hunter2')]));
  for (const e of events) redacting.emit(e);
  await redacting.end();
  return out;
}

test('plain --diff: an identical change is shown once with its hosts, a differing host on its own', async (t) => {
  const out = await render('plain');
  const diffs = out.slice(out.indexOf('\nnode[1-3]') + 1, out.indexOf('RECAP'));
  t.is(out.match(/^\+\+\+ \/etc\/motd/gm)?.length, 2, out);
  t.regex(
    diffs,
    /^node\[1-3\] \(3 hosts\): sysfile \/etc\/motd {2}\(p\.ts:5\)\n--- \/etc\/motd\t\(before\)\n\+\+\+ \/etc\/motd\t\(after\)\n@@ -1,1 \+1,1 @@\n-old\n\+hello \*\*\*$/m,
  );
  t.regex(
    diffs,
    /^node4: sysfile \/etc\/motd {2}\(p\.ts:5\)\n--- \/etc\/motd\t\(before\)\n\+\+\+ \/etc\/motd\t\(after\)\n@@ -1,1 \+1,1 @@\n-old\n\+something else$/m,
  );
  t.false(out.includes('hunter2'), 'the grouped diff stays masked');
});

test('json: module-end keeps its changes[].diff and a phase-diffs event groups identical diffs before phase-end', async (t) => {
  const lines = (await render('json'))
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown> & { kind: string });
  const ends = lines.filter((l) => l.kind === 'module-end') as unknown as {
    host: string;
    changes: { path: string; diff: string }[];
  }[];
  t.is(ends.length, 4);
  for (const e of ends) t.regex(e.changes[0].diff, /^-old$/m);
  const kinds = lines.map((l) => l.kind);
  t.is(kinds.indexOf('phase-diffs') + 1, kinds.indexOf('phase-end'), 'phase-diffs comes right before its phase-end');
  const grouped = lines.find((l) => l.kind === 'phase-diffs') as unknown as {
    phase: string;
    groups: { title: string; callsite: string; hosts: string[]; changes: { path: string; diff: string }[] }[];
  };
  t.is(grouped.phase, 'Files');
  t.deepEqual(
    grouped.groups.map((g) => ({
      title: g.title,
      callsite: g.callsite,
      hosts: g.hosts,
      paths: g.changes.map((c) => c.path),
    })),
    [
      { title: 'sysfile /etc/motd', callsite: 'p.ts:5', hosts: ['node1', 'node2', 'node3'], paths: ['/etc/motd'] },
      { title: 'sysfile /etc/motd', callsite: 'p.ts:5', hosts: ['node4'], paths: ['/etc/motd'] },
    ],
  );
  t.is(
    grouped.groups[0].changes[0].diff,
    ends.find((e) => e.host === 'node1')!.changes[0].diff,
    'the same text as module-end gives',
  );
  t.regex(grouped.groups[0].changes[0].diff, /^\+hello \*\*\*$/m);
  t.false(JSON.stringify(lines).includes('hunter2'));
});

test('no phase-diffs event when a phase changed nothing, and none without --diff for plain', async (t) => {
  let out = '';
  const json = await createRenderer({ kind: 'json', diff: false, verbose: false, write: (s) => (out += s) });
  json.emit({ kind: 'phase-start', phase: 'P', hosts: ['a'] });
  json.emit({ kind: 'module-end', host: 'a', module: 'command', title: 'command true', status: 'ok', ms: 1 });
  json.emit({ kind: 'phase-end', phase: 'P', ms: 1 });
  t.false(out.includes('phase-diffs'), out);
  out = '';
  const plain = await createRenderer({
    kind: 'plain',
    diff: false,
    verbose: false,
    write: (s) => (out += s),
    isTTY: false,
  });
  for (const e of events.slice(0, -1)) plain.emit(e);
  t.false(out.includes('+++'), out);
});

test('host ranges fold numbered names and keep zero padding; a long list is cut with a count', (t) => {
  t.deepEqual(hostRanges(['node3', 'node1', 'node2', 'node5', 'db', 'web01', 'web02', 'node10', 'node9']), [
    'db',
    'node[1-3]',
    'node5',
    'node[9-10]',
    'web[01-02]',
  ]);
  t.is(describeHosts(['a']), '1 host: a');
  const many = Array.from({ length: 500 }, (_, i) => `node${i + 1}`).filter((h) => !['node7', 'node20'].includes(h));
  t.is(describeHosts(many), '498 hosts: node[1-6], node[8-19], node[21-500]');
  t.is(describeHosts(['a', 'b', 'c', 'd'], 2), '4 hosts: a, b, … (+2 more)');
});
