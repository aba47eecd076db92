// Ansible's lineinfile/blockinfile integration cases (test/integration/targets/*/tasks) replayed on the pure editors,
// each asserting Ansible's own SHA-1 of the resulting file plus the literal content.
import test from 'ava';
import { createHash } from 'node:crypto';
import {
  blockInFile,
  droverMarker,
  lineAbsent,
  lineInFile,
  splitLinesKeepEnds,
} from '../../../modules/shared/file-edit.ts';
import { compileLineRegExp, expandTemplate } from '../../../modules/shared/python-regex.ts';

const sha1 = (s: string | null) =>
  createHash('sha1')
    .update(s ?? '')
    .digest('hex');

// files/test.txt and the state it reaches after each step of lineinfile/tasks/main.yml
const TEST_TXT =
  'This is line 1\nThis is line 2\nREF this is a line for backrefs REF\nThis is line 4\nThis is line 5\n';
const S1 = 'New line at the beginning\n' + TEST_TXT;
const S2 = S1 + 'New line at the end\n';
const S3 = S2.replace('This is line 1\n', 'This is line 1\nNew line after line 1\n');
const S4 = S3.replace('This is line 5\n', 'New line before line 5\nThis is line 5\n');
const S5 = S4.replace('REF this is a line for backrefs REF\n', 'This is line 3\n');
const S6 = S5.replace('This is line 3\n', '');
const S7 = S6.replace('This is line 5\n', '');
const S8 = S7 + 'This is a line\nwith \\n character\n';
const AM = '# {mark} ANSIBLE MANAGED BLOCK';

test('fixture test.txt has Ansible checksum', (t) => t.is(sha1(TEST_TXT), '5feac65e442c91f557fc90069ce6efc4d346ab51'));

test('insert a line at the beginning (BOF), then again: no change', (t) => {
  const r = lineInFile(TEST_TXT, { line: 'New line at the beginning', insertBefore: 'BOF' });
  t.true(r.changed);
  t.is(r.message, 'line added');
  t.is(r.content, S1);
  t.is(sha1(r.content), '7eade4042b23b800958fe807b5bfc29f8541ec09');
  const again = lineInFile(r.content, { line: 'New line at the beginning', insertBefore: 'BOF' });
  t.false(again.changed);
  t.is(again.content, S1);
});

test('insert a line at the end (EOF)', (t) => {
  const r = lineInFile(S1, { line: 'New line at the end', insertAfter: 'EOF' });
  t.is(r.message, 'line added');
  t.is(sha1(r.content), 'fb57af7dc10a1006061b000f1f04c38e4bef50a9');
  t.is(r.content, S2);
});

test('insert a line after the first line (insertAfter regexp)', (t) => {
  const r = lineInFile(S2, { line: 'New line after line 1', insertAfter: '^This is line 1$' });
  t.is(sha1(r.content), '5348da605b1bc93dbadf3a16474cdf22ef975bec');
  t.is(r.content, S3);
});

test('insert a line before the last line (insertBefore regexp)', (t) => {
  const r = lineInFile(S3, { line: 'New line before line 5', insertBefore: '^This is line 5$' });
  t.is(sha1(r.content), '2e9e460ff68929e4453eb765761fd99814f6e286');
  t.is(r.content, S4);
});

test('replace a line with backrefs, twice: second run unchanged', (t) => {
  const o = { line: 'This is line 3', backrefs: true, regexp: '^(REF) .* \\1$' };
  const r = lineInFile(S4, o);
  t.is(r.message, 'line replaced');
  t.is(sha1(r.content), '72f60239a735ae06e769d823f5c2b4232c634d9c');
  t.is(r.content, S5);
  t.false(lineInFile(r.content, o).changed);
});

test('remove the middle line (state absent, regexp), then again: no change', (t) => {
  const r = lineAbsent(S5, { regexp: '^This is line 3$' });
  t.is(r.message, '1 line(s) removed');
  t.is(sha1(r.content), 'd4eeb07bdebab2d1cdb3ec4a3635afa2618ad4ea');
  t.is(r.content, S6);
  const again = lineAbsent(r.content, { regexp: '^This is line 3$' });
  t.false(again.changed);
  t.is(again.content, S6);
});

test('remove line 5 (the validate-succeeds step)', (t) => {
  const r = lineAbsent(S6, { regexp: '^This is line 5$' });
  t.is(sha1(r.content), 'ab56c210ea82839a54487464800fed4878cb2608');
  t.is(r.content, S7);
});

test('create: a new file with insertBefore BOF', (t) => {
  const r = lineInFile(null, { line: 'This is a new file', insertBefore: 'BOF' });
  t.is(r.message, 'line added');
  t.is(sha1(r.content), '038f10f9e31202451b093163e81e06fbac0c6f3a');
});

test('testnoeof: EOF insert into a file without final newline adds the newline first', (t) => {
  const noeof = 'This is line 1\nThis is line 2';
  const r = lineInFile(noeof, { line: 'New line at the end', insertAfter: 'EOF' });
  t.is(r.content, 'This is line 1\nThis is line 2\nNew line at the end\n');
  t.is(sha1(r.content), 'f9af7008e3cb67575ce653d094c79cabebf6e523');
});

test('testempty: EOF insert into an empty file adds no blank line', (t) => {
  const r = lineInFile('', { line: 'New line at the end', insertAfter: 'EOF' });
  t.is(r.content, 'New line at the end\n');
  t.is(sha1(r.content), 'f440dc65ea9cec3fd496c1479ddf937e1b949412');
});

test('insert a line containing a newline and a literal backslash-n', (t) => {
  const r = lineInFile(S7, { line: 'This is a line\nwith \\n character', insertAfter: 'EOF' });
  t.is(sha1(r.content), 'fde683229429a4f05d670e6c10afc875e1d5c489');
  t.is(r.content, S8);
});

test('replace a line with a backref inside the line', (t) => {
  const r = lineInFile(S8, { line: 'New \\1 created with the backref', backrefs: true, regexp: '^This is (line 4)$' });
  t.is(r.message, 'line replaced');
  t.is(sha1(r.content), '981ad35c4b30b03bc3a1beedce0d1e72c491898e');
  t.true(r.content!.includes('New line 4 created with the backref\n'));
});

test('backrefs with no match: no change (issue: nothing to fill the template from)', (t) => {
  const r = lineInFile(TEST_TXT, { line: 'x=\\1', backrefs: true, regexp: '^nothing (here)$' });
  t.false(r.changed);
  t.is(r.content, TEST_TXT);
});

test('issue 8535: quoting — three code-like lines at BOF', (t) => {
  let c: string | null = '';
  for (const line of ["'foo'", 'dotenv.load();', "var dotenv = require('dotenv');"]) {
    const r = lineInFile(c, { line, insertBefore: 'BOF' });
    t.true(r.changed);
    c = r.content;
  }
  t.is(sha1(c), '7dc3cb033c3971e73af0eaed6623d4e71e5743f1');
  c = lineInFile(c, { line: "import g'" }).content;
  t.is(sha1(c), '73b271c2cc1cef5663713bc0f00444b4bf9f4543');
  c = lineInFile(c, { line: '"quote" and "unquote"' }).content;
  t.is(sha1(c), 'b10ab2a3c3b6492680c8d0b1d6f35aa6b8f9e731');
});

const MULTI = 'This is line 1\n\nThis is line 2\n\nThis is line 3\n\nThis is line 4\n';

test('issue 28721: the same line insertAfter different regexps is added once only', (t) => {
  t.is(sha1(MULTI), '3e0090a34fb641f3c01e9011546ff586260ea0ea');
  let c: string | null = MULTI;
  const changed: boolean[] = [];
  for (const re of ['1', '2', '3', '4', '1', '2', '3', '4']) {
    const r = lineInFile(c, { line: 'bar', insertAfter: re });
    changed.push(r.changed);
    c = r.content;
  }
  t.deepEqual(changed, [true, false, false, false, false, false, false, false]);
  t.is(sha1(c), 'c6733b6c53ddd0e11e6ba39daa556ef8f4840761');
});

test('issue 28721: the same line insertBefore different regexps is added once only', (t) => {
  let c: string | null = MULTI;
  const changed: boolean[] = [];
  for (const re of ['1', '2', '3', '4', '1', '2', '3', '4']) {
    const r = lineInFile(c, { line: 'bar', insertBefore: re });
    changed.push(r.changed);
    c = r.content;
  }
  t.deepEqual(changed, [true, false, false, false, false, false, false, false]);
  t.is(sha1(c), '5d298651fbc377b45257da10308a9dc2fe1f8be5');
  t.is(c, 'bar\n' + MULTI);
});

const CONF = '[section_one]\n\n[section_two]\n\n[section_three]\n';
const BEFAF = [
  ['option_one=', 'option_one=1'],
  ['option_two=', 'option_two=2'],
  ['option_three=', 'option_three=3'],
];

test('issue 36156: regexp + insertAfter, twice; then without regexp: no change', (t) => {
  t.is(sha1(CONF), '6037f13e419b132eb3fd20a89e60c6c87a6add38');
  let c: string | null = CONF;
  const changed: boolean[] = [];
  for (let pass = 0; pass < 2; pass++)
    for (const [regexp, line] of BEFAF) {
      const r = lineInFile(c, { regexp, line, insertAfter: 'section_one' });
      changed.push(r.changed);
      c = r.content;
    }
  t.deepEqual(changed, [true, true, true, false, false, false]);
  t.is(sha1(c), '06e2c456e5028dd7bcd0b117b5927a1139458c82');
  for (const [, line] of BEFAF) t.false(lineInFile(c, { line, insertAfter: 'section_one' }).changed);
});

test('issue 36156: regexp + insertBefore, twice; then without regexp: no change', (t) => {
  let c: string | null = CONF;
  const changed: boolean[] = [];
  for (let pass = 0; pass < 2; pass++)
    for (const [regexp, line] of BEFAF) {
      const r = lineInFile(c, { regexp, line, insertBefore: 'section_three' });
      changed.push(r.changed);
      c = r.content;
    }
  t.deepEqual(changed, [true, true, true, false, false, false]);
  t.is(sha1(c), 'c3be9438a07c44d4c256cebfcdbca15a15b1db91');
  for (const [, line] of BEFAF) t.false(lineInFile(c, { line, insertBefore: 'section_three' }).changed);
});

test('insertBefore an unmatched regexp in an empty file, twice', (t) => {
  const a = lineInFile('', { line: 'top', insertBefore: '^not in the file$' });
  const b = lineInFile(a.content, { line: 'top', insertBefore: '^not in the file$' });
  t.true(a.changed);
  t.false(b.changed);
  t.is(sha1(b.content), '4dca56d05a21f0d018cd311f43e134e4501cf6d9');
});

test('issue 29443: an empty regexp matches every line and replaces the last one', (t) => {
  const r = lineInFile(TEST_TXT, { regexp: '', line: 'This is line 6' });
  t.is(sha1(r.content), '23555a98ceaa88756b4c7c7bba49d9f86eed868f');
  t.is(r.content, TEST_TXT.replace('This is line 5\n', 'This is line 6\n'));
});

test('issue 58923: firstMatch + insertAfter inserts after the first match only, once', (t) => {
  const fm = 'line1\nline1\nline1\nline2\nline3\n';
  t.is(sha1(fm), '1d644e5e2e51c67f1bd12d7bbe2686017f39923d');
  const a = lineInFile(fm, { line: 'INSERT', insertAfter: 'line1', firstMatch: true });
  const b = lineInFile(a.content, { line: 'INSERT', insertAfter: 'line1', firstMatch: true });
  t.true(a.changed);
  t.false(b.changed);
  t.is(sha1(b.content), '114aae024073a3ee8ec8db0ada03c5483326dd86');
});

const F58923 = '#!/bin/sh\n\ncase "`uname`" in\n  Darwin*) if [ -z "$JAVA_HOME" ] ; then\n';
const FISH = 'export FISHEYE_OPTS="-Xmx4096m -Xms2048m"';
for (const [label, extra] of [
  ['regexp', { regexp: '^export FISHEYE_OPTS' }],
  ['no regexp', {}],
  ['searchString', { searchString: 'export FISHEYE_OPTS' }],
] as const) {
  test(`issue 58923: insertAfter '^#!/bin/sh' + firstMatch (${label}), twice`, (t) => {
    t.is(sha1(F58923), 'b6379ba43261c451a62102acb2c7f438a177c66e');
    const o = { ...extra, insertAfter: '^#!/bin/sh', firstMatch: true, line: FISH };
    const a = lineInFile(F58923, o);
    const b = lineInFile(a.content, o);
    t.true(a.changed);
    t.false(b.changed);
    t.is(sha1(b.content), '9232aed6fe88714964d9e29d13e42cd782070b08');
  });
  test(`issue 58923: insertBefore '^#!/bin/sh' + firstMatch (${label}), twice; present elsewhere: no change`, (t) => {
    const o = { ...extra, insertBefore: '^#!/bin/sh', firstMatch: true, line: FISH };
    const a = lineInFile(F58923, o);
    const b = lineInFile(a.content, o);
    t.true(a.changed);
    t.false(b.changed);
    t.is(sha1(b.content), '3c6630b9d44f561ea9ad999be56a7504cadc12f7');
    const c = lineInFile(b.content, {
      insertBefore: '   Darwin\\*\\) if \\[ -z \\"\\$JAVA_HOME\\" \\] ; then',
      firstMatch: true,
      line: FISH,
    });
    t.false(c.changed);
  });
}

test('issue 63684: regexp + insertAfter matching the last line appends at the end', (t) => {
  const created = lineInFile(null, { line: 'testline' });
  t.is(created.content, 'testline\n');
  for (const extra of [{ regexp: 'line at the end' }, { searchString: 'line at the end' }]) {
    const r = lineInFile(created.content, { ...extra, insertAfter: 'testline', line: 'line at the end' });
    t.true(r.changed);
    t.is(sha1(r.content), 'ef36116966836ce04f6b249fd1837706acae4e19');
  }
});

test('absent by exact line and by searchString; a missing file stays missing', (t) => {
  t.deepEqual(lineAbsent('a\nb\na\n', { line: 'a' }).content, 'b\n');
  t.is(lineAbsent('a=1\nb=2\n', { searchString: '=2' }).content, 'a=1\n');
  const missing = lineAbsent(null, { line: 'a' });
  t.false(missing.changed);
  t.is(missing.content, null);
});

test('a file without final newline: replacing its last line adds the newline (as Ansible does)', (t) => {
  const r = lineInFile('a=1\nb=2', { regexp: '^b=', line: 'b=3' });
  t.is(r.content, 'a=1\nb=3\n');
  const same = lineInFile('a=1\nb=2\n', { regexp: '^b=', line: 'b=2' });
  t.false(same.changed);
});

test('insertAfter matching a last line without newline never glues two lines', (t) => {
  const r = lineInFile('x\nanchor', { line: 'new', insertAfter: '^anchor$' });
  t.is(r.content, 'x\nanchor\nnew\n');
});

test('bad input names what is wrong', (t) => {
  t.throws(() => lineInFile('', { line: 'x', regexp: '(' }), { message: /regexp: invalid regular expression/ });
  t.throws(() => lineInFile('', { line: 'x', insertAfter: 'a', insertBefore: 'b' }), { message: /mutually exclusive/ });
  t.throws(() => lineInFile('', { line: 'x', backrefs: true }), { message: /backrefs needs a regexp/ });
  t.throws(() => lineAbsent('', {}), { message: /give one of line, regexp, searchString/ });
});

test('expandTemplate: \\N, \\g<name>, escapes, unmatched group', (t) => {
  const re = compileLineRegExp('^(?P<k>\\w+)=(\\d+)?(x)?$', 'regexp');
  const m = re.exec('key=12\n')!;
  t.is(expandTemplate('\\g<k> is \\2\\3\\\\\\t', m, re.groups), 'key is 12\\\t');
  t.throws(() => expandTemplate('\\q', m, re.groups), { message: /bad escape \\q/ });
  t.is(expandTemplate('$1 stays', m, re.groups), '$1 stays');
});

test('splitLinesKeepEnds keeps terminators and a final partial line', (t) => {
  t.deepEqual(splitLinesKeepEnds('a\nb\r\nc'), ['a\n', 'b\r\n', 'c']);
  t.deepEqual(splitLinesKeepEnds(''), []);
});

// ---- blockinfile ----

const SSHD =
  '#\t$OpenBSD: sshd_config,v 1.100 2016/08/15 12:32:04 naddy Exp $\n\nHostKey /etc/ssh/ssh_host_rsa_key\nPermitRootLogin yes\nSubsystem\tsftp\t/usr/libexec/openssh/sftp-server\n\n# Example of overriding settings on a per-user basis\n#Match User anoncvs\n#\tX11Forwarding no\n';

test('blockinfile: add a block to an existing file (EOF), then again: no change', (t) => {
  const o = { marker: AM, block: 'Match User ansible-agent\nPasswordAuthentication no\n' };
  const r = blockInFile(SSHD, o);
  t.is(r.message, 'Block inserted');
  t.is(
    r.content,
    SSHD +
      '# BEGIN ANSIBLE MANAGED BLOCK\nMatch User ansible-agent\nPasswordAuthentication no\n# END ANSIBLE MANAGED BLOCK\n',
  );
  t.false(blockInFile(r.content, o).changed);
});

test('blockinfile: insertAfter, twice', (t) => {
  const o = { marker: AM, insertAfter: 'line2', block: 'block1\nblock2\n' };
  const a = blockInFile('line1\nline2\nline3\n', o);
  const b = blockInFile(a.content, o);
  t.true(a.changed);
  t.false(b.changed);
  t.is(sha1(b.content), 'a8adeb971358230a28ce554f3b8fdd1ef65fdf1c');
});

test('blockinfile: insertBefore, twice', (t) => {
  const o = { marker: AM, insertBefore: 'line2', block: 'block1\nblock2\n' };
  const a = blockInFile('line1\nline2\nline3\n', o);
  const b = blockInFile(a.content, o);
  t.true(a.changed);
  t.false(b.changed);
  t.is(sha1(b.content), '16681d1d7f29d173243bb951d6afb9c0824d7bf4');
  t.is(b.content, 'line1\n# BEGIN ANSIBLE MANAGED BLOCK\nblock1\nblock2\n# END ANSIBLE MANAGED BLOCK\nline2\nline3\n');
});

test('blockinfile: file without trailing newline, twice', (t) => {
  const o = { marker: AM, block: 'one\ntwo\nthree\n' };
  const a = blockInFile('# File with no newline', o);
  const b = blockInFile(a.content, o);
  t.true(a.changed);
  t.false(b.changed);
  t.is(sha1(b.content), 'dab16f864025e59125e74d1498ffb2bb048224e6');
});

test('blockinfile: block without trailing newline, created file, twice', (t) => {
  const o = { marker: AM, block: 'one\ntwo\nthree' };
  const a = blockInFile(null, o);
  const b = blockInFile(a.content, o);
  t.is(a.message, 'File created');
  t.false(b.changed);
  t.is(sha1(b.content), '50d49f528a5f7147c7029ed6220c326b1ee2c4ae');
});

test('blockinfile: multiline insertAfter regexp (m flag), twice; line-wise search finds nothing new', (t) => {
  const ora = [
    'LISTENER=(DESCRIPTION=(ADDRESS_LIST=(ADDRESS=(PROTOCOL=IPC)(KEY=LISTENER)))) # line added by Agent',
    'ENABLE_GLOBAL_DYNAMIC_ENDPOINT_LISTENER=ON                                   # line added by Agent',
    '',
    'SID_LIST_LISTENER_DG =',
    '    (SID_LIST =',
    '        (SID_DESC =',
    '            (GLOBAL_DBNAME = DB01_DG)',
    '            (ORACLE_HOME = /u01/app/oracle/product/12.1.0.1/db_1)',
    '            (SID_NAME = DB011)',
    '        )',
    '    )',
    '',
    'SID_LIST_LISTENER =',
    '    (SID_LIST =',
    '        (SID_DESC =',
    '            (GLOBAL_DBNAME = DB02)',
    '            (ORACLE_HOME = /u01/app/oracle/product/12.1.0.1/db_1)',
    '            (SID_NAME = DB021)',
    '        )',
    '    )',
    '',
  ].join('\n');
  const block = [
    '(SID_DESC =',
    '  (GLOBAL_DBNAME = DB03',
    '  (ORACLE_HOME = /u01/app/oracle/product/12.1.0.1/db_1)',
    '  (SID_NAME = DB031)',
    ')',
  ]
    .map((l) => '        ' + l)
    .join('\n');
  const o = {
    marker: '    <!-- {mark} ANSIBLE MANAGED BLOCK -->',
    insertAfter: /SID_LIST_LISTENER_DG =\n.*\(SID_LIST =/m,
    block,
  };
  const a = blockInFile(ora, o);
  const b = blockInFile(a.content, o);
  const c = blockInFile(b.content, { ...o, insertAfter: 'SID_LIST_LISTENER_DG =\\n.*\\(SID_LIST =' });
  t.true(a.changed);
  t.false(b.changed);
  t.false(c.changed);
  t.is(sha1(b.content), 'c4485ff5b324f801f99c5ae4425c755ea2e06ed6');
});

test('blockinfile: replaced as a unit in place, removed by state absent and by an empty block', (t) => {
  const marker = droverMarker('ntp');
  const start = 'a\n# BEGIN drover ntp\nserver 1\nserver 2\n# END drover ntp\nz\n';
  const r = blockInFile(start, { marker, block: 'server 3\n' });
  t.is(r.content, 'a\n# BEGIN drover ntp\nserver 3\n# END drover ntp\nz\n');
  const gone = blockInFile(r.content, { marker, state: 'absent' });
  t.is(gone.message, 'Block removed');
  t.is(gone.content, 'a\nz\n');
  t.is(blockInFile(r.content, { marker, block: '' }).content, 'a\nz\n');
  t.false(blockInFile(gone.content, { marker, state: 'absent' }).changed);
  t.false(blockInFile(null, { marker, state: 'absent' }).changed);
});

test('blockinfile: custom marker prefix; marker without {mark} is refused', (t) => {
  const r = blockInFile('', { marker: droverMarker('x', ';'), block: 'k=v' });
  t.is(r.content, '; BEGIN drover x\nk=v\n; END drover x\n');
  t.throws(() => blockInFile('', { marker: '# no mark', block: 'x' }), { message: /must contain \{mark\}/ });
});

// ---- issue 18 items 11-13 (the differential test against Ansible covers more; these need no Ansible) ----

test('CRLF: . matches the \\r as in Python, so ^beta=.*$ replaces the line (not a second one)', (t) => {
  const r = lineInFile('beta=old\r\n', { regexp: '^beta=.*$', line: 'beta=new' });
  t.is(r.message, 'line replaced');
  t.is(r.content, 'beta=new\n');
  // Python's $ is never before a \r: ^beta=old$ does not match a CRLF line, so the line is added
  t.is(lineInFile('beta=old\r\n', { regexp: '^beta=old$', line: 'beta=new' }).content, 'beta=old\r\nbeta=new\n');
  t.is(lineInFile('a=1\r\nb=2\r\n', { line: 'new', insertAfter: '^a=.*$' }).content, 'a=1\r\nnew\nb=2\r\n');
  t.is(lineAbsent('a=1\r\nb=2\r\n', { regexp: '^a=.*$' }).content, 'b=2\r\n');
  t.is(
    blockInFile('a=1\r\nb=2\r\n', { marker: '# {mark} x', block: 'B', insertAfter: '^a=.*$' }).content,
    'a=1\r\n# BEGIN x\nB\n# END x\nb=2\r\n',
  );
});

test('backrefs: \\0 and three-digit octal escapes as in Python, not group references', (t) => {
  t.is(lineInFile('k=v\n', { regexp: '^k=v$', line: '[\\0]', backrefs: true }).content, '[\0]\n');
  t.is(
    lineInFile('alpha=v1\n', { regexp: '^(alpha)=(v1)$', line: '\\1\\012\\2', backrefs: true }).content,
    'alpha\nv1\n',
  );
});

test('state absent with line and regexp: the regexp decides (Ansible precedence)', (t) => {
  const r = lineAbsent('a=1\nb=2\nzzz\n', { line: 'zzz', regexp: '^a=' });
  t.is(r.content, 'b=2\nzzz\n');
  t.is(lineAbsent('a=1\nb=2\nzzz\n', { line: 'zzz', searchString: 'b=' }).content, 'a=1\nzzz\n');
  t.throws(() => lineAbsent('a\n', { regexp: 'a', searchString: 'a' }), {
    message: /regexp and searchString are mutually exclusive/,
  });
});
