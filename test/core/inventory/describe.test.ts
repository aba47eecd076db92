import test from 'ava';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { hostJson, inventoryJson } from '../../../core/inventory/describe.ts';
import { loadInventory } from '../../../core/inventory/index.ts';
import { InventoryError } from '../../../core/inventory/model.ts';

const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/inventory/${name}`, import.meta.url));
const run = promisify(execFile);

async function ansibleInventory(args: string[]): Promise<Record<string, unknown> | undefined> {
  try {
    const { stdout } = await run('ansible-inventory', args, { env: { ...process.env, ANSIBLE_NOCOLOR: '1' } });
    return JSON.parse(stdout) as Record<string, unknown>;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** Our --list without what ansible-inventory leaves out: group vars (it folds them into hostvars) and hosts with no vars. */
function comparable(json: Record<string, unknown>): Record<string, unknown> {
  const out = structuredClone(json) as Record<string, Record<string, unknown>>;
  for (const [name, g] of Object.entries(out)) if (name !== '_meta') delete g.vars;
  const hv = out._meta.hostvars as Record<string, Record<string, unknown>>;
  for (const [h, v] of Object.entries(hv)) if (Object.keys(v).length === 0) delete hv[h];
  return out;
}

// Where drover follows Ansible's documentation instead of ansible-core 2.14 ([g:vars] values are strings),
// the fixtures below hold only values both read the same way.
for (const name of ['docs/guide-basic.ini', 'docs/guide-groups.ini', 'docs/guide-groups.yml', 'docs/guide-ranges.ini', 'docs/ini-plugin-example2.ini', 'docs/yaml-plugin-example.yml', 'precedence/hosts.ini']) {
  test(`--list matches ansible-inventory for ${name}`, async (t) => {
    const theirs = await ansibleInventory(['-i', fixture(name), '--list']);
    if (!theirs) return t.fail('ansible-inventory is not installed (apt-get install ansible-core; .ci/run does): nothing to compare with');
    const ours = comparable(inventoryJson(await loadInventory(fixture(name))) as Record<string, unknown>);
    t.deepEqual(ours, theirs);
  });
}

test('--host matches ansible-inventory --host for the precedence fixture', async (t) => {
  const inv = await loadInventory(fixture('precedence/hosts.ini'));
  for (const host of ['h1', 'h2']) {
    const theirs = await ansibleInventory(['-i', fixture('precedence/hosts.ini'), '--host', host]);
    if (!theirs) return t.fail('ansible-inventory is not installed (apt-get install ansible-core; .ci/run does)');
    t.deepEqual(hostJson(inv, host), theirs);
  }
});

test('--list shape: _meta.hostvars, groups with hosts, children and their own vars', async (t) => {
  const json = inventoryJson(await loadInventory(fixture('docs/ini-plugin-example1.ini')));
  t.deepEqual(json.all, { children: ['ungrouped', 'web'], vars: { has_java: 'False' } });
  t.deepEqual(json.web, { hosts: ['host1', 'host2'], children: ['apache', 'nginx'], vars: { http_port: '8080', myvar: '23' } });
  t.false('ungrouped' in json, 'an empty ungrouped group is left out, as Ansible does');
  t.deepEqual(json._meta.hostvars.tomcat2, { has_java: 'False', http_port: '8080', myvar: 34 });
  t.deepEqual(Object.keys(json._meta.hostvars), ['host1', 'host2', 'tomcat1', 'tomcat2', 'tomcat3', 'jenkins1']);
});

test('--host NAME gives merged vars; an unknown host is a clear error', async (t) => {
  const inv = await loadInventory(fixture('docs/guide-groups.yml'));
  t.deepEqual(hostJson(inv, 'mail.example.com'), {});
  const err = t.throws(() => hostJson(inv, 'nope.example.com'), { instanceOf: InventoryError });
  t.regex(err!.message, /^no host named nope\.example\.com in inventory .*guide-groups\.yml \(hosts: mail\.example\.com, foo\.example\.com, /);
  const many = await loadInventory(fixture('docs/guide-ranges.ini'));
  t.regex(t.throws(() => hostJson(many, 'x'))!.message, /, … \(61 hosts\)\)$/);
});
