import test from 'ava';
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';

const BIN = path.resolve('core/cli/bin.js');

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
  const child = spawn(process.execPath, [BIN, 'run', 'test/fixtures/runner/type-error.ts', '-i', inv], {
    env: { ...process.env, NO_COLOR: '1' },
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const [code] = await once(child, 'exit');
  t.is(code, 1, stderr);
  t.regex(stderr, /test\/fixtures\/runner\/type-error\.ts:7:11/);
  t.regex(stderr, /const count: number = 'three';/);
  t.regex(stderr, /no host was contacted/);
  t.is(connections, 0);
});

// Issue 18 items 5 and 10: which hosts a pattern selects, and terms that matched nothing.
test('run --list-hosts prints the selected hosts in Ansible order and warns about unmatched --limit terms on stderr', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'drover-cli-lh-'));
  const inv = path.join(dir, 'hosts');
  writeFileSync(inv, '[c]\nc1\nc2\n[p]\np1\n[p:children]\nc\n[web]\nw1\n');
  const r = drover(['run', 'playbooks/hello.ts', '-i', inv, '--list-hosts', '-l', 'p:nope:web[0]']);
  t.is(r.code, 0, r.stderr);
  t.is(
    r.stdout,
    `playbook: playbooks/hello.ts\n\n  play: Hello\n    pattern: all (--limit p:nope:web[0])\n    hosts (4):\n      p1\n      w1\n      c1\n      c2\n`,
    "all's order: its children's own hosts level by level (ansible --list-hosts prints the same)",
  );
  t.is(r.stderr, 'drover: warning: Could not match supplied host pattern, ignoring: nope\n');
  const j = drover(['run', 'playbooks/hello.ts', '-i', inv, '--list-hosts', '--json', '-l', 'p[0]']);
  t.is(j.code, 0, j.stderr);
  t.deepEqual(JSON.parse(j.stdout).hosts, ['p1']);
  const none = drover(['run', 'playbooks/hello.ts', '-i', inv, '--list-hosts', '-l', 'nosuchhost']);
  t.is(none.code, 1);
  t.regex(none.stderr, /no hosts selected: .* \(no group or host named nosuchhost\)/);
});

test('inventory -l keeps only the selected hosts; --host takes a one-host pattern; secrets print as ***', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'drover-cli-inv-'));
  const inv = path.join(dir, 'hosts.yml');
  writeFileSync(
    inv,
    'all:\n  children:\n    web: {hosts: {w1: {pw: !secret hunter2}, w2: }}\n    db: {hosts: {d1: {a: 1}}}\n',
  );
  const r = drover(['inventory', '-i', inv, '-l', 'db:zz']);
  t.is(r.code, 0, r.stderr);
  t.deepEqual(JSON.parse(r.stdout), {
    all: { children: ['ungrouped', 'web', 'db'] },
    db: { hosts: ['d1'] },
    _meta: { hostvars: { d1: { a: 1 } } },
  });
  t.is(r.stderr, 'drover: warning: Could not match supplied host pattern, ignoring: zz\n');
  const h = drover(['inventory', '-i', inv, '--host', 'db']);
  t.deepEqual(JSON.parse(h.stdout), { a: 1 });
  const all = drover(['inventory', '-i', inv]);
  t.false(all.stdout.includes('hunter2'));
  t.deepEqual(JSON.parse(all.stdout)._meta.hostvars.w1, { pw: '***' });
});

test('run warns about a --limit term that matched nothing: a warning event in --json, a warning line otherwise', (t) => {
  const args = [
    'run',
    'test/fixtures/inventory/noop-playbook.ts',
    '-i',
    'localhost,',
    '-l',
    'localhost:nope',
    '--no-typecheck',
  ];
  const j = drover([...args, '--json']);
  t.is(j.code, 0, j.stderr + j.stdout);
  const events = j.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { kind: string; message?: string });
  t.deepEqual(
    events.filter((e) => e.kind === 'warning').map((e) => e.message),
    ['Could not match supplied host pattern, ignoring: nope'],
  );
  const p = drover(args);
  t.is(p.code, 0, p.stderr + p.stdout);
  t.regex(p.stdout + p.stderr, /warning: Could not match supplied host pattern, ignoring: nope/);
});
