import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import test from 'ava';
import { openTransport } from '../../../core/transport/connection.ts';
import { CommandError, UnreachableError } from '../../../core/errors.ts';
import type { RunEvent } from '../../../core/events.ts';
import { RunHost } from '../../../core/host.ts';
import { Secret } from '../../../core/secret.ts';
import { sh } from '../../../core/sh.ts';
import type { ConnectionSpec } from '../../../core/transport/transport.ts';
import { startSshd, type Sshd } from '../../support/sshd.ts';

// Real sudo over real sshd: a user with a NOPASSWD rule and a user whose rule asks for the password.
const NOPW = 'drovertest';
const PW = 'drovertestpw';
const password = `pw '"$(x) ${randomBytes(6).toString('hex')}`;
const sudoers = `/etc/sudoers.d/drover-test-${process.pid}`;
const created: string[] = [];
let sshd: Sshd;

const isRoot = process.getuid?.() === 0;

test.before(async () => {
  if (!isRoot) return;
  sshd = await startSshd();
  for (const user of [NOPW, PW]) {
    try {
      execFileSync('id', [user], { stdio: 'ignore' });
    } catch {
      execFileSync('useradd', ['-m', '-s', '/bin/sh', user]);
      created.push(user);
    }
  }
  // An account needs a password to be unlocked for sshd (UsePAM no); only PW's is ever typed.
  execFileSync('chpasswd', { input: `${NOPW}:${randomBytes(12).toString('hex')}\n${PW}:${password}\n` });
  const rules = `${NOPW} ALL=(ALL) NOPASSWD: ALL\n${PW} ALL=(ALL) ALL\nDefaults:${PW} timestamp_timeout=0, !lecture\n`;
  writeFileSync(sudoers + '.tmp', rules, { mode: 0o440 });
  execFileSync('visudo', ['-cqf', sudoers + '.tmp']);
  execFileSync('mv', [sudoers + '.tmp', sudoers]);
});

test.after.always(async () => {
  rmSync(sudoers, { force: true });
  rmSync(sudoers + '.tmp', { force: true });
  for (const user of created) execFileSync('userdel', ['-r', user], { stdio: 'ignore' });
  await sshd?.stop();
});

const spec = (user: string, over: Partial<ConnectionSpec> = {}): ConnectionSpec => ({
  kind: 'ssh',
  address: '127.0.0.1',
  port: sshd.port,
  user,
  keyFiles: [sshd.keyFile],
  agent: false,
  become: true,
  connectTimeout: 5,
  ...over,
});
const open = (s: ConnectionSpec, becomePassword?: Secret) =>
  openTransport(
    s,
    { knownHostsFiles: [sshd.knownHostsFile], acceptNew: false },
    { name: 'becomehost', becomePassword },
  );

const check = isRoot ? test.serial : test.skip;

check('sudo -n: a NOPASSWD user gets a root shell', async (t) => {
  const tr = await open(spec(NOPW));
  const r = await tr.run('id -u; echo "$SUDO_USER"; cat', { stdin: Buffer.from('stdin still works') });
  t.is(r.stdout.toString(), `0\n${NOPW}\nstdin still works`);
  await tr.close();
});

check('sudo -n when a password is needed fails clearly', async (t) => {
  const e = await t.throwsAsync(open(spec(PW)), { instanceOf: UnreachableError });
  t.regex(
    e!.message,
    new RegExp(
      `^${PW}@127\\.0\\.0\\.1:${sshd.port}: the shell exited before it was ready\\nsudo: a password is required`,
    ),
  );
});

check('sudo -S with the right password; it appears in no error or event', async (t) => {
  const events: RunEvent[] = [];
  const host = new RunHost({
    name: 'becomehost',
    vars: {},
    groups: [],
    check: false,
    events: { emit: (e) => void events.push(e), end: async () => undefined },
    transport: () => open(spec(PW), new Secret(password)),
  });
  const r = await host.exec(sh`id -u`);
  t.is(r.stdout, '0\n');
  const e = await t.throwsAsync(host.exec(sh`echo "$SUDO_USER" >&2; exit 3`), { instanceOf: CommandError });
  t.regex(e!.message, /exit code 3/);
  const progress = await host.exec(sh`echo line`, { progress: true });
  t.is(progress.stdout, 'line\n');
  await host.close();
  const everything = JSON.stringify(events) + e!.message + String(e!.stderr);
  t.true(events.length > 0);
  t.false(everything.includes(password));
});

check('the password can come from the environment variable the inventory names', async (t) => {
  process.env.DROVER_TEST_BECOME_PW = password;
  t.teardown(() => delete process.env.DROVER_TEST_BECOME_PW);
  const tr = await open(spec(PW, { becomePassword: { env: 'DROVER_TEST_BECOME_PW' } }));
  t.is((await tr.run('id -u')).stdout.toString(), '0\n');
  await tr.close();
  const missing = await t.throwsAsync(open(spec(PW, { becomePassword: { env: 'DROVER_TEST_UNSET_VAR' } })), {
    instanceOf: UnreachableError,
  });
  t.regex(missing!.message, /environment variable DROVER_TEST_UNSET_VAR is not set/);
});

check('a wrong password is rejected without showing it', async (t) => {
  const wrong = `wrong-${randomBytes(4).toString('hex')}`;
  const e = await t.throwsAsync(open(spec(PW), new Secret(wrong)), { instanceOf: UnreachableError });
  t.is(e!.message, `${PW}@127.0.0.1:${sshd.port}: sudo rejected the become password`);
  t.false(e!.message.includes(wrong));
});
