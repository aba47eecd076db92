// A playbook that throws before its first phase — while imported, or in its body — names the .ts
// file:line that threw and exits 1 without contacting any host. Through the CLI, as a user runs it.
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { drover } from '../../support/cli.ts';

/** An inventory whose one host is a TCP listener counting connection attempts. */
async function countingInventory(t: ExecutionContext): Promise<{ inventory: string; connections: () => number }> {
  let connections = 0;
  const server = net.createServer((s) => {
    connections++;
    s.destroy();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => server.close());
  const port = (server.address() as net.AddressInfo).port;
  const inventory = path.join(mkdtempSync(path.join(tmpdir(), 'drover-playbook-errors-')), 'hosts.ini');
  writeFileSync(inventory, `node1 ansible_host=127.0.0.1 ansible_port=${port}\n`);
  return { inventory, connections: () => connections };
}

const FIXTURES = 'test/fixtures/playbooks';

test('a playbook whose top level throws names its file:line (source-mapped), exits 1, contacts no host', async (t) => {
  const { inventory, connections } = await countingInventory(t);
  const r = await drover(['run', `${FIXTURES}/throws-at-import.ts`, '-i', inventory]);
  t.is(r.code, 1, r.stdout + r.stderr);
  // Line 11 is the `throw` in the .ts (the bundled JavaScript has other line numbers).
  t.regex(
    r.stderr,
    /^drover: cannot load playbook \S+throws-at-import\.ts: test\/fixtures\/playbooks\/throws-at-import\.ts:11: environment variable DROVER_FIXTURE_UNSET_VARIABLE is not set$/m,
  );
  t.is(connections(), 0);
});

test('a helper file that throws when imported is named with its own line', async (t) => {
  const { inventory, connections } = await countingInventory(t);
  const r = await drover(['run', `${FIXTURES}/throws-in-helper.ts`, '-i', inventory]);
  t.is(r.code, 1, r.stdout + r.stderr);
  t.regex(r.stderr, /test\/fixtures\/playbooks\/lib\/throws\.ts:5: port is not a number$/m);
  t.is(connections(), 0);
});

test('a body that throws before its first phase names its file:line, exits 1, contacts no host', async (t) => {
  const { inventory, connections } = await countingInventory(t);
  const plain = await drover(['run', `${FIXTURES}/throws-in-body.ts`, '-i', inventory]);
  t.is(plain.code, 1, plain.stdout + plain.stderr);
  t.regex(
    plain.stdout,
    /playbook error: test\/fixtures\/playbooks\/throws-in-body\.ts:10: no host is the cluster master \(unset\)/,
  );
  const json = await drover(['run', `${FIXTURES}/throws-in-body.ts`, '-i', inventory, '--json']);
  t.is(json.code, 1, json.stdout + json.stderr);
  const stopped = json.events.find((e) => e.kind === 'play-stopped');
  t.is(
    stopped?.reason,
    'playbook error: test/fixtures/playbooks/throws-in-body.ts:10: no host is the cluster master (unset)',
  );
  t.is(connections(), 0);
});

test('an error thrown inside drover for the body names the playbook line that called it', async (t) => {
  const { inventory, connections } = await countingInventory(t);
  const r = await drover(['run', `${FIXTURES}/throws-in-drover-call.ts`, '-i', inventory]);
  t.is(r.code, 1, r.stdout + r.stderr);
  t.regex(
    r.stdout,
    /playbook error: test\/fixtures\/playbooks\/throws-in-drover-call\.ts:5: play\.host\("no-such-master"\): no such host/,
  );
  t.is(connections(), 0);
});
