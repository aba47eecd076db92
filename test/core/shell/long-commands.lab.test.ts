// Issue 24: a real multi-second Portage build (app-misc/lab-slow, lab/portage-slow.ts) over real sshd survives a cut
// link by default (a module apply is a job), is re-attached by a rerun after Ctrl-C (never built twice), and a
// budget that runs out leaves it building; --no-detach gives the old behaviour.
import { spawn, type ChildProcess } from 'node:child_process';
import test from 'ava';
import { labCut, labExec, labHeal } from '../../../lab/index.ts';
import { LAB_SLOW_SECONDS_FILE } from '../../../lab/portage-slow.ts';
import { sleep } from '../../../lab/proc.ts';
import { BIN, REPO } from '../../support/cli.ts';
import { labSerialTest, useLab } from '../../support/lab.ts';
import { hasTmux, startPty, TERMINAL_ENV } from '../../support/pty.ts';

const NAME = 'longcmd';
const lab = useLab(test, { name: NAME, hosts: 1, profile: 'gentoo' });
const labTest = labSerialTest(test);
const PLAYBOOK = 'test/fixtures/playbooks/long-emerge.ts';

/** A drover run as a user starts it (--json, no --detach: jobs are the default for a module apply), its events as they arrive. */
function run(args: string[] = [], env: Record<string, string> = {}) {
  const child: ChildProcess = spawn(
    process.execPath,
    [BIN, 'run', PLAYBOOK, '-i', lab().inventoryFile, '--json', '--no-typecheck', ...args],
    // The keepalive finds a cut link dead in about 3 s instead of 45 s (DROVER_SSH_KEEPALIVE, docs/connections.md).
    { cwd: REPO, env: { ...process.env, NO_COLOR: '1', DROVER_SSH_KEEPALIVE: '1x3', ...env } },
  );
  const events: Record<string, any>[] = [];
  let buf = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => {
    const lines = (buf + d.toString()).split('\n');
    buf = lines.pop() ?? '';
    for (const l of lines) if (l.startsWith('{')) events.push(JSON.parse(l));
  });
  child.stderr!.on('data', (d: Buffer) => (stderr += d));
  const exited = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? -1)));
  const until = async (what: string, ok: (e: Record<string, any>) => boolean, ms = 90_000) => {
    for (const end = Date.now() + ms; !events.some(ok); await sleep(100))
      if (Date.now() > end) throw new Error(`no ${what} within ${ms} ms; stderr: ${stderr}\n${JSON.stringify(events)}`);
  };
  return { child, events, exited, until, stderr: () => stderr };
}

const node1 = async (script: string) => (await labExec(lab(), 'node1', ['sh', '-c', script])).stdout;
/** Builds of lab-slow finished since the test's start (emerge.log's completion lines). */
const builds = async (mark: string) =>
  Number(
    (
      await node1(
        `sed -n '/${mark}/,$p' /var/log/emerge.log | grep -c '::: completed emerge (1 of 1) app-misc/lab-slow-1.0' || true`,
      )
    ).trim(),
  );
const installed = async () => (await node1('ls -d /var/db/pkg/app-misc/lab-slow-* 2>/dev/null || true')).trim() !== '';

/** Waits until no emerge runs on node1 (a build a test left behind ends before the next test starts). */
async function idle(ms = 60_000): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(500))
    // -f: emerge is a python script (its process name is python's); [/] keeps this sh's own argv from matching.
    if ((await node1(`pgrep -f '[/]emerge( |$)' >/dev/null && echo busy || true`)).trim() === '') return;
  throw new Error(`emerge still running on node1 after ${ms} ms`);
}

/** A fresh start: lab-slow not installed, its build takes `seconds`, a mark in emerge.log to count from. */
async function fresh(seconds: number): Promise<string> {
  await idle();
  const mark = `drover-test-${Date.now()}`;
  await node1(
    `emerge --unmerge --quiet app-misc/lab-slow >/dev/null 2>&1; mkdir -p /etc/drover-lab && echo ${seconds} >${LAB_SLOW_SECONDS_FILE}; echo ${mark} >>/var/log/emerge.log`,
  );
  return mark;
}
/** The module runs emerge with --quiet-build: its own lines are what comes, the build's go to its log. */
const building = (e: Record<string, any>) => e.kind === 'progress' && e.step === '(1 of 1) app-misc/lab-slow-1.0';
const emergeLines = (events: Record<string, any>[]) =>
  events.flatMap((e) => (e.kind === 'module-progress' && /^>>> /.test(e.line) ? [e.line] : []));
const EMERGE_LINES = [
  '>>> Verifying ebuild manifests',
  '>>> Emerging (1 of 1) app-misc/lab-slow-1.0::drover-lab',
  '>>> Installing (1 of 1) app-misc/lab-slow-1.0::drover-lab',
  '>>> Recording app-misc/lab-slow in "world" favorites file...',
  '>>> Completed (1 of 1) app-misc/lab-slow-1.0::drover-lab',
];

labTest('a build survives a cut link: reconnect, re-attach, output whole and in order, installed once', async (t) => {
  const mark = await fresh(10);
  const r = run();
  try {
    await r.until('the build', building);
    await sleep(2000);
    await labCut(NAME, 'node1');
    await r.until('the link-lost state', (e) => e.kind === 'progress' && e.link !== undefined, 20_000);
    await sleep(3000);
    await labHeal(NAME, 'node1');
    const code = await r.exited;
    t.is(code, 0, r.stderr());
    const end = r.events.find((e) => e.kind === 'module-end');
    t.is(end?.status, 'changed', JSON.stringify(end));
    const lost = r.events.find((e) => e.kind === 'progress' && e.link);
    t.regex(JSON.stringify(lost), /"budgetMs":300000/);
    t.true(r.events.some((e) => e.kind === 'module-progress' && /re-attaching to the command/.test(e.line)));
    const cutAt = r.events.findIndex((e) => e.kind === 'progress' && e.link);
    t.deepEqual(emergeLines(r.events.slice(0, cutAt)), EMERGE_LINES.slice(0, 2), 'before the cut');
    t.deepEqual(emergeLines(r.events), EMERGE_LINES, 'every line once, in order, before and after the cut');
    t.is(await builds(mark), 1, 'built once');
    t.true(await installed());
  } finally {
    r.child.kill('SIGKILL');
    await labHeal(NAME, 'node1');
  }
});

labTest('Ctrl-C leaves the build running and says where; a rerun re-attaches instead of building again', async (t) => {
  const mark = await fresh(8);
  // A grace of 1 s (default 5 s): the build outlasts it by far.
  const first = run([], { DROVER_INTERRUPT_GRACE_MS: '1000' });
  await first.until('the build', building);
  await sleep(1500);
  first.child.kill('SIGINT');
  t.is(await first.exited, 130, first.stderr());
  const recap = first.events.find((e) => e.kind === 'recap');
  t.regex(
    recap?.stillRunning?.['node1.example.org']?.[0] ?? JSON.stringify(recap),
    /^emerge: emerge .* still running \(pid \d+, output in \/root\/\.drover\/jobs\/[0-9a-f]{32}\/o\); a rerun re-attaches$/,
  );
  const end = first.events.find((e) => e.kind === 'module-end');
  t.is(end?.status, 'interrupted');
  t.regex(
    end?.message,
    /stopped waiting: emerge .* is still running on node1\.example\.org \(pid \d+, output in \/root\/\.drover\/jobs\/[0-9a-f]{32}\/o .*a rerun re-attaches to it/,
  );
  t.false(await installed(), 'still building');
  const second = run();
  t.is(await second.exited, 0, second.stderr());
  t.true(
    second.events.some(
      (e) => e.kind === 'module-progress' && /already running on the host since an earlier run/.test(e.line),
    ),
  );
  // The progress of the wait says so too, on every event from the moment the job is known to be an earlier
  // run's (the terminal's host line shows the last one; the job's first output may be parsed a moment before).
  const waits = second.events.filter((e) => e.kind === 'progress' && e.step);
  const from = waits.findIndex((e) => typeof e.attached?.pid === 'number');
  t.true(from >= 0, JSON.stringify(waits));
  t.true(
    waits.slice(from).every((e) => typeof e.attached?.pid === 'number'),
    JSON.stringify(waits),
  );
  t.is(second.events.find((e) => e.kind === 'module-end')?.status, 'changed');
  t.is(await builds(mark), 1, 'built once');
  t.true(await installed());
});

labTest(
  'a re-attach budget that runs out: unreachable with the last known state; the build finishes on the host',
  async (t) => {
    const mark = await fresh(8);
    const r = run(['--reattach-budget', '3s']);
    try {
      await r.until('the build', building);
      await sleep(1500);
      await labCut(NAME, 'node1');
      t.is(await r.exited, 4, r.stderr());
      const end = r.events.find((e) => e.kind === 'module-end');
      t.is(end?.status, 'unreachable');
      t.regex(end?.message, /not back within the re-attach budget \(0:03\)/);
      t.regex(end?.message, /last known state: running \(pid \d+, output in \/root\/\.drover\/jobs\/[0-9a-f]{32}\/o/);
    } finally {
      r.child.kill('SIGKILL');
      await labHeal(NAME, 'node1');
    }
    // emerge.log records the end of a merge after the package is in the vdb.
    for (const end = Date.now() + 60_000; (await builds(mark)) < 1 && Date.now() < end; ) await sleep(1000);
    t.true(await installed(), 'the build went on without drover');
    t.is(await builds(mark), 1);
  },
);

labTest(
  'on a terminal, the host line shows where the build is and for how long, then the link-lost countdown',
  async (t) => {
    if (!hasTmux()) return t.pass('tmux is not installed');
    await fresh(12);
    const pty = await startPty(
      t,
      [process.execPath, BIN, 'run', PLAYBOOK, '-i', lab().inventoryFile, '--no-typecheck', '--reattach-budget', '2m'],
      { cwd: REPO, env: { ...TERMINAL_ENV, DROVER_SSH_KEEPALIVE: '1x3' } },
    );
    try {
      // listr2's host line: the module, the emerge step and its time, the elapsed time of the command.
      t.log(await pty.waitFor(/emerge: \(1 of 1\) app-misc\/lab-slow-1\.0 \d+s, \d:\d\d/, 60_000));
      await labCut(NAME, 'node1');
      t.log(
        await pty.waitFor(/emerge: link lost, command still running \(pid \d+\), reconnecting \d:\d\d \/ 2:00/, 20_000),
      );
    } finally {
      await labHeal(NAME, 'node1');
    }
    t.is(await pty.exitCode(90_000), 0, await pty.screen());
    t.regex(await pty.screen(), /^node1\.example\.org : ok=0 changed=1 /m);
  },
);

labTest(
  'on a terminal, one Ctrl-C during a long build: exit 130, pid and output path named, the build finishes',
  async (t) => {
    if (!hasTmux()) return t.pass('tmux is not installed');
    const mark = await fresh(14);
    // The default grace (5 s): the build outlasts it.
    const pty = await startPty(
      t,
      [process.execPath, BIN, 'run', PLAYBOOK, '-i', lab().inventoryFile, '--no-typecheck'],
      {
        cwd: REPO,
        env: TERMINAL_ENV,
      },
    );
    t.log(await pty.waitFor(/emerge: \(1 of 1\) app-misc\/lab-slow-1\.0 \d+s, \d:\d\d/, 60_000));
    const pressed = Date.now();
    await pty.keys('C-c');
    t.is(await pty.exitCode(30_000), 130, await pty.screen());
    const waited = Date.now() - pressed;
    const screen = await pty.screen();
    t.log(screen);
    t.true(waited >= 4500 && waited < 12_000, `stopped waiting after the grace, not at the build's end (${waited} ms)`);
    t.regex(
      screen,
      // The module line wraps at the terminal's width.
      /stopped waiting: emerge [\s\S]*is still running on node1\.example\.org \(pid \d+, output in\s+\/root\/\.drover\/jobs\/[0-9a-f]{32}\/o/,
    );
    t.regex(
      screen,
      /^node1\.example\.org : ok=0 changed=0 unreachable=0 failed=0 skipped=0 interrupted: emerge: emerge .* still running \(pid \d+, output in \/root\/\.drover\/jobs\/[0-9a-f]{32}\/o\); a rerun re-attaches$/m,
    );
    t.notRegex(screen, /Stopping at once/, 'one Ctrl-C was enough');
    t.false(await installed(), 'still building when drover left');
    await idle();
    t.true(await installed(), 'the build finished on the host');
    t.is(await builds(mark), 1);
  },
);

labTest('--no-detach: the old behaviour, a cut link fails the host at once, no re-attach', async (t) => {
  await fresh(8);
  const r = run(['--no-detach']);
  try {
    await r.until('the build', building);
    await sleep(1500);
    await labCut(NAME, 'node1');
    t.is(await r.exited, 4, r.stderr());
    t.is(r.events.find((e) => e.kind === 'module-end')?.status, 'unreachable');
    t.false(
      r.events.some((e) => e.kind === 'progress' && e.link !== undefined),
      'no link-lost countdown',
    );
    t.false(r.events.some((e) => e.kind === 'module-progress' && /reconnecting|re-attaching/.test(e.line)));
  } finally {
    r.child.kill('SIGKILL');
    await labHeal(NAME, 'node1');
  }
  // The session's emerge dies with the session once sshd sees it gone, or ends: either way, out of the next test's way.
  await idle();
});
