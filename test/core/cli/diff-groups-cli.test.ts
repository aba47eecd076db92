// `drover run --check --diff` on 4 local hosts, 3 of which would make the same change: the diff is shown once
// with its 3 hosts (plain) and grouped in a phase-diffs event (--json), the fourth host's apart.
import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { drover } from '../../support/cli.ts';

const BOOK = 'test/fixtures/playbooks/motd-diff.ts';

function site(t: { teardown: (fn: () => void) => void }): { inv: string; target: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'drover-diff-groups-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const target = path.join(dir, 'motd');
  const inv = path.join(dir, 'hosts.ini');
  const motd = (h: string) => (h === 'n4' ? 'odd one out' : 'same for all');
  writeFileSync(
    inv,
    ['n1', 'n2', 'n3', 'n4'].map((h) => `${h} ansible_connection=local motd="${motd(h)}" path=${target}\n`).join(''),
  );
  return { inv, target };
}

test('plain --check --diff: one block for the 3 hosts with the same change, one for the host that differs', async (t) => {
  const { inv, target } = site(t);
  const r = await drover(['run', BOOK, '-i', inv, '--check', '--diff', '--no-typecheck']);
  t.is(r.code, 0, r.stderr + r.stdout);
  t.is(r.stdout.match(/^\+\+\+ /gm)?.length, 2, r.stdout);
  t.true(r.stdout.includes(`n[1-3] (3 hosts): sysfile ${target}`), r.stdout);
  t.regex(r.stdout, /^n4: sysfile .*\n--- \/dev\/null\n\+\+\+ .*\n@@ -0,0 \+1,1 @@\n\+odd one out$/m);
});

test('--json --check: module-end per host keeps changes[].diff, phase-diffs groups them', async (t) => {
  const { inv } = site(t);
  const r = await drover(['run', BOOK, '-i', inv, '--check', '--json', '--no-typecheck']);
  t.is(r.code, 0, r.stderr);
  const ends = r.events.filter((e) => e.kind === 'module-end');
  t.is(ends.length, 4);
  for (const e of ends) t.regex(e.changes[0].diff, /^\+(same for all|odd one out)$/m);
  const grouped = r.events.filter((e) => e.kind === 'phase-diffs');
  t.is(grouped.length, 1);
  t.deepEqual(
    grouped[0].groups.map((g: { hosts: string[]; changes: { diff: string }[] }) => [
      g.hosts,
      g.changes[0].diff.split('\n').at(-2),
    ]),
    [
      [['n1', 'n2', 'n3'], '+same for all'],
      [['n4'], '+odd one out'],
    ],
  );
});
