import { execFileSync } from 'node:child_process';
import test from 'ava';
import { ProbeFormatError, ProbeFrame } from '../../core/probe-frame.ts';
import { sh, ShellCommand } from '../../core/sh.ts';

// Sections are printed by real shells (dash and bash) and parsed back; hostile content must come back
// byte for byte as content, and anything the probe did not frame must be refused.
const shells = ['dash', 'bash'];

function run(shell: string, cmd: ShellCommand): Buffer {
  return execFileSync(shell, ['-c', cmd.text]);
}

const hostile: [string, ShellCommand, Buffer][] = [
  ['empty', sh`:`, Buffer.alloc(0)],
  ['no final newline', sh`printf 'a\nb'`, Buffer.from('a\nb')],
  ['final newline', sh`printf 'a\n'`, Buffer.from('a\n')],
  ['old markers', sh`printf '@drover-file\n@end\n@@REAL0 rc=0\n'`, Buffer.from('@drover-file\n@end\n@@REAL0 rc=0\n')],
  ['binary', sh`printf '\\000\\377\\n@\\001'`, Buffer.from([0, 0xff, 0x0a, 0x40, 0x01])],
  [
    'fake marker with another nonce',
    sh`printf '@0123456789abcdef0123 X rc=0\n'`,
    Buffer.from('@0123456789abcdef0123 X rc=0\n'),
  ],
];

for (const shell of shells) {
  for (const [title, body, want] of hostile) {
    test(`${shell}: content "${title}" comes back exactly`, (t) => {
      const f = new ProbeFrame();
      const out = run(shell, ShellCommand.join([f.section('A', body), f.section('B', sh`echo second; (exit 3)`)]));
      const s = f.parse(out, ['A', 'B']);
      t.deepEqual(s.get('A').bytes, want);
      t.is(s.status('A'), 0);
      t.is(s.text('B'), 'second\n');
      t.is(s.status('B'), 3);
    });
  }
}

test('a section body that fails reports its status', (t) => {
  const f = new ProbeFrame();
  const s = f.parse(run('dash', f.section('X', sh`false`)));
  t.is(s.status('X'), 1);
  t.is(s.text('X'), '');
});

test('output outside any section is refused (a background writer, login noise)', (t) => {
  const f = new ProbeFrame();
  const out = Buffer.concat([Buffer.from('LATE-OUT\n'), run('dash', f.section('A', sh`echo a`))]);
  const e = t.throws(() => f.parse(out), { instanceOf: ProbeFormatError });
  t.regex(e.message, /outside any section at byte 0: "LATE-OUT\\n@/);
  const between = Buffer.concat([
    run('dash', f.section('A', sh`echo a`)),
    Buffer.from('QUJD\n'),
    run('dash', f.section('B', sh`echo b`)),
  ]);
  t.throws(() => f.parse(between), { instanceOf: ProbeFormatError, message: /outside any section/ });
});

test('truncated output is refused, wherever it is cut', (t) => {
  const f = new ProbeFrame();
  const out = run('dash', ShellCommand.join([f.section('A', sh`echo a`), f.section('B', sh`echo b`)]));
  for (let cut = 1; cut < out.length; cut++) {
    const part = out.subarray(0, cut);
    // A cut exactly after a whole section parses as that section alone: then the expected list catches it.
    t.throws(() => f.parse(part, ['A', 'B']), { instanceOf: ProbeFormatError }, `cut at ${cut}`);
  }
});

test('a section from another call (another nonce) is not accepted', (t) => {
  const mine = new ProbeFrame();
  const other = new ProbeFrame();
  t.throws(() => mine.parse(run('dash', other.section('A', sh`echo a`))), { instanceOf: ProbeFormatError });
});

test('repeated, unexpected and missing sections are refused', (t) => {
  const f = new ProbeFrame();
  const twice = run('dash', ShellCommand.join([f.section('A', sh`:`), f.section('A', sh`:`)]));
  t.throws(() => f.parse(twice), { message: /section A appears twice/ });
  const one = run('dash', f.section('A', sh`:`));
  t.throws(() => f.parse(one, ['A', 'B']), { message: /section B is missing/ });
  t.throws(() => f.parse(one, []), { message: /unexpected section A/ });
  t.throws(() => f.parse(one).get('Z'), { message: /section Z is missing/ });
});

test('a section nested in another is refused', (t) => {
  const f = new ProbeFrame();
  const out = run('dash', f.section('OUTER', f.section('INNER', sh`echo x`)));
  t.throws(() => f.parse(out), { message: /holds another section's marker/ });
});

test('section names and nonces are validated at construction', (t) => {
  const f = new ProbeFrame();
  t.throws(() => f.section('a b', sh`:`), { message: /section name/ });
  t.throws(() => f.section('x\n@y', sh`:`), { message: /section name/ });
  t.throws(() => new ProbeFrame('not-hex'), { message: /nonce/ });
  t.not(new ProbeFrame().nonce, new ProbeFrame().nonce);
});

test('a name ending in ? in the expected list may be absent, but nothing unlisted may appear', (t) => {
  const f = new ProbeFrame();
  const one = run('dash', f.section('A', sh`echo a`));
  t.is(f.parse(one, ['A', 'A.link?']).text('A'), 'a\n');
  const both = run('dash', ShellCommand.join([f.section('A', sh`:`), f.section('A.link', sh`echo t`)]));
  t.is(f.parse(both, ['A', 'A.link?']).text('A.link'), 't\n');
  t.throws(() => f.parse(both, ['A']), { message: /unexpected section A.link/ });
  t.throws(() => f.parse(run('dash', f.section('A.link', sh`:`)), ['A', 'A.link?']), {
    message: /section A is missing/,
  });
});

test('render builds exactly the bytes a shell prints for the same sections', (t) => {
  const f = new ProbeFrame();
  const printed = run('dash', ShellCommand.join([f.section('A', sh`printf 'x\n@end'`), f.section('B', sh`(exit 7)`)]));
  t.deepEqual(
    f.render([
      ['A', 'x\n@end'],
      ['B', '', 7],
    ]),
    printed,
  );
  t.throws(() => f.render([['bad name', '']]), { message: /section name/ });
});
