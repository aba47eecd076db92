import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import test from 'ava';
import { UnreachableError } from '../../../core/errors.ts';
import { Secret } from '../../../core/secret.ts';
import { ShellSession } from '../../../core/shell/shell-session.ts';
import type { Transport } from '../../../core/transport/transport.ts';
import { hostileTests, withTimeout } from './hostile.ts';

/** A session over a real shell binary (dash is Debian's sh, bash is Gentoo's). */
function startShell(shell: string, script: string): { session: ShellSession; child: ChildProcessWithoutNullStreams } {
  // Own process group: killing it takes the shell and everything it started, like a dropped connection.
  const child = spawn(shell, ['-c', script], { detached: true });
  const session = new ShellSession('test', `local ${shell}`, child, () => child.kill('SIGKILL'));
  return { session, child };
}

for (const shell of ['dash', 'bash']) {
  let session: ShellSession;
  test.before(async () => {
    ({ session } = startShell(shell, 'echo T; echo T >&2; exec ' + shell));
    await session.start({ token: 'T', timeoutMs: 10_000 });
  });
  test.after.always(() => session.close());
  const transport: Transport = { kind: 'local', run: (s, o) => session.run(s, o), close: () => session.close() };
  hostileTests(test, shell, () => transport);
}

test('noise before the ready token is dropped (a chatty login shell)', async (t) => {
  const { session } = startShell('sh', 'echo motd; echo warning >&2; printf partial; echo T; echo T >&2; exec sh');
  await session.start({ token: 'T', timeoutMs: 10_000 });
  const r = await session.run('echo hi');
  t.is(r.stdout.toString(), 'hi\n');
  t.is(r.stderr.toString(), '');
  await session.close();
});

test('a shell that dies mid-command rejects the running, queued and later commands', async (t) => {
  const { session, child } = startShell('sh', 'echo T; echo T >&2; exec sh');
  await session.start({ token: 'T', timeoutMs: 10_000 });
  const running = session.run('sleep 30');
  const queued = session.run('echo never');
  setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 100);
  const e1 = await t.throwsAsync(running, { instanceOf: UnreachableError });
  t.regex(e1!.message, /sh: the shell exited while a command was running/);
  await t.throwsAsync(queued, { instanceOf: UnreachableError });
  await t.throwsAsync(session.run('echo later'), { instanceOf: UnreachableError });
});

test('a shell that exits before it is ready reports its stderr', async (t) => {
  const { session } = startShell('sh', 'echo "sudo: a password is required" >&2; exit 1');
  const e = await t.throwsAsync(session.start({ token: 'T', timeoutMs: 10_000 }), { instanceOf: UnreachableError });
  t.regex(e!.message, /before it was ready\nsudo: a password is required/);
});

test('start gives up after the timeout', async (t) => {
  const { session, child } = startShell('sh', 'sleep 30');
  const e = await t.throwsAsync(session.start({ token: 'T', timeoutMs: 300 }), { instanceOf: UnreachableError });
  t.regex(e!.message, /did not start within/);
  t.true(child.killed);
});

// A stand-in with sudo -S's contract: prompt on stderr, read one line, "Sorry, try again." on a wrong one.
const fakeSudo = `n=0; while [ $n -lt 3 ]; do printf 'PROMPT:' >&2; IFS= read -r pw; if [ "$pw" = 'pa ss$w0rd' ]; then echo T; echo T >&2; exec sh; fi; echo 'Sorry, try again.' >&2; n=$((n+1)); done; exit 1`;

test('sudo prompt: the password is written once, then commands run', async (t) => {
  const { session } = startShell('sh', fakeSudo);
  await session.start({ token: 'T', sudoPrompt: 'PROMPT:', password: new Secret('pa ss$w0rd'), timeoutMs: 10_000 });
  const r = await session.run('echo ok; cat', { stdin: Buffer.from('in') });
  t.is(r.stdout.toString(), 'ok\nin');
  await session.close();
});

test('sudo prompt: a wrong password fails at the second prompt and is not in the message', async (t) => {
  const { session } = startShell('sh', fakeSudo);
  const e = await t.throwsAsync(
    session.start({ token: 'T', sudoPrompt: 'PROMPT:', password: new Secret('wrong-secret'), timeoutMs: 10_000 }),
    { instanceOf: UnreachableError },
  );
  t.regex(e!.message, /sudo rejected the become password/);
  t.false(e!.message.includes('wrong-secret'));
});

test('sudo prompt without a password fails clearly', async (t) => {
  const { session } = startShell('sh', fakeSudo);
  const e = await t.throwsAsync(session.start({ token: 'T', sudoPrompt: 'PROMPT:', timeoutMs: 10_000 }), {
    instanceOf: UnreachableError,
  });
  t.regex(e!.message, /sudo asks for a password but no become password was given/);
});

test('run after close is refused', async (t) => {
  const { session } = startShell('sh', 'echo T; echo T >&2; exec sh');
  await session.start({ token: 'T', timeoutMs: 10_000 });
  await session.close();
  await t.throwsAsync(session.run('true'), { instanceOf: UnreachableError, message: /closed/ });
});

test('output that arrives before start() is called is not lost', async (t) => {
  const { session } = startShell('sh', 'echo T; echo T >&2; exec sh');
  await new Promise((r) => setTimeout(r, 300));
  await session.start({ token: 'T', timeoutMs: 10_000 });
  t.is((await session.run('echo late-start')).stdout.toString(), 'late-start\n');
  await session.close();
});

test('a command that kills the shell fails the session at once, though its background process lives on', async (t) => {
  const { session } = startShell('sh', 'echo T; echo T >&2; exec sh');
  await session.start({ token: 'T', timeoutMs: 10_000 });
  const pidFile = `/tmp/drover-kill-${process.pid}.pid`;
  t.teardown(() => {
    try {
      process.kill(Number(readFileSync(pidFile, 'utf8')));
      rmSync(pidFile);
    } catch {
      // not started
    }
  });
  const t0 = Date.now();
  const e = await t.throwsAsync(
    withTimeout(session.run(`sleep 30 & echo $! >${pidFile}; kill $$`), 10_000, 'kill $$'),
    {
      instanceOf: UnreachableError,
    },
  );
  t.true(Date.now() - t0 < 3000, `noticed after ${Date.now() - t0} ms`);
  t.regex(e!.message, /the shell exited/);
});

test('output that does not fit in the output directory fails the command with a clear error, not truncated output', async (t) => {
  if (process.getuid?.() !== 0) return t.pass('needs root (a private mount namespace)');
  const child = spawn(
    'unshare',
    [
      '-m',
      '--propagation',
      'private',
      'sh',
      '-c',
      'mount -t tmpfs -o size=64k tmpfs /dev/shm && echo T && echo T >&2 && exec sh',
    ],
    { detached: true },
  );
  const session = new ShellSession('test', 'local tiny', child, () => child.kill('SIGKILL'));
  t.teardown(() => session.close());
  await session.start({ token: 'T', timeoutMs: 10_000 });
  t.regex(session.outputDir ?? '', /^\/dev\/shm\/drover\./);
  t.is((await session.run('echo small')).stdout.toString(), 'small\n');
  const e = await t.throwsAsync(session.run('head -c 200000 /dev/zero | tr "\\0" x; echo done'));
  t.regex(e!.message, /^local tiny: no space for command output in \/dev\/shm\/drover\.\w+/);
  t.notRegex(e!.message, /UnreachableError/);
  // The space is given back: later commands work again.
  t.is((await session.run('echo after')).stdout.toString(), 'after\n');
});

for (const shell of ['dash', 'bash']) {
  // bash runs the EXIT trap in a forked child killed before it dropped the trap (a `tail -f &` stopped at
  // once): only the session's shell may remove the directory.
  test(`${shell}: live output commands in a row keep the output directory`, async (t) => {
    const { session } = startShell(shell, `echo T; echo T >&2; exec ${shell}`);
    t.teardown(() => session.close());
    await session.start({ token: 'T', timeoutMs: 10_000 });
    for (let i = 0; i < 30; i++) {
      const r = await session.run('echo hi; echo err >&2', { onOutput: () => undefined });
      t.is(r.stdout.toString(), 'hi\n');
    }
    t.true(existsSync(session.outputDir!));
  });
}

test('the output directory is private and removed when the session closes', async (t) => {
  const { session, child } = startShell('sh', 'echo T; echo T >&2; exec sh');
  await session.start({ token: 'T', timeoutMs: 10_000 });
  const dir = session.outputDir!;
  t.regex(dir, /^\/(dev\/shm|tmp)\/drover\.\w+$/);
  t.is((await session.run(`stat -c %a ${dir}`)).stdout.toString(), '700\n');
  const exited = new Promise((r) => child.once('exit', r));
  await session.close();
  await exited;
  t.false(existsSync(dir), `${dir} is gone`);
});

test('output files of finished commands are swept away, not kept for the whole session', async (t) => {
  const { session } = startShell('sh', 'echo T; echo T >&2; exec sh');
  t.teardown(() => session.close());
  await session.start({ token: 'T', timeoutMs: 10_000 });
  for (let i = 0; i < 100; i++) await session.run('echo x; echo y >&2');
  const left = Number((await session.run(`ls -- ${session.outputDir} | wc -l`)).stdout.toString());
  // At most one batch (32 commands x 3 files: stdout, stderr, middle marker) plus the command counting them.
  t.true(left <= 33 * 3, `${left} files left`);
  await session.run('head -c 2000000 /dev/zero');
  await session.run('true');
  const big = (await session.run(`find ${session.outputDir} -size +1000k | wc -l`)).stdout.toString();
  t.is(big, '0\n', 'a large output is removed at the next command');
});

test('a host where no private output directory can be made cannot be used, and says why', async (t) => {
  if (process.getuid?.() !== 0) return t.pass('needs root (a private mount namespace)');
  const ro = 'mount -t tmpfs -o ro tmpfs /dev/shm && mount -t tmpfs -o ro tmpfs /tmp';
  const child = spawn(
    'unshare',
    ['-m', '--propagation', 'private', 'env', '-u', 'TMPDIR', 'sh', '-c', `${ro} && echo T && echo T >&2 && exec sh`],
    { detached: true },
  );
  const session = new ShellSession('test', 'local ro', child, () => child.kill('SIGKILL'));
  const e = await t.throwsAsync(session.start({ token: 'T', timeoutMs: 10_000 }), { instanceOf: UnreachableError });
  t.regex(
    e!.message,
    /^local ro: cannot create a private directory for command output \(tried \/dev\/shm, \$TMPDIR, \/tmp\) before it was ready\nmktemp: .*Read-only file system/,
  );
});
