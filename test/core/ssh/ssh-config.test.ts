import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import test from 'ava';
import { UnreachableError } from '../../../core/errors.ts';
import { readSshConfigFor, resolveSshConfig, sshConfigFor } from '../../../core/ssh/ssh-config.ts';
import { DIRECTIVES, directive, directivesMarkdown } from '../../../core/ssh/ssh-directives.ts';

const env = { home: '/home/me', localUser: 'me' };
const text = `
# first obtained value wins, as in OpenSSH
Host web*
  HostName %h.internal.example.org
  Port 2222
  IdentityFile ~/.ssh/web_key
  IdentityFile %d/.ssh/%r-%u

Host web1
  Port 9999
  User deploy

Host *
  User admin
  IdentityFile ~/.ssh/default
  ConnectTimeout 4
`;

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'drover-sshcfg-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('HostName/Port/User/IdentityFile: first match wins, ~ and tokens expanded', (t) => {
  t.deepEqual(sshConfigFor(text, 'web1', env), {
    hostName: 'web1.internal.example.org',
    port: 2222,
    user: 'deploy',
    identityFiles: ['/home/me/.ssh/web_key', '/home/me/.ssh/deploy-me', '/home/me/.ssh/default'],
    connectTimeout: 4,
  });
  t.deepEqual(sshConfigFor(text, 'db', env), {
    hostName: undefined,
    port: undefined,
    user: 'admin',
    identityFiles: ['/home/me/.ssh/default'],
    connectTimeout: 4,
  });
});

test('IdentityFile tokens use the final host, port and user (local user when none is set); `none` is dropped', (t) => {
  const cfg =
    'Host h\n  HostName H.Example.org\n  IdentityFile ~/k_%h_%p_%r_%n\n  IdentityFile none\n  ConnectTimeout 1m30s\n';
  t.like(sshConfigFor(cfg, 'h', env), { identityFiles: ['/home/me/k_h.example.org_22_me_h'], connectTimeout: 90 });
  t.throws(() => sshConfigFor('IdentityFile ~/%z\n', 'h', env), {
    message: /\(ssh config\):1: IdentityFile "~\/%z": unknown token %z/,
  });
});

test('a bad Port is an error naming file:line and the host', (t) => {
  t.throws(() => sshConfigFor('Host x\n  Port abc\n', 'x', env), {
    message: /^\(ssh config\):2: Port "abc" for x is not a port number/,
  });
});

test('readSshConfigFor reads a given file; a missing given file is an unreachable error', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'config');
  writeFileSync(file, 'Host lab\n  HostName 10.88.0.10\n  IdentityFile ~/k\n');
  t.deepEqual(readSshConfigFor('lab', file), {
    hostName: '10.88.0.10',
    port: undefined,
    user: undefined,
    identityFiles: [join(homedir(), 'k')],
    connectTimeout: undefined,
  });
  const e = t.throws(() => readSshConfigFor('lab', join(dir, 'nope')), { message: /cannot read ssh config .*nope/ });
  t.true(e instanceof UnreachableError, 'a config problem is that host being unreachable, not a crash');
});

test('Match exec is never run: refused with file:line where OpenSSH would run it', (t) => {
  const dir = tempDir(t);
  const marker = join(dir, 'ran');
  const cfg = `Host *\n  User u\nMatch host web* exec "touch ${marker}"\n  User ex\n`;
  t.throws(() => sshConfigFor(cfg, 'web1', env), {
    message: /^\(ssh config\):3: Match exec "touch .*ran": drover never runs commands/,
  });
  // OpenSSH skips exec once an earlier criterion failed: so does the refusal.
  t.like(sshConfigFor(cfg, 'db1', env), { user: 'u' });
  t.false(existsSync(marker));
  // ... but evaluates Match lines even in an Include read under a non-matching Host (ssh runs exec there).
  const inc = join(dir, 'inc.conf');
  writeFileSync(inc, `Match exec "touch ${marker}"\n  User ex\n`);
  t.throws(() => sshConfigFor(`Host other\n  Include ${inc}\n`, 'web1', env), {
    message: new RegExp(`^${inc}:1: Match exec`),
  });
  t.false(existsSync(marker));
});

test('Match: unsupported criteria and `all` combined are errors naming file:line', (t) => {
  t.throws(() => sshConfigFor('Match tagged x\n  User a\n', 'h', env), {
    message: /^\(ssh config\):1: unsupported Match attribute tagged/,
  });
  t.throws(() => sshConfigFor('Match all host x\n', 'h', env), {
    message: /^\(ssh config\):1: Match 'all' cannot be combined/,
  });
  t.throws(() => sshConfigFor('Match host\n', 'h', env), {
    message: /^\(ssh config\):1: Match host: missing criteria/,
  });
});

test('unknown directives are errors (as in OpenSSH) unless IgnoreUnknown names them', (t) => {
  t.throws(() => sshConfigFor('Host *\n  UseKeychain yes\n', 'h', env), {
    message: /^\(ssh config\):2: Bad configuration option: usekeychain/,
  });
  t.notThrows(() => sshConfigFor('IgnoreUnknown UseKeychain,AddKeys*\nHost *\n  UseKeychain yes\n', 'h', env));
});

test('Include: relative to ~/.ssh, globbed and sorted, nested; nested too deeply is an error', (t) => {
  const home = tempDir(t);
  mkdirSync(join(home, '.ssh', 'd'), { recursive: true });
  writeFileSync(join(home, '.ssh', 'd', 'b.conf'), 'User from-b\nPort 2\n');
  writeFileSync(join(home, '.ssh', 'd', 'a.conf'), 'Port 1\nInclude d/c.inc\n');
  writeFileSync(join(home, '.ssh', 'd', 'c.inc'), 'IdentityFile ~/from-c\n');
  const e = { home, localUser: 'me' };
  t.like(sshConfigFor('Include d/*.conf\n', 'h', e), {
    user: 'from-b',
    port: 1,
    identityFiles: [join(home, 'from-c')],
  });
  writeFileSync(join(home, '.ssh', 'loop'), 'Include loop\n');
  t.throws(() => sshConfigFor('Include loop\n', 'h', e), { message: /loop:1: Include nested too deeply/ });
  // the system config may not use ~ (readconf.c)
  const sys = join(home, 'ssh_config');
  writeFileSync(sys, 'Include ~/x\n');
  t.throws(() => resolveSshConfig('h', { systemFile: sys, env: e }), {
    message: /ssh_config:1: Include ~\/x: tilde expansion not allowed/,
  });
});

// --- never silent: every refused directive, by file:line, only for the hosts it applies to

/** A value each refused directive is refused for, and (where there is one) a value it is not. */
const REFUSED_SAMPLES: Record<string, { bad: string; ok?: string }> = {
  ProxyUseFdpass: { bad: 'yes', ok: 'no' },
  CanonicalizeHostname: { bad: 'yes', ok: 'no' },
  AddressFamily: { bad: 'inet', ok: 'any' },
  BindAddress: { bad: '192.0.2.1', ok: 'none' },
  BindInterface: { bad: 'eth1', ok: 'none' },
  CertificateFile: { bad: '~/.ssh/id_ed25519-cert.pub', ok: 'none' },
  PKCS11Provider: { bad: '/usr/lib/opensc-pkcs11.so', ok: 'none' },
  IdentityAgent: { bad: '~/.gnupg/S.gpg-agent.ssh', ok: 'SSH_AUTH_SOCK' },
  PubkeyAuthentication: { bad: 'no', ok: 'yes' },
  GlobalKnownHostsFile: { bad: '/etc/ssh/ssh_known_hosts.site', ok: '/dev/null' },
  KnownHostsCommand: { bad: '/usr/local/bin/keys %H', ok: 'none' },
  RevokedHostKeys: { bad: '/etc/ssh/revoked', ok: 'none' },
  StrictHostKeyChecking: { bad: 'no', ok: 'accept-new' },
  Ciphers: { bad: 'aes256-ctr', ok: '+aes128-cbc' },
  MACs: { bad: '-hmac-sha1', ok: '^hmac-sha2-512' },
  KexAlgorithms: { bad: 'curve25519-sha256', ok: '+diffie-hellman-group14-sha1' },
  HostKeyAlgorithms: { bad: 'ssh-ed25519', ok: '+ssh-rsa' },
  PubkeyAcceptedAlgorithms: { bad: 'ssh-ed25519', ok: '+ssh-rsa' },
  RequiredRSASize: { bad: '3072' },
  RemoteCommand: { bad: 'tmux attach', ok: 'none' },
  LocalCommand: { bad: 'notify-send hi', ok: 'none' },
};

test('every refused directive has a sample here (so each one is tested)', (t) => {
  const refused = DIRECTIVES.filter((d) => d.treatment === 'refused').map((d) => d.name);
  t.deepEqual(refused.sort(), Object.keys(REFUSED_SAMPLES).sort());
});

for (const [name, { bad, ok }] of Object.entries(REFUSED_SAMPLES)) {
  test(`refused: ${name} ${bad} → file:line for the hosts it applies to only${ok ? `; ${ok} is accepted` : ''}`, (t) => {
    const extra = name === 'LocalCommand' ? '  PermitLocalCommand yes\n' : '';
    const cfg = `Host *\n  ServerAliveInterval 30\n  ForwardAgent no\nHost target\n${extra}  ${name} ${bad}\n`;
    const line = extra ? 6 : 5;
    t.throws(() => sshConfigFor(cfg, 'target', env), {
      message: new RegExp(
        `for target uses what drover does not implement.*\\n  \\(ssh config\\):${line}: ${name} ${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} — `,
        's',
      ),
    });
    t.notThrows(() => sshConfigFor(cfg, 'elsewhere', env));
    if (ok) t.notThrows(() => sshConfigFor(cfg.replace(`${name} ${bad}`, `${name} ${ok}`), 'target', env));
  });
}

test('LocalCommand is refused only when PermitLocalCommand is yes (OpenSSH runs it only then)', (t) => {
  t.notThrows(() => sshConfigFor('LocalCommand touch /tmp/x\n', 'h', env));
  t.throws(() => sshConfigFor('PermitLocalCommand yes\nLocalCommand touch /tmp/x\n', 'h', env), {
    message: /:2: LocalCommand touch \/tmp\/x/,
  });
});

test('first obtained value wins: an earlier `ProxyJump none` cancels a later ProxyJump; refusals too', (t) => {
  const cfg =
    'Host direct\n  ProxyJump none\n  RemoteCommand none\nHost *\n  ProxyJump bastion\n  RemoteCommand tmux\n  RequiredRSASize 3072\n';
  t.throws(() => sshConfigFor(cfg, 'direct', env), { message: /\n  \(ssh config\):7: RequiredRSASize 3072 — [^\n]*$/ });
  const e = t.throws(() => sshConfigFor(cfg, 'other', env));
  t.regex(
    e.message,
    /:6: RemoteCommand tmux — [^\n]*\n  \(ssh config\):7: RequiredRSASize/,
    'every refusal listed, in file order',
  );
  const ok = 'Host direct\n  ProxyJump none\nHost *\n  ProxyJump bastion\n';
  t.is(sshConfigFor(ok, 'direct', env).proxyJump, undefined);
  t.deepEqual(sshConfigFor(ok, 'other', env).proxyJump, { value: 'bastion', at: '(ssh config):4' });
});

test('ProxyCommand: %h %p %r %n %% expanded, the rest of the line as written; another token is an error', (t) => {
  const cfg =
    'Host pc\n  HostName Real.Example\n  Port 2200\n  User u\n  ProxyCommand ssh -W %h:%p -l %r gw -o "X=%n" 100%%\n';
  t.deepEqual(sshConfigFor(cfg, 'pc', env).proxyCommand, {
    command: 'ssh -W real.example:2200 -l u gw -o "X=pc" 100%',
    at: '(ssh config):5',
  });
  t.throws(() => sshConfigFor('ProxyCommand nc %h %d\n', 'h', env), {
    message: /\(ssh config\):1: ProxyCommand "nc %h %d": unknown token %d/,
  });
  // ProxyJump too (ssh.c makes a ProxyCommand of it): `ssh -F` with this config tries to reach j-tok-root.
  t.like(sshConfigFor('Host tok\n  ProxyJump j-%h-%r\n', 'tok', { ...env, localUser: 'root' }).proxyJump, {
    value: 'j-tok-root',
  });
});

test('HostKeyAlias, UserKnownHostsFile (tokens, none) and StrictHostKeyChecking accept-new are honoured', (t) => {
  const cfg =
    'Host h\n  HostKeyAlias alias-%h\n  UserKnownHostsFile ~/kh/%n %d/other\n  StrictHostKeyChecking accept-new\nHost n\n  UserKnownHostsFile none\n';
  t.like(sshConfigFor(cfg, 'h', env), {
    hostKeyAlias: 'alias-%h',
    knownHostsFiles: [`${env.home}/kh/h`, `${env.home}/other`],
    acceptNewHostKeys: true,
  });
  t.deepEqual(sshConfigFor(cfg, 'n', env).knownHostsFiles, []);
  t.is(sshConfigFor('StrictHostKeyChecking yes\n', 'x', env).acceptNewHostKeys, undefined);
});

test('common harmless defaults (Debian /etc/ssh/ssh_config, typical ~/.ssh/config) are accepted', (t) => {
  const cfg = `Include /nonexistent/*.conf
Host *
  SendEnv LANG LC_*
  HashKnownHosts yes
  GSSAPIAuthentication yes
  ServerAliveInterval 30
  ServerAliveCountMax 3
  AddKeysToAgent yes
  ForwardAgent no
  Compression yes
  IdentitiesOnly yes
  ControlMaster auto
  ControlPath ~/.ssh/cm-%C
  ControlPersist 10m
  StrictHostKeyChecking accept-new
  PubkeyAcceptedAlgorithms +ssh-rsa
  ProxyJump none
`;
  t.notThrows(() => sshConfigFor(cfg, 'anything', env));
});

// --- the table itself

test('the directive table covers every keyword of ssh_config(5) and each name is one OpenSSH knows', (t) => {
  const man = '/usr/share/man/man5/ssh_config.5.gz';
  if (!existsSync(man)) return t.fail(`${man} missing: install openssh-client's manual to check the table against it`);
  const keywords = [
    ...gunzipSync(readFileSync(man))
      .toString('utf8')
      .matchAll(/^\.It Cm ([A-Z][A-Za-z0-9]+)$/gm),
  ].map((m) => m[1]);
  t.true(keywords.length > 90, `parsed ${keywords.length} keywords`);
  t.deepEqual(
    keywords.filter((k) => !directive(k)),
    [],
    'keywords in ssh_config(5) with no treatment',
  );
  // Every name and alias in the table is known to ssh: it would say "Bad configuration option" otherwise.
  const dir = tempDir(t);
  const names = DIRECTIVES.flatMap((d) => [d.name, ...(d.aliases ?? [])]).filter(
    (n) => !/^(Host|Match|Include)$/.test(n),
  );
  const file = join(dir, 'all');
  writeFileSync(file, `Host never-matches-anything\n${names.map((n) => `  ${n} x`).join('\n')}\n`);
  const r = spawnSync('ssh', ['-G', '-F', file, 'h'], { encoding: 'utf8' });
  t.deepEqual(
    r.stderr.split('\n').filter((l) => /Bad configuration option/.test(l)),
    [],
  );
});

test('every directive has a reason; the docs table lists each once', (t) => {
  for (const d of DIRECTIVES) t.true(d.reason.length > 5, d.name);
  const md = directivesMarkdown();
  for (const d of DIRECTIVES) t.is(md.split(`| \`${d.name}\` |`).length, 2, d.name);
  t.regex(md, /\| `ProxyJump` \| honoured \|/);
  t.regex(md, /\| `ProxyUseFdpass` \| \*\*refused\*\* when `yes` \|/);
});

test('the docs/connections.md table is directivesMarkdown() as generated', (t) => {
  // docs/connections.md is edited by hand elsewhere: the table must be pasted from directivesMarkdown(), never edited.
  const readme = readFileSync(join(import.meta.dirname, '../../../docs/connections.md'), 'utf8');
  const start = readme.indexOf('| directive | drover | why |');
  t.true(start >= 0, 'docs/connections.md has the directive table');
  const table = readme.slice(start, readme.indexOf('\n\n', start) + 1);
  t.is(table, directivesMarkdown());
});

test('an Included file others could write is refused, as OpenSSH refuses it', (t) => {
  const dir = tempDir(t);
  const inc = join(dir, 'shared.conf');
  writeFileSync(inc, 'User from-shared\n');
  chmodSync(inc, 0o666);
  const main = join(dir, 'config');
  writeFileSync(main, `Include ${inc}\n`);
  t.throws(() => readSshConfigFor('h', main), { message: new RegExp(`^${inc}: bad owner or permissions`) });
  const ssh = spawnSync('ssh', ['-G', '-F', main, 'h'], { encoding: 'utf8' });
  t.not(ssh.status, 0, 'ssh -G refuses it too');
  t.regex(ssh.stderr, /Bad owner or permissions/);
  chmodSync(inc, 0o644);
  t.like(readSshConfigFor('h', main), { user: 'from-shared' });
});
