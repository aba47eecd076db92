// playbooks/baseline.ts's pure parts: the sshd drop-in, chrony.conf, the package list by manager, and what `drover list` shows.
import path from 'node:path';
import test from 'ava';
import { formatOutline } from '../../../core/typecheck/format-outline.ts';
import { outlinePlaybook } from '../../../core/typecheck/outline.ts';
import { packagesFor } from '../../../playbooks/baseline/packages.ts';
import { sshdHardening } from '../../../playbooks/baseline/sshd.ts';
import { chronyConf } from '../../../playbooks/baseline/time-sync.ts';

test('the sshd drop-in: key-only logins, extra lines appended, a multi-line extra refused', (t) => {
  const text = sshdHardening(['AllowGroups admins root']);
  t.regex(text, /^PasswordAuthentication no$/m);
  t.regex(text, /^PermitRootLogin prohibit-password$/m);
  t.true(text.endsWith('AllowGroups admins root\n'));
  t.throws(() => sshdHardening(['A b\nPermitRootLogin yes']), { message: /^sshdExtra: one line each/ });
});

test('chrony.conf: a server line each; a server that is not a name refused', (t) => {
  t.regex(
    chronyConf(['0.pool.ntp.org', '192.0.2.1']),
    /^server 0\.pool\.ntp\.org iburst\nserver 192\.0\.2\.1 iburst$/m,
  );
  t.throws(() => chronyConf([]), { message: 'timeServers: give at least one server' });
  t.throws(() => chronyConf(['a b']), { message: /^timeServers: not a host name/ });
});

test('packages by the packageManager fact; another manager is named in the error', (t) => {
  const lists = { apt: ['sudo'], portage: ['app-admin/sudo'] };
  t.deepEqual(packagesFor({ name: 'apt', path: '/usr/bin/apt-get' }, lists), { manager: 'apt', names: ['sudo'] });
  t.deepEqual(packagesFor({ name: 'portage', path: '/usr/bin/emerge' }, lists), {
    manager: 'portage',
    names: ['app-admin/sudo'],
  });
  t.deepEqual(packagesFor({ name: 'apt' }, {}), { manager: 'apt', names: [] });
  t.throws(() => packagesFor({ name: 'dnf', path: '/usr/bin/dnf' }, lists), {
    message: "the baseline installs packages with apt or Portage; this host's package manager is dnf",
  });
});

test('drover list: the facts the baseline reads', (t) => {
  const repo = path.resolve(import.meta.dirname, '..', '..', '..');
  const text = formatOutline(outlinePlaybook('playbooks/baseline.ts', { cwd: repo, cache: false }));
  t.regex(text, /^ {2}facts os, packageManager, init {2}playbooks\/baseline\.ts:\d+$/m);
  t.is(text.split('\n').at(-1), 'facts read: os, packageManager, init');
});
