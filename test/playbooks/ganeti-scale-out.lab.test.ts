// Scale-out: a 4th bare node added to the inventory joins the running cluster by rerunning playbooks/ganeti.ts; the other nodes report no change.
import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { labExec, type LabState } from '../../lab/index.ts';
import { labSerialTest, useLab } from '../support/lab.ts';
import { drover, recap, REPO, type Outcome } from '../support/cli.ts';

const lab = useLab(test, { name: 'gscale', hosts: 4, profile: 'ganeti' });
const labTest = labSerialTest(test);

/** The lab inventory limited to its first `count` hosts: the site before and after adding a node. */
function writeInventory(dir: string, state: LabState, count: number): string {
  const file = path.join(dir, `inventory-${count}.ts`);
  writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}\n');
  const builder = path.join(REPO, 'playbooks/ganeti/lab-inventory.ts');
  writeFileSync(
    file,
    // bridge: false, as in ganeti-maintenance.test.ts: joining is what this test is about.
    `import { labInventory, readLabState } from ${JSON.stringify(builder)};\nconst s = await readLabState(${JSON.stringify(state.name)});\nexport default labInventory({ ...s, hosts: s.hosts.slice(0, ${count}) }, { bridge: false });\n`,
  );
  return file;
}

function why(o: Outcome): string {
  const failed = o.events.filter(
    (e) => e.kind === 'module-end' && (e.status === 'failed' || e.status === 'unreachable'),
  );
  return `exit ${o.code}\n${failed.map((e) => `${e.host} ${e.title}: ${e.message}`).join('\n')}\n${o.stderr.slice(-2000)}`;
}

const changes = (o: Outcome, host: string) =>
  o.events
    .filter((e) => e.kind === 'module-end' && e.host === host && e.status === 'changed')
    .map((e) => `${e.title}: ${e.message}`);

labTest('a 4th node added to the inventory joins the running cluster; the others report no change', async (t) => {
  t.timeout(10 * 60_000);
  const state = lab();
  const dir = mkdtempSync(path.join(tmpdir(), 'drover-gscale-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const [n1, n2, n3, n4] = state.hosts.map((h) => h.name);

  const three = await drover(['run', 'playbooks/ganeti.ts', '-i', writeInventory(dir, state, 3), '--json']);
  t.is(three.code, 0, why(three));
  const list = async () =>
    (await labExec(state, state.hosts[0].short, ['sh', '-c', 'gnt-node list --no-headers -o name'])).stdout
      .trim()
      .split('\n');
  t.deepEqual(await list(), [n1, n2, n3]);

  const four = await drover(['run', 'playbooks/ganeti.ts', '-i', writeInventory(dir, state, 4), '--json']);
  t.is(four.code, 0, why(four));
  t.deepEqual(await list(), [n1, n2, n3, n4]);
  const stats = recap(four);
  t.true(stats[n4].changed > 0, 'the new node was prepared');
  t.deepEqual(changes(four, n2), [], `${n2} changed`);
  t.deepEqual(changes(four, n3), [], `${n3} changed`);
  // The master's one change is the join itself.
  t.deepEqual(
    changes(four, n1).map((c) => c.replace(/:.*/, '')),
    [`gnt node ${n4}`],
  );
  t.is(
    (
      await labExec(state, state.hosts[0].short, [
        'sh',
        '-c',
        'gnt-cluster verify --error-codes -I ENODESETUP >/dev/null 2>&1; echo $?',
      ])
    ).stdout.trim(),
    '0',
  );
});
