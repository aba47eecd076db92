// sysfile, planned from recorded probe answers (no host): params + the probe's sections → report, diffs, and the action to apply.
// The answers are in the probe's wire format (remote-file's drover_probe, whose output on real files
// is tested in remote-file.test.ts): `f` is "KIND UID GID MODE OWNER GROUP" (rc=2: the content matched
// the hash sent), `f.data` the file's bytes, `f.link` readlink's output, `f.real` where a followed link ends.
import { createHash } from 'node:crypto';
import test from 'ava';
import type { HostInfo } from '../../../core/module.ts';
import { secret, secretText } from '../../../core/secret.ts';
import type { FileState } from '../../../modules/shared/remote-file.ts';
import { sysfile } from '../../../modules/files/sysfile.ts';
import { planSysfile, type Action, type SysfileParams } from '../../../modules/files/sysfile-plan.ts';
import { factsFromAnswer, planFromAnswer, probeCommand, type Answer } from '../../../modules/kit.ts';

const stat = (kind: string, mode = '644', owner = 'root 0', group = 'root 0') => {
  const [o, uid] = owner.split(' ');
  const [g, gid] = group.split(' ');
  return `${kind} ${uid} ${gid} ${mode} ${o} ${g}\n`;
};
const file = (content: string | Buffer, mode = '644', owner = 'root 0', group = 'root 0'): Answer => [
  ['f', stat('file', mode, owner, group)],
  ['f.data', content],
];
const absent: Answer = [['f', 'absent']];
const dir = (mode = '755'): Answer => [['f', stat('directory', mode)]];
const link = (target: string): Answer => [
  ['f.link', `${target}\n`],
  ['f', stat('link', '777')],
];

/** The module's plan and, from the same parsed answer, sysfile's pure action (what apply will do). */
function planned(params: SysfileParams, answer: Answer, host: HostInfo = { name: 'h1', vars: {} }) {
  const plan = planFromAnswer(sysfile, params, answer, host);
  const action: Action = planSysfile(
    params,
    factsFromAnswer<FileState>(sysfile, params, answer),
    host.vars as Record<string, unknown>,
  ).action;
  if (plan.result.changed) {
    if (typeof plan.apply !== 'function') throw new Error('a change with no apply');
  } else if (plan.apply !== undefined) throw new Error('no change but an apply');
  return { ...plan.result, action };
}

test('content: the same bytes and attributes → nothing to do, no apply', (t) => {
  const r = planned({ path: '/etc/x.conf', content: 'a=1\n' }, file('a=1\n'));
  t.false(r.changed);
  t.deepEqual(r.changes, []);
  t.is(r.message, undefined);
  t.is(r.action.kind, 'none');
});

test('content: static content sends its hash; "same as expected" (rc=2, no bytes back) is no change', (t) => {
  const sha = createHash('sha256').update('a=1\n').digest('hex');
  t.is(
    probeCommand(sysfile, { path: '/etc/x.conf', content: 'a=1\n' }),
    `drover_probe 0123456789abcdef0123 f /etc/x.conf 1 1 ${sha}`,
  );
  const r = planned({ path: '/etc/x.conf', content: 'a=1\n' }, [['f', stat('file'), 2]]);
  t.false(r.changed);
  t.is(r.action.kind, 'none');
});

test('content: changed → diff, message, a write keeping owner, group and mode', (t) => {
  const r = planned({ path: '/etc/x.conf', content: 'a=2\n' }, file('a=1\n', '640', 'app 7', 'adm 4'));
  t.true(r.changed);
  t.is(r.message, 'content changed');
  t.deepEqual(r.changes, [{ path: '/etc/x.conf', before: 'a=1\n', after: 'a=2\n' }]);
  t.like(r.action, { kind: 'write', owner: 7, group: 4, mode: '0640', backup: false, createParents: false });
});

test('content: a missing file is created 0644, or with the mode, owner and parents asked for', (t) => {
  const r = planned({ path: '/etc/x.conf', content: 'a\n' }, absent);
  t.is(r.message, 'created');
  t.deepEqual(r.changes, [{ path: '/etc/x.conf', before: null, after: 'a\n' }]);
  t.like(r.action, { kind: 'write', mode: '0644', owner: undefined, createParents: false });
  const o = planned({ path: '/etc/d/x.conf', content: 'a\n', mode: 0o600, owner: 'app', createParents: true }, absent);
  t.like(o.action, { kind: 'write', mode: '0600', owner: 'app', createParents: true });
});

test('content as a function of the vars: called in the plan with the host vars; no hash in the probe', (t) => {
  const params: SysfileParams = { path: '/etc/x.conf', content: (v) => `port=${v.port}\n` };
  t.is(probeCommand(sysfile, params), `drover_probe 0123456789abcdef0123 f /etc/x.conf 1 1 ''`);
  const r = planned(params, file('port=80\n'), { name: 'h1', vars: { port: 8080 } });
  t.deepEqual(r.changes, [{ path: '/etc/x.conf', before: 'port=80\n', after: 'port=8080\n' }]);
  t.false(planned(params, file('port=8080\n'), { name: 'h1', vars: { port: 8080 } }).changed);
});

test('attributes only: no rewrite, no diff, a chown/chmod', (t) => {
  const r = planned({ path: '/etc/x.conf', content: 'a\n', mode: '0600', group: 'adm' }, file('a\n'));
  t.true(r.changed);
  t.is(r.message, 'group root → adm, mode 0644 → 0600');
  t.deepEqual(r.changes, []);
  t.deepEqual(r.action, { kind: 'attrs', mode: '0600', group: 'adm' });
  t.false(planned({ path: '/etc/x.conf', content: 'a\n', owner: 0, group: 'root', mode: 0o644 }, file('a\n')).changed);
});

test('backup and validate travel with the write', (t) => {
  const r = planned(
    { path: '/etc/sudoers', content: 'new\n', backup: true, validate: 'visudo -cf %s' },
    file('old\n', '440'),
  );
  t.like(r.action, { kind: 'write', backup: true, validate: 'visudo -cf %s', mode: '0440' });
  // a new file has nothing to back up
  t.like(planned({ path: '/etc/sudoers', content: 'new\n', backup: true }, absent).action, {
    kind: 'write',
    backup: false,
  });
});

test('line: regexp replaced with a diff; a removal on a missing file is nothing to do', (t) => {
  const r = planned(
    { path: '/etc/ssh/sshd_config', regexp: '^PermitRootLogin', line: 'PermitRootLogin no' },
    file('Port 22\nPermitRootLogin yes\n'),
  );
  t.is(r.message, 'line replaced');
  t.deepEqual(r.changes, [
    { path: '/etc/ssh/sshd_config', before: 'Port 22\nPermitRootLogin yes\n', after: 'Port 22\nPermitRootLogin no\n' },
  ]);
  t.is(r.action.kind, 'write');
  t.false(
    planned(
      { path: '/etc/ssh/sshd_config', regexp: '^PermitRootLogin', line: 'PermitRootLogin no' },
      file('PermitRootLogin no\n'),
    ).changed,
  );
  const gone = planned({ path: '/etc/x', regexp: '^a', state: 'absent' }, absent);
  t.false(gone.changed);
  t.is(gone.action.kind, 'none');
});

test('line: create on a missing file says so; without create it is an error naming the path', (t) => {
  t.is(planned({ path: '/etc/x', line: 'a=1', create: true }, absent).message, 'created (line added)');
  t.throws(() => planned({ path: '/etc/x', line: 'a=1' }, absent), {
    message: '/etc/x does not exist (set create: true to create it)',
  });
});

test('block: inserted, then the same block is nothing to do, then removed', (t) => {
  const p: SysfileParams = { path: '/etc/lvm/lvm.conf', blockName: 'ganeti', block: 'x = 1\n', insertBefore: 'BOF' };
  const r = planned(p, file('devices {\n}\n'));
  t.is(r.message, 'Block inserted');
  t.is(r.changes[0].after, '# BEGIN drover ganeti\nx = 1\n# END drover ganeti\ndevices {\n}\n');
  t.false(planned(p, file(r.changes[0].after!)).changed);
  t.is(
    planned({ path: '/etc/lvm/lvm.conf', blockName: 'ganeti', state: 'absent' }, file(r.changes[0].after!)).message,
    'Block removed',
  );
});

test('absent: a file is removed (backup kept when asked), a link removed as a link, a directory only with recursive', (t) => {
  const r = planned({ path: '/etc/x', state: 'absent', backup: true }, file('old\n'));
  t.is(r.message, 'removed file');
  t.deepEqual(r.changes, [{ path: '/etc/x', before: 'old\n', after: null }]);
  t.deepEqual(r.action, { kind: 'remove', recursive: false, backup: true });
  const l = planned({ path: '/etc/l', state: 'absent' }, link('/etc/real'));
  t.deepEqual(l.changes, [{ path: '/etc/l', before: 'symlink -> /etc/real\n', after: null }]);
  t.false(planned({ path: '/etc/x', state: 'absent' }, absent).changed);
  t.throws(() => planned({ path: '/srv/d', state: 'absent' }, dir()), {
    message: "/srv/d is a directory: state 'absent' removes it only with recursive: true",
  });
  t.deepEqual(planned({ path: '/srv/d', state: 'absent', recursive: true }, dir()).action, {
    kind: 'remove',
    recursive: true,
    backup: false,
  });
});

test('directory: created 0755 with parents; an existing one only gets its attributes', (t) => {
  const r = planned({ path: '/srv/d', state: 'directory' }, absent);
  t.is(r.message, 'directory created');
  t.deepEqual(r.action, { kind: 'mkdir', owner: undefined, group: undefined, mode: '0755', createParents: true });
  t.false(planned({ path: '/srv/d', state: 'directory' }, dir()).changed);
  t.deepEqual(planned({ path: '/srv/d', state: 'directory', mode: '0700' }, dir()).action, {
    kind: 'attrs',
    mode: '0700',
  });
  t.throws(() => planned({ path: '/srv/d', state: 'directory' }, file('x')), {
    message: '/srv/d exists and is a file, not a directory',
  });
  // a directory is neither followed nor asked for content (args: nonce, section, path, follow, content, sha256)
  t.is(
    probeCommand(sysfile, { path: '/srv/d', state: 'directory' }),
    `drover_probe 0123456789abcdef0123 f /srv/d 0 0 ''`,
  );
});

test('link: made, repointed, left alone; a file only with force, never a directory', (t) => {
  const p = { path: '/etc/init.d/net.eth0', state: 'link' as const, target: 'net.lo' };
  t.like(planned(p, absent), {
    changed: true,
    message: 'link → net.lo',
    action: { kind: 'link', target: 'net.lo', createParents: false },
  });
  t.is(planned(p, link('old')).message, 'link old → net.lo');
  t.false(planned(p, link('net.lo')).changed);
  t.throws(() => planned(p, file('x')), {
    message: '/etc/init.d/net.eth0 is a file; set force: true to replace it with a symlink',
  });
  t.deepEqual(planned({ ...p, force: true }, file('x\n')).changes, [
    { path: p.path, before: 'x\n', after: 'symlink -> net.lo\n' },
  ]);
  t.throws(() => planned(p, dir()), { message: /is a directory; refusing/ });
});

test('a symlink is followed for content: the change lands on its target and is reported there', (t) => {
  const answer: Answer = [['f.link', 'real.conf\n'], ['f.real', '/etc/real.conf'], ...file('a=1\n')];
  const r = planned({ path: '/etc/x.conf', content: 'a=2\n' }, answer);
  t.is(r.path, '/etc/real.conf');
  t.deepEqual(r.changes, [{ path: '/etc/real.conf', before: 'a=1\n', after: 'a=2\n' }]);
  // a dangling link: where it ends cannot be resolved, the probe says absent and the link is written through
  const dangling = planned({ path: '/etc/x.conf', content: 'a\n' }, [
    ['f.link', 'gone\n'],
    ['f.real', ''],
    ['f', 'absent'],
  ]);
  t.like(dangling, { path: '/etc/x.conf', message: 'created' });
});

test('secret content: no hash in the probe, the real bytes written, the diff masked', (t) => {
  const pw = secret('s3cret-value');
  const params: SysfileParams = { path: '/etc/app.conf', content: secretText`user=app\npassword=${pw}\n` };
  t.is(
    probeCommand(sysfile, params),
    `drover_probe 0123456789abcdef0123 f /etc/app.conf 1 1 ''`,
    'a hash would let a weak secret be guessed',
  );
  const r = planned(params, file('user=app\npassword=old-one\n', '600'));
  t.is(r.action.kind === 'write' ? r.action.content.toString() : '', 'user=app\npassword=s3cret-value\n');
  t.deepEqual(r.changes, [
    { path: '/etc/app.conf', before: 'user=app\npassword=<old secret>\n', after: 'user=app\npassword=<secret>\n' },
  ]);
  t.false(JSON.stringify(r.changes).includes('s3cret') || JSON.stringify(r.changes).includes('old-one'));
  t.false(planned(params, file('user=app\npassword=s3cret-value\n', '600')).changed);
});

test('odd answers: unreadable, non-UTF-8 for a line edit, binary content, a "same" nobody asked for', (t) => {
  t.throws(
    () =>
      planned({ path: '/etc/x', content: 'a' }, [
        ['f', stat('file', '000')],
        ['f.data', '', 1],
      ]),
    { message: '/etc/x: the file exists but cannot be read' },
  );
  t.throws(() => planned({ path: '/etc/x', line: 'a' }, file(Buffer.from([0xff, 0xfe, 0x0a]))), {
    message: /^\/etc\/x is not valid UTF-8 text/,
  });
  t.regex(
    planned({ path: '/etc/x', content: 'text\n' }, file(Buffer.from([0, 1, 2]))).changes[0].before!,
    /^\(binary content, 3 bytes, sha1 [0-9a-f]{12}\)\n$/,
  );
  // rc=2 means "matched the hash you sent": a content function sends none
  t.throws(() => planned({ path: '/etc/x', content: () => 'a' }, [['f', stat('file'), 2]]), {
    message: /without being sent a hash/,
  });
  // bytes for a directory, or a missing section: a probe answer that is not what was framed
  t.throws(
    () =>
      planned({ path: '/etc/x', content: 'a' }, [
        ['f', stat('directory')],
        ['f.data', 'x'],
      ]),
    { message: /content sent for a directory/ },
  );
  t.throws(() => planned({ path: '/etc/x', content: 'a' }, [['f.data', 'x']]), { message: /section f is missing/ });
  t.throws(() => planned({ path: '/dev/null', content: 'a' }, [['f', stat('other')]]), {
    message: '/dev/null is not a regular file',
  });
});

test('params are checked before the host is touched; errors name the path and never repeat "sysfile"', (t) => {
  const bad: [unknown, RegExp][] = [
    [{ path: 'etc/x', content: 'a' }, /^path must be absolute: "etc\/x"$/],
    [{ path: '/etc/x' }, /^\/etc\/x: say what to manage/],
    [{ path: '/etc/x', content: 'a', mode: '0999' }, /^\/etc\/x: mode must be octal like '0644' or 0o644, got 0999$/],
    [
      { path: '/etc/x', content: 'a', owner: 'a:b' },
      /^\/etc\/x: owner must be a user name or a numeric id, got "a:b"$/,
    ],
    [{ path: '/etc/x', content: 'a', validate: 'visudo -c' }, /^\/etc\/x: validate must contain %s: visudo -c$/],
    [{ path: '/etc/x', content: 'a', validate: 'true\0 %s' }, /^\/etc\/x: validate contains a NUL byte$/],
    // the line/block edit's own checks, made on an empty file before any probe
    [{ path: '/etc/x', line: 'a', regexp: '(' }, /^\/etc\/x: regexp: invalid regular expression "\(": /],
    [
      { path: '/etc/x', line: 'a', insertAfter: 'EOF', insertBefore: 'BOF' },
      /^\/etc\/x: lineinfile: insertAfter and insertBefore are mutually exclusive$/,
    ],
    [{ path: '/etc/x', line: 'a', backrefs: true }, /^\/etc\/x: lineinfile: backrefs needs a regexp$/],
    [{ path: '/etc/x', blockName: 'a\nb', block: 'x' }, /^\/etc\/x: block marker name and prefix must be one line$/],
  ];
  for (const [params, message] of bad) {
    const e = t.throws(() => planned(params as SysfileParams, absent), { message }, JSON.stringify(params));
    t.false(/sysfile/.test(e?.message ?? ''));
  }
});
