import test from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatOf, loadInventory } from '../../../core/inventory/index.ts';
import { InventoryError } from '../../../core/inventory/model.ts';

const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/inventory/${name}`, import.meta.url));

test('a directory: every inventory file in name order, subdirectories too; docs, examples, dotfiles and SSH files skipped', async (t) => {
  const inv = await loadInventory(fixture('dir-mixed'));
  t.deepEqual(
    inv.hosts.map((h) => h.name),
    ['web1.example.org', 'web2.example.org', 'db1.example.org', 'extra1.example.org'],
  );
  const web1 = inv.hosts[0];
  t.deepEqual(web1.vars, { from_yaml: true }, 'the YAML file adds vars to a host the INI file defined');
  t.deepEqual(inv.hosts[2].vars, { ansible_port: 2200, db_name: 'main' }, 'group_vars/ inside the directory');
  t.deepEqual(inv.groups.get('web')!.hosts, ['web1.example.org', 'web2.example.org']);
  t.is(inv.baseDir, fixture('dir-mixed'));
});

test('relative sources resolve against cwd', async (t) => {
  const inv = await loadInventory('docs/guide-basic.ini', { cwd: fixture('.') });
  t.is(inv.hosts.length, 6);
  t.is(inv.source, 'docs/guide-basic.ini');
});

test('format by extension', (t) => {
  t.is(formatOf('hosts'), 'ini');
  t.is(formatOf('hosts.ini'), 'ini');
  t.is(formatOf('hosts.cfg'), 'ini');
  t.is(formatOf('hosts.yml'), 'yaml');
  t.is(formatOf('hosts.YAML'), 'yaml');
  t.is(formatOf('hosts.json'), 'yaml');
  t.is(formatOf('inv.ts'), 'ts');
  t.is(formatOf('inv.mts'), 'ts');
  t.is(formatOf('inv.js'), 'ts');
  t.is(formatOf('notes.txt'), undefined);
});

test('missing source, unknown extension and an empty directory are clear errors', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'drover-inv-index-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await t.throwsAsync(loadInventory('nope.yml', { cwd: dir }), { instanceOf: InventoryError, message: /inventory nope\.yml not found/ });
  await writeFile(join(dir, 'hosts.txt'), 'a\n');
  await t.throwsAsync(loadInventory(join(dir, 'hosts.txt')), { instanceOf: InventoryError, message: /hosts\.txt: unknown inventory format/ });
  await t.throwsAsync(loadInventory(dir), { instanceOf: InventoryError, message: /holds no inventory files/ });
  await t.throwsAsync(loadInventory(''), { instanceOf: InventoryError, message: /no inventory given/ });
});

test('an error inside one file of a directory names that file and line', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'drover-inv-index-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'a.ini'), '[g]\nh1\n');
  await writeFile(join(dir, 'b.yml'), 'all:\n  children:\n    g:\n      hosts: 3\n');
  const err = await t.throwsAsync(loadInventory(dir), { instanceOf: InventoryError });
  t.is(err!.file, join(dir, 'b.yml'));
  t.is(err!.line, 4);
  t.regex(err!.message, /b\.yml:4: 'hosts' of group g must be a mapping/);
});

test('in a directory, [g:vars] and [p:children] may refer to groups an earlier file defined', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'drover-inv-index-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, '10-hosts.yml'), 'all:\n  children:\n    web:\n      hosts:\n        w1:\n');
  await writeFile(join(dir, '20-vars'), '[web:vars]\nport=80\n[front:children]\nweb\n');
  const inv = await loadInventory(dir);
  t.deepEqual(inv.hosts[0].vars, { port: '80' });
  t.deepEqual(inv.hosts[0].groups, ['all', 'front', 'web']);
  await writeFile(join(dir, '20-vars'), '[db:vars]\nport=80\n');
  await t.throwsAsync(loadInventory(dir), { message: /20-vars:1: section \[db:vars\] is for group db, which is never defined/ });
});
