// Jinja templating of inventory vars: what is rendered, typed and refused (values are checked against Ansible by ansible-diff.lab.test.ts).
import test from 'ava';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostJson } from '../../../core/inventory/describe.ts';
import { loadInventory, playVars } from '../../../core/inventory/index.ts';
import { InventoryError } from '../../../core/inventory/model.ts';
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
