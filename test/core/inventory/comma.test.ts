import test from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { looksLikeHostList, parseHostList } from '../../../core/inventory/comma.ts';
import { loadInventory } from '../../../core/inventory/index.ts';
import { InventoryError } from '../../../core/inventory/model.ts';

test('a comma list puts each host in ungrouped, with optional ports', async (t) => {
  const inv = await loadInventory('node1,node2:2222, node3,');
  t.deepEqual(
    inv.hosts.map((h) => h.name),
    ['node1', 'node2', 'node3'],
  );
  t.deepEqual(inv.groups.get('ungrouped')!.hosts, ['node1', 'node2', 'node3']);
  t.deepEqual(inv.hosts[1].connection, { port: 2222 });
  t.deepEqual(inv.hosts[0].groups, ['all', 'ungrouped']);
});

test('a single host needs the trailing comma', async (t) => {
  t.true(looksLikeHostList('node1,'));
  t.false(looksLikeHostList('node1'));
  t.deepEqual(
    (await loadInventory('node1,')).hosts.map((h) => h.name),
    ['node1'],
  );
  const dir = await mkdtemp(join(tmpdir(), 'drover-inv-comma-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await t.throwsAsync(loadInventory('node1', { cwd: dir }), {
    instanceOf: InventoryError,
    message: /inventory node1 not found/,
  });
});

test('an existing path with a comma is read as a file, not a host list', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'drover-inv-comma-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'a,b'), '[g]\nfromfile\n');
  const inv = await loadInventory('a,b', { cwd: dir });
  t.deepEqual(
    inv.hosts.map((h) => h.name),
    ['fromfile'],
  );
});

test('a comma list with no hosts is an error', (t) => {
  t.throws(() => parseHostList(',,'), { instanceOf: InventoryError, message: /names no hosts/ });
  t.throws(() => parseHostList('a b,c'), { instanceOf: InventoryError, message: /whitespace/ });
});
