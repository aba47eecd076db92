import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import test from 'ava';
import { UnreachableError } from '../../../core/errors.ts';
import { Secret } from '../../../core/secret.ts';
import { ShellSession } from '../../../core/ssh/shell-session.ts';
import type { Transport } from '../../../core/transport.ts';
import { hostileTests } from './hostile.ts';

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
  const e = await t.throwsAsync(session.start({ token: 'T', sudoPrompt: 'PROMPT:', timeoutMs: 10_000 }), { instanceOf: UnreachableError });
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
