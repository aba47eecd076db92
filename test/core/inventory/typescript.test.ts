import test from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadInventory } from '../../../core/inventory/index.ts';
import { InventoryError, InventoryBuilder } from '../../../core/inventory/model.ts';
import { addSpec } from '../../../core/inventory/typescript.ts';

const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/inventory/${name}`, import.meta.url));

test('a TypeScript inventory: groups, ranges, host_vars beside it, paths relative to its directory', async (t) => {
  const file = fixture('ts/inventory.ts');
  const inv = await loadInventory(file);
  t.deepEqual(
    inv.hosts.map((h) => h.name),
    ['solo.example.org', 'node1.example.org', 'node2.example.org', 'node3.example.org'],
  );
  const node1 = inv.hosts.find((h) => h.name === 'node1.example.org')!;
  t.deepEqual(node1.groups, ['all', 'nodes', 'master']);
  t.is(node1.vars.role, 'master');
  t.is(inv.hosts.find((h) => h.name === 'node2.example.org')!.vars.drbd_minor, 7, 'host_vars/node2.example.org.yml');
  t.deepEqual(node1.connection, { user: 'root', keyFile: fixture('ts/keys/id_ed25519'), become: true });
  t.is(node1.knownHostsFile, fixture('ts/known_hosts'));
  const solo = inv.hosts.find((h) => h.name === 'solo.example.org')!;
  t.deepEqual(solo.groups, ['all', 'ungrouped']);
  t.deepEqual(solo.connection, { user: 'root', port: 2222 });
});

test('a directory with index.ts loads only index.ts', async (t) => {
  const inv = await loadInventory(fixture('dir-ts'));
  t.deepEqual(
    inv.hosts.map((h) => h.name),
    ['app1.example.org'],
  );
  t.deepEqual(inv.hosts[0].groups, ['all', 'app']);
});

test('a module whose default export is not inventory({...}) is refused', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'drover-inv-ts-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'plain.ts'), 'export default { hosts: { a: null } };\n');
  const err = await t.throwsAsync(loadInventory(join(dir, 'plain.ts')), { instanceOf: InventoryError });
  t.regex(err!.message, /plain\.ts: the default export must be an inventory\(\{\.\.\.\}\) spec/);
  await writeFile(join(dir, 'broken.ts'), 'throw new Error("boom");\nexport default 1;\n');
  const err2 = await t.throwsAsync(loadInventory(join(dir, 'broken.ts')), { instanceOf: InventoryError });
  // The loader adds where the module threw (file:line) before the message.
  t.regex(err2!.message, /broken\.ts: cannot load TypeScript inventory: (?:.*broken\.ts:1: )?boom$/);
});

test('wrong shapes in a spec name the group or host', (t) => {
  const bad = (spec: unknown) =>
    t.throws(() => addSpec(spec, 'inv.ts', new InventoryBuilder()), { instanceOf: InventoryError })!.message;
  t.regex(bad({ host: {} }), /inv\.ts: unexpected key 'host' in group all/);
  t.regex(bad({ children: { web: { hosts: { w1: 'x' } } } }), /host w1 in group web: vars must be an object or null/);
  t.regex(bad({ children: { web: 3 } }), /group web must be an object/);
  t.regex(
    bad({ hosts: { w1: { ansible_become_password: 'x' } } }),
    /host w1: ansible_become_password holds a plain-text password/,
  );
});
