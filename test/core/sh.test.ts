import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { Secret } from '../../core/secret.ts';
import { quote, sh, ShellCommand } from '../../core/sh.ts';

// Every interpolated value must reach the program as exactly one argument with exactly its bytes,
// checked against the real shells drover meets: dash (Debian's sh) and bash (Gentoo's sh).
const shells = ['/bin/sh', 'dash', 'bash', 'bash --posix'];
const cwd = mkdtempSync(join(tmpdir(), 'drover-sh-'));
for (const f of ['a', 'b', '-rf', 'x y']) writeFileSync(join(cwd, f), '');
test.after.always(() => rmSync(cwd, { recursive: true, force: true }));

const hostile = [
  '',
  ' ',
  "it's",
  "''",
  '"double" "',
  '$(touch pwned)',
  '`touch pwned`',
  '${HOME}',
  '$HOME',
  '$1 $@ $* $# $?',
  'a\nb\n',
  '\n',
  '*',
  '?',
  '[ab]',
  '* .*',
  '-n',
  '-e',
  '--',
  '-rf',
  '~',
  '~root',
  'a=b',
  'x=$(id)',
  'héllo ✓ 日本語 🎉',
  'tab\there',
  'back\\slash\\',
  '\\n',
  '!',
  '!!',
  '#not a comment',
  'a;b&c|d>e<f',
  '(sub)',
  '{a,b}',
  'cr\r',
  '%s%d',
  "'\"'\"'",
  'end with backslash \\',
];

function argsSeen(shell: string, cmd: ShellCommand): string[] {
  const [bin, ...flags] = shell.split(' ');
  const out = execFileSync(bin, [...flags, '-c', cmd.text], { cwd, env: { PATH: process.env.PATH, HOME: '/home/nobody' } });
  // Each argument is printed followed by a NUL: that keeps newlines inside arguments visible.
  const parts = out.toString('utf8').split('\0');
  parts.pop();
  return parts;
}

for (const shell of shells) {
  test(`${shell}: each hostile string arrives as one exact argument`, (t) => {
    for (const v of hostile) {
      t.deepEqual(argsSeen(shell, sh`printf '%s\\0' ${v}`), [v], JSON.stringify(v));
    }
    t.throws(() => execFileSync('ls', [join(cwd, 'pwned')], { stdio: 'ignore' }), undefined, 'no command ran');
  });

  test(`${shell}: arrays become several words, nested arrays flatten, empty array nothing`, (t) => {
    t.deepEqual(argsSeen(shell, sh`printf '%s\\0' ${hostile}`), hostile);
    t.deepEqual(argsSeen(shell, sh`printf '%s\\0' first ${[]} last`), ['first', 'last']);
    t.deepEqual(argsSeen(shell, sh`printf '%s\\0' ${['a', ['b c', ['*']]]}`), ['a', 'b c', '*']);
    t.deepEqual(argsSeen(shell, sh`printf '%s\\0' ${42} ${-1} ${10n} ${true}`), ['42', '-1', '10', 'true']);
  });

  test(`${shell}: nested sh fragments are inserted as code, their values still quoted`, (t) => {
    const inner = sh`printf '%s\\0' ${'$(x)'} ${"'"}`;
    t.deepEqual(argsSeen(shell, sh`${inner}; printf '%s\\0' ${'*'}`), ['$(x)', "'", '*']);
    const joined = ShellCommand.join([sh`printf '%s\\0' ${'a b'}`, sh`printf '%s\\0' ${'c\nd'}`], ' && ');
    t.deepEqual(argsSeen(shell, joined), ['a b', 'c\nd']);
  });
}

test('Secret: real value in the text, *** in display, toString and JSON', (t) => {
  const pw = new Secret("p'w $(x)");
  const cmd = sh`chpasswd-like --user ${'bob'} --password ${pw}`;
  t.is(cmd.display, "chpasswd-like --user bob --password ***");
  t.is(String(cmd), cmd.display);
  t.is(JSON.stringify({ cmd }), JSON.stringify({ cmd: cmd.display }));
  t.deepEqual(cmd.secrets, [pw]);
  t.deepEqual(argsSeen('/bin/sh', sh`printf '%s\\0' ${pw}`), ["p'w $(x)"]);
  const outer = sh`sudo ${cmd}`;
  t.is(outer.display, 'sudo chpasswd-like --user bob --password ***');
  t.deepEqual(outer.secrets, [pw]);
});

test('quote: safe words stay bare, everything else single-quoted', (t) => {
  t.is(quote('abc-1.2_x/y:z,w@h%+='), 'abc-1.2_x/y:z,w@h%+=');
  t.is(quote(''), "''");
  t.is(quote("it's"), `'it'\\''s'`);
  t.is(quote('a b'), "'a b'");
});

test('values sh cannot quote are refused', (t) => {
  t.throws(() => sh`echo ${null as unknown as string}`, { instanceOf: TypeError, message: /null/ });
  t.throws(() => sh`echo ${{} as unknown as string}`, { instanceOf: TypeError, message: /object/ });
});
