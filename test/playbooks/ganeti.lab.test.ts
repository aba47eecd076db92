// playbooks/ganeti.ts end to end through the CLI on a fresh 3-node ganeti lab: --check, run, rerun and --check with 0 changed.
import test from 'ava';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { labExec, type LabState } from '../../lab/index.ts';
import { labSerialTest, useLab } from '../support/lab.ts';
import { drover, recap, REPO, type Outcome } from '../support/cli.ts';

// 'ganeti', not 'lab': never collides with a lab the user has up.
const lab = useLab(test, { name: 'ganeti', hosts: 3, profile: 'ganeti' });
const labTest = labSerialTest(test);

/** An inventory file for this lab: the same builder as inventory/index.ts, pointed at lab 'ganeti'. */
function writeInventory(dir: string, state: LabState): string {
  const file = path.join(dir, 'inventory.ts');
  // Outside the repo a .ts file would load as CommonJS: mark the directory as ESM like the repo.
  writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}\n');
  const builder = path.join(REPO, 'playbooks/ganeti/lab-inventory.ts');
  writeFileSync(
    file,
    `import { labInventory, readLabState } from ${JSON.stringify(builder)};\nexport default labInventory(await readLabState(${JSON.stringify(state.name)}));\n`,
  );
  return file;
}

async function inHost(
  state: LabState,
  node: string,
  cmd: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return labExec(state, node, ['sh', '-c', cmd]);
}

function why(o: Outcome): string {
  const failed = o.events.filter(
    (e) => e.kind === 'module-end' && (e.status === 'failed' || e.status === 'unreachable'),
  );
  return `exit ${o.code}\n${failed.map((e) => `${e.host} ${e.title}: ${e.message}`).join('\n')}\n${o.stderr.slice(-2000)}`;
}

// Files the play writes: a --check must leave every one of them as it was.
const WATCHED = [
  '/etc/hosts',
  '/etc/hostname',
  '/etc/conf.d/hostname',
  '/etc/conf.d/net',
  '/etc/ganeti/file-storage-paths',
  '/root/.ssh/authorized_keys',
];

async function snapshot(state: LabState): Promise<string[]> {
  return Promise.all(
    state.hosts.map(async (h) => {
      const r = await inHost(
        state,
        h.short,
        `for f in ${WATCHED.join(' ')}; do echo "== $f"; cat "$f" 2>/dev/null || echo ABSENT; done; ls /var/lib/ganeti/config.data 2>&1`,
      );
      return r.stdout;
    }),
  );
}

labTest('--check, real run, second run: the cluster verifies and the rerun changes nothing', async (t) => {
  const state = lab();
  const dir = mkdtempSync(path.join(tmpdir(), 'drover-ganeti-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const inv = writeInventory(dir, state);
  const master = state.hosts[0];

  // 1. --check: exit 0, the plan has diffs and says it would init, nothing on the hosts changes.
  const before = await snapshot(state);
  const check = await drover(['run', 'playbooks/ganeti.ts', '-i', inv, '--check', '--diff', '--json']);
  t.is(check.code, 0, why(check));
  t.deepEqual(await snapshot(state), before, '--check changed a file on a host');
  t.true(
    before.every((s) => s.includes('No such file')),
    'no cluster before the real run',
  );
  const planned = check.events.filter((e) => e.kind === 'module-end');
  t.true(
    planned.some((e) => e.changes?.some((c: { path: string }) => c.path === '/etc/conf.d/net')),
    'the plan shows /etc/conf.d/net',
  );
  t.true(
    planned.some(
      (e) =>
        e.module === 'gnt.cluster' && /would run: gnt-cluster init .*--enabled-hypervisors=fake/.test(e.message ?? ''),
    ),
  );
  // real netifrc: the bridge step is planned, never skipped; the only skips allowed are the kernel's
  t.true(planned.some((e) => e.module === 'netifrc' && /stop net\.eth0, start net\.br0/.test(e.message ?? '')));
  t.false(planned.some((e) => e.module === 'netifrc' && e.status === 'skipped'));

  // 2. The real run: cluster initialised, both nodes joined, verify passes, an instance exists.
  const run = await drover(['run', 'playbooks/ganeti.ts', '-i', inv, '--json']);
  t.is(run.code, 0, why(run));
  const first = recap(run);
  t.true(Object.values(first).every((s) => s.failed === 0 && s.unreachable === 0));
  t.true(first[master.name].changed > 0);

  // Every node's address is on br0 only (eth0 address-less, net.eth0 stopped); the master IP is on br0.
  for (const h of state.hosts) {
    const net = await inHost(
      state,
      h.short,
      'ip -o addr show dev eth0 scope global; echo @; ip -o -4 addr show dev br0 scope global; rc-service net.eth0 status >/dev/null 2>&1 && echo ETH0-STARTED',
    );
    t.regex(net.stdout, new RegExp(`^@\n.*inet ${h.address.replace(/\./g, '\\.')}/24`), `${h.short}: ${net.stdout}`);
    t.notRegex(net.stdout, /ETH0-STARTED/);
  }
  t.regex(
    (await inHost(state, master.short, 'ip -o -4 addr show dev br0')).stdout,
    new RegExp(`inet ${state.cluster!.address.replace(/\./g, '\\.')}/`),
  );

  const verify = await inHost(state, master.short, 'gnt-cluster verify --error-codes -I ENODESETUP 2>&1');
  t.is(verify.code, 0, verify.stdout);
  t.notRegex(verify.stdout, /ERROR:/);
  const nodes = await inHost(state, master.short, 'gnt-node list --no-headers -o name');
  t.deepEqual(nodes.stdout.trim().split('\n').sort(), state.hosts.map((h) => h.name).sort());
  const inst = await inHost(state, master.short, 'gnt-instance list --no-headers -o name,pnode,status');
  t.regex(inst.stdout, /^inst1\.example\.org\s+node2\.example\.org\s+running/m);
  t.regex(
    (await inHost(state, master.short, 'gnt-instance list --no-headers -o name,nic.mode/0,nic.link/0')).stdout,
    /^inst1\.example\.org\s+bridged\s+br0$/m,
  );
  // The joined nodes now show the cluster's host keys, and drover trusts them (it reconnects below).
  const masterKey = (await inHost(state, master.short, 'cut -d" " -f2 /etc/ssh/ssh_host_rsa_key.pub')).stdout.trim();
  const node2Key = (
    await inHost(state, state.hosts[1].short, 'cut -d" " -f2 /etc/ssh/ssh_host_rsa_key.pub')
  ).stdout.trim();
  t.is(node2Key, masterKey, 'gnt-node add gave node2 the cluster host key');
  t.true(readFileSync(state.knownHostsFile, 'utf8').includes(masterKey));

  // 3. Second run: 0 changed on every host, nothing failed, nothing unreachable.
  const again = await drover(['run', 'playbooks/ganeti.ts', '-i', inv, '--json']);
  t.is(again.code, 0, why(again));
  const second = recap(again);
  t.deepEqual(Object.keys(second).sort(), state.hosts.map((h) => h.name).sort());
  for (const [host, s] of Object.entries(second)) {
    const changed = again.events
      .filter((e) => e.kind === 'module-end' && e.host === host && e.status === 'changed')
      .map((e) => `${e.title}: ${e.message}`);
    t.is(s.changed, 0, `${host} changed on the second run: ${changed.join('; ')}`);
    t.is(s.failed + s.unreachable, 0);
  }

  // 4. --check on the converged cluster agrees: nothing would change.
  const recheck = await drover(['run', 'playbooks/ganeti.ts', '-i', inv, '--check', '--json']);
  t.is(recheck.code, 0, why(recheck));
  for (const [host, s] of Object.entries(recap(recheck)))
    t.is(s.changed, 0, `${host} would change in --check after converging`);
});
