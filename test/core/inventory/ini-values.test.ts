import test from 'ava';
import { iniValue, pythonLiteral, shlexSplit } from '../../../core/inventory/ini-values.ts';
import { inventoryText } from '../../../core/inventory/describe.ts';
import { IntegralFloat } from '../../../core/inventory/py-float.ts';

// Expected values recorded from Python 3.11 shlex.split(line, comments=True).
test('shlexSplit splits like Python shlex with comments', (t) => {
  t.deepEqual(shlexSplit('h a=#fff b=1'), ['h', 'a=']);
  t.deepEqual(shlexSplit('h a=x#y c=2'), ['h', 'a=x']);
  t.deepEqual(shlexSplit('h a="x # y" b'), ['h', 'a=x # y', 'b']);
  t.deepEqual(shlexSplit('h a=\\" b'), ['h', 'a="', 'b']);
  t.deepEqual(shlexSplit('h a="it\\"s"'), ['h', 'a=it"s']);
  t.deepEqual(shlexSplit("h a='x\\y'"), ['h', 'a=x\\y']);
  t.deepEqual(shlexSplit('h a=b\\ c'), ['h', 'a=b c']);
  t.deepEqual(shlexSplit(`tomcat3 mysecret="'03#pa33w0rd'" # proper quoting`), ['tomcat3', "mysecret='03#pa33w0rd'"]);
  t.deepEqual(shlexSplit('   '), []);
});

test('shlexSplit refuses an unclosed quote', (t) => {
  t.throws(() => shlexSplit('h a="x'), { message: /no closing quotation/ });
  t.throws(() => shlexSplit("h a='x"), { message: /no closing quotation/ });
  t.throws(() => shlexSplit('h a=\\'), { message: /no escaped character/ });
});

// Expected values recorded from ansible-inventory 2.14 (ast.literal_eval on inline host vars).
test('iniValue types values like ast.literal_eval, else keeps the text', (t) => {
  const cases: [string, unknown][] = [
    ['1', 1],
    ['yes', 'yes'],
    ['True', true],
    ['False', false],
    ['None', null],
    ['x y', 'x y'],
    ['[1,2]', [1, 2]],
    ['0x10', 16],
    ['0o17', 15],
    ['0b101', 5],
    ['1_000', 1000],
    ['1.5', 1.5],
    ['.5', 0.5],
    ["'03'", '03'],
    ['01', '01'],
    ['00', 0],
    ['1e3', new IntegralFloat(1000)],
    ['8.0', new IntegralFloat(8)],
    ['-2.0', new IntegralFloat(-2)],
    ['[1.0, 2.5]', [new IntegralFloat(1), 2.5]],
    ['{1.0: 2}', { '1.0': 2 }],
    ['-3', -3],
    ['+4', 4],
    ['{a:1}', '{a:1}'],
    ["{'a': 1, 'b': [True, None]}", { a: 1, b: [true, null] }],
    ['(1, 2)', [1, 2]],
    ['(1,)', [1]],
    ['(1)', 1],
    ['()', []],
    ['"a" "b"', 'ab'],
    ["'tab\\there'", 'tab\there'],
    ["u'x'", 'x'],
    ["r'a\\n'", 'a\\n'],
    ['1 # comment', 1],
    ['inf', 'inf'],
    ['1.2.3', '1.2.3'],
    ['10.0.0.1', '10.0.0.1'],
    ['/usr/bin/python3', '/usr/bin/python3'],
    ['', ''],
    ['[1,', '[1,'],
  ];
  for (const [input, expected] of cases) t.deepEqual(iniValue(input), expected, input);
});

test('pythonLiteral says when text is not a literal', (t) => {
  t.deepEqual(pythonLiteral('abc'), { ok: false });
  t.deepEqual(pythonLiteral('[1, 2]'), { ok: true, value: [1, 2] });
  t.deepEqual(pythonLiteral('{[1]: 2}'), { ok: false });
});

test('integers past 2^53 keep every digit (BigInt), and drover inventory prints the digits as ansible-inventory does', (t) => {
  t.is(iniValue('12345678901234567890'), 12345678901234567890n);
  t.is(iniValue('-9007199254740993'), -9007199254740993n);
  t.is(iniValue('9007199254740991'), 9007199254740991);
  t.is(iniValue('0x1FFFFFFFFFFFFFFFF'), 0x1ffffffffffffffffn);
  t.is(
    inventoryText({ a: 12345678901234567890n, b: [1n], s: 'x' }),
    '{\n  "a": 12345678901234567890,\n  "b": [\n    1\n  ],\n  "s": "x"\n}',
  );
});

// Recorded from ansible-inventory 2.14: `x=8.0` is the float 8.0, printed `8.0` (a JavaScript number would print 8).
test('a float with a whole value stays a float: drover inventory prints 8.0, -0.0, 1e+16 as ansible-inventory does', (t) => {
  t.is(
    inventoryText({ a: iniValue('8.0'), b: iniValue('-0.0'), c: iniValue('1e16'), d: iniValue('[1.0, 2.5, 3]'), e: 8 }),
    '{\n  "a": 8.0,\n  "b": -0.0,\n  "c": 1e+16,\n  "d": [\n    1.0,\n    2.5,\n    3\n  ],\n  "e": 8\n}',
  );
});
