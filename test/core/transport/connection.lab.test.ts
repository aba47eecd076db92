import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { openTransport, resolveConnection } from '../../../core/transport/connection.ts';
import { UnreachableError } from '../../../core/errors.ts';
import { sh } from '../../../core/sh.ts';
import { parseKnownHosts, verifyHostKey } from '../../../core/ssh/known-hosts.ts';
import { connectHost, localHost } from '../../support/host.ts';
import { startSshd, type Sshd } from '../../support/sshd.ts';

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
  t.like(s, {
    kind: 'ssh',
    address: 'node1.example.org',
    port: 22,
    user: userInfo().username,
    become: false,
    connectTimeout: 10,
  });
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
  const cfg = sshConfig(
    'Host web1\n  HostName 10.1.1.1\n  Port 2200\n  User cfguser\n  IdentityFile ~/.ssh/cfgkey\n  ConnectTimeout 3\n',
  );
  // A user given on the command line (opts.user) wins over ssh_config, as `ssh -l` does.
  t.is(resolveConnection('web1', {}, { sshConfigFile: cfg, user: 'cli' }).user, 'cli');
  t.like(resolveConnection('web1', {}, { sshConfigFile: cfg }), {
    address: '10.1.1.1',
    port: 2200,
    user: 'cfguser',
    keyFiles: [join(homedir(), '.ssh/cfgkey')],
    connectTimeout: 3,
  });
  t.like(
    resolveConnection('web1', { port: 22, user: 'inv', keyFile: '~/inv_key', become: true }, { sshConfigFile: cfg }),
    {
      address: '10.1.1.1',
      port: 22,
      user: 'inv',
      keyFiles: [join(homedir(), 'inv_key'), join(homedir(), '.ssh/cfgkey')],
      become: true,
    },
  );
  // ssh_config is looked up under the inventory address when there is one.
  const byAddr = sshConfig('Host 10.9.9.9\n  User byaddr\n');
  t.like(resolveConnection('web1', { address: '10.9.9.9' }, { sshConfigFile: byAddr }), {
    address: '10.9.9.9',
    user: 'byaddr',
  });
});

test('end to end: an ssh_config alias reaches the test server', async (t) => {
  const cfg = sshConfig(
    `Host myalias\n  HostName 127.0.0.1\n  Port ${sshd.port}\n  User root\n  IdentityFile ${sshd.keyFile}\n`,
  );
  const spec = resolveConnection('myalias', {}, { sshConfigFile: cfg });
  const tr = await openTransport(
    spec,
    { knownHostsFiles: [sshd.knownHostsFile], acceptNew: false },
    { name: 'myalias' },
  );
  t.is(tr.kind, 'ssh');
  t.is((await tr.run('id -u')).stdout.toString(), '0\n');
  await tr.close();
});

test('openTransport: local kind runs here; prompt without a password is refused', async (t) => {
  const tr = await openTransport(resolveConnection('localhost', {}, { sshConfigFile: sshConfig('') }), {
    knownHostsFiles: [],
    acceptNew: false,
  });
  t.is(tr.kind, 'local');
  t.is((await tr.run('echo $$ >/dev/null; echo local')).stdout.toString(), 'local\n');
  await tr.close();
  const spec = {
    ...resolveConnection('x', { become: true, becomePassword: { prompt: true } }, { sshConfigFile: sshConfig('') }),
  };
  const e = await t.throwsAsync(openTransport(spec, { knownHostsFiles: [], acceptNew: false }, { name: 'x' }), {
    instanceOf: UnreachableError,
  });
  t.regex(e!.message, /"prompt" was asked but no password was given/);
});

test('connectHost: a RunHost over SSH; trustHostKeys replaces the known keys', async (t) => {
  const kh = join(dir, 'known_hosts_connecthost');
  writeFileSync(kh, readFileSync(sshd.knownHostsFile));
  const th = connectHost({
    address: '127.0.0.1',
    port: sshd.port,
    keyFile: sshd.keyFile,
    knownHostsFile: kh,
    name: 'testnode',
  });
  t.teardown(() => th.close());
  const r = await th.host.exec(sh`printf '%s' ${"it's $HOME"}`);
  t.is(r.stdout, "it's $HOME");
  await th.host.trustHostKeys('node2.example.org', [sshd.hostKeyPub[1]]);
  const entries = parseKnownHosts(readFileSync(kh, 'utf8'), kh);
  t.is(
    verifyHostKey(entries, 'node2.example.org', 22, Buffer.from(sshd.hostKeyPub[1].split(' ')[1], 'base64')).kind,
    'match',
  );
  t.is(entries.length, 3);
});

test('localHost: a RunHost on this machine; check mode refuses changing commands', async (t) => {
  const th = localHost({ check: true });
  t.teardown(() => th.close());
  t.is((await th.host.exec(sh`echo hi`, { readOnly: true })).stdout, 'hi\n');
  await t.throwsAsync(th.host.exec(sh`touch /tmp/x`), { name: 'CheckModeViolation' });
});

test('ProxyJump chains: the last hop reaches the host, earlier hops are its jumps (as ssh -J a,b does); only the first uses its own ProxyJump', (t) => {
  const cfg = sshConfig(
    'Host chain-*\n  ProxyJump ops@bastion:2222,b2\n' +
      'Host bastion\n  HostName 192.0.2.10\n  ProxyJump outer\n' +
      'Host b2\n  HostName 10.1.0.2\n  User b2user\n  ProxyJump ignored-because-of-J\n' +
      'Host outer\n  ProxyCommand nc %h %p\n',
  );
  const s = resolveConnection('chain-1', { user: 'inv' }, { sshConfigFile: cfg });
  const hop1 = s.via && 'jump' in s.via ? s.via.jump : undefined;
  t.like(hop1, { address: '10.1.0.2', user: 'b2user', port: 22 });
  const hop2 = hop1?.via && 'jump' in hop1.via ? hop1.via.jump : undefined;
  t.like(hop2, { address: '192.0.2.10', user: 'ops', port: 2222 });
  const hop3 = hop2?.via && 'jump' in hop2.via ? hop2.via.jump : undefined;
  t.like(hop3, { address: 'outer', via: { command: 'nc outer 22', at: `${cfg}:11` } });
  t.like(s, { address: 'chain-1', user: 'inv' });
});

test('the inventory user and port are given to ssh_config as ssh -l/-p: Match user and %r/%p see them', (t) => {
  const cfg = sshConfig('Match user deploy\n  IdentityFile ~/.ssh/deploy_%r_%p\n  ProxyJump gw\n');
  const s = resolveConnection('web', { user: 'deploy', port: 2201 }, { sshConfigFile: cfg });
  t.deepEqual(s.keyFiles, [join(homedir(), '.ssh/deploy_deploy_2201')]);
  t.like(s.via, { jump: { address: 'gw' } });
  t.is(resolveConnection('web', { user: 'other' }, { sshConfigFile: cfg }).via, undefined);
});

test('inventory ssh options (ansible_ssh_common_args) win over ssh_config and are refused by the same table, naming the var', (t) => {
  const cfg = sshConfig('Host web\n  ProxyJump from-config\n');
  const at = 'hosts.ini:4 ansible_ssh_common_args';
  t.like(
    resolveConnection(
      'web',
      { sshOptions: [{ keyword: 'ProxyJump', value: 'from-inventory', at }] },
      { sshConfigFile: cfg },
    ).via,
    { jump: { address: 'from-inventory' }, at },
  );
  t.is(
    resolveConnection('web', { sshOptions: [{ keyword: 'ProxyJump', value: 'none', at }] }, { sshConfigFile: cfg }).via,
    undefined,
  );
  const e = t.throws(
    () =>
      resolveConnection(
        'web',
        { sshOptions: [{ keyword: 'StrictHostKeyChecking', value: 'no', at }] },
        { sshConfigFile: cfg },
      ),
    { instanceOf: UnreachableError },
  );
  t.regex(e!.message, /\n  hosts\.ini:4 ansible_ssh_common_args: StrictHostKeyChecking no — /);
  t.throws(
    () => resolveConnection('web', { sshOptions: [{ keyword: 'Bogus', value: 'x', at }] }, { sshConfigFile: cfg }),
    { message: /hosts\.ini:4 ansible_ssh_common_args: ssh option "bogus" is not a client option/ },
  );
  // The inventory's own ssh config file (-F) replaces the default files.
  t.like(
    resolveConnection(
      'web',
      { sshConfigFile: sshConfig('Host web\n  HostName from-inv-file\n') },
      { sshConfigFile: cfg },
    ),
    { address: 'from-inv-file', via: undefined },
  );
});

test('a ProxyJump loop is an error naming where, not a hang', (t) => {
  const cfg = sshConfig('Host a\n  ProxyJump b\nHost b\n  ProxyJump a\n');
  t.throws(() => resolveConnection('a', {}, { sshConfigFile: cfg }), {
    message: /ProxyJump chain deeper than 16 jump hosts/,
  });
  t.throws(
    () =>
      resolveConnection(
        'x',
        { sshOptions: [{ keyword: 'ProxyJump', value: 'u@h:99999', at: 'inv' }] },
        { sshConfigFile: cfg },
      ),
    { message: /inv: ProxyJump "u@h:99999": port "99999" is not a port number/ },
  );
});
