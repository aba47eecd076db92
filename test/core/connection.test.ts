import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { openTransport, resolveConnection } from '../../core/connection.ts';
import { UnreachableError } from '../../core/errors.ts';
import { sh } from '../../core/sh.ts';
import { parseKnownHosts, verifyHostKey } from '../../core/ssh/known-hosts.ts';
import { connectHost, localHost } from '../support/host.ts';
import { startSshd, type Sshd } from '../support/sshd.ts';

let sshd: Sshd;
const dir = mkdtempSync(join(tmpdir(), 'drover-conn-'));
test.before(async () => {
  sshd = await startSshd();
});
test.after.always(async () => {
  await sshd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function sshConfig(text: string): string {
  const f = join(dir, `config-${Math.random().toString(36).slice(2)}`);
  writeFileSync(f, text);
  return f;
}

test('defaults: port 22, current user, timeout 10, ssh', (t) => {
  const cfg = sshConfig('');
  const s = resolveConnection('node1.example.org', {}, { sshConfigFile: cfg });
  t.like(s, { kind: 'ssh', address: 'node1.example.org', port: 22, user: userInfo().username, become: false, connectTimeout: 10 });
  t.is(resolveConnection('n', {}, { sshConfigFile: cfg, user: 'deploy' }).user, 'deploy');
});

test('localhost without address/port, or connection: local, is the local transport', (t) => {
  const cfg = sshConfig('');
  t.is(resolveConnection('localhost', {}, { sshConfigFile: cfg }).kind, 'local');
  t.is(resolveConnection('127.0.0.1', {}, { sshConfigFile: cfg }).kind, 'local');
  t.is(resolveConnection('web', { connection: 'local' }, { sshConfigFile: cfg }).kind, 'local');
  t.is(resolveConnection('localhost', { port: 2222 }, { sshConfigFile: cfg }).kind, 'ssh');
  t.is(resolveConnection('localhost', { address: '127.0.0.1' }, { sshConfigFile: cfg }).kind, 'ssh');
  t.is(resolveConnection('localhost', { connection: 'ssh' }, { sshConfigFile: cfg }).kind, 'ssh');
});

test('ssh_config gives HostName/Port/User/IdentityFile; inventory settings win', (t) => {
  const cfg = sshConfig('Host web1\n  HostName 10.1.1.1\n  Port 2200\n  User cfguser\n  IdentityFile ~/.ssh/cfgkey\n  ConnectTimeout 3\n');
  // A user given on the command line (opts.user) wins over ssh_config, as `ssh -l` does.
  t.is(resolveConnection('web1', {}, { sshConfigFile: cfg, user: 'cli' }).user, 'cli');
  t.like(resolveConnection('web1', {}, { sshConfigFile: cfg }), {
    address: '10.1.1.1',
    port: 2200,
    user: 'cfguser',
    keyFiles: [join(homedir(), '.ssh/cfgkey')],
    connectTimeout: 3,
  });
  t.like(resolveConnection('web1', { port: 22, user: 'inv', keyFile: '~/inv_key', become: true }, { sshConfigFile: cfg }), {
    address: '10.1.1.1',
    port: 22,
    user: 'inv',
    keyFiles: [join(homedir(), 'inv_key'), join(homedir(), '.ssh/cfgkey')],
    become: true,
  });
  // ssh_config is looked up under the inventory address when there is one.
  const byAddr = sshConfig('Host 10.9.9.9\n  User byaddr\n');
  t.like(resolveConnection('web1', { address: '10.9.9.9' }, { sshConfigFile: byAddr }), { address: '10.9.9.9', user: 'byaddr' });
});

test('end to end: an ssh_config alias reaches the test server', async (t) => {
  const cfg = sshConfig(`Host myalias\n  HostName 127.0.0.1\n  Port ${sshd.port}\n  User root\n  IdentityFile ${sshd.keyFile}\n`);
  const spec = resolveConnection('myalias', {}, { sshConfigFile: cfg });
  const tr = await openTransport(spec, { knownHostsFiles: [sshd.knownHostsFile], acceptNew: false }, { name: 'myalias' });
  t.is(tr.kind, 'ssh');
  t.is((await tr.run('id -u')).stdout.toString(), '0\n');
  await tr.close();
});

test('openTransport: local kind runs here; prompt without a password is refused', async (t) => {
  const tr = await openTransport(resolveConnection('localhost', {}, { sshConfigFile: sshConfig('') }), { knownHostsFiles: [], acceptNew: false });
  t.is(tr.kind, 'local');
  t.is((await tr.run('echo $$ >/dev/null; echo local')).stdout.toString(), 'local\n');
  await tr.close();
  const spec = { ...resolveConnection('x', { become: true, becomePassword: { prompt: true } }, { sshConfigFile: sshConfig('') }) };
  const e = await t.throwsAsync(openTransport(spec, { knownHostsFiles: [], acceptNew: false }, { name: 'x' }), { instanceOf: UnreachableError });
  t.regex(e!.message, /"prompt" was asked but no password was given/);
});

test('connectHost: a RunHost over SSH; trustHostKeys replaces the known keys', async (t) => {
  const kh = join(dir, 'known_hosts_connecthost');
  writeFileSync(kh, readFileSync(sshd.knownHostsFile));
  const th = connectHost({ address: '127.0.0.1', port: sshd.port, keyFile: sshd.keyFile, knownHostsFile: kh, name: 'testnode' });
  t.teardown(() => th.close());
  const r = await th.host.exec(sh`printf '%s' ${"it's $HOME"}`);
  t.is(r.stdout, "it's $HOME");
  await th.host.trustHostKeys('node2.example.org', [sshd.hostKeyPub[1]]);
  const entries = parseKnownHosts(readFileSync(kh, 'utf8'), kh);
  t.is(verifyHostKey(entries, 'node2.example.org', 22, Buffer.from(sshd.hostKeyPub[1].split(' ')[1], 'base64')).kind, 'match');
  t.is(entries.length, 3);
});

test('localHost: a RunHost on this machine; check mode refuses changing commands', async (t) => {
  const th = localHost({ check: true });
  t.teardown(() => th.close());
  t.is((await th.host.exec(sh`echo hi`, { readOnly: true })).stdout, 'hi\n');
  await t.throwsAsync(th.host.exec(sh`touch /tmp/x`), { name: 'CheckModeViolation' });
});
