// authorizedKey planned from recorded probe answers, and its line parser/editor on real authorized_keys shapes.
import test from 'ava';
import { planFromAnswer, type Answer } from '../../../modules/kit.ts';
import { authorizedKey } from '../../../modules/users/authorized-key.ts';
import { editAuthorizedKeys, parseKeyLine, wantedKeys } from '../../../modules/users/authorized-key-plan.ts';

const ED = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx6k0k0fXo3m7oW0lD8e1mZ2S3pJzJ1lq6Q0m4f7b9c alice@laptop';
const ED_BLOB = 'AAAAC3NzaC1lZDI1NTE5AAAAIGx6k0k0fXo3m7oW0lD8e1mZ2S3pJzJ1lq6Q0m4f7b9c';
const RSA = 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDx bob@desk';
const ECDSA = 'ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTY= ci';

const answer = (content: string | null, stat = '1001 1001 600', dir = 'directory'): Answer => [
  ['passwd', 'alice:x:1001:1001::/home/alice:/bin/bash\n'],
  ['file', content === null ? 'absent' : 'file'],
  ['dir', dir],
  ['content', content ?? ''],
  ['stat', content === null ? '' : `${stat}\n`],
];

test('parseKeyLine: options with quoted commas and spaces, certificates, comments; junk is not a key', (t) => {
  t.deepEqual(parseKeyLine(`no-pty,command="echo a, b \\"c\\"",from="10.0.0.0/8" ${ED}`), {
    options: 'no-pty,command="echo a, b \\"c\\"",from="10.0.0.0/8"',
    type: 'ssh-ed25519',
    blob: ED_BLOB,
    comment: 'alice@laptop',
  });
  t.deepEqual(parseKeyLine('ssh-ed25519-cert-v01@openssh.com AAAAIHNzaA=='), {
    type: 'ssh-ed25519-cert-v01@openssh.com',
    blob: 'AAAAIHNzaA==',
  });
  for (const junk of ['', '# ssh-ed25519 AAAA', 'hello world', 'ssh-ed25519', 'ssh-foo AAAA'])
    t.is(parseKeyLine(junk), undefined, junk);
});

test('additive: a new key appended, the same key with other options rewritten in place, the rest kept', (t) => {
  const before = `# team keys\n${RSA}\nno-pty ${ED}\n\n${ECDSA}\n`;
  const after = editAuthorizedKeys(before, wantedKeys([ED, 'ssh-ed25519 AAAAnew= new'], 'from="10.0.0.0/8"'), {
    state: 'present',
    exclusive: false,
  });
  t.is(after, `# team keys\n${RSA}\nfrom="10.0.0.0/8" ${ED}\n\n${ECDSA}\nfrom="10.0.0.0/8" ssh-ed25519 AAAAnew= new\n`);
  // Converged: the same edit again changes nothing.
  t.is(
    editAuthorizedKeys(after, wantedKeys([ED, 'ssh-ed25519 AAAAnew= new'], 'from="10.0.0.0/8"'), {
      state: 'present',
      exclusive: false,
    }),
    after,
  );
});

test('exclusive: exactly the wanted keys; absent: lines of those keys removed (any options)', (t) => {
  const before = `# c\n${RSA}\nno-pty ${ED}\n`;
  t.is(
    editAuthorizedKeys(before, wantedKeys(`${ED}\n${ED}`, undefined), { state: 'present', exclusive: true }),
    `${ED}\n`,
  );
  t.is(editAuthorizedKeys(before, wantedKeys(ED, undefined), { state: 'absent', exclusive: false }), `# c\n${RSA}\n`);
});

test('plan: no file yet → created (with ~/.ssh), the diff shows the key; present and equal → nothing', (t) => {
  const plan = planFromAnswer(authorizedKey, { user: 'alice', keys: ED }, answer(null, '', 'absent'));
  t.deepEqual(plan.result, {
    changed: true,
    path: '/home/alice/.ssh/authorized_keys',
    changes: [{ path: '/home/alice/.ssh/authorized_keys', before: null, after: `${ED}\n` }],
    message: 'created',
  });
  t.is(typeof plan.apply, 'function');
  t.deepEqual(planFromAnswer(authorizedKey, { user: 'alice', keys: ED }, answer(`${ED}\n`)).result, {
    changed: false,
    path: '/home/alice/.ssh/authorized_keys',
  });
});

test('plan: right keys but wrong owner/mode → fixed, no content diff', (t) => {
  const plan = planFromAnswer(authorizedKey, { user: 'alice', keys: ED }, answer(`${ED}\n`, '0 0 644'));
  t.deepEqual(plan.result, {
    changed: true,
    path: '/home/alice/.ssh/authorized_keys',
    changes: [],
    message: 'owner/mode 0 0 644 → 1001 1001 600',
  });
});

test('plan: a symlinked file or .ssh is refused; a user not there yet is planned for; absent with no file is nothing', (t) => {
  const link: Answer = answer(null).map((s) => (s[0] === 'file' ? ['file', 'link'] : s));
  t.throws(() => planFromAnswer(authorizedKey, { user: 'alice', keys: ED }, link), {
    message: '/home/alice/.ssh/authorized_keys is a symbolic link: refusing to write through it',
  });
  t.throws(() => planFromAnswer(authorizedKey, { user: 'alice', keys: ED }, answer(null, '', 'link')), {
    message: '/home/alice/.ssh is a symbolic link: refusing to write into it',
  });
  // ~/.ssh a regular file (or a fifo, a device): not a directory to write into.
  t.throws(() => planFromAnswer(authorizedKey, { user: 'alice', keys: ED }, answer(null, '', 'file')), {
    message: '/home/alice/.ssh is a non-directory: refusing to write into it',
  });
  // No user yet (an earlier step would make it; --check runs none): the file it would get, re-planned when applied.
  const noUser: Answer = answer(null).map((s) => (s[0] === 'passwd' ? ['passwd', '', 2] : s));
  const later = planFromAnswer(authorizedKey, { user: 'alice', keys: ED }, noUser);
  t.deepEqual(later.result, {
    changed: true,
    path: '~alice/.ssh/authorized_keys',
    changes: [{ path: '~alice/.ssh/authorized_keys', before: null, after: `${ED}\n` }],
    message: 'created (user alice does not exist yet)',
  });
  t.is(typeof later.apply, 'function');
  t.false(planFromAnswer(authorizedKey, { user: 'alice', keys: ED, state: 'absent' }, answer(null)).result.changed);
});

test('params: bad keys, options and combinations are refused before the host is touched', (t) => {
  const bad: [Parameters<typeof authorizedKey>[1], RegExp][] = [
    [{ user: 'alice', keys: 'not a key' }, /^keys: line 1 is not a public key/],
    [{ user: 'alice', keys: [] }, /^keys: no public key given/],
    [{ user: 'alice', keys: ED, options: 'from=10.0.0.1 evil' }, /^options: not an authorized_keys options list/],
    [{ user: 'alice', keys: ED, options: 'command="x\ny"' }, /^options: not an authorized_keys options list/],
    [{ user: 'alice', keys: ED, exclusive: true, state: 'absent' }, /^exclusive: only with state present/],
    [{ user: 'alice', keys: ED, path: 'rel/keys' }, /^path: an absolute path/],
  ];
  for (const [p, msg] of bad) t.throws(() => planFromAnswer(authorizedKey, p, answer(null)), { message: msg });
});
