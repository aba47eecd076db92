import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { readSshConfigFor, sshConfigFor } from '../../../core/ssh/ssh-config.ts';

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
  Match exec "touch /tmp/drover-must-not-exist"
`;

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

test('a bad Port is an error naming the host', (t) => {
  t.throws(() => sshConfigFor('Host x\n  Port abc\n', 'x', env), { message: /Port "abc" for x is not a port number/ });
});

test('readSshConfigFor reads a given file; a missing given file is an error', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'drover-sshcfg-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'config');
  writeFileSync(file, 'Host lab\n  HostName 10.88.0.10\n  IdentityFile ~/k\n');
  t.deepEqual(readSshConfigFor('lab', file), {
    hostName: '10.88.0.10',
    port: undefined,
    user: undefined,
    identityFiles: [join(homedir(), 'k')],
    connectTimeout: undefined,
  });
  t.throws(() => readSshConfigFor('lab', join(dir, 'nope')), { message: /cannot read ssh config .*nope/ });
});
