import test from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseExtraVars } from '../../../core/inventory/extra-vars.ts';
import { InventoryError } from '../../../core/inventory/model.ts';
import { IntegralFloat } from '../../../core/inventory/py-float.ts';

test('key=value: JSON values are typed, anything else stays text', (t) => {
  t.deepEqual(
    parseExtraVars([
      'port=22',
      'on=true',
      'off=false',
      'none=null',
      'list=[1,"a"]',
      'obj={"a":{"b":1}}',
      's="22"',
      'name=web 1',
      'empty=',
      'eq=a=b',
      'ver=1.2.3',
      'neg=-1.5',
    ]),
    {
      port: 22,
      on: true,
      off: false,
      none: null,
      list: [1, 'a'],
      obj: { a: { b: 1 } },
      s: '22',
      name: 'web 1',
      empty: '',
      eq: 'a=b',
      ver: '1.2.3',
      neg: -1.5,
    },
  );
});

test('later items win; a bare JSON object sets several vars', (t) => {
  t.deepEqual(parseExtraVars(['a=1', '{"a": 2, "b": [true]}', 'b=x']), { a: 2, b: 'x' });
});

test('@file loads YAML or JSON relative to cwd', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'drover-inv-extra-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'vars.yml'), 'master: node1\nenabled: yes\nsizes: [1, 2]\n');
  await writeFile(join(dir, 'vars.json'), '{"master": "node2"}');
  t.deepEqual(parseExtraVars(['@vars.yml'], { cwd: dir }), { master: 'node1', enabled: true, sizes: [1, 2] });
  t.deepEqual(parseExtraVars(['@vars.yml', '@vars.json'], { cwd: dir }).master, 'node2');
  t.throws(() => parseExtraVars(['@nope.yml'], { cwd: dir }), {
    instanceOf: InventoryError,
    message: /^-e "@nope\.yml": cannot read .*nope\.yml: ENOENT/,
  });
  await writeFile(join(dir, 'bad.yml'), 'a: [1\n');
  t.throws(() => parseExtraVars(['@bad.yml'], { cwd: dir }), {
    instanceOf: InventoryError,
    message: /bad\.yml:2: invalid YAML/,
  });
});

test('bad items are named in the error', (t) => {
  t.throws(() => parseExtraVars(['ok=1', 'novalue']), {
    instanceOf: InventoryError,
    message: '-e "novalue": expected key=value, @file or a JSON object',
  });
  t.throws(() => parseExtraVars(['bad key=1']), {
    instanceOf: InventoryError,
    message: `-e "bad key=1": 'bad key' is not a valid variable name`,
  });
  t.throws(() => parseExtraVars(['=1']), { instanceOf: InventoryError, message: /'' is not a valid variable name/ });
  t.throws(() => parseExtraVars(['{"a": }']), {
    instanceOf: InventoryError,
    message: /^-e "\{\\"a\\": \}": not valid JSON/,
  });
  t.throws(() => parseExtraVars(['{}', '[1]']), { instanceOf: InventoryError, message: /expected key=value/ });
});

test('plain-text passwords are refused in -e too, without echoing them', (t) => {
  const err = t.throws(() => parseExtraVars(['ansible_become_password=s3cret']), { instanceOf: InventoryError });
  t.regex(err!.message, /^-e: ansible_become_password holds a plain-text password/);
  t.notRegex(err!.message, /s3cret/);
  t.notRegex(t.throws(() => parseExtraVars(['{"ansible_password": "s3cret"}']))!.message, /s3cret/);
});

test('-e @file.yml reads scalars as Ansible does (issue 18: e1, 09, 1e5 stay strings) and !secret makes a Secret', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'drover-inv-extra-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'vars.yml'), 'e1: e3\nv: 1e5\ny: 09\nz: 1.5e3\no: 0777\ntoken: !secret abc\n');
  const vars = parseExtraVars(['@vars.yml'], { cwd: dir });
  t.is(JSON.stringify(vars), '{"e1":"e3","v":"1e5","y":"09","z":"1.5e3","o":511,"token":"***"}');
});

// What Ansible's json.loads gives for `-e '{...}'`: an exact Python int, and a float that stays one (8.0).
test('-e JSON: an int past 2^53 keeps every digit, a whole float stays a float; text and other numbers as JSON.parse', (t) => {
  const v = parseExtraVars([
    '{"big": 12345678901234567890, "neg": [-98765432109876543210, 3], "s": "99999999999999999999 \\" 8.0", "f": 8.0, "e": 1e3, "r": 1.25, "i": 7}',
    'k=12345678901234567890',
  ]);
  t.deepEqual(v, {
    big: 12345678901234567890n,
    neg: [-98765432109876543210n, 3],
    s: '99999999999999999999 " 8.0',
    f: new IntegralFloat(8),
    e: new IntegralFloat(1000),
    r: 1.25,
    i: 7,
    k: 12345678901234567890n,
  });
});
