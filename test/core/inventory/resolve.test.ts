import test from 'ava';
import { parseIni } from '../../../core/inventory/ini.ts';
import { compareGroups, mergeHostVars, resolveInventory } from '../../../core/inventory/resolve.ts';
import type { InventoryGroup } from '../../../core/inventory/model.ts';

const group = (
  name: string,
  depth: number,
  priority = 1,
  inventoryVars = {},
  fileVars = {},
  playbookVars = {},
): InventoryGroup => ({
  name,
  hosts: [],
  children: [],
  parents: [],
  depth,
  priority,
  inventoryVars,
  fileVars,
  playbookVars,
});

test('compareGroups: depth, then priority, then name', (t) => {
  const sorted = [group('b', 1), group('a', 2), group('c', 1, 5), group('a', 1)].sort(compareGroups);
  t.deepEqual(
    sorted.map((g) => `${g.name}${g.depth}`),
    ['a1', 'b1', 'c1', 'a2'],
  );
});

test('mergeHostVars: every inventory group var, then every group_vars file, then host, host_vars, extra', (t) => {
  const groups = [
    group('all', 0, 1, { v: 'all', a: 1 }, { f: 'all' }),
    group('child', 1, 1, { v: 'child', f: 'child-inv' }, { g: 'child-file' }),
  ];
  t.deepEqual(mergeHostVars(groups, { vars: { h: 'inv', g: 'host' }, fileVars: { h: 'file' } }, { x: 'extra' }), {
    v: 'child',
    a: 1,
    f: 'all', // group_vars/all beats the child group's inventory var
    g: 'host',
    h: 'file',
    x: 'extra',
  });
});

test('mergeHostVars: group_vars and host_vars beside the playbook win over those beside the inventory, level by level', (t) => {
  const groups = [
    group('all', 0, 1, { a: 'all-inv' }, { a: 'all-file', b: 'all-file' }, { b: 'all-play', c: 'all-play' }),
    group('web', 1, 1, {}, { c: 'web-file', d: 'web-file' }, { d: 'web-play', e: 'web-play' }),
    group('zz', 1, 1, {}, { e: 'zz-file' }, {}),
  ];
  const host = { vars: { f: 'host' }, fileVars: { f: 'host-file', g: 'host-file' }, playbookVars: { g: 'host-play' } };
  t.deepEqual(mergeHostVars(groups, host, {}), {
    a: 'all-file',
    b: 'all-play',
    c: 'web-file', // group_vars/web (inventory) beats group_vars/all beside the playbook
    d: 'web-play',
    e: 'web-play', // every playbook group_vars file comes after every inventory one
    f: 'host-file',
    g: 'host-play',
  });
});

test('top-level groups join all; ungrouped holds hosts in no other group; depth is the longest path', (t) => {
  const inv = resolveInventory(
    parseIni('h0\n[a]\nh1\n[b:children]\na\n[c:children]\nb\n[d:children]\na\n', 'x.ini'),
    'x.ini',
    '/',
    {},
  );
  t.deepEqual(inv.groups.get('all')!.children, ['ungrouped', 'c', 'd']);
  t.deepEqual(inv.groups.get('ungrouped')!.hosts, ['h0']);
  t.is(inv.groups.get('a')!.depth, 3);
  t.is(inv.groups.get('d')!.depth, 1);
  t.deepEqual(inv.hosts[1].groups, ['all', 'c', 'd', 'b', 'a']);
  t.deepEqual(inv.hosts[0].groups, ['all', 'ungrouped']);
});

test('ansible_group_priority must be an integer and is not shown as a var', (t) => {
  t.throws(
    () => resolveInventory(parseIni('[a]\nh\n[a:vars]\nansible_group_priority=high\n', 'x.ini'), 'x.ini', '/', {}),
    {
      message: 'group a: ansible_group_priority must be an integer, got "high"',
    },
  );
  const inv = resolveInventory(parseIni('[a]\nh\n[a:vars]\nansible_group_priority=3\n', 'x.ini'), 'x.ini', '/', {});
  t.is(inv.groups.get('a')!.priority, 3);
  t.deepEqual(inv.hosts[0].vars, {});
});
