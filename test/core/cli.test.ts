import test from 'ava';
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';

const BIN = path.resolve('core/bin.js');

function drover(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

for (const command of ['run', 'check', 'list', 'inventory']) {
  test(`drover ${command} --help prints usage and exits 0`, (t) => {
    const r = drover([command, '--help']);
    t.is(r.code, 0, r.stderr);
    t.regex(r.stdout, new RegExp(`^Usage: drover ${command} `));
  });
}

test('drover --help lists the commands', (t) => {
  const r = drover(['--help']);
  t.is(r.code, 0);
  for (const c of ['run', 'check', 'list', 'inventory', 'lab', 'demo']) t.regex(r.stdout, new RegExp(`^  ${c}`, 'm'));
});

test('an unknown flag is a one-line error and exit 1', (t) => {
  const r = drover(['run', 'playbooks/ganeti.ts', '-i', 'x,', '--bogus']);
  t.is(r.code, 1);
  t.is(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
  t.regex(r.stderr, /unknown option --bogus/);
});

test('an unknown command is a one-line error and exit 1', (t) => {
  const r = drover(['frobnicate']);
  t.is(r.code, 1);
  t.regex(r.stderr, /^drover: unknown command frobnicate/);
});

test('a missing playbook file is a one-line error and exit 1', (t) => {
  const r = drover(['run', 'no/such/playbook.ts', '-i', 'localhost,', '--no-typecheck']);
  t.is(r.code, 1);
  t.is(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
  t.regex(r.stderr, /no\/such\/playbook\.ts/);
});

test('a missing inventory file is a one-line error and exit 1', (t) => {
  const r = drover(['run', 'test/fixtures/runner/files.ts', '-i', 'no/such/inventory.yml', '--no-typecheck']);
  t.is(r.code, 1);
  t.is(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
  t.regex(r.stderr, /no\/such\/inventory\.yml/);
});

test('run without -i says what is missing', (t) => {
  const r = drover(['run', 'test/fixtures/runner/files.ts']);
  t.is(r.code, 1);
  t.regex(r.stderr, /missing -i INVENTORY/);
});

test('a bad --forks value is refused', (t) => {
  const r = drover(['run', 'test/fixtures/runner/files.ts', '-i', 'localhost,', '--forks', 'zero']);
  t.is(r.code, 1);
  t.regex(r.stderr, /--forks/);
});

test('a type error prints file:line:col with the source line, exits 1 and opens no connection', async (t) => {
  // A TCP listener stands where the host would be: any connection attempt would be counted.
  let connections = 0;
  const server = net.createServer((s) => {
    connections++;
    s.destroy();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => server.close());
  const port = (server.address() as net.AddressInfo).port;
  const dir = mkdtempSync(path.join(tmpdir(), 'drover-cli-'));
  const inv = path.join(dir, 'hosts.ini');
  writeFileSync(inv, `node1 ansible_host=127.0.0.1 ansible_port=${port} marker=x\n`);
  const child = spawn(process.execPath, [BIN, 'run', 'test/fixtures/runner/type-error.ts', '-i', inv], { env: { ...process.env, NO_COLOR: '1' } });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const [code] = await once(child, 'exit');
  t.is(code, 1, stderr);
  t.regex(stderr, /test\/fixtures\/runner\/type-error\.ts:7:11/);
  t.regex(stderr, /const count: number = 'three';/);
  t.regex(stderr, /no host was contacted/);
  t.is(connections, 0);
});
