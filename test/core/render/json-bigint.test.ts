// --json events carrying an inventory int past 2^53 (a BigInt): written with every digit, never a failed call.
import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { JsonRenderer } from '../../../core/render/json.ts';
import type { RunEvent } from '../../../core/events.ts';
import { drover } from '../../support/cli.ts';

test('JsonRenderer writes a BigInt as its exact digits (JSON.stringify throws on it)', (t) => {
  const lines: string[] = [];
  const r = new JsonRenderer((s) => lines.push(s));
  r.emit({ kind: 'warning', message: 12345678901234567890n as unknown as string });
  r.emit({ kind: 'warning', message: 'bigint-0:1' });
  t.regex(lines[0], /"message":12345678901234567890\}\n$/);
  t.regex(lines[1], /"message":"bigint-0:1"\}\n$/, 'text that looks like the marker stays text');
  t.is((JSON.parse(lines[0]) as RunEvent & { kind: 'warning' }).kind, 'warning');
});

// A playbook run without type checks may hand a var of any type to a module (here its message): YAML
// reads 12345678901234567890 as a BigInt, which once made the --json writer throw inside the module call.
test('drover run --json: a module message holding an inventory int past 2^53 prints its digits; the call is ok', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'drover-json-bigint-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(
    path.join(dir, 'hosts.yml'),
    'all:\n  hosts:\n    h1:\n      ansible_connection: local\n      big: 12345678901234567890\n',
  );
  writeFileSync(
    path.join(dir, 'book.ts'),
    `import { defineModule, playbook } from 'drover';
const note = defineModule<{ value: unknown }, null, { changed: boolean; message?: string }>({
  name: 'note',
  title: (p) => \`note \${p.value}\`,
  facts: async () => null,
  plan: (p) => ({ result: { changed: false, message: p.value as string } }),
});
export default playbook<Record<string, unknown>>({ name: 'big', hosts: 'all' }, async (play) => {
  await play.each('Note', async (h) => void (await note(h, { value: h.vars.big })));
});
`,
  );
  writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}\n');
  const r = await drover(
    ['run', path.join(dir, 'book.ts'), '-i', path.join(dir, 'hosts.yml'), '--json', '--no-typecheck'],
    { cwd: dir },
  );
  t.is(r.code, 0, r.stderr + r.stdout.slice(-2000));
  const end = r.stdout.split('\n').find((l) => l.includes('"kind":"module-end"'));
  t.truthy(end, r.stdout);
  t.regex(end!, /"status":"ok"/);
  t.regex(end!, /"message":12345678901234567890[,}]/);
  t.regex(end!, /"title":"note 12345678901234567890"/);
});
