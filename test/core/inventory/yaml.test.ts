import test from 'ava';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { InventoryError } from '../../../core/inventory/model.ts';
import { resolveInventory } from '../../../core/inventory/resolve.ts';
import { parseYamlInventory } from '../../../core/inventory/yaml.ts';

const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/inventory/${name}`, import.meta.url));

function loadText(text: string, file = 'inline.yml') {
  return resolveInventory(parseYamlInventory(text, file), file, '/', {});
}
const load = (name: string) => loadText(readFileSync(fixture(name), 'utf8'), fixture(name));

test('yaml plugin docs example: null hosts, a host without a colon, children and vars', (t) => {
  const inv = load('docs/yaml-plugin-example.yml');
  t.deepEqual(
    inv.hosts.map((h) => h.name),
    ['test1', 'test2', 'test5', 'test6', 'test4'],
  );
  t.deepEqual(inv.groups.get('ungrouped')!.hosts, ['test2']);
  t.deepEqual(inv.groups.get('other_group')!.children, ['group_x', 'group_y']);
  t.deepEqual(inv.hosts.find((h) => h.name === 'test1')!.vars, { group_all_var: 'value', group_last_var: 'value' });
  t.deepEqual(inv.hosts.find((h) => h.name === 'test4')!.vars, {
    group_all_var: 'value',
    g2_var2: 'value3',
    ansible_host: '127.0.0.1',
  });
  t.deepEqual(inv.hosts.find((h) => h.name === 'test5')!.groups, ['all', 'other_group', 'group_x']);
});

test('inventory guide YAML: hosts in several groups, groups of groups', (t) => {
  const inv = load('docs/guide-groups.yml');
  t.deepEqual(inv.groups.get('all')!.children, [
    'ungrouped',
    'webservers',
    'dbservers',
    'east',
    'west',
    'prod',
    'test',
  ]);
  t.deepEqual(
    inv.hosts.find((h) => h.name === 'bar.example.com')!.groups,
    ['all', 'prod', 'test', 'webservers', 'east', 'west'].filter((g) => g !== 'prod' && g !== 'east'),
  );
  t.is(inv.groups.get('west')!.depth, 2, 'west is listed under all and under test: depth is the longest path');
});

test('values are typed like PyYAML (YAML 1.1): yes/no/on/off booleans, but y stays a name', (t) => {
  const inv = loadText(`all:
  hosts:
    h:
      a: yes
      b: Off
      c: 0755
      d: "0755"
      y: 1
      e: 2026-01-02
      f: [1, two]
      g: ~
`);
  t.deepEqual(inv.hosts[0].vars, {
    a: true,
    b: false,
    c: 493,
    d: '0755',
    y: 1,
    e: '2026-01-02',
    f: [1, 'two'],
    g: null,
  });
});

test('anchors and aliases, ranges and host:port in YAML host names', (t) => {
  const inv = loadText(`all:
  vars:
    common: &c {x: 1}
  children:
    web:
      hosts:
        web[1:2].example.org:2222:
          conf: *c
`);
  t.deepEqual(
    inv.hosts.map((h) => h.name),
    ['web1.example.org', 'web2.example.org'],
  );
  t.deepEqual(inv.hosts[1].vars, { common: { x: 1 }, conf: { x: 1 }, ansible_port: 2222 });
});

test('a group may appear in several places; its hosts, vars and children merge', (t) => {
  const inv = loadText(`all:
  children:
    a:
      hosts: {h1: }
      vars: {x: 1}
    b:
      children:
        a:
          hosts: {h2: }
          vars: {y: 2}
`);
  t.deepEqual(inv.groups.get('a')!.hosts, ['h1', 'h2']);
  t.deepEqual(inv.groups.get('a')!.parents, ['all', 'b']);
  t.deepEqual(
    inv.hosts.map((h) => h.vars),
    [
      { x: 1, y: 2 },
      { x: 1, y: 2 },
    ],
  );
  t.deepEqual(inv.hosts[0].groups, ['all', 'b', 'a']);
});

test('malformed YAML inventories: errors name file:line', (t) => {
  const cases: [string, RegExp][] = [
    ['all:\n  hosts:\n    a:\n   b: 1\n', /^inline\.yml:4: invalid YAML/],
    ['all:\n  hosts: [a, b]\n', /^inline\.yml:2: 'hosts' of group all must be a mapping/],
    ['all:\n  host:\n    a:\n', /^inline\.yml:2: unexpected key 'host' in group all/],
    ['all:\n  hosts:\n    a: 1\n', /^inline\.yml:3: host a in group all: expected a mapping of vars or nothing/],
    ['all:\n  children:\n    web:\n      hosts:\n        w[1:3:0]:\n', /^inline\.yml:5: host range step/],
    ['plugin: aws_ec2\n', /^inline\.yml:1: this is an inventory plugin configuration/],
    ['', /^inline\.yml: empty YAML inventory/],
    ['- a\n- b\n', /^inline\.yml:1: a YAML inventory must be a mapping/],
    ['all:\n  children:\n    a:\n      children:\n        all:\n', /^inline\.yml:5: group all cannot be a child of a/],
  ];
  for (const [text, message] of cases) {
    const err = t.throws(() => loadText(text), { instanceOf: InventoryError }, text);
    t.regex(err!.message, message, text);
  }
});

test('a key written twice warns with file:line and keeps the last value, as PyYAML under Ansible does', (t) => {
  const warnings: string[] = [];
  const b = parseYamlInventory(
    'all:\n  hosts:\n    a: {x: 1}\n    a: {x: 2}\n  vars:\n    v: 1\n    v: 2\n',
    'inline.yml',
    undefined,
    { warn: (m) => warnings.push(m) },
  );
  const inv = resolveInventory(b, 'inline.yml', '/', {});
  t.deepEqual(inv.hosts[0].vars, { v: 2, x: 2 });
  t.deepEqual(warnings, [
    'inline.yml:4: found a duplicate dict key (a). Using last defined value only.',
    'inline.yml:7: found a duplicate dict key (v). Using last defined value only.',
  ]);
});

test('a YAML alias may stand for a group, its hosts or its vars (PyYAML resolves it before Ansible reads)', (t) => {
  const inv = loadText(`all:
  children:
    web: &web
      hosts: &webhosts
        w1:
        w2:
      vars: &webvars
        port: 80
    db:
      hosts: *webhosts
      vars: *webvars
    copy: *web
`);
  t.deepEqual(inv.groups.get('db')!.hosts, ['w1', 'w2']);
  t.deepEqual(inv.groups.get('copy')!.hosts, ['w1', 'w2']);
  t.deepEqual(inv.groups.get('db')!.inventoryVars, { port: 80 });
  t.deepEqual(inv.groups.get('copy')!.inventoryVars, { port: 80 });
});

test('<<: *anchor merge keys are resolved in vars and host vars (YAML 1.1, as PyYAML does)', (t) => {
  const inv = loadText(`all:
  vars:
    <<: &defaults {ansible_user: root, port: 22}
    port: 2222
  hosts:
    h:
      <<: *defaults
      extra: 1
`);
  t.deepEqual(inv.hosts[0].vars, { ansible_user: 'root', port: 22, extra: 1 });
  t.deepEqual(inv.groups.get('all')!.inventoryVars, { ansible_user: 'root', port: 2222 });
});

test('a plain-text password in YAML group vars is refused at its line', (t) => {
  const err = t.throws(() => loadText('all:\n  vars:\n    a: 1\n    ansible_password: x\n'), {
    instanceOf: InventoryError,
  });
  t.regex(err!.message, /^inline\.yml:4: group all: ansible_password holds a plain-text password/);
});
