// user, group and authorizedKey on a real Debian lab host (shadow's useradd/usermod/chpasswd): --check, then twice each.
import test from 'ava';
import { labExec } from '../../../lab/index.ts';
import { secret } from '../../../core/secret.ts';
import type { RunHost } from '../../../core/host.ts';
import { authorizedKey } from '../../../modules/users/authorized-key.ts';
import { group } from '../../../modules/users/group.ts';
import { user } from '../../../modules/users/user.ts';
import { labHostOpener, labSerialTest, useLab } from '../../support/lab.ts';

const lab = useLab(test, { name: 'users', hosts: 1, profile: 'base' });
const labTest = labSerialTest(test);
const open = labHostOpener(test, lab);
let main: { host: RunHost<Record<string, unknown>>; events: unknown[] } | undefined;
const h = () => (main ??= open()).host;
const checkHost = () => open({ check: true }).host;
const on = async (...argv: string[]) => labExec(lab(), 'node1', argv);
const out = async (...argv: string[]) => (await on(...argv)).stdout;

const KEY_A = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDr3Lq0m8l4Z1Zf8b0K7w5p2Qy9xv6c3n1s4t7u0w2y5 a@x';
const KEY_B = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPq9m2L7k4j1h8g5f2d9s6a3z0x7c4v1b8n5m2l9k6j3 b@y';

labTest('group: --check changes nothing; created; again nothing; gid changed; removed', async (t) => {
  t.true((await group(checkHost(), { name: 'ops', gid: 2500 })).changed);
  t.not((await on('getent', 'group', 'ops')).code, 0, '--check created nothing');
  t.like(await group(h(), { name: 'ops', gid: 2500 }), { changed: true, message: 'created (gid 2500)' });
  t.is(await out('getent', 'group', 'ops'), 'ops:x:2500:\n');
  t.false((await group(h(), { name: 'ops', gid: 2500 })).changed);
  t.like(await group(h(), { name: 'ops', gid: 2501 }), { changed: true, message: 'gid 2500 → 2501' });
  t.false((await group(h(), { name: 'ops', gid: 2501 })).changed);
  await group(h(), { name: 'tmpgrp' });
  t.true((await group(h(), { name: 'tmpgrp', state: 'absent' })).changed);
  t.false((await group(h(), { name: 'tmpgrp', state: 'absent' })).changed);
});

labTest(
  'user: --check, create with groups and a password hash, again nothing; modify; the hash never shows',
  async (t) => {
    const hash = (await out('openssl', 'passwd', '-6', '-salt', 'drovertest', 'correct horse')).trim();
    const hash2 = (await out('openssl', 'passwd', '-6', '-salt', 'drovertest', 'battery staple')).trim();
    const params = { name: 'alice', groups: ['ops'], shell: '/bin/bash', comment: 'Alice', password: secret(hash) };
    t.true((await user(checkHost(), params)).changed);
    t.not((await on('id', 'alice')).code, 0, '--check created nothing');
    t.like(await user(h(), params), { changed: true, message: 'created with its password' });
    t.regex(await out('getent', 'passwd', 'alice'), /^alice:x:\d+:\d+:Alice:\/home\/alice:\/bin\/bash\n$/);
    t.is(await out('id', '-Gn', 'alice'), 'alice ops\n');
    t.is((await out('getent', 'shadow', 'alice')).split(':')[1], hash);
    t.is(await out('stat', '-c', '%U %a', '/home/alice'), 'alice 755\n');
    t.false((await user(h(), params)).changed, 'second run: nothing');
    // Modify: shell, groups emptied, a new hash — one usermod and chpasswd; then stable again.
    const p2 = { ...params, shell: '/bin/sh', groups: [], password: secret(hash2) };
    t.true((await user(checkHost(), p2)).changed);
    t.is((await out('getent', 'shadow', 'alice')).split(':')[1], hash, '--check kept the hash');
    t.like(await user(h(), p2), { changed: true, message: 'shell /bin/bash → /bin/sh, groups -ops, password changed' });
    t.is(await out('id', '-Gn', 'alice'), 'alice\n');
    t.is((await out('getent', 'shadow', 'alice')).split(':')[1], hash2);
    t.false((await user(h(), p2)).changed);
    // append adds without removing
    await group(h(), { name: 'extra' });
    t.true((await user(h(), { name: 'alice', groups: ['extra', 'ops'], append: true })).changed);
    t.false((await user(h(), { name: 'alice', groups: ['ops'], append: true })).changed);
    const shown = JSON.stringify(main?.events ?? []);
    t.false(shown.includes(hash) || shown.includes(hash2), 'no hash in any event');
  },
);

labTest(
  'authorizedKey: created 0600 in a new ~/.ssh 0700 (owned by the user); twice; exclusive; options; absent',
  async (t) => {
    const file = '/home/alice/.ssh/authorized_keys';
    t.true((await authorizedKey(checkHost(), { user: 'alice', keys: KEY_A })).changed);
    t.not((await on('test', '-e', '/home/alice/.ssh')).code, 0, '--check made nothing');
    t.like(await authorizedKey(h(), { user: 'alice', keys: KEY_A }), { changed: true, message: 'created' });
    t.is(await out('stat', '-c', '%U %G %a', '/home/alice/.ssh', file), 'alice alice 700\nalice alice 600\n');
    t.is(await out('cat', file), `${KEY_A}\n`);
    t.false((await authorizedKey(h(), { user: 'alice', keys: KEY_A })).changed);
    // additive with options: A keeps its line, B appended with the options
    await authorizedKey(h(), { user: 'alice', keys: [KEY_B], options: 'no-pty,from="10.0.0.0/8"' });
    t.is(await out('cat', file), `${KEY_A}\nno-pty,from="10.0.0.0/8" ${KEY_B}\n`);
    t.false((await authorizedKey(h(), { user: 'alice', keys: [KEY_B], options: 'no-pty,from="10.0.0.0/8"' })).changed);
    // a mode someone loosened is put back
    await on('chmod', '644', file);
    t.like(await authorizedKey(h(), { user: 'alice', keys: [KEY_B], options: 'no-pty,from="10.0.0.0/8"' }), {
      changed: true,
    });
    t.is(await out('stat', '-c', '%a', file), '600\n');
    // exclusive: only B, without options now
    t.true((await authorizedKey(h(), { user: 'alice', keys: KEY_B, exclusive: true })).changed);
    t.is(await out('cat', file), `${KEY_B}\n`);
    t.false((await authorizedKey(h(), { user: 'alice', keys: KEY_B, exclusive: true })).changed);
    t.true((await authorizedKey(h(), { user: 'alice', keys: KEY_B, state: 'absent' })).changed);
    t.is(await out('cat', file), '');
    t.false((await authorizedKey(h(), { user: 'alice', keys: KEY_B, state: 'absent' })).changed);
  },
);

labTest('authorizedKey refuses a symlink the user planted (root would write through it)', async (t) => {
  const shadowBefore = await out('sha256sum', '/etc/shadow');
  await on('sh', '-c', 'rm -f /home/alice/.ssh/authorized_keys && ln -s /etc/shadow /home/alice/.ssh/authorized_keys');
  await t.throwsAsync(authorizedKey(h(), { user: 'alice', keys: KEY_A }), {
    message: /\/home\/alice\/\.ssh\/authorized_keys is a symbolic link: refusing to write through it/,
  });
  t.is(await out('sha256sum', '/etc/shadow'), shadowBefore);
  await on('rm', '/home/alice/.ssh/authorized_keys');
});

labTest('user absent with its home; twice; then its group', async (t) => {
  t.true((await user(checkHost(), { name: 'alice', state: 'absent', removeHome: true })).changed);
  t.is((await on('id', 'alice')).code, 0, '--check removed nothing');
  t.true((await user(h(), { name: 'alice', state: 'absent', removeHome: true })).changed);
  t.not((await on('id', 'alice')).code, 0);
  t.not((await on('test', '-e', '/home/alice')).code, 0);
  t.false((await user(h(), { name: 'alice', state: 'absent', removeHome: true })).changed);
  t.true((await group(h(), { name: 'ops', state: 'absent' })).changed);
});

labTest(
  'what --check plans for a group or user an earlier step would make fails clearly when it is still missing',
  async (t) => {
    const g = await user(checkHost(), { name: 'carol', groups: ['nosuchgroup'] });
    t.like(g, { changed: true, message: 'created (group nosuchgroup does not exist yet)' });
    await t.throwsAsync(user(h(), { name: 'carol', groups: ['nosuchgroup'] }), {
      message: /no group nosuchgroup on the host \(create it with the group module first\)/,
    });
    t.not((await on('id', 'carol')).code, 0);
    const k = await authorizedKey(checkHost(), { user: 'carol', keys: KEY_A });
    t.like(k, { changed: true, message: 'created (user carol does not exist yet)' });
    await t.throwsAsync(authorizedKey(h(), { user: 'carol', keys: KEY_A }), {
      message: /no user carol on the host \(create it with the user module first\)/,
    });
  },
);
