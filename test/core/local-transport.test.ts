import { homedir } from 'node:os';
import test from 'ava';
import { openLocalTransport } from '../../core/local-transport.ts';
import type { Transport } from '../../core/transport.ts';
import { hostileTests, withTimeout } from './ssh/hostile.ts';

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
