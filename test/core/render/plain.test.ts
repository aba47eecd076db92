import test from 'ava';
import type { RunEvent } from '../../../core/events.ts';
import { DiffGroupingSink } from '../../../core/render/group-diffs.ts';
import { JsonRenderer } from '../../../core/render/json.ts';
import { PlainRenderer } from '../../../core/render/plain.ts';
import { formatRecap, StatsCollector } from '../../../core/render/recap.ts';

/** A run's events as the runner emits them: two hosts change files in parallel, one fails. */
const events: RunEvent[] = [
  { kind: 'run-start', playbook: 'p.ts', name: 'Demo', hosts: ['a', 'b', 'c'], check: false },
  { kind: 'phase-start', phase: 'Files', hosts: ['a', 'b', 'c'] },
  { kind: 'module-start', host: 'a', module: 'sysfile', title: 'sysfile /etc/motd' },
  { kind: 'module-start', host: 'b', module: 'sysfile', title: 'sysfile /etc/motd' },
  {
    kind: 'module-end',
    host: 'b',
    module: 'sysfile',
    title: 'sysfile /etc/motd',
    status: 'changed',
    ms: 3,
    callsite: 'p.ts:5',
    changes: [{ path: '/etc/motd', before: 'old\n', after: 'new b\n' }],
  },
  {
    kind: 'module-end',
    host: 'a',
    module: 'sysfile',
    title: 'sysfile /etc/motd',
    status: 'changed',
    ms: 4,
    callsite: 'p.ts:5',
    changes: [{ path: '/etc/motd', before: 'old\n', after: 'new a\n' }],
  },
  { kind: 'module-end', host: 'a', module: 'command', title: 'command true', status: 'ok', ms: 1 },
  {
    kind: 'module-end',
    host: 'c',
    module: 'command',
    title: 'command false',
    status: 'failed',
    ms: 1,
    message: 'Command failed with exit code 1 on c: false',
  },
  {
    kind: 'host-failed',
    host: 'c',
    phase: 'Files',
    message: 'command failed on c (p.ts:7): Command failed with exit code 1 on c: false',
  },
  {
    kind: 'module-end',
    host: 'b',
    module: 'command',
    title: 'command x',
    status: 'skipped',
    ms: 1,
    message: 'skipped: check mode',
  },
  { kind: 'phase-end', phase: 'Files', ms: 10 },
];

function render(diff: boolean): string {
  let out = '';
  // As createRenderer builds it with --diff: the grouping sink derives phase-diffs from module-end.
  const r = new DiffGroupingSink(new PlainRenderer({ write: (s) => (out += s), color: false, diff, verbose: false }));
  const stats = new StatsCollector();
  for (const e of events) {
    r.emit(e);
    stats.emit(e);
  }
  r.emit({ kind: 'recap', stats: stats.stats, ms: 1234, check: false, interrupted: false });
  return out;
}

test('plain lines start with the host they are about', (t) => {
  const out = render(false);
  t.regex(out, /^b \| changed \| sysfile \/etc\/motd p\.ts:5$/m);
  t.regex(out, /^c \| failed \| command false: Command failed with exit code 1 on c: false$/m);
  t.regex(out, /^c \| FAILED in phase "Files": /m);
  t.false(out.includes('+++'), 'no diffs without --diff');
});

test('with --diff, diffs come after the phase grouped by host, never interleaved', (t) => {
  const out = render(true);
  // Groups come in the phase's host order (a, then b): each host's different diff is its own block.
  const start = out.search(/^[ab]: sysfile/m);
  t.true(start > 0, out);
  const diffs = out.slice(start, out.indexOf('RECAP'));
  const blocks = diffs.split(/^(?=[ab]: sysfile)/m).filter(Boolean);
  t.is(blocks.length, 2, diffs);
  for (const block of blocks) {
    const host = block[0];
    t.regex(block, new RegExp(`^\\+new ${host}$`, 'm'));
    t.notRegex(block, new RegExp(`^\\+new ${host === 'a' ? 'b' : 'a'}$`, 'm'));
  }
  t.true(start > out.lastIndexOf('| command x'), 'diffs follow the phase lines');
  t.true(out.indexOf('a: sysfile') < out.indexOf('b: sysfile'), 'in the phase host order');
});

test('recap counts per host like ansible-playbook', (t) => {
  const stats = new StatsCollector();
  for (const e of events) stats.emit(e);
  t.deepEqual(stats.stats.a, { ok: 1, changed: 1, failed: 0, skipped: 0, unreachable: 0, rescued: 0 });
  t.deepEqual(stats.stats.b, { ok: 0, changed: 1, failed: 0, skipped: 1, unreachable: 0, rescued: 0 });
  // the failed module and the host-failed that follows it are one failure
  t.is(stats.stats.c.failed, 1);
  t.is(formatRecap({ c: stats.stats.c }), 'c : ok=0 changed=0 unreachable=0 failed=1 skipped=0');
});

test('an unreachable host counts unreachable, not failed', (t) => {
  const stats = new StatsCollector();
  stats.emit({ kind: 'run-start', playbook: 'p', name: 'x', hosts: ['d'], check: false });
  stats.emit({ kind: 'module-end', host: 'd', module: 'command', title: 't', status: 'unreachable', ms: 1 });
  stats.emit({ kind: 'host-unreachable', host: 'd', phase: 'P', message: 'connection lost' });
  t.deepEqual(stats.stats.d, { ok: 0, changed: 0, failed: 0, skipped: 0, unreachable: 1, rescued: 0 });
});

test('json: one parseable event per line, diffs as text instead of file bodies', (t) => {
  let out = '';
  const r = new JsonRenderer((s) => (out += s));
  for (const e of events) r.emit(e);
  const lines = out
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  t.is(lines.length, events.length);
  const change = lines.find((l) => l.kind === 'module-end' && l.host === 'a' && l.status === 'changed') as {
    changes: { path: string; diff: string }[];
  };
  t.is(change.changes[0].path, '/etc/motd');
  t.regex(change.changes[0].diff, /^-old\n\+new a$/m);
  t.false(JSON.stringify(change).includes('"before"'));
});
