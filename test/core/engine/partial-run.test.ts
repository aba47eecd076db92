// The CLI on rolling phases and partial runs (--phase, --start-at), on local-connection hosts: no root, no sshd.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { drover, recap } from '../../support/cli.ts';

const PARTIAL = 'test/fixtures/playbooks/partial.ts';
const ROLLING = 'test/fixtures/playbooks/rolling.ts';

/** An INI inventory of local-connection hosts; `failing` get fail=true (the rolling fixture fails them in its batch). */
function inventory(names: string[], failing: string[] = []): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'drover-partial-'));
  const file = path.join(dir, 'hosts.ini');
  writeFileSync(
    file,
    names.map((n) => `${n} ansible_connection=local${failing.includes(n) ? ' fail=true' : ''}\n`).join(''),
  );
  return file;
}

const kinds = (events: Record<string, any>[], kind: string) => events.filter((e) => e.kind === kind);

test('drover list marks a phase whose result later phases read, with the variable and its readers', async (t) => {
  const r = await drover(['list', PARTIAL]);
  t.is(r.code, 0, r.stderr);
  t.true(
    r.stdout.includes(
      `Read  [on play.hosts[0]]  ${PARTIAL}:6\n  => produces kernel (${PARTIAL}:6), read by "Record" at ${PARTIAL}:12\n`,
    ),
    r.stdout,
  );
  t.false(/Prepare[^\n]*\n  =>/.test(r.stdout), 'a phase whose result nobody keeps is not marked');
});

test('--phase B refuses before any host when B reads a value a skipped phase produces, naming the variable, both phases and lines', async (t) => {
  const inv = inventory(['a']);
  const r = await drover(['run', PARTIAL, '-i', inv, '--phase', 'Record', '--json', '--no-typecheck']);
  t.is(r.code, 1, r.stdout);
  t.deepEqual(r.events, [], 'nothing ran: no run-start');
  t.regex(r.stderr, /the phases chosen need values from phases that would be skipped — no host was contacted/);
  t.regex(
    r.stderr,
    new RegExp(`kernel \\(the result of phase "Read", ${PARTIAL}:6\\) is read by phase "Record" at ${PARTIAL}:12`),
  );
  t.regex(r.stderr, /Run those phases too \(--phase "Read"\)/);
  // --start-at past the producer is refused the same way.
  const s = await drover(['run', PARTIAL, '-i', inv, '--start-at', 'Prepare', '--no-typecheck']);
  t.is(s.code, 1);
  t.regex(s.stderr, /kernel \(the result of phase "Read"/);
});

test('--phase runs only the phases named (the others are skipped events); --start-at skips the earlier ones', async (t) => {
  const inv = inventory(['a', 'b']);
  const r = await drover([
    'run',
    PARTIAL,
    '-i',
    inv,
    '--phase',
    'Read',
    '--phase',
    'Record',
    '--json',
    '--no-typecheck',
  ]);
  t.is(r.code, 0, r.stderr + r.stdout);
  t.deepEqual(
    kinds(r.events, 'phase-start').map((e) => e.phase),
    ['Read', 'Record'],
  );
  t.deepEqual(
    kinds(r.events, 'phase-skipped').map((e) => [e.phase, e.reason]),
    [
      ['Prepare', 'not selected by --phase'],
      ['Report', 'not selected by --phase'],
    ],
  );
  // Record saw Read's value.
  t.true(
    kinds(r.events, 'module-end').some((e) => e.title.includes('kernel=Linux')),
    r.stdout,
  );

  const s = await drover(['run', PARTIAL, '-i', inv, '--start-at', 'Report', '--no-typecheck']);
  t.is(s.code, 0, s.stderr + s.stdout);
  t.regex(s.stdout, /SKIPPED Read: before --start-at "Report"/);
  t.notRegex(s.stdout, /PHASE Prepare/);
  t.regex(s.stdout, /PHASE Report/);
});

test('an unknown phase name is an error listing the phases; a phase inside a rolling phase names its rolling phase', async (t) => {
  const inv = inventory(['a']);
  const r = await drover(['run', PARTIAL, '-i', inv, '--phase', 'Nope', '--no-typecheck']);
  t.is(r.code, 1);
  t.is(
    r.stderr,
    `drover: --phase "Nope": ${PARTIAL} has no phase of that name; its phases: "Read", "Prepare", "Record", "Report"\n`,
  );
  const s = await drover(['run', ROLLING, '-i', inv, '--start-at', 'Drain', '--no-typecheck']);
  t.is(s.code, 1);
  t.regex(
    s.stderr,
    /--start-at "Drain": that phase is inside the rolling phase "Upgrade" \(test\/fixtures\/playbooks\/rolling\.ts:16\), which runs as a whole: use --start-at "Upgrade"/,
  );
});

test('rolling: over budget the roll stops after the failing batch, hosts never started are reported in JSON and the recap', async (t) => {
  const names = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'];
  const inv = inventory(names, ['h2']);
  const r = await drover(['run', ROLLING, '-i', inv, '--json']);
  t.is(r.code, 2, r.stderr);
  t.deepEqual(
    kinds(r.events, 'rolling-plan').map((e) => [e.batches, e.budget, e.of]),
    [[[['h1'], ['h2', 'h3'], ['h4', 'h5', 'h6']], 0, 6]],
  );
  t.deepEqual(
    kinds(r.events, 'batch-start').map((e) => e.hosts),
    [['h1'], ['h2', 'h3']],
  );
  t.deepEqual(
    kinds(r.events, 'rolling-stopped').map((e) => e.notStarted),
    [['h4', 'h5', 'h6']],
  );
  t.deepEqual(r.events.find((e) => e.kind === 'recap')?.notStarted, ['h4', 'h5', 'h6']);
  t.false(
    kinds(r.events, 'phase-start').some((e) => e.phase === 'After'),
    'the play stopped',
  );
  t.is(recap(r).h2.failed, 1);

  // Plain output: the plan, and "not started" in the recap.
  const p = await drover(['run', ROLLING, '-i', inv]);
  t.is(p.code, 2);
  t.regex(p.stdout, /ROLLING Upgrade: 3 batches \[h1\] \[h2 h3\] \[h4 h5 h6\]; may lose 0 of 6 hosts/);
  t.regex(p.stdout, /h5 +: ok=1 changed=0 unreachable=0 failed=0 skipped=0 +not started/);

  // Within budget (-e maxFailed=1) the failed batch does not stop the roll.
  const ok = await drover(['run', ROLLING, '-i', inv, '--json', '-e', 'maxFailed=1']);
  t.is(ok.code, 2);
  t.deepEqual(
    kinds(ok.events, 'batch-start').map((e) => e.hosts),
    [['h1'], ['h2', 'h3'], ['h4', 'h5', 'h6']],
  );
  t.deepEqual(kinds(ok.events, 'phase-start').find((e) => e.phase === 'After')?.hosts, ['h1', 'h3', 'h4', 'h5', 'h6']);
  t.is(ok.events.find((e) => e.kind === 'recap')?.notStarted, undefined);
});

test('drover list -i shows a rolling phase its batches for the selected hosts', async (t) => {
  const inv = inventory(['h1', 'h2', 'h3', 'h4']);
  const r = await drover(['list', ROLLING, '-i', inv]);
  t.is(r.code, 0, r.stderr);
  t.regex(
    r.stdout,
    /Upgrade  \[rolling batch \[1, 2, '50%'\], maxFailed \{ count: play\.vars\.maxFailed \?\? 0 \}\]  test\/fixtures\/playbooks\/rolling\.ts:15\n  batches: \[h1\] \[h2 h3\] \[h4\]; failure budget computed at run time\n  Drain  \[each\]/,
  );
});
