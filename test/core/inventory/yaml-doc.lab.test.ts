import test from 'ava';
import { InventoryError } from '../../../core/inventory/model.ts';
import { IntegralFloat } from '../../../core/inventory/py-float.ts';
import { readVarsYaml, readYaml } from '../../../core/inventory/yaml-doc.ts';
import { isSecret, type Secret } from '../../../core/secret.ts';
import { execFileSync } from 'node:child_process';
import { ansiblePython } from './ansible-python.ts';

test('PyYAML-like scalars: YAML 1.1 booleans and octals, y/n stay strings, dates stay strings', (t) => {
  const { vars } = readVarsYaml('a: yes\nb: NO\nc: on\nd: 010\ne: y\nf: n\ng: 2024-05-01\nh: 1.5\ni: "yes"\n', 'v.yml');
  t.deepEqual(vars, { a: true, b: false, c: true, d: 8, e: 'y', f: 'n', g: '2024-05-01', h: 1.5, i: 'yes' });
});

test('lines of keys, and syntax errors at the offending line', (t) => {
  t.deepEqual(
    [...readVarsYaml('# c\na: 1\n\nb: 2\n', 'v.yml').lines],
    [
      ['a', 2],
      ['b', 4],
    ],
  );
  const err = t.throws(() => readYaml('a: 1\nb: [\n', 'v.yml'), { instanceOf: InventoryError });
  t.is(err!.file, 'v.yml');
  t.regex(err!.message, /^v\.yml:\d+: invalid YAML: /);
});

// Scalars compared with PyYAML itself (Ansible's loader uses its resolvers unchanged): values, and keys.
const SCALARS = [
  'e1',
  'E5',
  'e3',
  '1e5',
  '09',
  '08',
  '1.5e3',
  '0777',
  '0o17',
  '0x1F',
  '0X1F',
  '0b101',
  '1:30',
  '1:60',
  '1:3:5',
  '190:20:30.15',
  '1_000',
  '-1_0',
  '+12',
  '1.5',
  '.5',
  '-.5',
  '+.5',
  '1.',
  '0.',
  '.inf',
  '-.Inf',
  '+.INF',
  '.NaN',
  '.nan',
  '1e5.0',
  '1.0e+5',
  '1.0e5',
  '1.0E-3',
  '1_000.5',
  '0',
  '00',
  '-0',
  '+0',
  '0_7',
  '0b',
  '0x',
  '_1',
  '1__0',
  '0b1_0',
  '0x_F',
  '0_',
  '+0b1',
  '-0x1F',
  '1e',
  '.',
  '._',
  '1:0x1',
  '1.2.3',
  '08.5',
  '12:30:00',
  'yes',
  'Yes',
  'YES',
  'yEs',
  'no',
  'No',
  'NO',
  'y',
  'Y',
  'n',
  'N',
  'on',
  'On',
  'ON',
  'oN',
  'off',
  'Off',
  'OFF',
  'true',
  'True',
  'TRUE',
  'tRue',
  'false',
  'False',
  'FALSE',
  'null',
  'Null',
  'NULL',
  'nULL',
  '~',
  '2001-12-14',
  'x1',
  '0xg',
  '1,000',
  '$1',
];

test("scalars are typed exactly as PyYAML (Ansible's loader) types them, as values and as keys", (t) => {
  const values = SCALARS.map((s, i) => `v${i}: ${s}`).join('\n') + '\n';
  const keys = SCALARS.filter((s) => !['~', 'null', 'Null', 'NULL'].includes(s)).map((s, i) => `${s}: k${i}`);
  const script = `
import json, math, sys, datetime, yaml
from yaml import SafeLoader
def enc(v):
    if isinstance(v, bool): return ['bool', v]
    if isinstance(v, int): return ['int', v]
    if isinstance(v, float): return ['float', 'nan' if math.isnan(v) else ('inf' if v == math.inf else ('-inf' if v == -math.inf else v))]
    if v is None: return ['null', None]
    if isinstance(v, (datetime.date, datetime.datetime)): return ['date', str(v)]
    return ['string', v]
data = json.load(sys.stdin)
vals = yaml.load(data['values'], Loader=SafeLoader)
out = {'values': {k: enc(v) for k, v in vals.items()}, 'keys': []}
for line in data['keys']:
    (k, v), = yaml.load(line, Loader=SafeLoader).items()
    out['keys'].append(enc(k))
print(json.dumps(out))
`;
  const python = ansiblePython();
  const py = JSON.parse(
    execFileSync(python, ['-c', script], { input: JSON.stringify({ values, keys }), encoding: 'utf8' }),
  ) as {
    values: Record<string, [string, unknown]>;
    keys: [string, unknown][];
  };
  const enc = (v: unknown): [string, unknown] => {
    if (typeof v === 'boolean') return ['bool', v];
    // An int and a float are told apart (`1.0` is a float in Python, and drover keeps it one: IntegralFloat).
    if (v instanceof IntegralFloat) return ['float', v.value];
    if (typeof v === 'number' && Number.isInteger(v)) return ['int', v];
    if (typeof v === 'number')
      return ['float', Number.isNaN(v) ? 'nan' : v === Infinity ? 'inf' : v === -Infinity ? '-inf' : v];
    if (v === null) return ['null', null];
    return ['string', v];
  };
  const ours = readVarsYaml(values, 'v.yml').vars;
  const diffs: string[] = [];
  SCALARS.forEach((s, i) => {
    const theirs = py.values[`v${i}`];
    // Deliberate: dates stay the text as written (Ansible gives the same text for a plain date).
    const want = theirs[0] === 'date' ? ['string', theirs[1]] : theirs;
    if (JSON.stringify(enc(ours[`v${i}`])) !== JSON.stringify(want))
      diffs.push(`value ${s}: drover ${JSON.stringify(enc(ours[`v${i}`]))}, PyYAML ${JSON.stringify(theirs)}`);
  });
  keys.forEach((line, i) => {
    const src = readYaml(line, 'k.yml');
    const key = (src.doc.contents as { items: { key: { value: unknown } }[] }).items[0].key.value;
    const theirs = py.keys[i];
    const want = theirs[0] === 'date' ? ['string', theirs[1]] : theirs;
    if (JSON.stringify(enc(key)) !== JSON.stringify(want))
      diffs.push(`key ${line}: drover ${JSON.stringify(enc(key))}, PyYAML ${JSON.stringify(theirs)}`);
  });
  t.deepEqual(diffs, []);
});

test('issue 18 repro: hosts e1/e2 and their vars stay strings', async (t) => {
  const { parseYamlInventory } = await import('../../../core/inventory/yaml.ts');
  const b = parseYamlInventory(
    'all: {children: {edge: {hosts: {e1: null, e2: {v: e3, w: 1e5, y: 09, z: 1.5e3}}}}}\n',
    'i.yml',
  );
  t.deepEqual([...b.hosts.keys()], ['e1', 'e2']);
  t.deepEqual(b.hosts.get('e2')!.vars, { v: 'e3', w: '1e5', y: '09', z: '1.5e3' });
});

test('a host or group name YAML reads as a number or boolean is refused with file:line, as Ansible refuses it', async (t) => {
  const { parseYamlInventory } = await import('../../../core/inventory/yaml.ts');
  t.throws(() => parseYamlInventory('all:\n  hosts:\n    0777:\n', 'i.yml'), {
    instanceOf: InventoryError,
    message:
      "i.yml:3: host name 0777 is read by YAML as the number 511, not a name (Ansible refuses it too): quote it, '0777'",
  });
  t.throws(() => parseYamlInventory('all:\n  children:\n    yes:\n', 'i.yml'), {
    instanceOf: InventoryError,
    message: /^i\.yml:3: group name yes is read by YAML as the boolean true/,
  });
});

test('!secret makes a Secret; !vault without a password is an error with file:line; !unsafe is kept apart (never templated)', (t) => {
  const { vars } = readVarsYaml('db_password: !secret hunter2\nn: !secret 1234\ntpl: !unsafe "{{ x }}"\n', 'v.yml');
  t.true(isSecret(vars.db_password));
  t.is((vars.db_password as Secret).reveal(), 'hunter2');
  t.is((vars.n as Secret).reveal(), '1234', 'the text as written');
  t.is(JSON.stringify(vars), '{"db_password":"***","n":"***","tpl":"{{ x }}"}');
  t.is(String(vars.tpl), '{{ x }}');
  const err = t.throws(() => readVarsYaml('a: 1\npw: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  6433\n', 'v.yml'), {
    instanceOf: InventoryError,
  });
  t.regex(err!.message, /^v\.yml:2: !vault value: it is vault-encrypted and no vault password was given/);
  t.notRegex(err!.message, /6433/);
  t.throws(() => readVarsYaml('a: !secret [1, 2]\n', 'v.yml'), {
    instanceOf: InventoryError,
    message: /^v\.yml:1: !secret marks a single value \(a string\), not a list/,
  });
  t.throws(() => readVarsYaml('a: !secret {b: 1}\n', 'v.yml'), {
    instanceOf: InventoryError,
    message: /not a mapping/,
  });
});

test('explicit tags: !!int, !!float, !!str, !!bool', (t) => {
  t.deepEqual(readVarsYaml('a: !!int "0777"\nb: !!float "1"\nc: !!str 12\nd: !!bool "yes"\n', 'v.yml').vars, {
    a: 511,
    b: new IntegralFloat(1),
    c: '12',
    d: true,
  });
});
