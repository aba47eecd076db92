// playbooks/ganeti-maintenance.ts cut short on a real 3-node Ganeti lab: a dead ganeti-noded stops it before any node, Ctrl-C once (the turn finishes or rolls back) and twice (master left on a stand-in, drained), a node cut off mid-turn; each time the recap says where the cluster stands and a plain rerun converges.
// (--no-typecheck: the type check has its own tests; here it would only add seconds to every run.)
import test from 'ava';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { labCut, labHeal } from '../../lab/index.ts';
import { labSerialTest, useLab } from '../support/lab.ts';
import { BIN, drover, REPO, type Outcome } from '../support/cli.ts';
import {
  inLabHost,
  LAB_INSTANCES,
  LAB_UPDATE,
  labClusterHealthy,
  whyFailed,
  writeLabInventory,
} from '../support/ganeti.ts';

// A name no other test file uses.
const lab = useLab(test, { name: 'gcut', hosts: 3, profile: 'ganeti' });
const labTest = labSerialTest(test);

/**
 * The maintenance playbook with --json, and `when(event, press)` called for each event as it comes:
 * `press.sigint()` is Ctrl-C (SIGINT to drover, as a terminal sends it), `press.cut(fn)` runs fn (a lab cut) meanwhile.
 */
async function roll(
  inv: string,
  when: (e: Record<string, any>, press: { sigint: () => void; cut: (fn: () => Promise<void>) => void }) => void,
): Promise<Outcome> {
  const child = spawn(
    process.execPath,
    [BIN, 'run', 'playbooks/ganeti-maintenance.ts', '-i', inv, '--json', '--no-typecheck'],
    {
      cwd: REPO,
      env: { ...process.env, NO_COLOR: '1' },
    },
  );
  let stdout = '';
  let stderr = '';
  let partial = '';
  const pending: Promise<void>[] = [];
  const press = {
    sigint: () => void child.kill('SIGINT'),
    cut: (fn: () => Promise<void>) => void pending.push(fn()),
  };
  child.stdout.on('data', (d: Buffer) => {
    stdout += d;
    const lines = (partial + d.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const l of lines) if (l.startsWith('{')) when(JSON.parse(l), press);
  });
  child.stderr.on('data', (d) => (stderr += d));
  const [code] = await once(child, 'exit');
  await Promise.all(pending);
  const events = stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, any>);
  return { code: code as number, stdout, stderr, events };
}

const ended = (o: Outcome, module: string, host?: string) =>
  o.events.filter((e) => e.kind === 'module-end' && e.module === module && (host === undefined || e.host === host));
const recapOf = (o: Outcome) => o.events.find((e) => e.kind === 'recap') ?? {};

labTest(
  'a roll cut short (dead daemon, Ctrl-C once and twice, a node cut off) says where it stands; a rerun converges',
  async (t) => {
    t.timeout(30 * 60_000);
    const state = lab();
    const inv = writeLabInventory(state, (r) => t.teardown(r));
    const [n1, n2, n3] = state.hosts.map((h) => h.name);
    const healthy = () => labClusterHealthy(t, state);

    const converge = await drover(['run', 'playbooks/ganeti.ts', '-i', inv, '--json', '--no-typecheck']);
    t.is(converge.code, 0, whyFailed(converge));
    await healthy();

    // 1. ganeti-noded dead on node3 (inst2 ERROR_nodedown): the gate refuses before any node, exit 2, loudly.
    //    (It used to pass with "1/2 instance(s) running" as an ok line.)
    await inLabHost(state, 2, 'start-stop-daemon --stop --pidfile /var/run/ganeti/ganeti-noded.pid');
    const dead = await drover(['run', 'playbooks/ganeti-maintenance.ts', '-i', inv, '--json', '--no-typecheck']);
    t.is(dead.code, 2, whyFailed(dead));
    const refusal = dead.events.find((e) => e.kind === 'host-failed')?.message ?? '';
    t.regex(refusal, /the cluster is not healthy; no node was touched/);
    t.regex(refusal, new RegExp(`${n3.replace(/\./g, '\\.')}: ganeti-noded is not running`));
    t.regex(refusal, /inst2\.example\.org: ERROR_nodedown/);
    t.deepEqual(
      dead.events.filter((e) => e.kind === 'module-end' && e.status === 'changed').map((e) => e.title),
      [],
    );
    await inLabHost(state, 2, 'rc-service ganeti start >/dev/null 2>&1 || rc-service ganeti restart');
    for (let i = 0; i < 30 && !/running\|/.test((await inLabHost(state, 0, LAB_INSTANCES)).split('\n')[1] ?? ''); i++)
      await new Promise((r) => setTimeout(r, 1000));
    await healthy();

    // 2. Ctrl-C once between node1's restart and its undrain (it used to leave node1 drained and the rerun
    //    failed with "node is drained"): the turn finishes (undrain, verify, master role back), no other node
    //    starts, exit 130, the recap says where the cluster is and which hosts did not start.
    for (const i of [0, 1, 2]) await inLabHost(state, i, LAB_UPDATE);
    const once1 = await roll(inv, (e, press) => {
      if (e.kind === 'module-end' && e.module === 'gnt.daemons' && e.status === 'changed' && e.host === n1)
        press.sigint();
    });
    t.is(once1.code, 130, whyFailed(once1));
    t.deepEqual(recapOf(once1).notStarted, [n2, n3]);
    t.deepEqual(
      ended(once1, 'gnt.daemons', n2).filter((e) => e.status === 'changed'),
      [],
      'node2 never started',
    );
    t.true(recapOf(once1).interrupted);
    t.regex((recapOf(once1).state ?? []).join('\n'), new RegExp(`master: ${n1.replace(/\./g, '\\.')}`));
    t.regex((recapOf(once1).state ?? []).join('\n'), /drained: none/);
    await healthy();
    const rerun1 = await drover(['run', 'playbooks/ganeti-maintenance.ts', '-i', inv, '--json', '--no-typecheck']);
    t.is(rerun1.code, 0, whyFailed(rerun1));
    t.deepEqual(
      ended(rerun1, 'gnt.daemons')
        .filter((e) => e.status === 'changed')
        .map((e) => e.host),
      [n2, n3],
      'the rerun maintains the nodes the first run did not start',
    );
    await healthy();

    // 3. Ctrl-C twice once node1 is drained and empty (master on node2, node1 demoted): stops at once, says
    //    what is left; the rerun used to fail with "cluster is not initialised here (no config.data)".
    await inLabHost(state, 0, LAB_UPDATE);
    let presses = 0;
    const twice = await roll(inv, (e, press) => {
      if (e.kind === 'module-end' && e.module === 'gnt.evacuate' && presses === 0) {
        presses++;
        press.sigint();
        setTimeout(press.sigint, 100);
      }
    });
    t.is(twice.code, 130, whyFailed(twice));
    t.regex(twice.stdout, /stopped at once \(second Ctrl-C\)/);
    t.regex((recapOf(twice).state ?? []).join('\n'), new RegExp(`${n1.replace(/\./g, '\\.')}: .*left: `));
    t.regex(await inLabHost(state, 1, 'gnt-cluster getmaster'), new RegExp(n2.replace(/\./g, '\\.')));
    const rerun2 = await drover(['run', 'playbooks/ganeti-maintenance.ts', '-i', inv, '--json', '--no-typecheck']);
    t.is(rerun2.code, 0, whyFailed(rerun2));
    t.is((await inLabHost(state, 0, 'gnt-cluster getmaster')).trim(), n1);
    await healthy();

    // 4. node3 cut off right after its instances left it: UNREACHABLE, the roll stops, and the recap says
    //    node3 is left drained; healed, a plain rerun finishes node3.
    await inLabHost(state, 2, LAB_UPDATE);
    const cut = await roll(inv, (e, press) => {
      if (e.kind === 'module-end' && e.module === 'gnt.evacuate' && /node3/.test(e.title))
        press.cut(() => labCut(state.name, state.hosts[2].short));
    });
    await labHeal(state.name, state.hosts[2].short);
    t.is(cut.code, 4, whyFailed(cut));
    t.deepEqual(
      cut.events.filter((e) => e.kind === 'host-unreachable').map((e) => e.host),
      [n3],
    );
    t.regex((recapOf(cut).state ?? []).join('\n'), new RegExp(`drained: ${n3.replace(/\./g, '\\.')}`));
    const rerun3 = await drover(['run', 'playbooks/ganeti-maintenance.ts', '-i', inv, '--json', '--no-typecheck']);
    t.is(rerun3.code, 0, whyFailed(rerun3));
    await healthy();
  },
);
