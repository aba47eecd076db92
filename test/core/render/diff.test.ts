import test from 'ava';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { unifiedDiff } from '../../../core/render/diff.ts';

/** GNU diff -u's hunks for the same two texts: our hunks must match them line for line. */
function gnuHunks(before: string, after: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'drover-diff-'));
  writeFileSync(path.join(dir, 'a'), before);
  writeFileSync(path.join(dir, 'b'), after);
  let out = '';
  try {
    out = execFileSync('diff', ['-u', 'a', 'b'], { cwd: dir, encoding: 'utf8' });
  } catch (err) {
    out = (err as { stdout: string }).stdout;
  }
  return out.split('\n').slice(2).join('\n');
}

function ourHunks(before: string, after: string): string {
  return unifiedDiff({ path: '/etc/x', before, after }).split('\n').slice(2).join('\n');
}

const cases: [string, string, string][] = [
  ['one line changed', 'a\nb\nc\n', 'a\nB\nc\n'],
  ['line appended', 'a\nb\n', 'a\nb\nc\n'],
  ['final newline removed', 'a\nb\n', 'a\nb'],
  ['final newline added', 'a\nb', 'a\nb\n'],
  [
    'far apart changes make two hunks',
    Array.from({ length: 30 }, (_, i) => `l${i}`).join('\n') + '\n',
    Array.from({ length: 30 }, (_, i) => (i === 2 || i === 25 ? `X${i}` : `l${i}`)).join('\n') + '\n',
  ],
  ['everything removed', 'a\nb\n', ''],
  ['from empty', '', 'x\ny\n'],
];

for (const [name, before, after] of cases) {
  test(`hunks match GNU diff -u: ${name}`, (t) => {
    t.is(ourHunks(before, after), gnuHunks(before, after));
  });
}

test('identical content gives no diff', (t) => {
  t.is(unifiedDiff({ path: '/etc/hosts', before: 'same\n', after: 'same\n' }), '');
});

test('a created file diffs against /dev/null, a removed one to /dev/null', (t) => {
  const created = unifiedDiff({ path: '/etc/new', before: null, after: 'hello\n' });
  t.true(created.startsWith('--- /dev/null\n+++ /etc/new\t(after)\n@@ -0,0 +1,1 @@\n+hello\n'));
  const removed = unifiedDiff({ path: '/etc/old', before: 'bye\n', after: null });
  t.true(removed.startsWith('--- /etc/old\t(before)\n+++ /dev/null\n@@ -1,1 +0,0 @@\n-bye\n'));
});

test('an empty file created is still reported', (t) => {
  t.regex(unifiedDiff({ path: '/etc/empty', before: null, after: '' }), /empty file created/);
});

test('binary content is not dumped', (t) => {
  const d = unifiedDiff({ path: '/bin/x', before: 'a\0b', after: 'a\0c' });
  t.regex(d, /Binary content differs/);
  t.false(d.includes('\0'));
});

test('colour only when asked', (t) => {
  const plain = unifiedDiff({ path: 'f', before: 'a\n', after: 'b\n' });
  const coloured = unifiedDiff({ path: 'f', before: 'a\n', after: 'b\n' }, { color: true });
  t.false(plain.includes('\u001b['));
  // picocolors honours NO_COLOR / non-TTY detection; when it colours, the text without escapes is the same diff
  t.is(coloured.replace(/\u001b\[[0-9;]*m/g, ''), plain);
});
