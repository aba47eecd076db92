import { homedir } from 'node:os';
import test from 'ava';
import { openLocalTransport } from '../../../core/transport/local-transport.ts';
import { sh, shellFunction } from '../../../core/sh.ts';
import type { Transport } from '../../../core/transport/transport.ts';
import { hostileTests, withTimeout } from '../shell/hostile.ts';

let shared: Transport;
test.before(async () => {
  shared = await openLocalTransport();
});
test.after.always(() => shared?.close());

hostileTests(test, 'local', () => shared);

test('starts in the home directory, as an SSH login does', async (t) => {
  const tr = await openLocalTransport();
  t.is((await tr.run('pwd')).stdout.toString(), homedir() + '\n');
  await tr.close();
});

test('close returns although a background process still holds the pipes', async (t) => {
  const tr = await openLocalTransport();
  const pid = (await tr.run('sleep 30 & echo $!')).stdout.toString().trim();
  await withTimeout(tr.close(), 5000, 'close');
  await t.throwsAsync(tr.run('true'), { message: /closed/ });
  process.kill(Number(pid));
  t.pass();
});

test('become: the shell runs through sudo -n', async (t) => {
  if (process.getuid?.() !== 0) return t.pass('needs root (sudo without a password)');
  const tr = await openLocalTransport({ become: true });
  const r = await tr.run('id -u; ps -o comm= -p $PPID');
  t.is(r.stdout.toString(), '0\nsudo\n', 'uid 0, and the parent of the shell is sudo');
  await tr.close();
});

test('shell functions are defined once in the session shell and stay defined for later commands', async (t) => {
  const tr = await openLocalTransport();
  t.teardown(() => tr.close());
  const greet = shellFunction('drover_test_greet', sh`printf 'hello %s\n' "$1"`);
  t.is((await tr.run('drover_test_greet one', { functions: [greet] })).stdout.toString(), 'hello one\n');
  // Not sent again: the definition lives in the session's shell, and each command's subshell inherits it.
  t.is((await tr.run('drover_test_greet two; exit 3')).code, 3);
  t.is((await tr.run('drover_test_greet three')).stdout.toString(), 'hello three\n');
  // A different definition under the same name replaces it.
  const shout = shellFunction('drover_test_greet', sh`printf 'HELLO %s\n' "$1"`);
  t.is((await tr.run('drover_test_greet four', { functions: [shout] })).stdout.toString(), 'HELLO four\n');
});

test('a shell function with a syntax error fails only the command that needs it, not the session', async (t) => {
  const tr = await openLocalTransport();
  t.teardown(() => tr.close());
  const broken = shellFunction('drover_test_broken', sh`if then fi`);
  const r = await tr.run('drover_test_broken', { functions: [broken] });
  t.is(r.code, 127, 'not defined, so not found');
  t.regex(r.stderr.toString(), /syntax error/i);
  t.is((await tr.run('echo still here')).stdout.toString(), 'still here\n');
});
