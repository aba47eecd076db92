// Issue 25: module calls run concurrently on one host (Promise.all in its body) are each attributed to their own call everywhere.
import test from 'ava';
import { CheckModeViolation, ModuleError } from '../../core/errors.ts';
import { defineModule, probe } from '../../core/module.ts';
import { sh } from '../../core/sh.ts';
import { localHost } from '../support/host.ts';

/** Reads a word from the host, logs a progress line, waits, then plans a change or fails. */
const word = defineModule<
  { name: string; wait: number; fail?: boolean; change?: boolean },
  string,
  { changed: boolean }
>({
  name: 'word',
  title: (p) => `word ${p.name}`,
  facts: probe(
    (p, f) => sh`sleep ${String(p.wait)}; ${f.section('w', sh`echo ${p.name}`)}`,
    (s) => s.text('w').trim(),
    () => ['w'],
  ),
  plan: (p, w) => {
    if (p.fail) throw new Error(`plan of ${w} failed`);
    return { result: { changed: Boolean(p.change), message: `read ${w}` }, apply: sh`true` };
  },
});

/** Logs progress as its own module, twice, around a wait: the other call logs in between. */
const chatty = defineModule<{ name: string; wait: number }, string, { changed: boolean }>({
  name: 'chatty',
  title: (p) => `chatty ${p.name}`,
  facts: async (host, p) => {
    host.log(`${p.name}: before`);
    const r = await host.exec(sh`sleep ${String(p.wait)}; echo ${p.name}`);
    host.log(`${p.name}: after`);
    return r.stdout.trim();
  },
  plan: (_p, w) => ({ result: { changed: false, message: w } }),
});

test('two concurrent module calls on one host: events, progress and errors each name their own module', async (t) => {
  const { host, events, close } = localHost();
  t.teardown(close);
  const [a, b, c] = await Promise.allSettled([
    chatty(host, { name: 'one', wait: 0.1 }),
    word(host, { name: 'two', wait: 0.05, fail: true }),
    chatty(host, { name: 'three', wait: 0 }),
  ]);
  t.is(a.status, 'fulfilled');
  t.is(c.status, 'fulfilled');
  t.is(b.status, 'rejected');
  const err = (b as PromiseRejectedResult).reason as ModuleError;
  t.true(err instanceof ModuleError);
  t.is(err.module, 'word');
  t.regex(err.message, /plan of two failed/);

  // Each progress line is attributed to the call that logged it, though the calls interleave.
  const progress = events.flatMap((e) => (e.kind === 'module-progress' ? [[e.module, e.line]] : []));
  t.deepEqual(
    progress.filter(([, l]) => /^(one|three):/.test(l)).map(([m]) => m),
    ['chatty', 'chatty', 'chatty', 'chatty'],
  );
  t.true(progress.some(([m, l]) => m === 'chatty' && l === 'three: after'));
  // The calls overlapped: "three" started while "one" was still waiting (their commands run in order).
  const lines = progress.map(([, l]) => l);
  t.true(lines.indexOf('three: before') < lines.indexOf('one: after'), lines.join(', '));

  const ends = events.flatMap((e) => (e.kind === 'module-end' ? [`${e.module} ${e.title} ${e.status}`] : []));
  t.deepEqual(ends.sort(), ['chatty chatty one ok', 'chatty chatty three ok', 'word word two failed'].sort());
  const starts = events.filter((e) => e.kind === 'module-start').length;
  t.is(starts, 3);
});

test('in --check, a changing command of one of two concurrent calls names that call, not the other', async (t) => {
  const { host, close } = localHost({ check: true });
  t.teardown(close);
  const sneaky = defineModule<{ wait: number }, null, { changed: boolean }>({
    name: 'sneaky',
    title: () => 'sneaky',
    facts: async (h, p) => {
      await h.exec(sh`sleep ${String(p.wait)}`);
      return null;
    },
    plan: () => ({ result: { changed: true }, apply: sh`true` }),
  });
  const bad = defineModule<{ wait: number }, null, { changed: boolean }>({
    name: 'bad',
    title: () => 'bad',
    // A facts step that does not go through its read-only view: the host refuses it in --check.
    facts: async () => {
      await new Promise((r) => setTimeout(r, 20));
      await host.exec(sh`touch /nonexistent-drover-test`);
      return null;
    },
    plan: () => ({ result: { changed: false } }),
  });
  const [s, b] = await Promise.allSettled([sneaky(host, { wait: 0.1 }), bad(host, { wait: 0 })]);
  t.is(s.status, 'fulfilled');
  const e = (b as PromiseRejectedResult).reason as ModuleError;
  t.is(e.module, 'bad');
  t.true(e.cause instanceof CheckModeViolation);
  t.regex((e.cause as Error).message, /^bad tried to run a changing command in --check mode/);
});

/** Runs a command whose output lines are progress lines (exec's `progress`), as `emerge` and `command` do. */
const live = defineModule<{ lines: string[] }, null, { changed: boolean }>({
  name: 'live',
  title: () => 'live output',
  facts: async (host, p) => {
    await host.exec(sh`for l in ${p.lines}; do echo "$l"; sleep 0.05; done`, { progress: true });
    return null;
  },
  plan: () => ({ result: { changed: false } }),
});

test("a command's live output lines belong to the module that ran it, wherever the connection was opened", async (t) => {
  const { host, events, close } = localHost();
  t.teardown(close);
  // The connection (and its stream's async context) is made outside any module call.
  await host.exec(sh`true`, { readOnly: true });
  await Promise.all([live(host, { lines: ['a1', 'a2'] }), live(host, { lines: ['b1', 'b2'] })]);
  const progress = events.flatMap((e) => (e.kind === 'module-progress' ? [[e.module, e.line]] : []));
  t.deepEqual(
    progress.filter(([, l]) => /^[ab][12]$/.test(l)).sort((x, y) => x[1].localeCompare(y[1])),
    [
      ['live', 'a1'],
      ['live', 'a2'],
      ['live', 'b1'],
      ['live', 'b2'],
    ],
  );
});
