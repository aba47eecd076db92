// Which phases produce values later code reads (phase-values.ts), and --phase/--start-at resolved against them (phase-select.ts).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { UsageError } from '../../../core/errors.ts';
import { outlinePlaybook } from '../../../core/typecheck/outline.ts';
import type { PhaseOutline } from '../../../core/typecheck/outline-types.ts';
import { selectPhases } from '../../../core/typecheck/phase-select.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const F = 'test/fixtures/playbooks/phase-values.ts';
const items = outlinePlaybook(F, { cwd: REPO });
const phase = (name: string) => items.find((i): i is PhaseOutline => i.kind === 'phase' && i.name === name)!;

test('values: destructured, derived through a const, reassigned, read by a phase target, inside a rolling phase, or outside any phase', (t) => {
  t.deepEqual(phase('Elect').produces, [
    { variable: 'master', file: F, line: 6, usedBy: [{ phase: 'Last', file: F, line: 10 }] },
    { variable: 'token', file: F, line: 6, usedBy: [{ phase: 'Use token', file: F, line: 11 }] },
  ]);
  // names = [...joined.keys()] carries Join's origin; its read in `if` is code outside any phase.
  t.deepEqual(phase('Join').produces, [
    { variable: 'joined', file: F, line: 7, usedBy: [{ phase: null, file: F, line: 12 }] },
  ]);
  // `last = await ...`: read inside the rolling phase's batch phase, reported as the rolling phase.
  t.deepEqual(phase('Last').produces, [
    { variable: 'last', file: F, line: 10, usedBy: [{ phase: 'Roll', file: F, line: 14 }] },
  ]);
  t.is(phase('Inside').parent, 'Roll');
  t.deepEqual(phase('Roll').rolling, { batch: "'50%'", maxFailed: null, batchValue: '50%' });
  t.is(phase('Use token').produces, undefined);
  t.like(phase('From helper'), {
    method: 'each',
    file: F,
    line: 22,
    via: { fn: 'finish', file: F, line: 17 },
    calls: [{ module: 'touch', title: '/etc/done', phase: 'From helper' }],
  });
});

test('selection: skipped producers refuse the run, naming each variable and reader; independent selections pass', (t) => {
  const err = t.throws(() => selectPhases(items, { phases: ['Use token', 'Roll'] }, F), { instanceOf: UsageError });
  t.regex(
    err!.message,
    /token \(the result of phase "Elect", test\/fixtures\/playbooks\/phase-values\.ts:6\) is read by phase "Use token" at test\/fixtures\/playbooks\/phase-values\.ts:11/,
  );
  t.regex(err!.message, /last \(the result of phase "Last", .*:10\) is read by phase "Roll" at .*:14/);
  t.regex(
    err!.message,
    /joined \(the result of phase "Join", .*:7\) is read by playbook code outside any phase at .*:12/,
  );
  t.regex(err!.message, /Run those phases too \(--phase "Elect" --phase "Join" --phase "Last"\)/);

  const ok = selectPhases(items, { phases: ['Elect', 'Join', 'Last', 'Roll'] }, F);
  t.deepEqual(ok.skipped, ['Use token', 'Unrelated', 'From helper']);
  t.is(
    selectPhases(items, { phases: ['Join', 'From helper'] }, F).skip('From helper'),
    undefined,
    'a phase in a helper can be chosen by name',
  );
  t.is(ok.skip('Roll'), undefined);
  t.is(ok.skip('Unrelated'), 'not selected by --phase');

  const late = selectPhases(items, { phases: ['Elect', 'Join', 'Unrelated'], startAt: 'Join' }, F);
  t.deepEqual(
    late.skipped,
    ['Elect', 'Last', 'Use token', 'Roll', 'From helper'],
    '--phase and --start-at together: both must allow a phase',
  );
  // Asked in run order: --start-at is followed as the phases start.
  t.is(late.skip('Elect'), 'before --start-at "Join"');
  t.is(late.skip('Join'), undefined);
  t.is(late.skip('Last'), 'not selected by --phase');
  t.is(late.skip('Elect'), undefined, 'a later phase of a name seen before the start runs (--phase allows it)');
  t.throws(() => selectPhases(items, { startAt: 'Use token' }, F), { message: /joined \(the result of phase "Join"/ });
  t.throws(() => selectPhases(items, { phases: ['Inside'] }, F), {
    message:
      /--phase "Inside": that phase is inside the rolling phase "Roll" \(.*:14\), which runs as a whole: use --phase "Roll"/,
  });
});
