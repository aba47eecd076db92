import test from 'ava';
import { UsageError } from '../../../core/errors.ts';
import { loadInventory, playVars } from '../../../core/inventory/index.ts';
import { InventoryBuilder, InventoryError, missingVars, refusePlaintextSecret } from '../../../core/inventory/model.ts';
import { parseIni } from '../../../core/inventory/ini.ts';
import { resolveInventory } from '../../../core/inventory/resolve.ts';

test('missingVars: absent, undefined and null are missing; false, 0 and "" are present', (t) => {
  const host = { vars: { a: 1, b: null, c: undefined, d: false, e: 0, f: '' } };
  t.deepEqual(missingVars(host, ['a', 'b', 'c', 'd', 'e', 'f', 'g']), ['b', 'c', 'g']);
  t.deepEqual(missingVars(host, []), []);
  t.deepEqual(missingVars({ vars: {} }, ['toString']), ['toString'], 'inherited object keys do not count');
});

test('InventoryError is a UsageError (exit 1) carrying file and line', (t) => {
  const e = new InventoryError('bad', 'hosts.ini', 3);
  t.true(e instanceof UsageError);
  t.is(e.message, 'hosts.ini:3: bad');
  t.is(e.file, 'hosts.ini');
  t.is(e.line, 3);
  t.is(new InventoryError('bad').message, 'bad');
});

test('refusePlaintextSecret lets other vars through', (t) => {
  t.notThrows(() => refusePlaintextSecret('ansible_become_password_env', {}));
  t.throws(() => refusePlaintextSecret('ansible_ssh_pass', { label: 'host x' }), {
    message: /^host x: ansible_ssh_pass .* SSH keys/,
  });
});

test('builder: group names with spaces or colons are refused', (t) => {
  const b = new InventoryBuilder();
  t.throws(() => b.group('a b', { file: 'f', line: 2 }), { message: 'f:2: invalid group name "a b"' });
  t.throws(() => b.group('a:b'), { message: /invalid group name/ });
});

test('playVars: all vars < named groups (by depth, then name) < extra vars', async (t) => {
  const inv = resolveInventory(
    parseIni(
      '[p:children]\nc\n[c]\nh\n[z]\nh\n[all:vars]\nv=all\nw=all\n[p:vars]\nv=p\n[c:vars]\nv=c\n[z:vars]\nv=z\nw=z\n',
      'x.ini',
    ),
    'x.ini',
    '/',
    { e: 1 },
  );
  t.deepEqual(playVars(inv, 'c:p'), { v: 'c', w: 'all', e: 1 });
  t.deepEqual(playVars(inv, 'z,p'), { v: 'z', w: 'z', e: 1 }, 'z and p have the same depth: z comes later by name');
  t.deepEqual(playVars(inv, 'all'), { v: 'all', w: 'all', e: 1 });
  t.deepEqual(playVars(inv, 'h:!z'), { v: 'all', w: 'all', e: 1 }, 'host names and exclusions add no group vars');
  const lab = await loadInventory('n1,', { extraVars: { master: 'n1' } });
  t.deepEqual(playVars(lab, 'all'), { master: 'n1' });
});

// Issue 12: names that are Object.prototype properties must be plain names, not prototype lookups.
test('constructor, toString and __proto__ as var, host and group names are ordinary names', async (t) => {
  const { parseIni } = await import('../../../core/inventory/ini.ts');
  const { parseYamlInventory } = await import('../../../core/inventory/yaml.ts');
  const { resolveInventory } = await import('../../../core/inventory/resolve.ts');
  const { parseExtraVars } = await import('../../../core/inventory/extra-vars.ts');
  const { inventoryJson } = await import('../../../core/inventory/describe.ts');
  const extra = parseExtraVars(['constructor=1', '__proto__=2']);
  t.deepEqual(Object.keys(extra), ['constructor', '__proto__']);
  t.is(Object.getPrototypeOf(extra), Object.prototype);
  const ini = resolveInventory(
    parseIni(
      '[__proto__]\n__proto__ constructor=1 __proto__=2 toString=3\n[g]\nh1 constructor=1\n[g:vars]\n__proto__=gv\n',
      'h.ini',
    ),
    'h.ini',
    '/',
    extra,
  );
  const proto = ini.hosts.find((h) => h.name === '__proto__')!;
  t.deepEqual(Object.entries(proto.vars), [
    ['constructor', 1],
    ['__proto__', 2],
    ['toString', 3],
  ]);
  t.is(Object.getPrototypeOf(proto.vars), Object.prototype, 'the vars object keeps its prototype');
  const h1 = ini.hosts.find((h) => h.name === 'h1')!;
  t.deepEqual(
    Object.entries(h1.vars),
    [
      ['__proto__', 2],
      ['constructor', 1],
    ],
    '[g:vars] __proto__ then -e wins',
  );
  t.deepEqual(ini.groups.get('__proto__')!.hosts, ['__proto__']);
  const json = inventoryJson(ini);
  t.true(Object.hasOwn(json, '__proto__'), 'a group named __proto__ is an own key of the output');
  t.true(Object.hasOwn(json._meta.hostvars, '__proto__'));
  const yaml = resolveInventory(
    parseYamlInventory(
      'all:\n  hosts:\n    h2: {toString: x, valueOf: y, __proto__: {a: 1}}\n  children:\n    constructor:\n      hosts: {h3: }\n',
      'i.yml',
    ),
    'i.yml',
    '/',
    {},
  );
  t.deepEqual(Object.entries(yaml.hosts[0].vars), [
    ['toString', 'x'],
    ['valueOf', 'y'],
    ['__proto__', { a: 1 }],
  ]);
  t.deepEqual(yaml.hosts[1].groups, ['all', 'constructor']);
});
