// Jinja templating of inventory vars: what is rendered, typed and refused (values are checked against Ansible by ansible-diff.lab.test.ts).
import test from 'ava';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostJson } from '../../../core/inventory/describe.ts';
import { loadInventory, playVars } from '../../../core/inventory/index.ts';
import { InventoryError } from '../../../core/inventory/model.ts';
import { IntegralFloat } from '../../../core/inventory/py-float.ts';
import { renderTemplate } from '../../../core/inventory/template.ts';
import { Undefined } from '../../../core/inventory/template-filters.ts';
import { isSecret, Secret } from '../../../core/secret.ts';

async function site(t: { teardown(f: () => Promise<void>): void }, files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'drover-template-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(join(dir, name, '..'), { recursive: true });
    await writeFile(join(dir, name), text);
  }
  return dir;
}

const render = (text: string, vars: Record<string, unknown> = {}) =>
  renderTemplate(text, { lookup: (n) => (Object.hasOwn(vars, n) ? vars[n] : new Undefined(n)) });

test('templates in inventory vars are rendered against the host, typed as ansible-core 2.14 types them', async (t) => {
  const dir = await site(t, {
    'hosts.yml': `all:
  vars:
    port: 8080
    url: "http://{{ inventory_hostname }}:{{ port }}/"
    port_text: "{{ port }}"
    flag: "{{ 'yes' | bool }}"
    names: "{{ groups['web'] }}"
    nested: {a: ["{{ port }}", "{{ inventory_hostname_short | upper }}"]}
    raw: !unsafe "{{ port }}"
  children:
    web:
      hosts:
        w1.example.com:
        w2.example.com:
`,
  });
  const inv = await loadInventory(join(dir, 'hosts.yml'));
  const v = inv.hosts[0].vars;
  t.is(v.url, 'http://w1.example.com:8080/');
  t.is(v.port_text, '8080', 'a single {{ }} of a number is text in 2.14 (no native types)');
  t.is(v.flag, true, '"True" reads back as a boolean');
  t.deepEqual(v.names, ['w1.example.com', 'w2.example.com']);
  t.deepEqual(v.nested, { a: ['8080', 'W1'] });
  t.is(v.raw, '{{ port }}', '!unsafe is never templated');
  // drover inventory prints what is written, as ansible-inventory --host does.
  t.is((hostJson(inv, 'w1.example.com') as Record<string, unknown>).url, 'http://{{ inventory_hostname }}:{{ port }}/');
});

test('lookups, unknown filters and {% %} blocks are refused at load with the var, file:line and the construct', async (t) => {
  const cases: [string, RegExp][] = [
    ["home: \"{{ lookup('env', 'HOME') }}\"", /lookup\(\) runs a lookup plugin on the control machine/],
    ['net: "{{ cidr | ipaddr(\'net\') }}"', /filter ipaddr is not supported/],
    ['x: "{% if a %}b{% endif %}"', /\{% if %\} blocks are not supported/],
    ["y: \"{{ a is version('1', '>') }}\"", /invalid template/],
    ['z: "{{ a.__class__.__mro__() }}"', /the call a\.__class__\.__mro__\(\) is not supported/],
  ];
  for (const [line, construct] of cases) {
    const dir = await site(t, { hosts: '[web]\nw1\n', 'group_vars/web.yml': `ok: 1\n${line}\n` });
    const err = await t.throwsAsync(loadInventory(join(dir, 'hosts')), { instanceOf: InventoryError }, line);
    t.is(err!.file, join(dir, 'group_vars/web.yml'), line);
    t.is(err!.line, 2, line);
    t.regex(err!.message, /host w1: var [xyz]|host w1: var (home|net)/, line);
    t.regex(err!.message, construct, line);
  }
});

test('a template is rendered when used: an undefined var fails at use, naming host, var and file:line', async (t) => {
  const dir = await site(t, {
    hosts: '[web]\nw1\n',
    'group_vars/web.yml': 'fine: ok\nip: "{{ ansible_default_ipv4.address }}"\nloop: "{{ loop }}"\n',
  });
  const inv = await loadInventory(join(dir, 'hosts'));
  const v = inv.hosts[0].vars;
  t.is(v.fine, 'ok');
  t.deepEqual(Object.keys(v), ['fine'], 'a var that cannot be rendered is not listed (nor masked, nor printed)');
  t.true(Object.hasOwn(v, 'ip'));
  const err = t.throws(() => v.ip, { instanceOf: InventoryError });
  t.is(
    err!.message,
    `${join(dir, 'group_vars/web.yml')}:2: host w1: var ip: 'ansible_default_ipv4.address' is undefined (drover gathers no facts)`,
  );
  t.throws(() => v.loop, { message: /var loop: recursive loop detected in template: loop uses itself/ });
});

test('a template over a Secret is a Secret; play vars are rendered too', async (t) => {
  const dir = await site(t, {
    'hosts.yml': `all:
  vars:
    pw: !secret hunter2
    dsn: "db://app:{{ pw }}@{{ host }}/x"
    host: db.example.com
  hosts:
    h1:
`,
  });
  const inv = await loadInventory(join(dir, 'hosts.yml'));
  const dsn = inv.hosts[0].vars.dsn;
  t.true(isSecret(dsn));
  t.is(isSecret(dsn) ? dsn.reveal() : '', 'db://app:hunter2@db.example.com/x');
  t.true(isSecret(playVars(inv, 'all').dsn));
});

test('renderTemplate: Python text of values, filters with Jinja2/Ansible semantics, no JavaScript internals', (t) => {
  t.is(render('{{ x }}', { x: 1.5 }), '1.5');
  t.is(render('v{{ x }}', { x: [1, 'a', true, null] }), "v[1, 'a', True, None]");
  t.is(render('{{ 8.0 }}'), '8.0');
  t.is(render('{{ x | default("d") }}'), 'd');
  t.is(render('{{ "" | default("d", true) }}'), 'd');
  t.is(render('{{ x | int }}', { x: ' 42 ' }), '42');
  t.is(render('{{ x | int + 1 }}', { x: '4.7' }), '5');
  t.is(render('{{ x | bool }}', { x: 'On' }), true);
  t.is(render('{{ x | bool }}', { x: 'nope' }), false);
  t.is(render('{{ x | join(", ") }}', { x: [1, 2] }), '1, 2');
  t.is(render('{{ x | replace("a", "b", 1) }}', { x: 'aaa' }), 'baa');
  t.is(render("{{ x | regex_replace('(\\w+)@(\\w+)', '\\2 at \\1') }}", { x: 'me@host' }), 'host at me');
  t.is(render("{{ x | regex_replace('^v(\\d+)\\.(\\d+).*$', 'v\\1.\\2') }}", { x: 'v1.29.5' }), 'v1.29');
  t.is(render('{{ x.split(",") | last }}', { x: 'a,b' }), 'b');
  t.is(render('{{ x | ternary("on", "off") }}', { x: false }), 'off');
  t.throws(() => render('{{ d.constructor }}', { d: {} }), { message: "'d.constructor' is undefined" });
  t.throws(() => render('{{ d["__proto__"] }}', { d: {} }), { message: /is undefined/ });
  t.throws(() => render('{{ x | upper }}'), { message: "'x' is undefined" });
});

test('an error while rendering over a secret value never shows the value', (t) => {
  const err = t.throws(() =>
    renderTemplate('{{ pw | regex_replace("(", "x") }}', {
      lookup: (n) => (n === 'pw' ? new Secret('hunter2') : new Undefined(n)),
    }),
  );
  t.notRegex(err!.message, /hunter2/);
  t.regex(err!.message, /secret value/);
  t.throws(() => render('{{ x | lower }}', { x: ['hunter2'] }), {
    message: 'filter lower expects a string, got a list',
  });
});

// Jinja2 (ansible-core 2.14) writes a float as Python does: `{{ 8.0 }}` is "8.0"; the differential test checks the same in real inventories.
test('a whole float stays a float in templates ("8.0", as Jinja writes it); the playbook gets the number', async (t) => {
  const x = new IntegralFloat(8);
  t.is(render('{{ x }}', { x }), '8.0');
  t.is(render('v{{ x }}', { x }), 'v8.0');
  t.is(render('{{ x | string }}', { x }), '8.0');
  t.is(render('{{ x + 1 }}', { x }), '9.0');
  t.is(render('{{ x | int }}', { x }), '8');
  t.is(render("{{ '3' | float }}"), '3.0');
  t.is(render("{{ 'x' | float }}"), '0.0');
  t.is(render('{{ [x, 1] | join(",") }}', { x }), '8.0,1');
  t.deepEqual(render('{{ [x, 8, 1] | unique }}', { x }), [new IntegralFloat(8), 1], 'Python: 8.0 == 8');
  t.is(render('{{ "yes" if z else "no" }}', { z: new IntegralFloat(0) }), 'no', '0.0 is falsy');
  const dir = await site(t, { 'hosts.ini': '[g]\nh1 x=8.0 l="[1.0, 2.5]"\n[g:vars]\nt="v{{ x }}"\n' });
  const h = (await loadInventory(join(dir, 'hosts.ini'))).hosts[0];
  t.is(h.vars.x, 8, 'the playbook sees the number 8 (JavaScript has one number type)');
  t.deepEqual(h.vars.l, [1, 2.5]);
  t.is(h.vars.t, 'v8.0');
});

test('an int past 2^53 keeps its digits through a template; arithmetic on it is an error at use, never a rounded number', (t) => {
  const big = 12345678901234567890n;
  t.is(render('{{ big }}', { big }), '12345678901234567890');
  t.is(render('n={{ big | int }}', { big }), 'n=12345678901234567890');
  t.deepEqual(render('{{ [big] }}', { big }), [big]);
  t.throws(() => render('{{ big + 1 }}', { big }), { message: /arithmetic on an integer past 2\^53 is not supported/ });
});
