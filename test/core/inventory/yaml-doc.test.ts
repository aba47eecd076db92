import test from 'ava';
import { InventoryError } from '../../../core/inventory/model.ts';
import { readVarsYaml, readYaml } from '../../../core/inventory/yaml-doc.ts';

test('PyYAML-like scalars: YAML 1.1 booleans and octals, y/n stay strings, dates stay strings', (t) => {
  const { vars } = readVarsYaml('a: yes\nb: NO\nc: on\nd: 010\ne: y\nf: n\ng: 2024-05-01\nh: 1.5\ni: "yes"\n', 'v.yml');
  t.deepEqual(vars, { a: true, b: false, c: true, d: 8, e: 'y', f: 'n', g: '2024-05-01', h: 1.5, i: 'yes' });
});

test('lines of keys, and syntax errors at the offending line', (t) => {
  t.deepEqual([...readVarsYaml('# c\na: 1\n\nb: 2\n', 'v.yml').lines], [['a', 2], ['b', 4]]);
  const err = t.throws(() => readYaml('a: 1\nb: [\n', 'v.yml'), { instanceOf: InventoryError });
  t.is(err!.file, 'v.yml');
  t.regex(err!.message, /^v\.yml:\d+: invalid YAML: /);
});
