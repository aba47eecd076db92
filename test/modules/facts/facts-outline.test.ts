// `drover list` lists the facts a playbook reads: each facts() call with its names, and a summary line.
import path from 'node:path';
import test from 'ava';
import { formatOutline } from '../../../core/typecheck/format-outline.ts';
import { outlinePlaybook } from '../../../core/typecheck/outline.ts';
import type { PhaseOutline } from '../../../core/typecheck/outline-types.ts';

const REPO = path.resolve(import.meta.dirname, '..', '..', '..');

test('facts(host, names...) and facts(host).name are listed with their names; a name only known at run time as ?', (t) => {
  const items = outlinePlaybook('test/fixtures/facts/playbook.ts', { cwd: REPO, cache: false });
  const phase = items[0] as PhaseOutline;
  t.deepEqual(
    phase.calls.map((c) => [c.module, c.title, c.line, c.conditional]),
    [
      ['facts', 'os, packageManager', 10, false],
      ['sysfile', '/etc/apt-host', 11, true],
      ['facts', 'init', 12, false],
      ['sysfile', '/etc/init-name', 13, false],
      ['facts', '?, kernel', 14, false],
    ],
  );
  const text = formatOutline(items);
  t.regex(text, /^ {2}facts os, packageManager {2}test\/fixtures\/facts\/playbook\.ts:10$/m);
  t.is(text.split('\n').at(-1), 'facts read: os, packageManager, init, ?, kernel');
});
