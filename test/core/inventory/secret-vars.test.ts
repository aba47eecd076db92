import test from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inventoryJson, hostJson } from '../../../core/inventory/describe.ts';
import { parseExtraVars } from '../../../core/inventory/extra-vars.ts';
import { loadInventory, playVars } from '../../../core/inventory/index.ts';
import { InventoryError } from '../../../core/inventory/model.ts';
import { isSecret, type Secret } from '../../../core/secret.ts';

const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/inventory/${name}`, import.meta.url));
const reveal = (v: unknown) => (isSecret(v) ? (v as Secret).reveal() : `not a Secret: ${JSON.stringify(v)}`);

test('YAML: !secret values and drover_secret_vars become Secrets in the merged host vars; output shows ***', async (t) => {
  const inv = await loadInventory(fixture('secrets-marked/hosts.yml'));
  const db1 = inv.hosts.find((h) => h.name === 'db1')!;
  t.is(reveal(db1.vars.db_password), 'hunter2');
  t.is(reveal(db1.vars.api_token), 'tok-123', 'listed by drover_secret_vars in all:vars');
  t.is(reveal((db1.vars.nested as Record<string, unknown>).password), 'inner');
  t.is(reveal(db1.vars.replication_key), 'repl-key', 'group_vars file');
  const db2 = inv.hosts.find((h) => h.name === 'db2')!;
  t.is(reveal(db2.vars.api_token), 'other-token');
  t.false('db_password' in db2.vars, 'a listed var the host lacks is fine');
  const text = JSON.stringify(inventoryJson(inv)) + JSON.stringify(hostJson(inv, 'db1'));
  for (const s of ['hunter2', 'tok-123', 'inner', 'repl-key', 'other-token'])
    t.false(text.includes(s), `${s} is not printed`);
  t.true(text.includes('"db_password":"***"'));
});

test('TypeScript: secret(...) survives loading and merging; drover_secret_vars works there too', async (t) => {
  const inv = await loadInventory(fixture('secrets-marked/inventory.ts'));
  const t1 = inv.hosts[0];
  t.is(reveal(t1.vars.db_password), 'ts-secret');
  t.is(reveal(t1.vars.backup_key), 'bk-1');
  t.is(t1.vars.plain, 'visible');
  t.is(
    JSON.stringify(hostJson(inv, 't1')),
    '{"drover_secret_vars":["backup_key"],"db_password":"***","backup_key":"***","plain":"visible"}',
  );
});

test('INI and -e: drover_secret_vars as a comma list or a JSON list', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'drover-secret-vars-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(
    join(dir, 'hosts'),
    `[db]\ndb1 token=abc other=x drover_secret_vars=token\n[db:vars]\ndb_pass_env=PGPASS\n`,
  );
  const inv = await loadInventory(join(dir, 'hosts'));
  t.is(reveal(inv.hosts[0].vars.token), 'abc');
  t.is(inv.hosts[0].vars.other, 'x');
  const extra = parseExtraVars(['api=k1', 'drover_secret_vars=["api", "other"]']);
  const inv2 = await loadInventory(join(dir, 'hosts'), { extraVars: extra });
  t.is(reveal(inv2.hosts[0].vars.api), 'k1');
  t.is(reveal(inv2.hosts[0].vars.other), 'x');
  t.false(isSecret(inv2.hosts[0].vars.token), '-e replaces the whole list (top-level keys replace)');
  const inv3 = await loadInventory(join(dir, 'hosts'), {
    extraVars: parseExtraVars(['drover_secret_vars=token, other']),
  });
  t.is(reveal(inv3.hosts[0].vars.other), 'x');
  t.is(reveal(playVars(inv3, 'db').api ?? 'absent'), 'not a Secret: "absent"');
});

test('play vars: a var drover_secret_vars lists in all:vars is a Secret there too', async (t) => {
  const inv = await loadInventory(fixture('secrets-marked/hosts.yml'), { extraVars: { api_token: 'from-e' } });
  t.is(reveal(playVars(inv, 'db').api_token), 'from-e');
});

test('a listed var that is not a string, or a bad list, is an error naming the host and the var', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'drover-secret-vars-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'a.yml'), 'all:\n  hosts:\n    h1:\n      drover_secret_vars: [port]\n      port: 5432\n');
  await t.throwsAsync(loadInventory(join(dir, 'a.yml')), {
    instanceOf: InventoryError,
    message: `host h1: drover_secret_vars lists port, which is a number (drover_secret_vars marks strings only), set at ${join(dir, 'a.yml')}:5`,
  });
  await writeFile(join(dir, 'b.yml'), 'all:\n  hosts:\n    h1:\n      drover_secret_vars: {a: 1}\n');
  await t.throwsAsync(loadInventory(join(dir, 'b.yml')), {
    instanceOf: InventoryError,
    message: /^host h1: drover_secret_vars \(.*b\.yml:4\) must be a list of var names/,
  });
  await writeFile(join(dir, 'c'), 'h1 drover_secret_vars="[oops"\n');
  await t.throwsAsync(loadInventory(join(dir, 'c')), {
    instanceOf: InventoryError,
    message: /^host h1: drover_secret_vars \(.*c:1\) is not a valid JSON list: \[oops$/,
  });
});
