// The one-line text of a long command's `progress` event: step and clocks, the lost link's countdown, a re-attached rerun.
import test from 'ava';
import { progressLater, progressText } from '../../../core/render/progress-text.ts';

const base = { kind: 'progress' as const, host: 'node1', module: 'emerge', elapsedMs: 62_000 };

test("the command's own step with its time in that step, then the call's elapsed time", (t) => {
  t.is(
    progressText({ ...base, step: '(12 of 57) dev-lang/ghc-9.2.8 compile', stepMs: 14 * 60_000 + 5_000 }),
    '(12 of 57) dev-lang/ghc-9.2.8 compile 14m, 1:02',
  );
  t.is(progressText(base), 'running 1:02');
});

test('a lost link: the countdown against the budget, with the pid, and never past the budget when advanced', (t) => {
  const e = { ...base, link: { lostMs: 12_000, budgetMs: 300_000, pid: 762 } };
  t.is(progressText(e), 'link lost, command still running (pid 762), reconnecting 0:12 / 5:00');
  t.is(
    progressText(progressLater(e, 10 * 60_000)),
    'link lost, command still running (pid 762), reconnecting 5:00 / 5:00',
  );
});

test("a rerun waiting for an earlier run's command says so on every line, not only once", (t) => {
  const e = { ...base, attached: { pid: 1696 }, step: '(1 of 1) app-misc/lab-slow-1.0', stepMs: 5_000 };
  t.is(progressText(e), "re-attached to an earlier run's command (pid 1696): (1 of 1) app-misc/lab-slow-1.0 5s, 1:02");
  t.regex(progressText(progressLater(e, 3_000)), /^re-attached to an earlier run's command \(pid 1696\): .* 8s, 1:05$/);
});
