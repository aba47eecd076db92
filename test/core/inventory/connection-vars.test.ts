import test from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectionFromVars, parseBool, resolveUserPath } from '../../../core/inventory/connection-vars.ts';
import { loadInventory } from '../../../core/inventory/index.ts';
import { InventoryError } from '../../../core/inventory/model.ts';

const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/inventory/${name}`, import.meta.url));

test('Ansible connection vars map to InventoryConnection', (t) => {
  const { connection, knownHostsFile } = connectionFromVars(
    'node1',
    {
      ansible_host: '10.0.0.1',
      ansible_port: '2222',
      ansible_user: 'root',
      ansible_ssh_private_key_file: 'keys/id',
      ansible_become: 'yes',
      ansible_become_password_env: 'SUDO_PW',
      ansible_connection: 'ssh',
      known_hosts_file: '../kh',
    },
    '/srv/inv',
  );
  t.deepEqual(connection, {
    connection: 'ssh',
    address: '10.0.0.1',
    port: 2222,
    user: 'root',
    keyFile: '/srv/inv/keys/id',
    become: true,
    becomePassword: { env: 'SUDO_PW' },
  });
  t.is(knownHostsFile, '/srv/kh');
});

test('older ansible_ssh_* names, ~ expansion, prompt for the sudo password', (t) => {
  const { connection } = connectionFromVars(
    'n',
    {
      ansible_ssh_host: 'h',
      ansible_ssh_port: 22,
      ansible_ssh_user: 'u',
      ansible_private_key_file: '~/.ssh/id',
      ansible_become_password_env: 'prompt',
    },
    '/x',
  );
  t.deepEqual(connection, {
    address: 'h',
    port: 22,
    user: 'u',
    keyFile: `${homedir()}/.ssh/id`,
    becomePassword: { prompt: true },
  });
  t.is(resolveUserPath('~', '/x'), homedir());
  t.is(resolveUserPath('/abs/key', '/x'), '/abs/key');
});

test('localhost is local unless something points it elsewhere', (t) => {
  t.deepEqual(connectionFromVars('localhost', {}, '/').connection, { connection: 'local' });
  t.deepEqual(connectionFromVars('localhost', { ansible_host: '10.0.0.9' }, '/').connection, { address: '10.0.0.9' });
  t.deepEqual(connectionFromVars('localhost', { ansible_connection: 'ssh' }, '/').connection, { connection: 'ssh' });
  t.deepEqual(connectionFromVars('box', { ansible_connection: 'local' }, '/').connection, { connection: 'local' });
});

test('ansible_become accepts booleans and yes/no/true/false strings', (t) => {
  for (const v of [true, 'yes', 'Yes', 'true', 'True', 'on', '1', 1]) t.true(parseBool(v), String(v));
  for (const v of [false, 'no', 'NO', 'false', 'False', 'off', '0', 0]) t.false(parseBool(v), String(v));
  t.is(parseBool('maybe'), undefined);
  t.false(connectionFromVars('n', { ansible_become: 'no' }, '/').connection.become);
});

test('bad connection values name the host, the var and the value', (t) => {
  const bad = (vars: Record<string, unknown>) =>
    t.throws(() => connectionFromVars('node1', vars, '/'), { instanceOf: InventoryError })!.message;
  t.is(bad({ ansible_port: 'ssh' }), 'host node1: ansible_port must be a port number (1-65535), got "ssh"');
  t.regex(bad({ ansible_port: 70000 }), /ansible_port must be a port number/);
  t.regex(bad({ ansible_become: 'maybe' }), /host node1: ansible_become must be a boolean/);
  t.regex(bad({ ansible_connection: 'winrm' }), /ansible_connection must be 'ssh' or 'local'/);
  t.regex(bad({ ansible_become_method: 'su' }), /ansible_become_method must be 'sudo'/);
  t.regex(
    bad({ ansible_become_password_env: 'not a name' }),
    /ansible_become_password_env must be the name of an environment variable/,
  );
  t.regex(bad({ ansible_user: ['x'] }), /ansible_user must be a non-empty string/);
  // An int past 2^53 (YAML and INI keep its digits as a BigInt) is named with its digits; JSON.stringify would throw.
  t.is(
    bad({ ansible_port: 123456789012345678901n }),
    'host node1: ansible_port must be a port number (1-65535), got 123456789012345678901',
  );
});

test('a plain-text become password is refused, pointing at ansible_become_password_env', async (t) => {
  const ini = await t.throwsAsync(loadInventory(fixture('secrets.ini')), { instanceOf: InventoryError });
  t.regex(
    ini!.message,
    /secrets\.ini:3: host web2\.example\.org: ansible_become_password holds a plain-text password, which drover refuses in inventories; use ansible_become_password_env/,
  );
  const yml = await t.throwsAsync(loadInventory(fixture('secrets.yml')), { instanceOf: InventoryError });
  t.regex(yml!.message, /secrets\.yml:5: host web1\.example\.org: ansible_become_password holds a plain-text password/);
  for (const e of [ini!, yml!]) t.notRegex(e.message, /hunter2/);
  for (const key of ['ansible_password', 'ansible_ssh_pass', 'ansible_become_pass', 'ansible_sudo_pass']) {
    await t.throwsAsync(loadInventory('h1,', { extraVars: { [key]: 'x' } }), {
      instanceOf: InventoryError,
      message: new RegExp(`${key} holds a plain-text password`),
    });
  }
});

test('the lab-style YAML inventory: key and known_hosts from all.vars, resolved against the inventory directory', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'drover-inv-conn-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(
    join(dir, 'inventory.yml'),
    'all:\n  vars:\n    known_hosts_file: known_hosts\n  children:\n    lab:\n      hosts:\n        node1.example.org:\n          ansible_host: 10.77.0.11\n          ansible_user: root\n          ansible_ssh_private_key_file: id_ed25519\n',
  );
  const inv = await loadInventory(join(dir, 'inventory.yml'));
  t.deepEqual(inv.hosts[0].connection, { address: '10.77.0.11', user: 'root', keyFile: join(dir, 'id_ed25519') });
  t.is(inv.hosts[0].knownHostsFile, join(dir, 'known_hosts'));
});

test('extra vars can set connection vars too', async (t) => {
  const inv = await loadInventory('node1,', {
    extraVars: { ansible_user: 'admin', known_hosts_file: '/run/lab/known_hosts' },
  });
  t.deepEqual(inv.hosts[0].connection, { user: 'admin' });
  t.is(inv.hosts[0].knownHostsFile, '/run/lab/known_hosts');
});

test('ansible_ssh_common_args / extra_args: -J, -o, -l/-p/-i, -F become ssh options as on the ssh command line', (t) => {
  const { connection } = connectionFromVars(
    'node1',
    {
      ansible_ssh_common_args: `-o ProxyJump=admin@b1:2222,b2 -o 'ProxyCommand=ssh -W %h:%p gw' -C -q -vvv -F ~/fleet.conf`,
      ansible_ssh_extra_args: '-J b9 -oUser=x -p2200 -tt -o "StrictHostKeyChecking accept-new"',
      ssh_proxy_jump: 'typed-jump',
      ansible_ssh_args: '-C -o ControlMaster=auto -o ControlPersist=60s',
    },
    '/srv/inv',
  );
  const opts = connection.sshOptions!.map((o) => `${o.keyword}=${o.value}`);
  t.deepEqual(opts, [
    'ProxyJump=typed-jump',
    'ControlMaster=auto',
    'ControlPersist=60s',
    'ProxyJump=admin@b1:2222,b2',
    'ProxyCommand=ssh -W %h:%p gw',
    'ProxyJump=b9',
    'User=x',
    'Port=2200',
    'StrictHostKeyChecking=accept-new',
  ]);
  t.regex(connection.sshOptions![3].at, /ansible_ssh_common_args/);
  t.is(connection.sshConfigFile, join(homedir(), 'fleet.conf'));
  // The typed var names the file relative to the inventory.
  t.is(
    connectionFromVars('n', { ssh_config_file: 'ssh/config' }, '/srv/inv').connection.sshConfigFile,
    '/srv/inv/ssh/config',
  );
});

test('ssh args drover cannot honour are an inventory error naming the var', (t) => {
  for (const [args, why] of [
    ['-W host:22', /ansible_ssh_common_args: ssh option -W host:22 is not something drover does/],
    ['-N', /ssh option -N is not something drover does/],
    ['-o', /-o needs an argument/],
    ['-o JustAWord', /-o "JustAWord" is not "Keyword=Value"/],
    ['somehost', /"somehost" is not an ssh option/],
    ["-o 'ProxyJump=b1", /cannot split/],
  ] as const) {
    const e = t.throws(() => connectionFromVars('web1', { ansible_ssh_common_args: args }, '/srv'), {
      instanceOf: InventoryError,
    });
    t.regex(e!.message, /^host web1: /);
    t.regex(e!.message, why, args);
  }
});

test('a TypeScript inventory: the typed ssh_proxy_jump and ssh_config_file reach the connection', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'drover-inv-jump-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'inventory.ts');
  await writeFile(
    file,
    `import { inventory } from ${JSON.stringify(fileURLToPath(new URL('../../../core/inventory/define.ts', import.meta.url)))};\n` +
      "export default inventory({ vars: { ssh_config_file: 'fleet.ssh_config' }, hosts: { web1: { ssh_proxy_jump: 'ops@bastion:2222,b2' } } });\n",
  );
  const inv = await loadInventory(file);
  const web1 = inv.hosts.find((h) => h.name === 'web1')!;
  t.is(web1.connection.sshConfigFile, join(dir, 'fleet.ssh_config'));
  t.deepEqual(
    web1.connection.sshOptions?.map((o) => [o.keyword, o.value]),
    [['ProxyJump', 'ops@bastion:2222,b2']],
  );
});
