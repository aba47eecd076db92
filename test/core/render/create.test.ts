// createRenderer hands back a working sink of every kind; module lines say what a person needs, no more.
import test from 'ava';
import { Interrupted, ModuleError } from '../../../core/errors.ts';
import type { RunEvent } from '../../../core/events.ts';
import { createRenderer, type RendererKind } from '../../../core/render/index.ts';
import { PlainRenderer } from '../../../core/render/plain.ts';

for (const kind of ['listr', 'plain', 'json'] as RendererKind[]) {
  test(`createRenderer({ kind: '${kind}' }) resolves to a sink, not to what a then method made of it`, async (t) => {
    let out = '';
    const sink = await createRenderer({
      kind,
      diff: false,
      verbose: false,
      write: (s) => (out += s),
      isTTY: kind === 'listr',
    });
    // An object with a `then` method is a thenable: `await` (and an async function's return) would unwrap it.
    t.is(typeof sink?.emit, 'function', `${kind}: createRenderer resolved to ${String(sink)}`);
    t.false('then' in sink, `${kind}: a sink must not have a then member`);
    // No phase: the listr renderer writes these through `write` without drawing a task list.
    sink.emit({ kind: 'run-start', playbook: 'p.ts', name: 'Demo', hosts: ['a'], check: false });
    sink.emit({
      kind: 'recap',
      stats: { a: { ok: 1, changed: 0, failed: 0, skipped: 0, unreachable: 0, rescued: 0 } },
      ms: 5,
      check: false,
      interrupted: false,
    });
    await sink.end();
    t.regex(out, kind === 'json' ? /"kind":"recap"/ : /RECAP/);
  });
}

/** sysfile's write, as `interrupted before: <command>` quotes it: a script of many lines. */
const script = Array.from({ length: 15 }, (_, i) => `line${i + 1}_of_the_write_script "$1"`).join('\n');

test('an interrupted module line shows its title, not the command it did not run', (t) => {
  // The message exactly as defineModule builds it from host.exec's Interrupted.
  const error = new ModuleError('a', 'sysfile', 'p.ts:5', new Interrupted(`interrupted before: ${script}`));
  const e: RunEvent = {
    kind: 'module-end',
    host: 'a',
    module: 'sysfile',
    title: 'sysfile /etc/motd',
    status: 'interrupted',
    ms: 2,
    callsite: 'p.ts:5',
    message: error.message,
  };
  let out = '';
  new PlainRenderer({ write: (s) => (out += s), color: false, diff: false, verbose: false }).emit(e);
  t.is(out, 'a | interrupted | sysfile /etc/motd p.ts:5\n');
});

test('a failed module line keeps its whole message (the stderr tail says why)', (t) => {
  const e: RunEvent = {
    kind: 'module-end',
    host: 'a',
    module: 'command',
    title: 'command false',
    status: 'failed',
    ms: 2,
    message: 'Command failed with exit code 3 on a: false\ndisk full',
  };
  let out = '';
  new PlainRenderer({ write: (s) => (out += s), color: false, diff: false, verbose: false }).emit(e);
  t.is(out, 'a | failed | command false: Command failed with exit code 3 on a: false\n  disk full\n');
});
