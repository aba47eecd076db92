import test from 'ava';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
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

test('missing source and an empty directory are clear errors; a file named with -i of another extension is INI, as in Ansible', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'drover-inv-index-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await t.throwsAsync(loadInventory('nope.yml', { cwd: dir }), {
    instanceOf: InventoryError,
    message: /inventory nope\.yml not found/,
  });
  await t.throwsAsync(loadInventory(dir), { instanceOf: InventoryError, message: /holds no inventory files/ });
  await writeFile(join(dir, 'hosts.example'), '[web]\nw1 port=8080\n');
  const example = await loadInventory(join(dir, 'hosts.example'));
  t.deepEqual(
    example.hosts.map((h) => [h.name, h.vars]),
    [['w1', { port: 8080 }]],
  );
  await t.throwsAsync(loadInventory(''), { instanceOf: InventoryError, message: /no inventory given/ });
});

test('an error inside one file of a directory names that file and line', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'drover-inv-index-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'a'), '[g]\nh1\n');
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
  t.deepEqual(inv.hosts[0].vars, { port: 80 });
  t.deepEqual(inv.hosts[0].groups, ['all', 'front', 'web']);
  await writeFile(join(dir, '20-vars'), '[db:vars]\nport=80\n');
  await t.throwsAsync(loadInventory(dir), {
    message: /20-vars:1: section \[db:vars\] is for group db, which is never defined/,
  });
});

test('an inventory directory holding *.ini or *.cfg is refused, naming the file: Ansible would skip it', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'drover-inv-index-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'a'), '[g]\nh1\n');
  await writeFile(join(dir, 'b.ini'), '[g]\nh2\n');
  const err = await t.throwsAsync(loadInventory(dir), { instanceOf: InventoryError });
  t.is(err!.file, join(dir, 'b.ini'));
  t.regex(
    err!.message,
    /Ansible ignores \*\.ini files inside an inventory directory \(its INVENTORY_IGNORE_EXTS\).*rename it/,
  );
  await rm(join(dir, 'b.ini'));
  await writeFile(join(dir, 'c.CFG'), '[g]\nh3\n');
  await t.throwsAsync(loadInventory(dir), {
    instanceOf: InventoryError,
    message: /c\.CFG: Ansible ignores \*\.CFG files/,
  });
  // The same file given as -i itself is read.
  t.deepEqual(
    (await loadInventory(join(dir, 'c.CFG'))).hosts.map((h) => h.name),
    ['h3'],
  );
});

test('a bad connection var names the file and line that set it, and the host', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'drover-inv-index-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(
    join(dir, 'a.yml'),
    'all:\n  children:\n    web:\n      hosts:\n        w1:\n          x: 1\n          ansible_port: [1, 2]\n',
  );
  const err = await t.throwsAsync(loadInventory(join(dir, 'a.yml')), { instanceOf: InventoryError });
  t.is(err!.message, `${join(dir, 'a.yml')}:7: host w1: ansible_port must be a port number (1-65535), got [1,2]`);
  await writeFile(join(dir, 'b.ini'), '[web]\nw1\nw2\n[web:vars]\nansible_connection=telnet\n');
  const err2 = await t.throwsAsync(loadInventory(join(dir, 'b.ini')), { instanceOf: InventoryError });
  t.regex(err2!.message, /b\.ini:5: host w1: ansible_connection must be 'ssh' or 'local'.*got "telnet"$/);
  await mkdir(join(dir, 'host_vars'));
  await writeFile(join(dir, 'host_vars', 'w2.yml'), '# comment\nansible_become: maybe\n');
  await writeFile(join(dir, 'c.ini'), '[web]\nw1\nw2\n');
  const err3 = await t.throwsAsync(loadInventory(join(dir, 'c.ini')), { instanceOf: InventoryError });
  t.is(err3!.file, join(dir, 'host_vars', 'w2.yml'));
  t.is(err3!.line, 2);
  t.regex(err3!.message, /host w2: ansible_become must be a boolean/);
  const err4 = await t.throwsAsync(loadInventory(join(dir, 'c.ini'), { extraVars: { ansible_port: 0 } }), {
    instanceOf: InventoryError,
  });
  t.regex(err4!.message, /^host w1: ansible_port must be a port number \(1-65535\), got 0$/);
});

test('files Ansible would read but drover cannot are refused, not skipped: scripts (#! or executable), TOML', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'drover-inv-index-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'hosts'), '#!/usr/bin/env python3\nimport json\nprint(json.dumps({}))\n');
  await t.throwsAsync(loadInventory(join(dir, 'hosts')), {
    instanceOf: InventoryError,
    message: /hosts:1: this looks like a dynamic inventory script \(it starts with #!\)/,
  });
  await rm(join(dir, 'hosts'));
  await writeFile(join(dir, 'a'), '[g]\nh1\n');
  await writeFile(join(dir, 'ec2.py'), 'print("{}")\n', { mode: 0o755 });
  await t.throwsAsync(loadInventory(dir), {
    instanceOf: InventoryError,
    message: /ec2\.py: Ansible would run this file as a dynamic inventory script/,
  });
  await rm(join(dir, 'ec2.py'));
  await writeFile(join(dir, 'hosts.toml'), '[g.hosts.h2]\n');
  await t.throwsAsync(loadInventory(dir), {
    instanceOf: InventoryError,
    message: /hosts\.toml: Ansible reads TOML inventories/,
  });
  await rm(join(dir, 'hosts.toml'));
  await writeFile(join(dir, 'notes.txt'), 'not an inventory\n');
  t.deepEqual(
    (await loadInventory(dir)).hosts.map((h) => h.name),
    ['h1'],
    'a plain file of another extension is still skipped',
  );
});

test("group_vars/ and host_vars/ beside the playbook are read too, each winning over the inventory's of its level", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'drover-inv-index-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const { mkdir, symlink } = await import('node:fs/promises');
  for (const d of ['hosts', 'hosts/group_vars', 'shared/group_vars', 'play/host_vars'])
    await mkdir(join(dir, d), { recursive: true });
  await writeFile(join(dir, 'hosts/production'), '[web]\nw1 h=inv\n');
  await writeFile(join(dir, 'hosts/group_vars/all.yml'), 'a: inv-all\nb: inv-all\n');
  await writeFile(join(dir, 'hosts/group_vars/web.yml'), 'c: inv-web\n');
  // The playbook's group_vars/ is a symlink, as sites share one between environments.
  await writeFile(join(dir, 'shared/group_vars/all.yml'), 'b: play-all\nc: play-all\nd: play-all\n');
  await writeFile(join(dir, 'shared/group_vars/web.yml'), 'd: play-web\n');
  await symlink(join(dir, 'shared/group_vars'), join(dir, 'play/group_vars'));
  await writeFile(join(dir, 'play/host_vars/w1.yml'), 'h: play-host\n');
  const without = await loadInventory(join(dir, 'hosts/production'));
  t.deepEqual(without.hosts[0].vars, { a: 'inv-all', b: 'inv-all', c: 'inv-web', h: 'inv' });
  const inv = await loadInventory(join(dir, 'hosts/production'), { playbookDir: join(dir, 'play') });
  t.deepEqual(inv.hosts[0].vars, { a: 'inv-all', b: 'play-all', c: 'inv-web', d: 'play-web', h: 'play-host' });
});
