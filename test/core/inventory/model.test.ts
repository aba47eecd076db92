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
  t.throws(() => refusePlaintextSecret('ansible_ssh_pass', { label: 'host x' }), { message: /^host x: ansible_ssh_pass .* SSH keys/ });
});

test('builder: group names with spaces or colons are refused', (t) => {
  const b = new InventoryBuilder();
  t.throws(() => b.group('a b', { file: 'f', line: 2 }), { message: 'f:2: invalid group name "a b"' });
  t.throws(() => b.group('a:b'), { message: /invalid group name/ });
});

test('playVars: all vars < named groups (by depth, then name) < extra vars', async (t) => {
  const inv = resolveInventory(
    parseIni('[p:children]\nc\n[c]\nh\n[z]\nh\n[all:vars]\nv=all\nw=all\n[p:vars]\nv=p\n[c:vars]\nv=c\n[z:vars]\nv=z\nw=z\n', 'x.ini'),
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
