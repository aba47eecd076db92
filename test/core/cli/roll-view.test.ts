// The terminal view of a roll, on recorded event sequences: a node's turn keeps each step (the master's calls for it included) within the terminal's rows, finished lines never change (nor after the recap), long calls' clocks run, phases too tall for the terminal are summarised.
import test from 'ava';
import type { RunEvent } from '../../../core/events.ts';
import { ListrRenderer } from '../../../core/render/listr.ts';
import { createRenderer } from '../../../core/render/index.ts';

/** The text each host's line shows now (the view's own bookkeeping: listr2 draws it only on a terminal). */
function lines(r: ListrRenderer): Record<string, string | undefined> {
  const hosts = (r as unknown as { hosts: Map<string, { last?: string }> }).hosts;
  return Object.fromEntries([...hosts].map(([h, l]) => [h, l.last?.replace(/\x1b\[[0-9;]*m/g, '')]));
}

test("a module on the master during node2's turn shows on node2's line; the master's finished line keeps its own last step", async (t) => {
  const r = new ListrRenderer({ write: () => undefined, diff: false, verbose: false, hookTerminal: false });
  const m = 'node1.example.org';
  const n2 = 'node2.example.org';
  const events: RunEvent[] = [
    { kind: 'phase-start', phase: 'Maintain node', hosts: [m] },
    { kind: 'module-start', host: m, module: 'gnt.daemons', title: 'gnt daemons restart always' },
    {
      kind: 'module-end',
      host: m,
      module: 'gnt.daemons',
      title: 'gnt daemons restart always',
      status: 'changed',
      ms: 1,
      message: 'restarted',
    },
    { kind: 'phase-host-end', phase: 'Maintain node', host: m, status: 'ok' },
    { kind: 'phase-end', phase: 'Maintain node', ms: 1 },
    { kind: 'phase-start', phase: 'Maintain node', hosts: [n2] },
    { kind: 'module-start', host: m, module: 'gnt.nodeFlags', title: `gnt node ${n2} drained` },
  ];
  for (const e of events) r.emit(e);
  t.is(lines(r)[n2], `${m}: gnt node ${n2} drained`, 'the drain shows as it happens, on the node being maintained');
  r.emit({
    kind: 'module-end',
    host: m,
    module: 'gnt.nodeFlags',
    title: `gnt node ${n2} drained`,
    status: 'changed',
    ms: 1,
    message: `${n2}: drained`,
  });
  t.is(lines(r)[n2], `${m}: changed gnt node ${n2} drained — ${n2}: drained`);
  r.emit({ kind: 'module-start', host: m, module: 'gnt.verify', title: 'gnt cluster verify' });
  t.is(lines(r)[n2], `${m}: gnt cluster verify`);
  t.is(lines(r)[m], 'changed gnt daemons restart always — restarted', "the master's finished line is left as it ended");
  r.emit({ kind: 'phase-host-end', phase: 'Maintain node', host: n2, status: 'ok' });
  r.emit({ kind: 'recap', stats: {}, ms: 1, check: false, interrupted: false });
  await r.end();
  t.pass();
});

/** A stand-in for the listr2 task of `host`'s line: what the view last gave listr2 to draw under the host. */
function watchTask(r: ListrRenderer, host: string): { output?: string; title?: string } {
  const hosts = (r as unknown as { hosts: Map<string, { task?: unknown }> }).hosts;
  const task: { output?: string; title?: string } = {};
  hosts.get(host)!.task = task;
  return task;
}

const plain = (s: string | undefined) => s?.replace(/\x1b\[[0-9;]*m/g, '');

function call(host: string, module: string, title: string, status: 'ok' | 'changed', message?: string): RunEvent[] {
  return [
    { kind: 'module-start', host, module, title },
    { kind: 'module-end', host, module, title, status, ms: 1, ...(message && { message }) },
  ];
}

test("a node's turn in a roll keeps every step on screen (drain, migrate, restart, undrain, verify), not only the last", async (t) => {
  const r = new ListrRenderer({
    write: () => undefined,
    diff: false,
    verbose: false,
    hookTerminal: false,
    rows: 40,
    columns: 110,
  });
  const m = 'node1.example.org';
  const n2 = 'node2.example.org';
  r.emit({ kind: 'batch-start', phase: 'Maintain nodes', index: 2, count: 3, hosts: [n2] });
  r.emit({ kind: 'phase-start', phase: 'Maintain node', hosts: [n2] });
  const task = watchTask(r, n2);
  for (const e of call(m, 'gnt.nodeFlags', `gnt node ${n2} drained`, 'changed', `${n2}: drained`)) r.emit(e);
  r.emit({ kind: 'module-start', host: m, module: 'gnt.evacuate', title: `gnt evacuate ${n2}` });
  t.is(
    plain(task.output),
    `${m}: changed gnt node ${n2} drained — ${n2}: drained\n${m}: gnt evacuate ${n2}`,
    'the drain stays while the migration is at work',
  );
  r.emit({
    kind: 'module-end',
    host: m,
    module: 'gnt.evacuate',
    title: `gnt evacuate ${n2}`,
    status: 'changed',
    ms: 1,
    message: 'migrated inst1',
  });
  for (const e of [
    ...call(n2, 'gnt.daemons', 'gnt daemons restart always', 'changed', 'restarted'),
    ...call(m, 'gnt.nodeFlags', `gnt node ${n2} undrained`, 'changed'),
    ...call(m, 'gnt.verify', 'gnt cluster verify', 'ok'),
  ])
    r.emit(e);
  t.deepEqual(plain(task.output)?.split('\n'), [
    `${m}: changed gnt node ${n2} drained — ${n2}: drained`,
    `${m}: changed gnt evacuate ${n2} — migrated inst1`,
    'changed gnt daemons restart always — restarted',
    `${m}: changed gnt node ${n2} undrained`,
    `${m}: ✔ gnt cluster verify`,
  ]);
  r.emit({ kind: 'phase-host-end', phase: 'Maintain node', host: n2, status: 'ok' });
  r.emit({ kind: 'recap', stats: {}, ms: 1, check: false, interrupted: false });
  await r.end();
});

test('a long turn shows its latest steps within its rows, the older ones folded into one line', async (t) => {
  const r = new ListrRenderer({ write: () => undefined, diff: false, verbose: false, hookTerminal: false, rows: 12 });
  const n = 'node2.example.org';
  r.emit({ kind: 'batch-start', phase: 'Roll', index: 1, count: 1, hosts: [n] });
  r.emit({ kind: 'phase-start', phase: 'Turn', hosts: [n] });
  const task = watchTask(r, n);
  for (let i = 1; i <= 9; i++) for (const e of call(n, 'command', `command step${i}`, 'ok')) r.emit(e);
  // 12 rows: 4 spare, the phase's title, the host's title: 6 rows for its steps.
  t.deepEqual(plain(task.output)?.split('\n'), [
    '… 4 earlier steps',
    '✔ command step5',
    '✔ command step6',
    '✔ command step7',
    '✔ command step8',
    '✔ command step9',
  ]);
  r.emit({ kind: 'phase-host-end', phase: 'Turn', host: n, status: 'ok' });
  r.emit({ kind: 'recap', stats: {}, ms: 1, check: false, interrupted: false });
  await r.end();
});

test('after the recap (a second Ctrl-C stops waiting for the body) a call still ending changes no line', async (t) => {
  const r = new ListrRenderer({ write: () => undefined, diff: false, verbose: false, hookTerminal: false });
  const m = 'node1.example.org';
  const n2 = 'node2.example.org';
  r.emit({ kind: 'phase-start', phase: 'Check nodes', hosts: [m, n2] });
  r.emit({ kind: 'phase-host-end', phase: 'Check nodes', host: m, status: 'ok' });
  r.emit({ kind: 'phase-host-end', phase: 'Check nodes', host: n2, status: 'ok' });
  r.emit({ kind: 'batch-start', phase: 'Maintain nodes', index: 1, count: 3, hosts: [m] });
  r.emit({ kind: 'phase-start', phase: 'Maintain node', hosts: [m] });
  const task = watchTask(r, m);
  r.emit({ kind: 'module-start', host: n2, module: 'gnt.evacuate', title: `gnt evacuate ${m}` });
  const before = task.output;
  t.is(plain(before), `${n2}: gnt evacuate ${m}`);
  r.emit({ kind: 'play-stopped', reason: 'stopped at once (second Ctrl-C)' });
  r.emit({ kind: 'recap', stats: {}, ms: 1, check: false, interrupted: true });
  r.emit({
    kind: 'module-end',
    host: n2,
    module: 'gnt.evacuate',
    title: `gnt evacuate ${m}`,
    status: 'changed',
    ms: 1,
  });
  r.emit({ kind: 'module-progress', host: n2, module: 'gnt.evacuate', line: 'late output' });
  t.is(task.output, before, 'listr2 would draw the finished block again under the recap');
  await r.end();
});

test('a line logged outside any module call shows without an empty module name', async (t) => {
  const r = new ListrRenderer({ write: () => undefined, diff: false, verbose: false, hookTerminal: false });
  const n = 'node1.example.org';
  r.emit({ kind: 'phase-start', phase: 'Maintain node', hosts: [n] });
  const task = watchTask(r, n);
  r.emit({ kind: 'module-progress', host: n, module: '', line: 'ganeti-noded...done.' });
  t.is(task.output, 'ganeti-noded...done.');
  r.emit({ kind: 'phase-host-end', phase: 'Maintain node', host: n, status: 'ok' });
  r.emit({ kind: 'recap', stats: {}, ms: 1, check: false, interrupted: false });
  await r.end();
});

test("the playbook's own line in a turn (Ctrl-C: rolling back) stays among the steps; a call's nameless output passes", async (t) => {
  const r = new ListrRenderer({ write: () => undefined, diff: false, verbose: false, hookTerminal: false, rows: 40 });
  const m = 'node1.example.org';
  const n = 'node2.example.org';
  r.emit({ kind: 'batch-start', phase: 'Maintain nodes', index: 2, count: 3, hosts: [n] });
  r.emit({ kind: 'phase-start', phase: 'Maintain node', hosts: [n] });
  const task = watchTask(r, n);
  r.emit({ kind: 'module-progress', host: n, module: '', line: 'Ctrl-C: rolling back (nothing was restarted)' });
  r.emit({ kind: 'module-start', host: m, module: 'gnt.nodeFlags', title: `gnt node ${n} undrained` });
  r.emit({ kind: 'module-progress', host: m, module: '', line: 'INFO: Auto-promoting node to master candidate' });
  t.deepEqual(plain(task.output)?.split('\n'), [
    'Ctrl-C: rolling back (nothing was restarted)',
    `${m}: INFO: Auto-promoting node to master candidate`,
  ]);
  r.emit({
    kind: 'module-end',
    host: m,
    module: 'gnt.nodeFlags',
    title: `gnt node ${n} undrained`,
    status: 'changed',
    ms: 1,
  });
  t.deepEqual(plain(task.output)?.split('\n'), [
    'Ctrl-C: rolling back (nothing was restarted)',
    `${m}: changed gnt node ${n} undrained`,
  ]);
  r.emit({ kind: 'phase-host-end', phase: 'Maintain node', host: n, status: 'interrupted' });
  r.emit({ kind: 'recap', stats: {}, ms: 1, check: false, interrupted: true });
  await r.end();
});

test('a phase on every node of a 12-node cluster on a 24-row terminal is summarised: its 25 rows would not fit', async (t) => {
  let out = '';
  const sink = await createRenderer({
    kind: 'listr',
    diff: false,
    verbose: false,
    isTTY: true,
    rows: 24,
    write: (s) => void (out += s),
  });
  const hosts = Array.from({ length: 12 }, (_, i) => `node${i + 1}.example.org`);
  sink.emit({ kind: 'phase-start', phase: 'Check nodes', hosts });
  for (const host of hosts) {
    sink.emit({ kind: 'module-start', host, module: 'gnt.daemons', title: 'gnt daemons' });
    sink.emit({ kind: 'module-end', host, module: 'gnt.daemons', title: 'gnt daemons', status: 'ok', ms: 1 });
    sink.emit({ kind: 'phase-host-end', phase: 'Check nodes', host, status: 'ok' });
  }
  sink.emit({ kind: 'phase-end', phase: 'Check nodes', ms: 1 });
  sink.emit({ kind: 'recap', stats: {}, ms: 1, check: false, interrupted: false });
  await sink.end();
  t.regex(plain(out) ?? '', /✔ Check nodes {2}12\/12 done/);
});

test("a long command's clock keeps running between its progress events (they come every 5 s)", async (t) => {
  const r = new ListrRenderer({ write: () => undefined, diff: false, verbose: false, hookTerminal: false, rows: 40 });
  const m = 'node1.example.org';
  const n = 'node2.example.org';
  r.emit({ kind: 'batch-start', phase: 'Maintain nodes', index: 1, count: 1, hosts: [n] });
  r.emit({ kind: 'phase-start', phase: 'Maintain node', hosts: [n] });
  const task = watchTask(r, n);
  r.emit({ kind: 'module-start', host: m, module: 'gnt.master', title: 'gnt master (this node)' });
  r.emit({ kind: 'progress', host: m, module: 'gnt.master', elapsedMs: 2_000 });
  t.is(task.output, `${m}: gnt.master: running 0:02`);
  (r as unknown as { tick(now: number): void }).tick(Date.now() + 3_000);
  t.is(task.output, `${m}: gnt.master: running 0:05`, 'the clock stood still until the next event');
  r.emit({
    kind: 'module-end',
    host: m,
    module: 'gnt.master',
    title: 'gnt master (this node)',
    status: 'changed',
    ms: 1,
  });
  (r as unknown as { tick(now: number): void }).tick(Date.now() + 9_000);
  t.is(plain(task.output), `${m}: changed gnt master (this node)`, 'a finished call has no clock');
  r.emit({ kind: 'phase-host-end', phase: 'Maintain node', host: n, status: 'ok' });
  r.emit({ kind: 'recap', stats: {}, ms: 1, check: false, interrupted: false });
  await r.end();
});
