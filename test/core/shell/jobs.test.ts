import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { HostKeyError, Interrupted, UnreachableError } from '../../../core/errors.ts';
import type { RunEvent } from '../../../core/events.ts';
import { RunHost } from '../../../core/host.ts';
import { RunInterrupt } from '../../../core/engine/interrupt.ts';
import { command } from '../../../modules/command/command.ts';
import { Secret } from '../../../core/secret.ts';
import { sh, shellFunction, withFunction } from '../../../core/sh.ts';
import { openLocalTransport } from '../../../core/transport/local-transport.ts';
import { jobKey } from '../../../core/transport/long-command.ts';
import type { Transport } from '../../../core/transport/transport.ts';

// Commands that change things run as jobs (core/shell/job-script.ts), here on real sh through the local
// transport: killing the session's shell is what a dropped link does to it.

const dir = mkdtempSync(path.join(tmpdir(), 'drover-jobs-'));
let n = 0;
/** A file of its own per test: how many times the command ran. */
const counter = () => path.join(dir, `count-${++n}`);

interface Made {
  host: RunHost<Record<string, unknown>>;
  events: RunEvent[];
  opened: Transport[];
}

function makeHost(
  o: {
    name?: string;
    signal?: AbortSignal;
    budgetMs?: number;
    open?: (i: number) => Promise<Transport>;
    /** The run's --detach/--no-detach (absent: true, as these tests are about jobs; undefined: the default). */
    detach?: boolean;
    vars?: Record<string, unknown>;
    interrupt?: RunInterrupt;
  } = {},
): Made {
  const events: RunEvent[] = [];
  const opened: Transport[] = [];
  const host = new RunHost<Record<string, unknown>>({
    name: o.name ?? `jobs-${process.pid}`,
    vars: o.vars ?? {},
    groups: [],
    check: false,
    events: { emit: (e) => void events.push(e), end: async () => undefined },
    signal: o.signal ?? o.interrupt?.waitSignal(o.name ?? `jobs-${process.pid}`),
    interrupt: o.interrupt,
    reattachBudgetMs: o.budgetMs,
    detach: 'detach' in o ? o.detach : true,
    transport: async () => {
      const t = await (o.open ?? (() => openLocalTransport({ name: 'localhost' })))(opened.length);
      opened.push(t);
      return t;
    },
  });
  made.push({ host, events, opened });
  return { host, events, opened };
}

// Hosts a test leaves open (a budget that ran out, a refused key) still hold a local shell: closed at the end
// so the worker can exit (an open shell kept it alive until ava's timeout).
const made: Made[] = [];
test.after.always(async () => {
  await Promise.all(
    made.flatMap((m) => [
      m.host.close().catch(() => undefined),
      ...m.opened.map((t) => t.close().catch(() => undefined)),
    ]),
  );
});

/** The pid of the host's session shell (a read-only command runs in its subshell: `$$` is the shell's). */
async function shellPid(host: RunHost<Record<string, unknown>>): Promise<number> {
  return Number((await host.exec(sh`echo $$`, { readOnly: true })).stdout.trim());
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const jobsDir = path.join(homedir(), '.drover', 'jobs');
const lines = (events: RunEvent[]) =>
  events.flatMap((e) => (e.kind === 'module-progress' && /^(line|out|err) /.test(e.line) ? [e.line] : []));

test('a quick changing command: exact result, one frame, its job directory removed', async (t) => {
  const { host } = makeHost();
  const r = await host.exec(sh`printf 'a\\0b'; echo oops >&2; exit 3`, { allowFail: true });
  t.is(r.code, 3);
  t.deepEqual(r.stdoutBytes, Buffer.from('a\0b'));
  t.is(r.stderr, 'oops\n');
  const piped = await host.exec(sh`cat; echo "$0" >&2`, { stdin: 'payload\n' });
  t.is(piped.stdout, 'payload\n');
  const key = jobKey(host.name, '', 'cat; echo "$0" >&2', Buffer.from('payload\n'));
  t.false(existsSync(path.join(jobsDir, key)), 'the result was handed over: the job directory is gone');
  await host.close();
});

test('functions a job calls are defined in its own shell', async (t) => {
  const { host } = makeHost();
  const greet = shellFunction('drover_test_greet', sh`printf 'hi %s\\n' "$1"`);
  const r = await host.exec(withFunction(greet, sh`drover_test_greet there`));
  t.is(r.stdout, 'hi there\n');
  await host.close();
});

test.serial('the session shell dies mid-command: drover reconnects, re-attaches, output whole and once', async (t) => {
  const { host, events, opened } = makeHost();
  const count = counter();
  const pid = await shellPid(host);
  const run = host.exec(sh`echo x >>${count}; echo line 1; echo err 1 >&2; sleep 1.5; echo line 2; echo err 2 >&2`, {
    progress: true,
  });
  await sleep(700);
  process.kill(pid, 'SIGKILL');
  const r = await run;
  t.is(r.stdout, 'line 1\nline 2\n');
  t.is(r.stderr, 'err 1\nerr 2\n');
  t.is(readFileSync(count, 'utf8'), 'x\n', 'the command ran once');
  t.deepEqual(
    lines(events).filter((l) => l.startsWith('line')),
    ['line 1', 'line 2'],
    'live lines in order, none twice',
  );
  t.deepEqual(
    lines(events).filter((l) => l.startsWith('err')),
    ['err 1', 'err 2'],
  );
  t.is(opened.length, 2, 'one reconnect');
  t.true(events.some((e) => e.kind === 'progress' && e.link !== undefined));
  await host.close();
});

test.serial(
  'Ctrl-C stops waiting, says where the command runs; a rerun re-attaches instead of starting it again',
  async (t) => {
    const ctrlC = new AbortController();
    const first = makeHost({ signal: ctrlC.signal });
    const count = counter();
    const cmd = () => sh`echo x >>${count}; sleep 2; echo done`;
    const run = first.host.exec(cmd());
    await sleep(1300);
    const started = Date.now();
    ctrlC.abort();
    const err = await t.throwsAsync(run, { instanceOf: Interrupted });
    t.true(Date.now() - started < 500, 'stopped waiting at once');
    t.regex(err!.message, /is still running on .* \(pid \d+, output in \/.*\/\.drover\/jobs\/[0-9a-f]{32}\/o/);
    t.regex(err!.message, /a rerun re-attaches/);
    const second = makeHost();
    const r = await second.host.exec(cmd());
    t.is(r.stdout, 'done\n');
    t.is(readFileSync(count, 'utf8'), 'x\n', 'never started twice');
    t.true(
      second.events.some(
        (e) => e.kind === 'module-progress' && /already running on the host since an earlier run/.test(e.line),
      ),
    );
    await first.host.close();
    await second.host.close();
  },
);

test.serial('a job an earlier run left finished is not a new call’s result: the command runs afresh', async (t) => {
  const ctrlC = new AbortController();
  const first = makeHost({ signal: ctrlC.signal });
  const count = counter();
  const cmd = () => sh`echo x >>${count}; sleep 1.2; echo ran; exit 4`;
  const run = first.host.exec(cmd(), { allowFail: true });
  await sleep(1100);
  ctrlC.abort();
  await t.throwsAsync(run, { instanceOf: Interrupted });
  await sleep(600);
  const second = makeHost();
  const r = await second.host.exec(cmd(), { allowFail: true });
  t.is(r.code, 4, 'its own exit status');
  t.is(r.stdout, 'ran\n');
  // The earlier run's finished job was never collected: the host may have changed since, so it is not this
  // call's result (it once made a rerun report "success" for an emerge whose package had been removed).
  t.is(readFileSync(count, 'utf8'), 'x\nx\n', 'the command ran again');
  await second.host.close();
});

test.serial(
  'the budget runs out: unreachable with the last known state; the command finishes on the host',
  async (t) => {
    const done = counter();
    const { host } = makeHost({
      budgetMs: 1500,
      open: async (i) => {
        if (i === 0) return openLocalTransport({ name: 'localhost' });
        throw new UnreachableError('h', 'cannot connect: connection timed out');
      },
    });
    const pid = await shellPid(host);
    const cmd = sh`sleep 2.5; echo finished >${done}`;
    const run = host.exec(cmd);
    await sleep(1300);
    process.kill(pid, 'SIGKILL');
    const err = await t.throwsAsync(run, { instanceOf: UnreachableError });
    t.regex(err!.message, /not back within the re-attach budget \(0:01\)/);
    t.regex(err!.message, /last known state: running \(pid \d+, output in \/\S+\/o and \S+\/e, exit status in \S+\/s/);
    await sleep(1800);
    t.is(readFileSync(done, 'utf8'), 'finished\n', 'the command ran to its end on the host');
    const key = jobKey(host.name, '', cmd.text);
    t.true(existsSync(path.join(jobsDir, key, 's')), 'its exit status waits for a rerun');
  },
);

test.serial('a changed host key at reconnect is refused, as before', async (t) => {
  const { host } = makeHost({
    open: async (i) => {
      if (i === 0) return openLocalTransport({ name: 'localhost' });
      throw new HostKeyError('h', 'host key CHANGED for h:22');
    },
  });
  const pid = await shellPid(host);
  const run = host.exec(sh`sleep 1.5`);
  await sleep(500);
  process.kill(pid, 'SIGKILL');
  await t.throwsAsync(run, { instanceOf: HostKeyError });
});

test.serial('a command killed while the link was down is reported as such, never as success', async (t) => {
  const { host } = makeHost();
  const pid = await shellPid(host);
  const cmd = sh`sleep 3; echo never ${String(pid)}`;
  const run = host.exec(cmd);
  await sleep(1200);
  const job = path.join(jobsDir, jobKey(host.name, '', cmd.text));
  process.kill(pid, 'SIGKILL');
  process.kill(-Number(readFileSync(path.join(job, 'p'), 'utf8')), 'SIGKILL');
  await t.throwsAsync(run, { message: /ended without writing its exit status/ });
});

test.serial(
  'a host that rebooted while the link was down (boot id changed) is reported, never as success',
  async (t) => {
    const { host } = makeHost();
    const pid = await shellPid(host);
    const cmd = sh`sleep 2; echo ok`;
    const run = host.exec(cmd);
    await sleep(700);
    const key = jobKey(host.name, '', cmd.text);
    writeFileSync(path.join(jobsDir, key, 'b'), 'another-boot\n');
    process.kill(pid, 'SIGKILL');
    await t.throwsAsync(run, { message: /host rebooted while drover was away \(its boot id changed\)/ });
  },
);

test.serial('no secret in the job key, the process list, or the still-running message', async (t) => {
  const ctrlC = new AbortController();
  const { host } = makeHost({ signal: ctrlC.signal });
  const pw = new Secret('hunter2-job-secret');
  const run = host.exec(sh`sleep 5; echo ${pw} >/dev/null`);
  const processes = () =>
    readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .map((p) => {
        try {
          return readFileSync(`/proc/${p}/cmdline`, 'utf8');
        } catch {
          return '';
        }
      })
      .join('\n');
  // Until the job is up (a loaded machine may take seconds to start it), every look at argv is free of it.
  let ps = processes();
  for (const until = Date.now() + 4000; !ps.includes('drover-job') && Date.now() < until; ps = processes()) {
    t.false(ps.includes('hunter2'), 'argv of every process is free of it');
    await sleep(100);
  }
  t.false(ps.includes('hunter2'), 'argv of every process is free of it');
  t.true(ps.includes('drover-job'), 'the job is there');
  ctrlC.abort();
  const err = await t.throwsAsync(run, { instanceOf: Interrupted });
  t.false(err!.message.includes('hunter2'));
  t.regex(err!.message, /\*\*\*/);
  t.false(jobKey('h', 'm', `echo hunter2`).includes('hunter2'));
});

test('detach: false runs the command in the session as before', async (t) => {
  const { host } = makeHost();
  const r = await host.exec(sh`echo $$ $PPID`, { detach: false });
  const ro = await host.exec(sh`echo $$ $PPID`, { readOnly: true });
  t.is(r.stdout, ro.stdout, 'the same shell');
  const job = await host.exec(sh`echo $$`);
  t.not(job.stdout.split(' ')[0], ro.stdout.split(' ')[0], 'a job has a shell of its own');
  await host.close();
});

test.serial('the same command twice at once in one run (Promise.all): two jobs, two results', async (t) => {
  const count = counter();
  const cmd = () => sh`echo "$$" >>${count}; sleep 1.2; echo "done $$"`;
  const { host } = makeHost();
  const [r1, r2] = await Promise.all([host.exec(cmd()), host.exec(cmd())]);
  t.is(readFileSync(count, 'utf8').split('\n').filter(Boolean).length, 2);
  t.not(r1.stdout, r2.stdout);
  t.regex(r1.stdout + r2.stdout, /^done \d+\ndone \d+\n$/);
  await host.close();
});

// Issue 24: which commands are jobs when nothing says (core/host.ts detachByDefault).
test('by default a module apply runs as a job; a raw exec and the probe stay in the session', async (t) => {
  const { host } = makeHost({ detach: undefined });
  const session = await shellPid(host);
  const raw = await host.exec(sh`echo $$`);
  t.is(Number(raw.stdout.trim()), session, 'a raw exec outside any module is framed in the session');
  const applied = await command(host, { cmd: sh`echo $$` });
  t.not(Number(applied.stdout?.trim()), session, "the command module's apply has a shell of its own (a job)");
  await host.close();
});

test('--no-detach, drover_detach: false and detach: false turn jobs off; drover_detach: true wins over --no-detach', async (t) => {
  const pidIn = async (h: RunHost<Record<string, unknown>>) => ({
    session: await shellPid(h),
    applied: Number((await command(h, { cmd: sh`echo $$` })).stdout?.trim()),
  });
  const off = makeHost({ detach: false });
  const a = await pidIn(off.host);
  t.is(a.applied, a.session, '--no-detach: the apply runs in the session');
  const varOff = makeHost({ detach: undefined, vars: { drover_detach: 'false' } });
  const b = await pidIn(varOff.host);
  t.is(b.applied, b.session, 'drover_detach=false (INI text): no jobs');
  const varOn = makeHost({ detach: false, vars: { drover_detach: true } });
  const c = await pidIn(varOn.host);
  t.not(c.applied, c.session, 'the host var wins over the flag');
  t.not(Number((await varOn.host.exec(sh`echo $$`)).stdout.trim()), c.session, 'true: a raw exec is a job too');
  const one = makeHost({ detach: undefined });
  const d = await shellPid(one.host);
  const optOut = await command(one.host, { cmd: sh`echo $$` }).then(async () =>
    Number((await one.host.exec(sh`echo $$`, { detach: false })).stdout.trim()),
  );
  t.is(optOut, d, 'detach: false opts one command out');
  const bad = makeHost({ detach: undefined, vars: { drover_detach: 'sometimes' } });
  const err = await t.throwsAsync(command(bad.host, { cmd: sh`true` }));
  t.regex(err!.message, /drover_detach: "sometimes" is not a boolean \(say true or false\)/);
  t.regex(err!.message, /jobs-\d+/, 'names the host');
  for (const m of [off, varOff, varOn, one, bad]) await m.host.close();
});

/** A run's Ctrl-C (core/engine/interrupt.ts) with a short grace: `first.abort()` is the first Ctrl-C. */
function ctrlC(graceMs: number) {
  const first = new AbortController();
  const second = new AbortController();
  return { first, second, interrupt: new RunInterrupt(first.signal, second.signal, graceMs) };
}

test.serial(
  'first Ctrl-C: a job that ends within the grace finishes and counts, nothing is left running',
  async (t) => {
    const c = ctrlC(3000);
    const count = counter();
    const { host, events } = makeHost({ interrupt: c.interrupt });
    const run = command(host, { cmd: sh`echo x >>${count}; sleep 1.2; echo done` });
    await sleep(400);
    c.first.abort();
    // The call completes and counts (its module-end), then the host gets its Interrupted (nothing new starts).
    await t.throwsAsync(run, { instanceOf: Interrupted, message: /after the module call in flight finished/ });
    const end = events.find((e) => e.kind === 'module-end');
    t.like(end, { status: 'changed', message: 'done' }, 'the result counts');
    t.is(readFileSync(count, 'utf8'), 'x\n');
    t.deepEqual([...c.interrupt.left], [], 'nothing left running');
    await host.close();
  },
);

test.serial(
  'first Ctrl-C: a job still running after the grace is left on the host, named with pid and path, and finishes there',
  async (t) => {
    const c = ctrlC(300);
    const done = path.join(dir, `done-${++n}`);
    const { host, events } = makeHost({ interrupt: c.interrupt });
    const run = command(host, { cmd: sh`sleep 1.5; touch ${done}` });
    await sleep(1200);
    const pressed = Date.now();
    c.first.abort();
    const err = await t.throwsAsync(run);
    const waited = Date.now() - pressed;
    t.true(waited >= 250 && waited < 1000, `stopped waiting after the grace (${waited} ms)`);
    t.regex(err!.message, /stopped waiting: sleep 1\.5; touch .* is still running on jobs-\d+ \(pid \d+, output in /);
    const end = events.find((e) => e.kind === 'module-end');
    t.is(end?.kind === 'module-end' ? end.status : undefined, 'interrupted');
    const left = c.interrupt.left.get(host.name) ?? [];
    t.is(left.length, 1);
    t.regex(
      left[0],
      /^command: sleep 1\.5; touch \S+ still running \(pid \d+, output in \/\S+\/\.drover\/jobs\/[0-9a-f]{32}\/o\); a rerun re-attaches$/,
    );
    t.false(existsSync(done), 'not finished when drover stopped waiting');
    for (let i = 0; i < 60 && !existsSync(done); i++) await sleep(100);
    t.true(existsSync(done), 'the job went on and finished on the host');
  },
);

test.serial('the second Ctrl-C ends the grace at once', async (t) => {
  const c = ctrlC(5000);
  const { host } = makeHost({ interrupt: c.interrupt });
  const run = command(host, { cmd: sh`sleep 1.4; echo late` });
  await sleep(1100);
  c.first.abort();
  await sleep(100);
  const pressed = Date.now();
  c.second.abort();
  await t.throwsAsync(run, { message: /still running/ });
  t.true(Date.now() - pressed < 300, 'no grace after the second Ctrl-C');
  await sleep(500);
});

test.serial('many hosts with a job in flight share the second Ctrl-C without a listener-leak warning', async (t) => {
  const c = ctrlC(5000);
  const warnings: string[] = [];
  const onWarning = (w: Error) => void warnings.push(`${w.name}: ${w.message}`);
  process.on('warning', onWarning);
  const hosts = Array.from({ length: 12 }, (_, i) =>
    makeHost({ name: `jobs-${process.pid}-w${i}`, interrupt: c.interrupt }),
  );
  await Promise.all(hosts.map((m) => command(m.host, { cmd: sh`sleep 0.3` })));
  // Node emits its warnings on the next tick.
  await sleep(50);
  process.off('warning', onWarning);
  t.deepEqual(
    warnings.filter((w) => w.startsWith('MaxListenersExceededWarning')),
    [],
    'a warning would land on the user terminal',
  );
  for (const m of hosts) await m.host.close();
});

test.serial(
  'different live runs with the identical command at the same moment: every call gets its own real result',
  async (t) => {
    // Each RunHost is a run of its own (its run id); the same host name and command give them one job key, as
    // parallel `drover run`s on one host do. Before, they removed each other's directories mid-copy.
    const runs = Array.from({ length: 4 }, () => makeHost({ name: `jobs-${process.pid}-shared` }));
    const outcomes = await Promise.all(
      runs.map(async (m) => {
        const seen: string[] = [];
        for (let i = 0; i < 4; i++) {
          const ok = await m.host.exec(sh`true`).then(
            (r) => `ok ${r.code}`,
            (e: Error) => e.message,
          );
          const bad = await m.host.exec(sh`echo out; exit 3`, { allowFail: true }).then(
            (r) => `code ${r.code} ${r.stdout.trim()}`,
            (e: Error) => e.message,
          );
          seen.push(ok, bad);
        }
        return seen;
      }),
    );
    for (const seen of outcomes) t.deepEqual(seen, Array.from({ length: 4 }, () => ['ok 0', 'code 3 out']).flat());
    const left = readdirSync(jobsDir).filter((d) => d === jobKey(runs[0].host.name, '', 'true'));
    t.deepEqual(left, [], 'no directory left behind');
    for (const m of runs) await m.host.close();
  },
);
