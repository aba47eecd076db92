import test from 'ava';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseIni } from '../../../core/inventory/ini.ts';
import { InventoryError } from '../../../core/inventory/model.ts';
import { resolveInventory } from '../../../core/inventory/resolve.ts';

const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/inventory/${name}`, import.meta.url));

function load(name: string) {
  const file = fixture(name);
  return resolveInventory(parseIni(readFileSync(file, 'utf8'), file), file, '/', {});
}

function loadText(text: string) {
  return resolveInventory(parseIni(text, 'inline.ini'), 'inline.ini', '/', {});
}

const vars = (inv: ReturnType<typeof load>, host: string) => inv.hosts.find((h) => h.name === host)!.vars;

test('ini plugin docs, example 1: groups, children, inline typed vars, typed :vars', (t) => {
  const inv = load('docs/ini-plugin-example1.ini');
  t.deepEqual(
    inv.hosts.map((h) => h.name),
    ['host1', 'host2', 'tomcat1', 'tomcat2', 'tomcat3', 'jenkins1'],
  );
  t.deepEqual(inv.groups.get('web')!.children, ['apache', 'nginx']);
  t.deepEqual(inv.groups.get('all')!.children, ['ungrouped', 'web']);
  // Inline host var: typed (an integer), as the docs' comment says.
  t.is(vars(inv, 'host2').ansible_port, 222);
  // :vars values: the docs say strings, ansible-core 2.14 types them (literal_eval ignores `# comment`).
  t.is(vars(inv, 'host1').myvar, 23);
  t.is(vars(inv, 'host1').http_port, 8080);
  t.is(vars(inv, 'tomcat2').myvar, 34);
  t.is(vars(inv, 'tomcat3').mysecret, '03#pa33w0rd');
  // Child group vars override the parent's; `all` is the top parent.
  t.is(vars(inv, 'jenkins1').has_java, true);
  t.is(vars(inv, 'tomcat1').has_java, false);
  t.deepEqual(inv.hosts.find((h) => h.name === 'jenkins1')!.groups, ['all', 'web', 'nginx']);
});

test('ini plugin docs, example 2: ungrouped hosts, one host in two groups', (t) => {
  const inv = load('docs/ini-plugin-example2.ini');
  t.deepEqual(inv.groups.get('ungrouped')!.hosts, ['host1', 'host2', 'host3']);
  t.deepEqual(vars(inv, 'host2'), { ansible_host: '127.0.0.1', ansible_port: 44 });
  t.deepEqual(inv.hosts.find((h) => h.name === 'host4')!.groups, ['all', 'g1', 'g2']);
  t.deepEqual(inv.hosts.find((h) => h.name === 'host4')!.connection, {});
  t.deepEqual(inv.hosts.find((h) => h.name === 'host3')!.connection, { address: '127.0.0.1', port: 45 });
});

test('inventory guide: basic and parent/child groups', (t) => {
  const basic = load('docs/guide-basic.ini');
  t.deepEqual(basic.groups.get('ungrouped')!.hosts, ['mail.example.com']);
  t.deepEqual(basic.groups.get('dbservers')!.hosts, ['one.example.com', 'two.example.com', 'three.example.com']);
  const groups = load('docs/guide-groups.ini');
  t.deepEqual(groups.hosts.find((h) => h.name === 'foo.example.com')!.groups, ['all', 'prod', 'webservers', 'east']);
  t.is(groups.groups.get('east')!.depth, 2);
  t.deepEqual(groups.groups.get('prod')!.children, ['east']);
});

test('inventory guide: ranges, host:port and connection variables', (t) => {
  const inv = load('docs/guide-ranges.ini');
  t.is(inv.groups.get('webservers')!.hosts.length, 50);
  t.is(inv.groups.get('webservers')!.hosts[0], 'www01.example.com');
  t.deepEqual(
    inv.groups.get('databases')!.hosts,
    ['a', 'b', 'c', 'd', 'e', 'f'].map((c) => `db-${c}.example.com`),
  );
  t.is(inv.groups.get('stride')!.hosts.length, 25);
  t.is(vars(inv, 'badwolf.example.com').ansible_port, 5309);
  const jumper = inv.hosts.find((h) => h.name === 'jumper')!;
  t.deepEqual(jumper.connection, { address: '192.0.2.50', port: 5555 });
  t.deepEqual(inv.hosts.find((h) => h.name === 'localhost')!.connection, { connection: 'local' });
  t.deepEqual(inv.hosts.find((h) => h.name === 'other1.example.com')!.connection, {
    connection: 'ssh',
    user: 'myuser',
  });
});

test('a [p:children] naming a group never defined is an error at its line (as ansible-core does)', (t) => {
  const err = t.throws(() => load('docs/guide-children.ini'), { instanceOf: InventoryError });
  t.regex(
    err!.message,
    /guide-children\.ini:22: section \[usa:children\] names group northeast, which is never defined/,
  );
});

test('a group may be declared after the [p:children] or [g:vars] that names it', (t) => {
  const inv = loadText('[p:children]\nc\n[c:vars]\nx=1\n[c]\nh1\n');
  t.deepEqual(inv.hosts[0].groups, ['all', 'p', 'c']);
  t.is(inv.hosts[0].vars.x, 1);
});

test('hosts listed before any section are ungrouped unless a group lists them too', (t) => {
  const inv = loadText('a\nb\n[g]\nb\n');
  t.deepEqual(inv.groups.get('ungrouped')!.hosts, ['a']);
  t.deepEqual(
    inv.hosts.map((h) => h.groups),
    [
      ['all', 'ungrouped'],
      ['all', 'g'],
    ],
  );
});

test(':vars values: typed as Python literals like ansible-core 2.14 (ini plugin _parse_value), else the text as written', (t) => {
  const inv = loadText(
    [
      '[g]',
      'h',
      '[g:vars]',
      'key = spaced value',
      'list=[1, 2]',
      'flag=False',
      'num=42',
      'dict={"a": {"b": None}}',
      'port=8080 # all members',
      'hex=#fff',
      'eq=a=b',
      'spaced=spaced value ; comment',
      'quoted="quoted # not a comment"',
      "single='x'",
      'concat="a" "b"',
      'big=12345678901234567890',
      'float=8.0',
      'yes=yes',
    ].join('\n'),
  );
  t.deepEqual(inv.hosts[0].vars, {
    key: 'spaced value',
    list: [1, 2],
    flag: false,
    num: 42,
    dict: { a: { b: null } },
    port: 8080,
    hex: '#fff',
    eq: 'a=b',
    spaced: 'spaced value ; comment',
    quoted: 'quoted # not a comment',
    single: 'x',
    concat: 'ab',
    big: 12345678901234567890n,
    float: 8,
    yes: 'yes',
  });
});

test('; and # comment lines, blank lines, CRLF line ends', (t) => {
  const inv = loadText('; comment\r\n# comment\r\n\r\n[g] ; trailing\r\nh1 a=1\r\n');
  t.deepEqual(
    inv.hosts.map((h) => [h.name, h.vars]),
    [['h1', { a: 1 }]],
  );
});

test('malformed INI: errors name file:line and what is wrong', (t) => {
  const cases: [string, RegExp][] = [
    ['h1\n[web\nh2\n', /^inline\.ini:2: unclosed section header '\[web'/],
    ['[web servers]\n', /^inline\.ini:1: invalid section header '\[web servers\]'/],
    ['[g]\nh\n\n[g:bogus]\nx\n', /^inline\.ini:4: section \[g:bogus\] has unknown type 'bogus'/],
    ['[g]\nh1 novalue\n', /^inline\.ini:2: expected key=value host variable, got 'novalue'/],
    ['[g]\nh1 =x\n', /^inline\.ini:2: expected key=value host variable, got '=x'/],
    ['[g]\nh1 a="open\n', /^inline\.ini:2: cannot parse host line .*no closing quotation/],
    ['[g]\nh\n[g:vars]\nnovalue\n', /^inline\.ini:4: expected key=value in \[g:vars\], got 'novalue'/],
    ['[nope:vars]\nx=1\n', /^inline\.ini:1: section \[nope:vars\] is for group nope, which is never defined/],
    ['[g]\nwww[01:5].x\n', /^inline\.ini:2: host range \[01:5\] must have begin and end of equal length/],
    ['[g]\nh\n[g:children]\nbad child\n', /^inline\.ini:4: expected a group name in \[g:children\], got 'bad child'/],
    ['[a:children]\nb\n[b:children]\na\n', /^inline\.ini:4: adding group a as a child of b creates a loop/],
    ['---\nall:\n', /^inline\.ini:1: invalid host '---': this looks like a YAML file/],
  ];
  for (const [text, message] of cases) {
    const err = t.throws(() => loadText(text), { instanceOf: InventoryError }, text);
    t.regex(err!.message, message, text);
  }
});

test('a broken line holding a password does not echo the password', (t) => {
  const err = t.throws(() => loadText('[g]\nh1 ansible_become_password="s3cret\n'), { instanceOf: InventoryError });
  t.regex(err!.message, /^inline\.ini:2: cannot parse host line 'h1 ansible_become_password=\*\*\*'/);
  t.notRegex(err!.message, /s3cret/);
});

test('host:port is the port only where the host first appears, and an ansible_port var beats it (as Ansible)', (t) => {
  const b = parseIni(
    'h1:2222 ansible_port=3333\n[a]\nh2:2200\nh3 ansible_port=1\n[b]\nh2:2201\nh3:2202\nh4:2203\n[c]\nh4 ansible_port=2204\n',
    'p.ini',
  );
  t.is(b.hosts.get('h1')!.vars.ansible_port, 3333);
  t.is(b.hosts.get('h2')!.vars.ansible_port, 2200, 'a later h2:2201 changes nothing');
  t.is(b.hosts.get('h3')!.vars.ansible_port, 1);
  t.is(b.hosts.get('h4')!.vars.ansible_port, 2204);
});
