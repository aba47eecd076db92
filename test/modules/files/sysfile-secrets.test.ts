// sysfile with Secrets, planned from recorded file states: the bytes to write are real, the changes shown never hold a secret.
import test from 'ava';
import type { FileState } from '../../../modules/shared/remote-file.ts';
import { planSysfile } from '../../../modules/files/sysfile-plan.ts';
import { unifiedDiff } from '../../../core/render/diff.ts';
import { secret, secretText } from '../../../core/secret.ts';

const file = (content: string): FileState => ({
  path: '/etc/app.conf',
  realPath: '/etc/app.conf',
  kind: 'file',
  uid: 0,
  gid: 0,
  owner: 'root',
  group: 'root',
  mode: '0600',
  content: Buffer.from(content),
});
const absent: FileState = { path: '/etc/app.conf', realPath: '/etc/app.conf', kind: 'absent' };

const written = (plan: ReturnType<typeof planSysfile>) =>
  plan.action.kind === 'write' ? plan.action.content.toString() : undefined;
const shown = (plan: ReturnType<typeof planSysfile>) => plan.changes.map((c) => unifiedDiff(c)).join('\n');

test('a whole-content Secret is written as is and shown as <secret>; the same content again is no change', (t) => {
  const pw = secret('hunter2-xyz\n');
  const created = planSysfile({ path: '/etc/app.conf', content: pw }, absent);
  t.is(written(created), 'hunter2-xyz\n');
  t.deepEqual(created.changes, [{ path: '/etc/app.conf', before: null, after: '<secret>\n' }]);
  t.is(planSysfile({ path: '/etc/app.conf', content: pw }, file('hunter2-xyz\n')).action.kind, 'none');
});

test('secretText: only the secret part is hidden; a changed secret shows as <old secret> → <secret>', (t) => {
  const content = secretText`user=app\npassword=${secret('n3w-pass')}\nport=1\n`;
  const plan = planSysfile({ path: '/etc/app.conf', content }, file('user=app\npassword=0ld-pass\nport=1\n'));
  t.is(written(plan), 'user=app\npassword=n3w-pass\nport=1\n');
  const diff = shown(plan);
  t.regex(diff, /^-password=<old secret>\n\+password=<secret>$/m);
  t.regex(diff, /^ user=app$/m);
  t.false(diff.includes('n3w-pass') || diff.includes('0ld-pass'), diff);
});

test('a plain change next to an unchanged secret shows the plain change and <secret> as context', (t) => {
  const content = secretText`password=${secret('s4me-pass')}\nport=2\n`;
  const diff = shown(planSysfile({ path: '/etc/app.conf', content }, file('password=s4me-pass\nport=1\n')));
  t.regex(diff, /^ password=<secret>\n-port=1\n\+port=2$/m);
  t.false(diff.includes('s4me-pass'));
});

test('several secrets are numbered; a content function may return a secretText built from the vars', (t) => {
  const vars = { a: secret('first-secret'), b: secret('second-secret') };
  const plan = planSysfile({ path: '/etc/app.conf', content: (v) => secretText`a=${v.a}\nb=${v.b}\n` }, absent, vars);
  t.is(written(plan), 'a=first-secret\nb=second-secret\n');
  t.is(plan.changes[0].after, 'a=<secret 1>\nb=<secret 2>\n');
});

test('line mode: a Secret line replacing a line by regexp, and removing lines equal to a Secret', (t) => {
  const replaced = planSysfile(
    { path: '/etc/app.conf', line: secretText`TOKEN=${secret('tok-new-1')}`, regexp: '^TOKEN=' },
    file('A=1\nTOKEN=tok-old-0\n'),
  );
  t.is(written(replaced), 'A=1\nTOKEN=tok-new-1\n');
  t.regex(shown(replaced), /^-TOKEN=<old secret>\n\+TOKEN=<secret>$/m);
  const removed = planSysfile(
    { path: '/etc/app.conf', line: secret('whole-line-secret'), state: 'absent' },
    file('a\nwhole-line-secret\nb\n'),
  );
  t.is(written(removed), 'a\nb\n');
  t.regex(shown(removed), /^-<secret>$/m);
  t.false(shown(removed).includes('whole-line-secret'));
});

test('block mode: a secret inside the block; an old multi-line secret shows as one line', (t) => {
  const plan = planSysfile(
    { path: '/etc/app.conf', blockName: 'db', block: secretText`[db]\npass = ${secret('bl0ck-new')}\n` },
    file('x\n# BEGIN drover db\n[db]\npass = bl0ck-old\n# END drover db\n'),
  );
  t.regex(shown(plan), /^-pass = <old secret>\n\+pass = <secret>$/m);
  const key = (n: string) => `-----BEGIN K-----\n${n.repeat(20)}\n${n.repeat(20)}\n-----END K-----\n`;
  const rotated = planSysfile({ path: '/etc/app.conf', content: secret(key('B')) }, file(key('A')));
  t.is(written(rotated), key('B'));
  t.deepEqual(rotated.changes[0], { path: '/etc/app.conf', before: '<old secret>\n', after: '<secret>\n' });
});

test('a plan error quoting a secret (a backrefs template) shows it masked, in the error and its causes', (t) => {
  const params = {
    path: '/etc/app.conf',
    regexp: '^TOKEN=(.*)$',
    backrefs: true,
    line: secretText`TOKEN=${secret('tok-zzz-9')}\\9`,
  };
  const err = t.throws(() => planSysfile(params, file('TOKEN=old\n')));
  t.regex(err!.message, /^\/etc\/app\.conf: line: invalid group reference 9 .*TOKEN=\*\*\*/);
  for (let e: unknown = err; e instanceof Error; e = e.cause)
    t.false(e.message.includes('tok-zzz-9') || String(e.stack).includes('tok-zzz-9'), e.message);
});
