// Host and group names holding control, bidi or invisible characters are refused where they are written (file:line).
import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { drover } from '../../support/cli.ts';
import { parseIni } from '../../../core/inventory/ini.ts';
import { InventoryError } from '../../../core/inventory/model.ts';
import { parseYamlInventory } from '../../../core/inventory/yaml.ts';

// eslint-disable-next-line no-control-regex
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

test('a YAML host name with a newline is refused with file:line (Ansible accepts it)', (t) => {
  const text = 'all:\n  hosts:\n    ok1:\n    "web\\nx":\n';
  const err = t.throws(() => parseYamlInventory(text, 'inv.yml'), { instanceOf: InventoryError });
  t.is(
    err!.message,
    'inv.yml:4: host name "web\\x0ax" contains \\x0a, a control, bidi or invisible character: drover refuses them in host names',
  );
});

test('YAML host names with ESC, C1 CSI or a bidi override are refused, in hosts and children alike', (t) => {
  for (const [name, shown] of [
    ['\\e]0;t\\a', '\\x1b'],
    ['a\\u009b2J', '\\x9b'],
    ['a\\u202eb', '\\u202e'],
  ]) {
    const err = t.throws(
      () => parseYamlInventory(`all:\n  children:\n    g:\n      hosts:\n        "${name}":\n`, 'inv.yml'),
      { instanceOf: InventoryError },
    );
    t.true(err!.message.startsWith('inv.yml:5: host name '), err!.message);
    t.true(err!.message.includes(`contains ${shown},`), err!.message);
    t.notRegex(err!.message, RAW);
  }
  const group = t.throws(() => parseYamlInventory('all:\n  children:\n    "g\\e[2J":\n', 'inv.yml'), {
    instanceOf: InventoryError,
  });
  t.regex(group!.message, /^inv\.yml:3: group name "g\\x1b\[2J" contains \\x1b/);
});

test('an INI host name with a raw ESC byte is refused with file:line, before its range is expanded', (t) => {
  const err = t.throws(
    () => parseIni('[web]\nok1\nnode[1:2]\u001b]52;c;QQ==\u0007 ansible_host=10.0.0.1\n', 'hosts.ini'),
    { instanceOf: InventoryError },
  );
  t.regex(err!.message, /^hosts\.ini:3: host name "node\[1:2\]\\x1b\]52;c;QQ==\\x07" contains \\x1b,/);
  t.notRegex(err!.message, RAW);
});

test('the CLI refuses such an inventory with exit 1 and prints no control character', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'drover-ctl-'));
  const inv = path.join(dir, 'inv.yml');
  writeFileSync(inv, 'all:\n  hosts:\n    "web\\e]0;pwned\\a\\nFORGED":\n');
  const r = await drover([
    'run',
    'test/fixtures/playbooks/tty-fail.ts',
    '-i',
    inv,
    '-e',
    'fail_on=nobody',
    '--no-typecheck',
  ]);
  t.is(r.code, 1, r.stderr);
  t.is(
    r.stderr,
    `drover: ${inv}:3: host name "web\\x1b]0;pwned\\x07\\x0aFORGED" contains \\x1b, a control, bidi or invisible character: drover refuses them in host names\n`,
  );
  const list = await drover([
    'run',
    'test/fixtures/playbooks/tty-fail.ts',
    '-i',
    'ok,web\u001b]0;pwned\u0007,',
    '-e',
    'fail_on=nobody',
    '--no-typecheck',
  ]);
  t.is(list.code, 1, list.stderr);
  t.is(
    list.stderr,
    'drover: host name "web\\x1b]0;pwned\\x07" contains \\x1b, a control, bidi or invisible character: drover refuses them in host names\n',
  );
});
