// sysfile's pure parts: planning from a FileState, validate word splitting, write script shape.
import test from 'ava';
import { modeOf, normaliseMode, planSysfile } from '../../../modules/files/sysfile-plan.ts';
import { backupPathFor } from '../../../modules/files/sysfile.ts';
import { chownSpec, dirOf, splitWords, writeFileAtomic, type FileState } from '../../../modules/shared/remote-file.ts';

const file = (content: string, extra: Partial<FileState> = {}): FileState => ({
  path: '/etc/x.conf',
  realPath: '/etc/x.conf',
  kind: 'file',
  uid: 0,
  gid: 0,
  owner: 'root',
  group: 'root',
  mode: '0644',
  content: Buffer.from(content),
  ...extra,
});
const absent: FileState = { path: '/etc/x.conf', realPath: '/etc/x.conf', kind: 'absent' };

// The probe's wire format and its parser are tested on real files in remote-file.test.ts.

test('modeOf and normaliseMode', (t) => {
  t.is(modeOf({ path: '/a', content: '' }), 'content');
  t.is(modeOf({ path: '/a', regexp: 'x', state: 'absent' }), 'line');
  t.is(modeOf({ path: '/a', blockName: 'b', state: 'absent' }), 'block');
  t.is(modeOf({ path: '/a', state: 'absent' }), 'absent');
  // A line-mode key written but undefined (an unset var) is an error, never state 'absent' on the whole file.
  t.throws(() => modeOf({ path: '/a', state: 'absent', regexp: undefined }), {
    message:
      '/a: regexp is given but undefined (a var that is not set?): give it a value or leave the key out; sysfile does not pick another mode for it',
  });
  t.throws(() => modeOf({ path: '/a', state: 'absent', line: undefined }), {
    message: /\/a: line is given but undefined/,
  });
  t.throws(() => modeOf({ path: '/a', content: undefined, state: 'absent' }), {
    message: /content is given but undefined/,
  });
  t.is(normaliseMode(0o644, 'w'), '0644');
  t.is(normaliseMode('755', 'w'), '0755');
  t.throws(() => normaliseMode('rw-r--r--', 'sysfile /a'), { message: /sysfile \/a: mode must be octal/ });
});

test('plan: identical content and attributes → nothing; new content keeps owner/mode', (t) => {
  t.is(planSysfile({ path: '/etc/x.conf', content: 'a\n' }, file('a\n')).action.kind, 'none');
  const p = planSysfile({ path: '/etc/x.conf', content: 'b\n' }, file('a\n', { uid: 7, gid: 8, mode: '0600' }));
  t.like(p.action, { kind: 'write', owner: 7, group: 8, mode: '0600', backup: false });
  t.deepEqual(p.changes, [{ path: '/etc/x.conf', before: 'a\n', after: 'b\n' }]);
  t.deepEqual(p.messages, ['content changed']);
});

test('plan: attribute-only change says so and does not rewrite', (t) => {
  const p = planSysfile(
    { path: '/etc/x.conf', content: 'a\n', mode: '0600', owner: 'root', group: 'adm' },
    file('a\n'),
  );
  t.deepEqual(p.action, { kind: 'attrs', mode: '0600', group: 'adm' });
  t.deepEqual(p.messages, ['group root → adm', 'mode 0644 → 0600']);
  t.deepEqual(p.changes, []);
  t.is(planSysfile({ path: '/etc/x.conf', content: 'a\n', owner: 0, group: '0' }, file('a\n')).action.kind, 'none');
});

test('plan: new file gets 0644 unless told; line mode on a missing file needs create', (t) => {
  t.like(planSysfile({ path: '/etc/x.conf', content: '' }, absent).action, { kind: 'write', mode: '0644' });
  t.throws(() => planSysfile({ path: '/etc/x.conf', line: 'a' }, absent), {
    message: /does not exist \(set create: true/,
  });
  const c = planSysfile({ path: '/etc/x.conf', line: 'a', create: true }, absent);
  t.deepEqual(c.changes, [{ path: '/etc/x.conf', before: null, after: 'a\n' }]);
  t.is(planSysfile({ path: '/etc/x.conf', regexp: 'a', state: 'absent' }, absent).action.kind, 'none');
  t.is(planSysfile({ path: '/etc/x.conf', blockName: 'b', state: 'absent' }, absent).action.kind, 'none');
});

test('plan: content as a function of vars; binary content shows a placeholder', (t) => {
  const p = planSysfile({ path: '/etc/x.conf', content: (v) => `port=${v.port}\n` }, absent, { port: 80 });
  t.is(p.changes[0].after, 'port=80\n');
  const bin = planSysfile({ path: '/etc/x.conf', content: new Uint8Array([0, 255, 1]) }, file('text\n'));
  t.regex(bin.changes[0].after!, /^\(binary content, 3 bytes, sha1 [0-9a-f]{12}\)\n$/);
});

test('plan: refusals name the path', (t) => {
  t.throws(() => planSysfile({ path: '/etc/x.conf', content: 'a' }, { ...absent, kind: 'directory', mode: '0755' }), {
    message: /^\/etc\/x\.conf is a directory$/,
  });
  t.throws(() => planSysfile({ path: '/etc/x.conf', line: 'a' }, file('', { content: Buffer.from([0xff, 0xfe]) })), {
    message: /not valid UTF-8/,
  });
  t.throws(
    () => planSysfile({ path: '/d', state: 'absent' }, { ...absent, path: '/d', realPath: '/d', kind: 'directory' }),
    { message: /recursive: true/ },
  );
  t.throws(() => planSysfile({ path: '/d', state: 'directory' }, file('x')), { message: /not a directory/ });
});

test('plan: link and directory', (t) => {
  const l = { path: '/etc/l', state: 'link' as const, target: 'net.lo' };
  t.is(planSysfile(l, { path: '/etc/l', realPath: '/etc/l', kind: 'link', linkTarget: 'net.lo' }).action.kind, 'none');
  t.deepEqual(planSysfile(l, { path: '/etc/l', realPath: '/etc/l', kind: 'link', linkTarget: 'old' }).messages, [
    'link old → net.lo',
  ]);
  t.like(planSysfile({ path: '/d', state: 'directory' }, { ...absent, path: '/d', realPath: '/d' }).action, {
    kind: 'mkdir',
    mode: '0755',
    createParents: true,
  });
});

test('splitWords: quotes and backslashes like sh, no expansion', (t) => {
  t.deepEqual(splitWords(`visudo -cf %s`), ['visudo', '-cf', '%s']);
  t.deepEqual(splitWords(`sh -c 'test -s "$1"' x %s`), ['sh', '-c', 'test -s "$1"', 'x', '%s']);
  t.deepEqual(splitWords(`a\\ b "c \\"d\\" $e" ''`), ['a b', 'c "d" $e', '']);
  t.throws(() => splitWords(`a 'b`), { message: /unterminated/ });
});

test('write script: temp in the same dir, validate with the temp path quoted, no content in argv', (t) => {
  const cmd = writeFileAtomic(
    '/etc/my file',
    { size: 3, mode: '0640', owner: 'root', validate: 'visudo -cf %s' },
    '/etc/.my file.drover-abc',
  );
  t.true(cmd.text.includes(`t='/etc/.my file.drover-abc'`));
  t.true(cmd.text.includes(`(\nvisudo -cf '/etc/.my file.drover-abc'\n) </dev/null >&2`));
  t.true(cmd.text.includes('chown -- root "$t"'));
  t.true(cmd.text.includes('n=3;'));
  t.is(dirOf('/etc/my file'), '/etc');
  t.is(dirOf('/x'), '/');
  t.is(chownSpec({ group: 'adm' }), ':adm');
  t.is(chownSpec({ owner: 'root', group: 0 }), 'root:0');
  t.throws(() => writeFileAtomic('/x', { size: 1, mode: 'u+x' }), { message: /mode must be octal/ });
});

test('backup names sort by time and end in ~', (t) => {
  t.is(
    backupPathFor('/etc/hosts', new Date(Date.UTC(2026, 10, 24, 13, 37, 5, 42))),
    '/etc/hosts.drover-20261124T133705.042~',
  );
});
