import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { Secret } from '../../core/secret.ts';
import { quote, sh, shellFunction, ShellCommand, withFunction } from '../../core/sh.ts';

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
  // Words that are syntax, not text, when bare in command position (see 'in command position' below).
  'if',
  'then',
  'fi',
  'time',
  'function',
  'coproc',
  'a+=b',
  'PATH=/x',
  '{',
  '}',
  '[[',
  '%1',
];

// Each becomes an executable of that name (no '/': a name with one is a path, never looked up); bare in command position, each would be an assignment,
// a reserved word, a glob or an expansion instead of the program's name.
const commandNames = [
  'a=b',
  'PATH=x',
  'a+=b',
  'x=$(id)',
  '--x=y',
  ...[
    '!',
    '{',
    '}',
    '[[',
    ']]',
    'case',
    'do',
    'done',
    'elif',
    'else',
    'esac',
    'fi',
    'for',
    'if',
    'in',
    'then',
    'until',
    'while',
  ],
  ...['function', 'select', 'time', 'coproc'],
  '~',
  '~root',
  '#comment',
  '*',
  'x y',
  "it's",
  '$HOME',
];
const binDir = join(cwd, 'bin');
mkdirSync(binDir);
for (const name of commandNames) {
  // Prints its own name and its arguments, each followed by a NUL (as argsSeen reads them).
  writeFileSync(join(binDir, name), `#!/bin/sh\nprintf '%s\\0' "\${0##*/}" "$@"\n`, { mode: 0o755 });
}

function argsSeen(shell: string, cmd: ShellCommand, path = process.env.PATH): string[] {
  const [bin, ...flags] = shell.split(' ');
  const out = execFileSync(bin, [...flags, '-c', cmd.text], { cwd, env: { PATH: path, HOME: '/home/nobody' } });
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

  test(`${shell}: a value in command position is the program's name, never an assignment or a keyword`, (t) => {
    for (const name of commandNames) {
      // `:;` first: `sh -c '-...'` would read a leading '-' as an option to sh itself.
      t.deepEqual(
        argsSeen(shell, sh`:; ${name} ${'arg'}`, `${binDir}:${process.env.PATH}`),
        [name, 'arg'],
        JSON.stringify(name),
      );
    }
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
  t.is(cmd.display, 'chpasswd-like --user bob --password ***');
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
  t.is(quote('--prefix=/usr'), '--prefix=/usr', 'an = after a non-name is no assignment');
  t.is(quote(''), "''");
  t.is(quote("it's"), `'it'\\''s'`);
  t.is(quote('a b'), "'a b'");
  t.is(quote('a=b'), "'a=b'");
  t.is(quote('PATH=/x'), "'PATH=/x'");
  t.is(quote('_x1+=y'), "'_x1+=y'");
  t.is(quote('if'), "'if'");
  t.is(quote('time'), "'time'");
  t.is(quote('iffy'), 'iffy');
});

test('a literal part with an escape JavaScript cannot read is refused when the command is built', (t) => {
  const x = 'hi';
  // Cooked, these parts are undefined: the command would have been `printf undefinedhi`.
  const esc = t.throws(() => sh`printf '\033[1m%s' ${x}`, { instanceOf: SyntaxError });
  t.true(esc.message.includes("literal text `printf '\\033[1m%s' `"), esc.message);
  t.true(esc.message.includes('write \\\\033 (two backslashes) for the shell to receive \\033'), esc.message);
  t.throws(() => sh`tr '\000' x`, { instanceOf: SyntaxError, message: /literal text `tr '\\000' x`.*write \\\\000/ });
  t.throws(() => sh`echo ${x} \x1 ${x}`, {
    instanceOf: SyntaxError,
    message: /literal text ` \\x1 `: \\x1 is not a JavaScript escape/,
  });
  t.throws(() => sh`echo \u{110000}`, { instanceOf: SyntaxError, message: /\\u\{110000\} is not a JavaScript escape/ });
  // Written as the message says, the shell receives the escape and printf reads it.
  t.deepEqual(argsSeen('/bin/sh', sh`printf '\\033[1m%s\\0' ${x}`), ['\x1b[1mhi']);
  // Valid escapes are still read by JavaScript, as everywhere else in drover.
  t.is(sh`printf '\x41\u0042\u{43}\t\\n'`.text, "printf 'ABC\t\\n'");
});

test('values sh cannot quote are refused', (t) => {
  t.throws(() => sh`echo ${null as unknown as string}`, { instanceOf: TypeError, message: /null/ });
  t.throws(() => sh`echo ${{} as unknown as string}`, { instanceOf: TypeError, message: /object/ });
});

test('shell functions: a command carries the functions it calls through sh`` and join, once each', (t) => {
  const f = shellFunction('drover_f', sh`echo f "$1"`);
  const g = shellFunction('drover_g', sh`echo g`);
  t.is(f.definition, 'drover_f() {\necho f "$1"\n}');
  const a = withFunction(f, sh`drover_f ${'x y'}`);
  const b = withFunction(g, sh`drover_g`);
  const both = ShellCommand.join([a, b, withFunction(f, sh`drover_f z`)], '; ');
  t.deepEqual(
    both.functions.map((x) => x.name),
    ['drover_f', 'drover_g'],
  );
  t.is(both.text, "drover_f 'x y'; drover_g; drover_f z");
  t.deepEqual(sh`if ${a}; then :; fi`.functions, [f]);
  t.deepEqual(sh`true`.functions, []);
});

test('shell functions: bad names, secrets in a body and two definitions under one name are refused', (t) => {
  t.throws(() => shellFunction('bad name', sh`true`), { message: /not a valid function name/ });
  t.throws(() => shellFunction('x;rm', sh`true`), { message: /not a valid function name/ });
  t.throws(() => shellFunction('drover_s', sh`echo ${new Secret('pw')}`), { message: /cannot hold secrets/ });
  const one = withFunction(shellFunction('drover_h', sh`echo 1`), sh`drover_h`);
  const two = withFunction(shellFunction('drover_h', sh`echo 2`), sh`drover_h`);
  t.throws(() => ShellCommand.join([one, two]), { message: /two different shell functions named drover_h/ });
});

test('shell functions: run by a real sh, defined in front of the framed command', (t) => {
  const f = shellFunction('drover_twice', sh`printf '%s%s\n' "$1" "$1"`);
  const script = `${f.definition}\ndrover_twice ab`;
  t.is(execFileSync('sh', ['-c', script], { encoding: 'utf8' }), 'abab\n');
});
