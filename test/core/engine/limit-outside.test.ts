// --limit of a node while the playbook still reaches the master: hosts of the play's pattern left out by --limit are reachable by name (play.host, play.on), never in a phase over hosts.
import test from 'ava';
import path from 'node:path';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { drover } from '../../support/cli.ts';

test('--limit node3: node3 is maintained, the master (outside the limit) still answers play.on; play.hosts is the limit', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'drover-limit-'));
  const inv = path.join(dir, 'hosts.ini');
  writeFileSync(
    inv,
    '[nodes]\nnode1 ansible_connection=local\nnode2 ansible_connection=local\nnode3 ansible_connection=local\n',
  );
  const book = path.join(dir, 'book.ts');
  writeFileSync(
    book,
    `import { playbook, sh } from 'drover';
import { command } from 'drover/modules';
export default playbook({ name: 'limit', hosts: 'nodes' }, async (play) => {
  const names = play.hosts.map((h) => h.name).join(',');
  await play.each('Each', async (h) => void (await command(h, { cmd: sh\`true\`, safeInCheck: true })));
  await play.on('node1', 'On master', async (m) => {
    await command(m, { cmd: sh\`echo \${names}\`, safeInCheck: true });
  });
});
`,
  );
  writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}\n');
  const r = await drover(['run', book, '-i', inv, '-l', 'node3', '--json', '--no-typecheck'], { cwd: process.cwd() });
  t.is(r.code, 0, r.stderr + r.stdout.slice(-2000));
  const ends = r.events.filter((e) => e.kind === 'module-end').map((e) => [e.host, e.message]);
  t.deepEqual(ends, [
    ['node3', undefined],
    ['node1', 'node3'],
  ]);
  t.deepEqual(
    r.events.filter((e) => e.kind === 'phase-start').map((e) => e.hosts),
    [['node3'], ['node1']],
  );
});
