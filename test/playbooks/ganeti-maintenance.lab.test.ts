// playbooks/ganeti-maintenance.ts through the CLI on a 3-node ganeti lab converged by playbooks/ganeti.ts: --check, a roll with a live migration, a rerun with 0 changed, a verify that fails on node2 stopping the roll, a reboot refused before anything changes.
import test from 'ava';
import { labSerialTest, useLab } from '../support/lab.ts';
import { drover, recap, type Outcome } from '../support/cli.ts';
import { inLabHost, LAB_INSTANCES, LAB_UPDATE, whyFailed, writeLabInventory } from '../support/ganeti.ts';

// A name no other test file uses.
const lab = useLab(test, { name: 'gmaint', hosts: 3, profile: 'ganeti' });
const labTest = labSerialTest(test);

const PIDTIME = 'stat -c %Y.%y /var/run/ganeti/ganeti-noded.pid';
// Fails cluster verify once node2's daemons restart after the hook is written: the roll's verify after node2, not before.
const HOOK_DIR = '/etc/ganeti/hooks/cluster-verify-post.d';
const HOOK = `${HOOK_DIR}/50-drover-test`;
const FAILING_HOOK = `mkdir -p ${HOOK_DIR} && printf '#!/bin/sh\\nif test /var/run/ganeti/ganeti-noded.pid -nt ${HOOK}; then echo "failing on purpose after maintenance"; exit 1; fi\\n' > ${HOOK} && chmod 755 ${HOOK}`;

const modules = (o: Outcome, module: string) => o.events.filter((e) => e.kind === 'module-end' && e.module === module);

labTest(
  'rolling maintenance: check, roll with live migration, rerun changes nothing, failing verify stops the roll',
  async (t) => {
    t.timeout(15 * 60_000);
    const state = lab();
    const inv = writeLabInventory(state, (r) => t.teardown(r));
    const [n1, n2, n3] = state.hosts.map((h) => h.name);

    // 0. The cluster from bare nodes, with both lab instances (inst1 file on node2, inst2 diskless on node3).
    const converge = await drover(['run', 'playbooks/ganeti.ts', '-i', inv, '--json']);
    t.is(converge.code, 0, whyFailed(converge));
    t.is(
      (await inLabHost(state, 0, LAB_INSTANCES)).trim(),
      `inst1.example.org|running|${n2}\ninst2.example.org|running|${n3}`,
    );

    // 1. An update installed on every node (the daemons now run older code than installed).
    for (const i of [0, 1, 2]) await inLabHost(state, i, LAB_UPDATE);
    const pids = async () => Promise.all([0, 1, 2].map((i) => inLabHost(state, i, PIDTIME)));
    const before = await pids();

    // 2. --check: plans the roll, changes nothing.
    const check = await drover(['run', 'playbooks/ganeti-maintenance.ts', '-i', inv, '--check', '--json']);
    t.is(check.code, 0, whyFailed(check));
    t.deepEqual(await pids(), before, '--check restarted daemons');
    t.is(
      (await inLabHost(state, 0, LAB_INSTANCES)).trim(),
      `inst1.example.org|running|${n2}\ninst2.example.org|running|${n3}`,
    );
    t.is((await inLabHost(state, 0, 'gnt-cluster getmaster')).trim(), n1);

    // 3. The roll: every node restarted one after the other, the master role and inst2 away and back.
    const run = await drover(['run', 'playbooks/ganeti-maintenance.ts', '-i', inv, '--json']);
    t.is(run.code, 0, whyFailed(run));
    const after = await pids();
    for (const i of [0, 1, 2]) t.not(after[i], before[i], `${state.hosts[i].name}'s daemons were not restarted`);
    const restarts = modules(run, 'gnt.daemons')
      .filter((e) => e.status === 'changed')
      .map((e) => e.host);
    t.deepEqual(restarts, [n1, n2, n3], 'one node at a time, in inventory order');
    // issue 16: each node's Ganeti updated (emerge --update) while empty; the lab repository has only 3.0.2: no change.
    t.deepEqual(
      modules(run, 'emerge').map((e) => [e.host, e.status, e.title]),
      [n1, n2, n3].map((n) => [n, 'ok', 'emerge --update app-emulation/ganeti USE="kvm"']),
    );
    t.deepEqual(
      modules(run, 'gnt.master')
        .filter((e) => e.status === 'changed')
        .map((e) => e.host),
      [n2, n1],
      'node1 handed the master role to node2 while maintained, then took it back',
    );
    const evac = modules(run, 'gnt.evacuate').map((e) => e.message ?? '');
    t.regex(evac.join('\n'), /inst1\.example\.org: stays on node2\.example\.org \(template file cannot migrate\)/);
    t.regex(evac.join('\n'), /inst2\.example\.org: live migrate to node1\.example\.org/);
    t.true(
      modules(run, 'gnt.migrate').some(
        (e) =>
          e.status === 'changed' &&
          /inst2\.example\.org: live migrate node1\.example\.org → node3\.example\.org/.test(e.message),
      ),
    );
    // After every node (and at the end) the playbook asserted every instance runs: 4 passing assertions.
    t.is(
      modules(run, 'gnt.query').filter(
        (e) => e.status === 'ok' && /^gnt query( live)? \(instances running\)/.test(e.title),
      ).length,
      4,
    );
    // The health gate before the first node, one verify per node, the gate after the last.
    t.is(modules(run, 'gnt.verify').filter((e) => e.status === 'ok').length, 5);
    t.deepEqual(run.events.find((e) => e.kind === 'recap')?.state, [
      `master: ${n1}`,
      'drained: none',
      'instances: 2 running where they should',
    ]);
    t.is(
      (await inLabHost(state, 0, LAB_INSTANCES)).trim(),
      `inst1.example.org|running|${n2}\ninst2.example.org|running|${n3}`,
    );
    t.is((await inLabHost(state, 0, 'gnt-cluster getmaster')).trim(), n1);
    t.is(
      (await inLabHost(state, 0, "gnt-node list --no-headers -o name,drained,offline --separator='|'")).trim(),
      [n1, n2, n3].map((n) => `${n}|N|N`).join('\n'),
    );

    // 4. Rerun: nothing is due, nothing changes anywhere.
    const again = await drover(['run', 'playbooks/ganeti-maintenance.ts', '-i', inv, '--json']);
    t.is(again.code, 0, whyFailed(again));
    for (const [host, s] of Object.entries(recap(again))) {
      const changed = again.events
        .filter((e) => e.kind === 'module-end' && e.host === host && e.status === 'changed')
        .map((e) => `${e.title}: ${e.message}`);
      t.is(s.changed, 0, `${host} changed on the rerun: ${changed.join('; ')}`);
    }
    t.deepEqual(await pids(), after, 'the rerun restarted daemons');

    // 5. Verify fails on purpose after node2: the roll stops, node3 is never touched, the instances still run.
    await inLabHost(state, 1, FAILING_HOOK);
    for (const i of [0, 1, 2]) await inLabHost(state, i, LAB_UPDATE);
    const stopped = await drover(['run', 'playbooks/ganeti-maintenance.ts', '-i', inv, '--json']);
    t.is(stopped.code, 2, whyFailed(stopped));
    const failedVerify = modules(stopped, 'gnt.verify').find((e) => e.status === 'failed');
    // The node by name (Ganeti prints its UUID) and the hook's own output (it used to be dropped).
    t.regex(
      failedVerify?.message ?? '',
      /ERROR:ENODEHOOKS:node:node2\.example\.org:Script cluster-verify-post\.d\/50-drover-test failed, output: failing on purpose after maintenance/,
    );
    t.deepEqual(
      stopped.events.filter((e) => e.kind === 'host-failed').map((e) => e.host),
      [n2],
    );
    const stop = stopped.events.find((e) => e.kind === 'rolling-stopped');
    t.deepEqual(stop?.notStarted, [n3]);
    t.deepEqual(
      modules(stopped, 'gnt.daemons')
        .filter((e) => e.status === 'changed')
        .map((e) => e.host),
      [n1, n2],
    );
    const last = await pids();
    t.is(last[2], after[2], 'node3 was maintained after verify failed');
    t.is(
      (await inLabHost(state, 0, LAB_INSTANCES)).trim(),
      `inst1.example.org|running|${n2}\ninst2.example.org|running|${n3}`,
    );
    await inLabHost(state, 1, `rm -f ${HOOK}`);

    // 6. A reboot would stop inst1 (file: cannot migrate): node2's maintenance refuses before changing anything
    //    (it used to drain node2 first and leave it drained).
    const refused = await drover([
      'run',
      'playbooks/ganeti-maintenance.ts',
      '-i',
      inv,
      '--json',
      '-e',
      'maintenanceAction=reboot',
      '-e',
      `maintain=["${n2}"]`,
    ]);
    t.is(refused.code, 2, whyFailed(refused));
    t.regex(
      refused.events.find((e) => e.kind === 'host-failed' && e.host === n2)?.message ?? '',
      /inst1\.example\.org \(file\) cannot migrate off node2\.example\.org; nothing was changed/,
    );
    t.deepEqual(
      refused.events
        .filter((e) => e.kind === 'module-end' && e.status === 'changed')
        .map((e) => `${e.host} ${e.title}`),
      [],
    );
    t.is(
      (await inLabHost(state, 0, "gnt-node list --no-headers -o name,drained --separator='|'")).trim(),
      [n1, n2, n3].map((n) => `${n}|N`).join('\n'),
    );
  },
);
