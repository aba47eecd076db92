// A module failure the playbook handles (retry, try/catch, .catch, allSettled) is rescued, not failed: recap, JSON and exit code.
import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { HostStats, RunEvent } from '../../../core/events.ts';
import { runPlaybook } from '../../../core/engine/runner.ts';
import { drover, recap, REPO } from '../../support/cli.ts';

const PLAYBOOK = path.join(REPO, 'test/fixtures/handled/cases.ts');

interface Outcome {
  code: number;
  events: RunEvent[];
  stats: HostStats;
  plain: string;
}

/** Runs one case of the fixture on the local host (real sh), in this process, with the plain renderer. */
async function run(kind: string, t: { teardown: (fn: () => void) => void }): Promise<Outcome> {
  const dir = mkdtempSync(path.join(tmpdir(), 'drover-handled-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const events: RunEvent[] = [];
  let plain = '';
  const code = await runPlaybook({
    playbook: PLAYBOOK,
    inventory: 'localhost,',
    extraVars: { case: kind, dir },
    typecheck: false,
    renderer: 'plain',
    write: (s) => void (plain += s),
    sink: { emit: (e) => void events.push(e), end: async () => undefined },
  });
  const r = events.find((e) => e.kind === 'recap');
  if (r?.kind !== 'recap') throw new Error(`no recap; exit ${code}\n${plain}`);
  return { code, events, stats: r.stats.localhost, plain };
}

const failedModuleEnds = (o: Outcome) =>
  o.events.filter((e) => e.kind === 'module-end' && e.status === 'failed').length;
/** Modules that ran in the phase after "Work": a host that left the play has none. */
const laterModules = (o: Outcome) => {
  const start = o.events.findIndex((e) => e.kind === 'phase-start' && e.phase === 'Later');
  return start < 0 ? 0 : o.events.slice(start).filter((e) => e.kind === 'module-end' && e.host === 'localhost').length;
};

for (const [kind, rescued, changed] of [
  ['retry-2', 1, 1],
  ['try-catch', 1, 0],
  ['dot-catch', 1, 0],
  ['all-settled', 1, 1],
  ['outside-caught', 1, 0],
  ['on-caught', 1, 0],
  ['rolling-retry-2', 1, 1],
] as const) {
  test(`handled (${kind}): exit 0, failed=0, rescued=${rescued}; the failed module-end is still shown; the host stays in the play`, async (t) => {
    const o = await run(kind, t);
    t.is(o.code, 0, o.plain);
    // `changed` counts the Work phase's commands that succeeded (a command reports changed), plus the later phase's.
    t.deepEqual(o.stats, { ok: 0, changed: changed + 1, failed: 0, skipped: 0, unreachable: 0, rescued }, o.plain);
    t.is(failedModuleEnds(o), rescued, 'each handled failure is a failed module-end when it happens');
    t.false(
      o.events.some((e) => e.kind === 'host-failed' || e.kind === 'play-stopped'),
      o.plain,
    );
    t.is(laterModules(o), 1, 'the host took the later phase');
    t.regex(o.plain, /^localhost \| failed \| command /m, 'the failure is shown as it happened');
    t.regex(
      o.plain,
      new RegExp(`^localhost : ok=0 changed=${changed + 1} unreachable=0 failed=0 skipped=0 rescued=${rescued}$`, 'm'),
    );
  });
}

for (const [kind, rescued] of [
  ['escapes', 0],
  ['caught-then-uncaught', 1],
  ['retry-exhausted', 2],
  ['rethrown-with-cause', 0],
  ['outside-escapes', 0],
] as const) {
  test(`escaping (${kind}): exit 2, failed=1 (once), rescued=${rescued}; the host leaves the play`, async (t) => {
    const o = await run(kind, t);
    t.is(o.code, 2, o.plain);
    t.is(o.stats.failed, 1, o.plain);
    t.is(o.stats.rescued, rescued, o.plain);
    t.is(laterModules(o), 0, 'a failed host takes no later phase');
    const line = `localhost : ok=0 changed=0 unreachable=0 failed=1 skipped=0${rescued ? ` rescued=${rescued}` : ''}`;
    t.regex(o.plain, new RegExp(`^${line}$`, 'm'));
  });
}

test('the host-failed event names the module call whose failure escaped (and play-stopped does outside a phase)', async (t) => {
  const inPhase = await run('caught-then-uncaught', t);
  t.like(
    inPhase.events.find((e) => e.kind === 'host-failed'),
    { host: 'localhost', failedModule: { host: 'localhost', module: 'command' } },
  );
  const outside = await run('outside-escapes', t);
  t.like(
    outside.events.find((e) => e.kind === 'play-stopped'),
    { failedModule: { host: 'localhost', module: 'command' } },
  );
  const thrown = await run('rethrown-with-cause', t);
  t.like(
    thrown.events.find((e) => e.kind === 'host-failed'),
    { failedModule: { module: 'command' } },
    'the cause chain is followed',
  );
});

test('CLI: a playbook whose failure is caught exits 0; --json recap says rescued; one that escapes exits 2', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'drover-handled-cli-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const caught = await drover([
    'run',
    PLAYBOOK,
    '-i',
    'localhost,',
    '-e',
    'case=retry-2',
    '-e',
    `dir=${dir}`,
    '--no-typecheck',
    '--json',
  ]);
  t.is(caught.code, 0, caught.stdout + caught.stderr);
  t.like(recap(caught).localhost, { failed: 0, rescued: 1, changed: 2 });
  t.like(
    caught.events.find((e) => e.kind === 'module-end' && e.status === 'failed'),
    { host: 'localhost', module: 'command' },
    'the handled attempt is a failed module-end in the stream',
  );
  const plain = await drover([
    'run',
    PLAYBOOK,
    '-i',
    'localhost,',
    '-e',
    'case=try-catch',
    '-e',
    `dir=${dir}`,
    '--no-typecheck',
  ]);
  t.is(plain.code, 0, plain.stdout + plain.stderr);
  t.regex(plain.stdout, /^localhost : ok=0 changed=1 unreachable=0 failed=0 skipped=0 rescued=1$/m);
  const escaped = await drover([
    'run',
    PLAYBOOK,
    '-i',
    'localhost,',
    '-e',
    'case=escapes',
    '-e',
    `dir=${dir}`,
    '--no-typecheck',
    '--json',
  ]);
  t.is(escaped.code, 2, escaped.stdout + escaped.stderr);
  t.like(recap(escaped).localhost, { failed: 1, rescued: 0 });
});
