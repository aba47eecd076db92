// The terminal view of a roll: a call on the master while a node of the next batch is maintained shows on that node's line as it happens, never on the master's finished line of an earlier phase.
import test from 'ava';
import type { RunEvent } from '../../../core/events.ts';
import { ListrRenderer } from '../../../core/render/listr.ts';

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
