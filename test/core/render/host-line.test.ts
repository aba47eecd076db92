// The rows of a host line are cut to the terminal's width by what shows on screen, never inside a colour code.
import test from 'ava';
import { clip } from '../../../core/render/host-line.ts';

const yellow = (s: string) => `\x1b[33m${s}\x1b[39m`;
const visible = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');

test('a coloured line that fits is left whole: colour codes take no room on screen', (t) => {
  const line = `node1.example.org: ${yellow('changed')} gnt node node2.example.org undrained`;
  t.is(visible(line).length, 63);
  t.is(clip(line, 63), line);
  t.is(clip(line, 72), line);
});

test('a line too wide is cut to the width on screen, with an ellipsis, codes whole, colour reset', (t) => {
  const line = `${yellow('changed')} ${'x'.repeat(40)}`;
  const cut = clip(line, 20);
  t.is(visible(cut), `changed ${'x'.repeat(11)}…`);
  t.is([...visible(cut)].length, 20);
  t.true(cut.startsWith('\x1b[33mchanged\x1b[39m'), 'the colour code is whole');
  t.true(cut.endsWith('\x1b[0m'), 'colours reset after the cut');
  t.is(clip('a'.repeat(25), 20), `${'a'.repeat(19)}…`, 'plain text: no reset');
});

test('a cut inside a coloured run leaves no half escape sequence and resets', (t) => {
  const cut = clip(yellow('y'.repeat(30)), 10);
  t.is(visible(cut), `${'y'.repeat(9)}…`);
  t.notRegex(cut.replace(/\x1b\[[0-9;]*m/g, ''), /\x1b/);
  t.true(cut.endsWith('\x1b[0m'));
});

test('wide characters count as one each, as before (code points, not UTF-16 units)', (t) => {
  t.is(clip('✔✔✔✔✔', 5), '✔✔✔✔✔');
  t.is(clip('😀😀😀😀😀😀', 4), '😀😀😀…');
});
