// user and group planned from recorded probe answers (no host): what changes, the one command, secrets never shown.
import test from 'ava';
import { planFromAnswer, probeCommand, type Answer } from '../../../modules/kit.ts';
import { secret } from '../../../core/secret.ts';
import { group } from '../../../modules/users/group.ts';
import { user } from '../../../modules/users/user.ts';
import { hashDigest } from '../../../modules/users/user-plan.ts';

const HASH =
  '$6$rounds=5000$saltsalt$3F1a0kD9a7Y8wq1nq0c7kq3m2l5x9yV8b0c1d2e3f4g5h6i7j8k9l0m1n2o3p4q5r6s7t8u9v0w1x2y3z4A5B6';
const pw = () => secret(HASH);

/** An answer for an existing user `alice` (uid 1001, primary group alice, extra groups given). */
const existing = (o: { groups?: string; shell?: string; shadow?: string; named?: number[] } = {}): Answer => [
  ['passwd', `alice:x:1001:1001:Alice:/home/alice:${o.shell ?? '/bin/bash'}\n`],
  ['gname', 'alice\n'],
  ['groups', `alice ${o.groups ?? 'audio'}\n`],
  ...(o.shadow !== undefined ? [['shadow', `${o.shadow}\n`] as const] : []),
  ...(o.named ?? []).map((st, i) => [`g.${i}`, '', st] as const),
];
const absent: Answer = [
  ['passwd', '', 2],
  ['gname', '', 1],
  ['groups', '', 1],
];

test('user absent → useradd with every field, then chpasswd -e with the hash on stdin (never in argv)', (t) => {
  const p = {
    name: 'alice',
    uid: 1001,
    groups: ['wheel', 'audio'],
    shell: '/bin/bash',
    comment: 'Alice Example',
    home: '/srv/alice',
    password: pw(),
  };
  const plan = planFromAnswer(user, p, [...absent, ['shadow', '', 2], ['g.0', ''], ['g.1', '']]);
  t.deepEqual(plan.result, { changed: true, message: 'created with its password', uid: 1001 });
  const apply = plan.apply as { display: string; text: string };
  t.is(
    apply.display,
    "useradd -u 1001 -G wheel,audio -d /srv/alice -m -s /bin/bash -c 'Alice Example' alice && chpasswd -e",
  );
  t.false(apply.text.includes(HASH));
  const stdin = plan.applyOptions?.stdin as { reveal(): string };
  t.is(stdin.reveal(), `alice:${HASH}\n`);
  t.is(stdin.toString(), '***');
});

test('user present and equal (groups, shell, password by its sha256): nothing to do', (t) => {
  const plan = planFromAnswer(
    user,
    { name: 'alice', groups: ['audio'], shell: '/bin/bash', password: pw() },
    existing({ shadow: hashDigest(pw()), named: [0] }),
  );
  t.deepEqual(plan.result, { changed: false, uid: 1001 });
  t.is(plan.apply, undefined);
});

test('user modify: shell, exact groups (+wheel -audio), new password — one usermod and chpasswd', (t) => {
  const plan = planFromAnswer(
    user,
    { name: 'alice', groups: ['wheel'], shell: '/bin/zsh', password: pw() },
    existing({ shadow: '0'.repeat(64), named: [0] }),
  );
  t.is(plan.result.message, 'shell /bin/bash → /bin/zsh, groups +wheel -audio, password changed');
  t.is((plan.apply as { display: string }).display, 'usermod -s /bin/zsh -G wheel alice && chpasswd -e');
});

test('user append: only missing groups added, none removed; the primary group never counts', (t) => {
  const plan = planFromAnswer(
    user,
    { name: 'alice', groups: ['alice', 'audio', 'wheel'], append: true },
    existing({ named: [0, 0, 0] }),
  );
  t.is(plan.result.message, 'groups +wheel');
  t.is((plan.apply as { display: string }).display, 'usermod -a -G wheel alice');
  const same = planFromAnswer(user, { name: 'alice', groups: ['audio'], append: true }, existing({ named: [0] }));
  t.false(same.result.changed);
});

test('updatePassword onCreate leaves an existing hash alone (and does not read shadow for it)', (t) => {
  const plan = planFromAnswer(
    user,
    { name: 'alice', password: pw(), updatePassword: 'onCreate' },
    existing({ shadow: '0'.repeat(64) }),
  );
  t.false(plan.result.changed);
});

test('user absent: userdel (-r with removeHome); already absent: nothing', (t) => {
  const rm = planFromAnswer(user, { name: 'alice', state: 'absent', removeHome: true }, existing());
  t.is((rm.apply as { display: string }).display, 'userdel -r alice');
  t.is(rm.result.message, 'removed (uid 1001) with its home');
  t.false(planFromAnswer(user, { name: 'alice', state: 'absent' }, absent).result.changed);
});

test('a group missing now (an earlier step may make it, --check runs none): said in the plan, checked again on the host', (t) => {
  const plan = planFromAnswer(user, { name: 'alice', groups: ['wheel', 'nope'] }, [
    ...absent,
    ['g.0', ''],
    ['g.1', '', 2],
  ]);
  t.is(plan.result.message, 'created (group nope does not exist yet)');
  t.is(
    (plan.apply as { display: string }).display,
    'for g in nope; do getent group "$g" >/dev/null || { echo "no group $g on the host (create it with the group module first)" >&2; exit 1; }; done && useradd -G wheel,nope -m alice',
  );
});

test('user errors: an unreadable shadow, bad params before any probe', (t) => {
  t.throws(
    () =>
      planFromAnswer(
        user,
        { name: 'alice', password: pw() },
        existing({ shadow: '' }).map((s) => (s[0] === 'shadow' ? (['shadow', '', 2] as const) : s)),
      ),
    {
      message: /cannot read alice's shadow entry \(getent shadow exited 2: not root\?\)/,
    },
  );
  const bad: [Parameters<typeof user>[1], RegExp][] = [
    [{ name: '-r' }, /^name: not a user\/group name: "-r"/],
    [{ name: '1000' }, /^name: not a user\/group name/],
    [{ name: 'a', shell: 'bash' }, /^shell: an absolute path/],
    [{ name: 'a', comment: 'x:y' }, /^comment: one line without ':'/],
    [{ name: 'a', uid: -1 }, /^uid: an integer id/],
    [{ name: 'a', password: secret('hunter2') }, /^password: not a crypt\(3\) hash/],
    [{ name: 'a', password: 'x' as never }, /^password: a Secret/],
    [{ name: 'a', append: true }, /^append: give the groups/],
  ];
  for (const [p, msg] of bad) {
    const err = t.throws(() => planFromAnswer(user, p, absent));
    t.regex(err.message, msg);
    t.false(err.message.includes('hunter2'));
  }
});

test('the user probe reads the shadow hash only as its sha256, and only when a password is given', (t) => {
  const withPw = probeCommand(user, { name: 'alice', password: pw() });
  t.regex(withPw, /getent shadow alice\) && printf .* \| sha256sum/);
  t.false(withPw.includes(HASH));
  t.false(probeCommand(user, { name: 'alice' }).includes('shadow'));
});

test('group: create (gid, system), change gid, remove, nothing to do', (t) => {
  const none: Answer = [['group', '', 2]];
  const have: Answer = [['group', 'ops:x:1500:alice\n']];
  const add = planFromAnswer(group, { name: 'ops', gid: 1500, system: true }, none);
  t.is((add.apply as { display: string }).display, 'groupadd -g 1500 -r ops');
  t.false(planFromAnswer(group, { name: 'ops', gid: 1500 }, have).result.changed);
  t.false(planFromAnswer(group, { name: 'ops' }, have).result.changed);
  const mod = planFromAnswer(group, { name: 'ops', gid: 1600 }, have);
  t.deepEqual(
    [mod.result.message, (mod.apply as { display: string }).display],
    ['gid 1500 → 1600', 'groupmod -g 1600 ops'],
  );
  const del = planFromAnswer(group, { name: 'ops', state: 'absent' }, have);
  t.is((del.apply as { display: string }).display, 'groupdel ops');
  t.false(planFromAnswer(group, { name: 'ops', state: 'absent' }, none).result.changed);
  t.throws(() => planFromAnswer(group, { name: 'a:b' }, none), { message: /^name: not a user\/group name/ });
});
