// The Python-regex layer of line/block edits: pattern translation and match.expand, each checked
// against answers recorded from Python 3.11 (`re.compile(p.encode()).search(s.encode())`, `m.expand(t)`).
import test from 'ava';
import { compileLineRegExp, expandTemplate, translatePattern } from '../../../modules/shared/python-regex.ts';
import { blockInFile, lineAbsent, lineInFile } from '../../../modules/shared/file-edit.ts';

// [pattern, subject, Python's answer: [start, whole match] or null]
const SEARCH: [string, string, [number, string] | null][] = [
  ['^beta=.*$', 'beta=old\r\n', [0, 'beta=old\r']],
  ['^beta=old$', 'beta=old\r\n', null],
  ['^beta=old\\r$', 'beta=old\r\n', [0, 'beta=old\r']],
  ['old$', 'old\n', [0, 'old']],
  ['old$', 'old', [0, 'old']],
  ['a.b', 'a\rb\n', [0, 'a\rb']],
  ['a.b', 'a\nb', null],
  ['(?s)a.b', 'a\nb', [0, 'a\nb']],
  ['a\\n', 'xa\n', [1, 'a\n']],
  ['\\s+$', 'x \t\n', [1, ' \t\n']],
  ['[^#]*', 'k=v\n', [0, 'k=v\n']],
  ['a\\Z', 'a\n', null],
  ['a\\Z', 'a', [0, 'a']],
  ['\\Ab', 'ab', null],
  ['\\Aa', 'ab', [0, 'a']],
  ['(?i)KEY', 'key=1\n', [0, 'key']],
  ['(?m)^b$', 'a\nb\nc\n', [2, 'b']],
  ['(?m)^b$', 'a\rb\rc', null],
  ['(?m)a$', 'a\r\nb', null],
  ['(?m)^b\\nc$', 'a\nb\nc\nd\n', [2, 'b\nc']],
  ['^(?P<w>\\w+) (?P=w)$', 'ab ab\n', [0, 'ab ab']],
  ['^x[]a]$', 'x]\n', [0, 'x]']],
  ['^x[^]a]$', 'xb\n', [0, 'xb']],
  ['^xa{,2}$', 'xaa\n', [0, 'xaa']],
  ['^xa{,2}$', 'xaaa\n', null],
  ['x{}', 'x{}', [0, 'x{}']],
  ['x{1,}', 'xx', [0, 'xx']],
  ['^a(?#c)b', 'ab', [0, 'ab']],
  ['\\a', 'x\u0007', [1, '\u0007']],
  ['a\\=b', 'a=b', [0, 'a=b']],
  ['[.]', 'a.b', [1, '.']],
  ['[$]', 'a$b', [1, '$']],
  ['\\$', 'a$b', [1, '$']],
  ['\\.', 'a.b', [1, '.']],
  ['^$', '\n', [0, '']],
  ['^$', '', [0, '']],
  ['$', 'ab\n', [2, '']],
  ['x$\\n', 'x\n', [0, 'x\n']],
  ['(?im)^K$', 'a\nk\n', [2, 'k']],
  ['\\d+', 'ab12', [2, '12']],
  ['\\bw', 'a w', [2, 'w']],
  ['[\\]]', ']', [0, ']']],
  ['(?a)x', 'x', [0, 'x']],
];

for (const [pattern, subject, want] of SEARCH) {
  test(`search ${JSON.stringify(pattern)} in ${JSON.stringify(subject)} as Python`, (t) => {
    const m = compileLineRegExp(pattern, 'regexp').exec(subject);
    t.deepEqual(m ? [m.index, m[0]] : null, want);
  });
}

test('a RegExp object gets the same . and $ answers, keeping its own flags', (t) => {
  t.truthy(compileLineRegExp(/^beta=.*$/, 'regexp').exec('beta=old\r\n'));
  t.is(compileLineRegExp(/^beta=old$/, 'regexp').exec('beta=old\r\n'), null);
  t.truthy(compileLineRegExp(/^KEY$/i, 'regexp').exec('key\n'));
  t.is(compileLineRegExp(/^b$/m, 'regexp').exec('a\rb\rc'), null);
  t.truthy(compileLineRegExp(/^.$/u, 'regexp').exec('\u{1F600}\n'));
  t.truthy(compileLineRegExp(new RegExp('^[\\p{L}--[a-z]]$', 'v'), 'regexp').exec('A\n'));
  // JavaScript's own syntax stays: no Python-only rewriting of a RegExp source
  t.deepEqual(translatePattern('[]a]', '', false), { source: '[]a]', flags: '' });
});

// match.expand on `key=val` with ^(?P<k>\w+)=(?P<v>\w+) and ten more optional unmatched groups (12 in all).
const EXPAND_OK: [string, string][] = [
  ['\\1', 'key'],
  ['\\2\\1', 'valkey'],
  ['\\g<k>', 'key'],
  ['\\g<v>:\\g<k>', 'val:key'],
  ['\\g<0>', 'key=val'],
  ['\\g<2>', 'val'],
  ['\\g<12>', ''],
  ['\\0', '\u0000'],
  ['[\\0]', '[\u0000]'],
  ['\\00', '\u0000'],
  ['\\012', '\n'],
  ['\\0123', '\n3'],
  ['\\101', 'A'],
  ['\\1\\012\\2', 'key\nval'],
  ['\\10', ''],
  ['\\12', ''],
  ['\\3', ''],
  ['\\a\\b\\f\\n\\r\\t\\v\\\\', '\u0007\b\f\n\r\t\u000b\\'],
  ['\\.', '\\.'],
  ['\\-', '\\-'],
  ['\\ ', '\\ '],
  ['$1', '$1'],
  ['plain', 'plain'],
  ['\\\\1', '\\1'],
  ['\\g<k>\\g<k>', 'keykey'],
];
const EXPAND_ERR: [string, string][] = [
  ['\\13', 'error: invalid group reference 13 at position 1'],
  ['\\18', 'error: invalid group reference 18 at position 1'],
  ['\\19x', 'error: invalid group reference 19 at position 1'],
  ['\\q', 'error: bad escape \\q at position 0'],
  ['\\x41', 'error: bad escape \\x at position 0'],
  ['\\g<nope>', "IndexError: unknown group name 'nope'"],
  ['\\g<1', 'error: missing >, unterminated name at position 3'],
  ['\\g1', 'error: missing < at position 2'],
  ['\\g<-1>', "error: bad character in group name '-1' at position 3"],
  ['\\g<>', 'error: missing group name at position 3'],
  ['\\13x', 'error: invalid group reference 13 at position 1'],
  ['\\777', 'error: octal escape value \\777 outside of range 0-0o377 at position 0'],
  ['\\400', 'error: octal escape value \\400 outside of range 0-0o377 at position 0'],
  ['\\', 'error: bad escape (end of pattern) at position 0'],
  ['\\99', 'error: invalid group reference 99 at position 1'],
  ['\\g<13>', 'error: invalid group reference 13 at position 3'],
  ['\\g<a b>', "error: bad character in group name 'a b' at position 3"],
];
const m12 = compileLineRegExp('^(?P<k>\\w+)=(?P<v>\\w+)(x)?(y)?(z)?(a)?(b)?(c)?(d)?(e)?(f)?(g)?$', 'regexp');
const key = m12.exec('key=val')!;

test('expandTemplate gives what Python 3.11 match.expand gives', (t) => {
  t.is(m12.groups, 12);
  for (const [tpl, want] of EXPAND_OK)
    t.is(expandTemplate(tpl, key, m12.groups), want, `template ${JSON.stringify(tpl)}`);
});

test('expandTemplate fails where Python fails, naming the parameter and position', (t) => {
  for (const [tpl, python] of EXPAND_ERR) {
    const err = t.throws(
      () => expandTemplate(tpl, key, m12.groups),
      undefined,
      `template ${JSON.stringify(tpl)} (Python: ${python})`,
    );
    t.regex(
      err?.message ?? '',
      /^line: .* at position \d+ of the backrefs template /,
      `template ${JSON.stringify(tpl)}`,
    );
  }
});

test('expandTemplate refuses octal escapes above \\177 (a raw byte would not be UTF-8 text)', (t) => {
  t.throws(() => expandTemplate('\\377', key, m12.groups), { message: /octal escape \\377 is not an ASCII character/ });
  t.is(expandTemplate('\\177', key, m12.groups), '\x7f');
});

test('a huge invalid regexp: the error names the parameter, quotes 60 characters and says the problem', (t) => {
  const huge = '('.repeat(100_000);
  for (const [param, run] of [
    ['regexp', () => lineInFile('a\n', { line: 'x', regexp: huge })],
    ['insertAfter', () => lineInFile('a\n', { line: 'x', insertAfter: huge })],
    ['insertBefore', () => blockInFile('a\n', { marker: '# {mark} x', block: 'b', insertBefore: huge })],
    ['regexp', () => lineAbsent('a\n', { regexp: huge })],
  ] as const) {
    const err = t.throws(run);
    t.true(
      err!.message.startsWith(`${param}: invalid regular expression "${'('.repeat(60)}"… (100000 characters): `),
      err!.message.slice(0, 200),
    );
    t.true(err!.message.length < 300, `message is ${err!.message.length} characters`);
  }
});

test('a huge valid-looking regexp that V8 rejects only when it runs: caught at compile time, named', (t) => {
  // V8 compiles lazily: these fail on the first exec ("Regular expression too large", "Stack overflow").
  for (const [pattern, problem] of [
    ['a'.repeat(100_000), /Regular expression too large/],
    ['(a|b)'.repeat(20_000), /Stack overflow|too large/],
  ] as const) {
    const err = t.throws(() => lineInFile('aaa\n', { line: 'q', insertBefore: pattern }));
    t.regex(
      err!.message,
      /^insertBefore: invalid regular expression "a|^insertBefore: invalid regular expression "\(a/,
    );
    t.regex(err!.message, problem);
    t.true(err!.message.length < 300);
  }
});

test('Python-only mistakes are errors with the parameter: unknown letter escapes, unsupported flags', (t) => {
  t.throws(() => lineInFile('a\n', { line: 'x', regexp: 'a\\z' }), {
    message: /^regexp: invalid regular expression "a\\\\z": bad escape \\z at position 1$/,
  });
  t.throws(() => lineInFile('a\n', { line: 'x', insertAfter: '(?x)a b' }), {
    message: /^insertAfter: .*inline flag \(\?x\) is not supported/,
  });
  t.throws(() => lineInFile('a\n', { line: 'x', regexp: '(' }), {
    message: /^regexp: invalid regular expression "\(": Unterminated group$/,
  });
});

test('Python regex features drover has no form for are named in the error, not "Invalid group"', (t) => {
  const cases: [string, RegExp][] = [
    ['(?i:a)b', /Python regex feature \(\?i:\.\.\.\) is not supported/],
    ['x(?-i:a)', /Python regex feature \(\?-i:\.\.\.\) is not supported/],
    ['(?>a)', /Python regex feature \(\?>\.\.\.\) \(atomic group\) is not supported/],
    ['(a)(?(1)b|c)', /Python regex feature \(\?\(id\)yes\|no\) \(conditional group\) is not supported/],
    ['(?x) a', /Python regex feature: inline flag \(\?x\) is not supported/],
    // Python: "global flags not at the start of the expression at position 1"
    ['a(?i)b', /global flags not at the start of the expression at position 1/],
  ];
  for (const [pattern, message] of cases) {
    const err = t.throws(() => compileLineRegExp(pattern, 'regexp'), undefined, pattern);
    t.regex(err!.message, message, pattern);
    t.notRegex(err!.message, /Invalid group/, pattern);
  }
});

test('a bare \\x is refused as Python refuses it ("incomplete escape"); \\x41 is A', (t) => {
  t.throws(() => compileLineRegExp('a\\x', 'regexp'), { message: /incomplete escape \\x at position 1/ });
  t.throws(() => compileLineRegExp('\\x4g', 'regexp'), { message: /incomplete escape \\x4 at position 0/ });
  t.truthy(compileLineRegExp('\\x41', 'regexp').exec('A'));
});

test('\\g< 1>, \\g<+1> and \\g<1_0> name groups as Python 3.11 reads them (int())', (t) => {
  t.is(expandTemplate('\\g< 1>|\\g<+1>|\\g<1 >', key, m12.groups), 'key|key|key');
  t.is(expandTemplate('\\g<1_0>', key, m12.groups), '');
  t.throws(() => expandTemplate('\\g<-1>', key, m12.groups), { message: /bad character in group name "-1"/ });
});
