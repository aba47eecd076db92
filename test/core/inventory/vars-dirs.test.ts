import test from 'ava';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadInventory } from '../../../core/inventory/index.ts';
import { InventoryError } from '../../../core/inventory/model.ts';
import { readNamedVars } from '../../../core/inventory/vars-dirs.ts';

const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/inventory/${name}`, import.meta.url));

// The winners below are what ansible-inventory 2.14 prints for the same files (describe.test.ts checks it live).
test('precedence: inventory group vars < group_vars/all < group_vars/<group> < host vars < host_vars', async (t) => {
  const inv = await loadInventory(fixture('precedence/hosts.ini'));
  const h1 = inv.hosts.find((h) => h.name === 'h1')!;
  const h2 = inv.hosts.find((h) => h.name === 'h2')!;
  t.deepEqual(h1.vars, {
    a: 'all_inv', // only [all:vars] sets it
    b: 'gv_all', // group_vars/all beats every inventory group var (web_inv, parent_inv)
    c: 'gv_all',
    d: 'web_inv', // web (depth 2, under parent) beats aa and zz (depth 1)
    f: 'gv_parent', // group_vars/parent.yaml beats [parent:vars]
    g: 'gv_web_1', // group_vars/web/ (child) beats group_vars/parent (parent)
    h: 'gv_web_2', // files in group_vars/web/ apply in name order
    x: 'hv', // host_vars/h1.yml beats the inline host var
    y: 'host_inline',
  });
  t.is(h2.vars.e, 'gv_aa', 'group_vars/aa.json');
  t.is(h2.vars.d, 'web_inv');
  t.deepEqual(h2.groups, ['all', 'aa', 'parent', 'zz', 'web']);
});

test('extra vars win over everything', async (t) => {
  const inv = await loadInventory(fixture('precedence/hosts.ini'), { extraVars: { x: 'extra', a: 'extra' } });
  t.is(inv.hosts[0].vars.x, 'extra');
  t.is(inv.hosts[1].vars.a, 'extra');
});

test('same depth: groups merge by name (later name wins), ansible_group_priority reorders', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'drover-inv-vd-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'hosts'), '[b]\nh\n[a]\nh\n[a:vars]\nv=a\n[b:vars]\nv=b\n');
  t.is((await loadInventory(join(dir, 'hosts'))).hosts[0].vars.v, 'b');
  await writeFile(join(dir, 'hosts'), '[b]\nh\n[a]\nh\n[a:vars]\nv=a\nansible_group_priority=10\n[b:vars]\nv=b\n');
  const inv = await loadInventory(join(dir, 'hosts'));
  t.is(inv.hosts[0].vars.v, 'a');
  t.deepEqual(inv.hosts[0].groups, ['all', 'b', 'a']);
});

test('vars files: NAME with no extension, empty files, and a non-mapping is an error with its file', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'drover-inv-vd-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, 'group_vars'));
  await writeFile(join(dir, 'group_vars', 'web'), 'plain: 1\n');
  await writeFile(join(dir, 'group_vars', 'all.yml'), '');
  t.deepEqual((await readNamedVars(join(dir, 'group_vars'), 'web')).vars, { plain: 1 });
  t.deepEqual((await readNamedVars(join(dir, 'group_vars'), 'all')).vars, {});
  t.deepEqual((await readNamedVars(join(dir, 'group_vars'), 'none')).files, []);
  await writeFile(join(dir, 'group_vars', 'db.yml'), '- a\n- b\n');
  const err = await t.throwsAsync(readNamedVars(join(dir, 'group_vars'), 'db'), { instanceOf: InventoryError });
  t.regex(err!.message, /db\.yml:1: expected a mapping of variable names to values/);
  await writeFile(join(dir, 'group_vars', 'db.yml'), 'a: [1\n');
  const err2 = await t.throwsAsync(readNamedVars(join(dir, 'group_vars'), 'db'), { instanceOf: InventoryError });
  t.regex(err2!.message, /db\.yml:2: invalid YAML/);
});

test('a plain-text password in group_vars is refused with file:line', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'drover-inv-vd-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, 'group_vars'));
  await writeFile(join(dir, 'hosts.yml'), 'all:\n  hosts:\n    h1:\n');
  await writeFile(join(dir, 'group_vars', 'all.yml'), 'ansible_user: deploy\nansible_become_password: hunter2\n');
  const err = await t.throwsAsync(loadInventory(join(dir, 'hosts.yml')), { instanceOf: InventoryError });
  t.regex(
    err!.message,
    /group_vars\/all\.yml:2: ansible_become_password holds a plain-text password.*ansible_become_password_env/,
  );
  t.notRegex(err!.message, /hunter2/);
});

test('as Ansible: only the first of NAME, NAME.yml, NAME.yaml, NAME.json is read; NAME/ reads extension-less files too', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'drover-inv-vd-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const gv = join(dir, 'group_vars');
  await mkdir(join(gv, 'web', 'sub'), { recursive: true });
  await writeFile(join(gv, 'web', 'vars'), 'from: web/vars\na: 1\n');
  await writeFile(join(gv, 'web', 'x.yml'), 'b: 2\n');
  await writeFile(join(gv, 'web', 'sub', 'z'), 'from: web/sub/z\n');
  await writeFile(join(gv, 'web', 'notes.txt'), 'c: 3\n');
  await writeFile(join(gv, 'web', 'old~'), 'd: 4\n');
  await writeFile(join(gv, 'web.yml'), 'from: web.yml\n');
  await writeFile(join(gv, 'app'), 'from: app\n');
  await writeFile(join(gv, 'app.yml'), 'from: app.yml\nextra: 1\n');
  await writeFile(join(gv, 'cache.yaml'), 'from: cache.yaml\n');
  await writeFile(join(gv, 'cache.json'), '{"from": "cache.json", "j": 1}');
  const web = await readNamedVars(gv, 'web');
  t.deepEqual(
    web.vars,
    { from: 'web/vars', a: 1, b: 2 },
    'web/ wins over web.yml; sub/z comes before vars (name order), notes.txt and old~ are skipped',
  );
  t.deepEqual(web.files, [join(gv, 'web', 'sub', 'z'), join(gv, 'web', 'vars'), join(gv, 'web', 'x.yml')]);
  t.deepEqual((await readNamedVars(gv, 'app')).vars, { from: 'app' });
  t.deepEqual((await readNamedVars(gv, 'cache')).vars, { from: 'cache.yaml' });
});
