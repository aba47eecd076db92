// Ansible Vault: decrypting ansible-vault's own output (recorded in test/fixtures/inventory/vault/), the keyring, and Secrets.
import test from 'ava';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hostJson } from '../../../core/inventory/describe.ts';
import { loadInventory } from '../../../core/inventory/index.ts';
import { InventoryError } from '../../../core/inventory/model.ts';
import { decryptVault, VaultError, type VaultPassword } from '../../../core/inventory/vault.ts';
import { vaultKeyring } from '../../../core/inventory/vault-passwords.ts';
import { readVarsYaml } from '../../../core/inventory/yaml-doc.ts';
import { isSecret, Secret } from '../../../core/secret.ts';

const DIR = fileURLToPath(new URL('../../fixtures/inventory/vault/', import.meta.url));
const key = (id: string, file: string): VaultPassword => ({
  id,
  password: new Secret(readFileSync(join(DIR, file), 'utf8').trim()),
  source: file,
});
const keyring = [key('default', 'pw'), key('ops', 'pw-ops')];
const reveal = (v: unknown) => (isSecret(v) ? v.reveal() : v);

test('!vault values made by ansible-vault encrypt_string (1.1, and 1.2 with a vault id) decrypt into Secrets', (t) => {
  const { vars } = readVarsYaml(readFileSync(join(DIR, 'recorded.yml'), 'utf8'), 'recorded.yml', { vault: keyring });
  t.true(isSecret(vars.v11));
  t.is(reveal(vars.v11), 'tok-éü 1');
  t.is(reveal(vars.v12), 'ops-secret');
  t.is(JSON.stringify(vars), '{"v11":"***","v12":"***"}');
});

test('the password whose vault id matches is tried first, then every other one (as VaultLib does)', (t) => {
  const text = readFileSync(join(DIR, 'recorded.yml'), 'utf8');
  // Only a `default` password given, holding the ops password: still found, as in Ansible.
  const { vars } = readVarsYaml(text, 'r.yml', {
    vault: [key('default', 'pw'), { ...key('default', 'pw-ops'), source: 'pw-ops' }],
  });
  t.is(reveal(vars.v12), 'ops-secret');
});

test('a missing or wrong vault password is an error naming file:line and the vault id, never a value', (t) => {
  const text = readFileSync(join(DIR, 'recorded.yml'), 'utf8');
  const none = t.throws(() => readVarsYaml(text, 'r.yml'), { instanceOf: InventoryError });
  t.regex(
    none!.message,
    /^r\.yml:1: !vault value: it is vault-encrypted and no vault password was given: use --vault-password-file/,
  );
  const wrong = t.throws(() => readVarsYaml(text, 'r.yml', { vault: [key('ops', 'pw-ops')] }), {
    instanceOf: InventoryError,
  });
  t.regex(
    wrong!.message,
    /^r\.yml:1: !vault value: cannot decrypt it: no vault password given fits \(tried ops@pw-ops\)/,
  );
  t.notRegex(wrong!.message, /other-pass|unit-pass/);
  t.throws(() => decryptVault('$ANSIBLE_VAULT;1.0;AES\n00\n', keyring), {
    instanceOf: VaultError,
    message: /unsupported vault format 1\.0/,
  });
  t.throws(() => decryptVault('$ANSIBLE_VAULT;1.1;AES256\nzz\n', keyring), {
    instanceOf: VaultError,
    message: /malformed vault data/,
  });
});

test('a vault-encrypted vars file (ansible-vault encrypt) is decrypted; its strings are Secrets and are still templated', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'drover-vault-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'hosts'), '[db]\ndb1\n');
  const { mkdir, copyFile } = await import('node:fs/promises');
  await mkdir(join(dir, 'group_vars'));
  await copyFile(join(DIR, 'file.yml'), join(dir, 'group_vars', 'db.yml'));
  const inv = await loadInventory(join(dir, 'hosts'), { vault: keyring });
  const v = inv.hosts[0].vars;
  t.is(v.a, 1);
  t.true(isSecret(v.b));
  t.is(reveal(v.b), '1-x');
  t.deepEqual((v.list as unknown[]).map(reveal), ['one', 'two']);
  t.is(JSON.stringify(hostJson(inv, 'db1')), '{"a":1,"b":"***","list":["***","***"]}');
  await t.throwsAsync(loadInventory(join(dir, 'hosts')), {
    instanceOf: InventoryError,
    message: /group_vars\/db\.yml: it is vault-encrypted and no vault password was given/,
  });
});

test('vaultKeyring: --vault-id ID@FILE, --vault-password-file, ID@prompt and --ask-vault-pass; files stripped; scripts refused', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'drover-vault-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'a'), '  pass-a \n');
  await writeFile(join(dir, 'script'), '#!/bin/sh\necho pw\n');
  await chmod(join(dir, 'script'), 0o755);
  await writeFile(join(dir, 'empty'), '\n');
  const asked: string[] = [];
  const ask = async (p: string) => (asked.push(p), `typed-${asked.length}`);
  const ring = await vaultKeyring({ ids: ['prod@a', 'dev@prompt', 'a'], passwordFiles: ['a'], ask: true }, ask, dir);
  t.deepEqual(
    ring.map((k) => [k.id, k.password.reveal(), k.source]),
    [
      ['prod', 'pass-a', 'a'],
      ['dev', 'typed-1', 'prompt'],
      ['default', 'pass-a', 'a'],
      ['default', 'pass-a', 'a'],
      ['default', 'typed-2', 'prompt'],
    ],
  );
  t.deepEqual(asked, ['Vault password (dev): ', 'Vault password: ']);
  await t.throwsAsync(vaultKeyring({ passwordFiles: ['script'] }, ask, dir), { message: /is executable/ });
  await t.throwsAsync(vaultKeyring({ passwordFiles: ['empty'] }, ask, dir), { message: /is empty/ });
  await t.throwsAsync(vaultKeyring({ passwordFiles: ['nope'] }, ask, dir), {
    message: /cannot read vault password file nope: ENOENT/,
  });
});
