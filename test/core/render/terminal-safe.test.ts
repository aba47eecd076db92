// Text from hosts, inventories and playbooks reaches the terminal only as visible escapes: the function and each renderer.
import test from 'ava';
import type { RunEvent } from '../../../core/events.ts';
import { unifiedDiff } from '../../../core/render/diff.ts';
import { describeHosts } from '../../../core/render/host-list.ts';
import { formatDiffGroups } from '../../../core/render/phase-diffs.ts';
import { PhaseSummary } from '../../../core/render/phase-summary.ts';
import { PlainRenderer } from '../../../core/render/plain.ts';
import { StatsCollector } from '../../../core/render/recap.ts';
import { safeBlock, safeLine, safeLines, safeTabbedLine, unsafeChar } from '../../../core/render/terminal-safe.ts';

const ESC = '\u001b';
const HOSTILE = [
  `osc52 ${ESC}]52;c;SGFja2Vk\u0007 end`,
  `title ${ESC}]0;pwned\u0007 end`,
  `moves ${ESC}[2A${ESC}[2J end`,
  'overwritten\rFORGED',
  '  ✔ b  9 ok',
  'c1 \u009b31mred',
  'bidi \u202eevil\u2066x\u2069 zw\u200b bom\ufeff del\u007f',
].join('\n');

/** Anything a terminal would obey (except the newline a renderer puts between its own lines). */
// eslint-disable-next-line no-control-regex
const OBEYED = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200b\u200e\u200f\u2028-\u202e\u2060-\u2069\ufeff]/;

test('safeLine turns every control, C1, bidi and zero-width character into a visible escape', (t) => {
  t.is(safeLine(`a${ESC}]52;c;QQ==\u0007b`), 'a\\x1b]52;c;QQ==\\x07b');
  t.is(safeLine('x\r\n\ty'), 'x\\x0d\\x0a\\x09y');
  t.is(
    safeLine('\u009b2J \u202eabc \u2067 \u200b \ufeff \u007f \u0000'),
    '\\x9b2J \\u202eabc \\u2067 \\u200b \\ufeff \\x7f \\x00',
  );
  t.is(
    safeLine('plain text, ümlaut, emoji 👨‍👩‍👧 ✔'),
    'plain text, ümlaut, emoji 👨‍👩‍👧 ✔',
    'ordinary text (ZWJ emoji too) is untouched',
  );
  t.notRegex(safeLine(HOSTILE), OBEYED);
  t.false(safeLine(HOSTILE).includes('\n'));
});

test('escaping is idempotent and leaves backslashes alone: a name escaped in an error and again where it is printed reads once', (t) => {
  const once = safeLine(`web${ESC}]0;t\u0007\nx`);
  t.is(once, 'web\\x1b]0;t\\x07\\x0ax');
  t.is(safeLine(once), once);
  t.deepEqual(safeLines(safeBlock(HOSTILE, '')), safeLines(HOSTILE));
  t.is(
    safeLine('PS1="\\033[1;32m" C:\\temp'),
    'PS1="\\033[1;32m" C:\\temp',
    "a file's own backslash escapes show as written",
  );
});

test('safeLines splits on LF (CRLF too), keeps TAB, and escapes a lone CR so it cannot overwrite the line', (t) => {
  t.deepEqual(safeLines('a\tb\r\nc\rd\n'), ['a\tb', 'c\\x0dd', '']);
  t.is(safeTabbedLine('x\ty\r'), 'x\ty\\x0d');
  t.is(safeBlock('one\n✔ forged\nthree', '  '), 'one\n  ✔ forged\n  three', 'no line after the first at column 0');
  t.is(unsafeChar('web\nx'), '\\x0a');
  t.is(unsafeChar('node1.example.org'), undefined);
});

test('the plain renderer shows a hostile host output escaped and indented, never raw', (t) => {
  let out = '';
  const r = new PlainRenderer({ write: (s) => (out += s), color: true, diff: true, verbose: true });
  const events: RunEvent[] = [
    { kind: 'run-start', playbook: 'p.ts', name: `Play${ESC}]0;t\u0007`, hosts: ['a'], check: false },
    { kind: 'phase-start', phase: 'P', hosts: ['a'] },
    { kind: 'module-start', host: 'a', module: 'command', title: 'command x' },
    { kind: 'module-progress', host: 'a', module: 'command', line: `${ESC}[2Jprogress\rFORGED` },
    { kind: 'module-end', host: 'a', module: 'command', title: 'command x', status: 'failed', ms: 1, message: HOSTILE },
    { kind: 'host-failed', host: 'a', phase: 'P', message: `failed:\n${HOSTILE}` },
    { kind: 'warning', host: 'a', message: HOSTILE },
    { kind: 'retry', host: 'a', what: 'x', attempt: 1, attempts: 2, outcome: 'retry', message: HOSTILE, delayMs: 1 },
  ];
  const stats = new StatsCollector();
  for (const e of events) {
    r.emit(e);
    stats.emit(e);
  }
  r.emit({ kind: 'recap', stats: stats.stats, ms: 1, check: false, interrupted: false });
  // drover's own colours stay; nothing else of the host's reaches the output.
  const withoutOwnColours = out.replace(/\u001b\[\d+m/g, '');
  t.notRegex(withoutOwnColours, OBEYED, withoutOwnColours);
  t.regex(out, /osc52 \\x1b\]52;c;SGFja2Vk\\x07 end/);
  t.regex(out, /overwritten\\x0dFORGED/);
  t.regex(out, /\\x1b\[2Jprogress\\x0dFORGED/);
  t.regex(withoutOwnColours, /^ {4}✔ b {2}9 ok$/m, 'the forged line is indented under its host line');
  t.notRegex(withoutOwnColours, /^ {0,2}✔/m);
});

test('diffs show file content with escape sequences and CRs escaped, TAB kept', (t) => {
  const d = unifiedDiff(
    { path: `/etc/x${ESC}]0;t\u0007`, before: 'a\n', after: `a\n${HOSTILE}\n\tindented\r\n` },
    { color: true },
  );
  const text = d.replace(/\u001b\[\d+m/g, '');
  t.notRegex(text.replace(/\t/g, ''), OBEYED, text);
  t.regex(text, /^\+\+\+ \/etc\/x\\x1b\]0;t\\x07\t\(after\)$/m);
  t.regex(text, /^\+moves \\x1b\[2A\\x1b\[2J end$/m);
  t.regex(text, /^\+\tindented\\x0d$/m);
});

test('diff group headers, details and host lists are escaped; a detail cannot pose as a header', (t) => {
  const text = formatDiffGroups(
    [
      {
        title: `cmd ${ESC}[2J`,
        hosts: ['a', 'b'],
        changes: [],
        detail: `out\nb: sysfile /etc/forged\n${ESC}]52;c;QQ==\u0007`,
      },
    ],
    { color: false },
  );
  t.notRegex(text, OBEYED, text);
  t.regex(text, /^a, b \(2 hosts\): cmd \\x1b\[2J$/m);
  t.regex(text, /^ {2}b: sysfile \/etc\/forged$/m);
  t.notRegex(text, /^b: /m);
  t.is(describeHosts(['web\n1', 'web\n2']), '2 hosts: web\\x0a[1-2]');
});

test('a summarised phase frame shows hosts, progress and failure tails escaped', (t) => {
  const s = new PhaseSummary(`Phase${ESC}]0;t\u0007`, ['a', 'b'], { now: () => 0 });
  s.moduleStart('a', 'command');
  s.progress('a', `${ESC}[2J\rFORGED`);
  s.moduleStart('b', 'command');
  s.failure('b', `failed\n${HOSTILE}`);
  s.hostEnd('b', 'failed');
  const running = s.frame(200).join('\n');
  s.hostEnd('a', 'ok');
  const done = s.frame(200).join('\n');
  for (const text of [running, done]) t.notRegex(text.replace(/\u001b\[\d+m/g, ''), OBEYED, text);
  t.regex(running, /\\x1b\[2J\\x0dFORGED/);
  t.regex(done, /bidi \\u202eevil/);
});
