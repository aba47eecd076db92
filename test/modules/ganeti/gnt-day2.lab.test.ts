// gnt's day-2 modules against real Ganeti 3.0.2 on a 3-node ganeti lab: query, drain, evacuate (live migration), migrate back, master-failover and back, daemons — each run twice.
import test from 'ava';
import { labExec, type LabState } from '../../../lab/index.ts';
import { gnt } from '../../../modules/ganeti/gnt.ts';
import { LAB_FILE_DIR, labClusterParams } from '../../support/ganeti.ts';
import { labHost, labSerialTest, useLab } from '../../support/lab.ts';

// Own lab name (see the rules: unique per test file).
const lab = useLab(test, { name: 'gday2', hosts: 3, profile: 'ganeti' });
const labTest = labSerialTest(test);
const FILE_DIR = LAB_FILE_DIR;

async function inside(state: LabState, i: number, cmd: string): Promise<string> {
  const r = await labExec(state, state.hosts[i].short, ['sh', '-c', cmd]);
  if (r.code !== 0) throw new Error(`${state.hosts[i].short}: ${cmd}: exit ${r.code}\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

function open(
  t: { teardown(fn: () => Promise<void>): void },
  state: LabState,
  i: number,
  opts: { check?: boolean } = {},
) {
  const h = labHost(state, i, opts);
  t.teardown(() => h.close());
  return h.host;
}

labTest('setup: a 3-node cluster with a diskless instance on node3 (through the gnt modules)', async (t) => {
  const state = lab();
  for (const i of [0, 1, 2])
    await inside(state, i, `mkdir -p /etc/ganeti ${FILE_DIR} && echo ${FILE_DIR} > /etc/ganeti/file-storage-paths`);
  const m = open(t, state, 0);
  await gnt.cluster(m, labClusterParams(state.cluster!.name));
  const key = (await inside(state, 0, 'cat /root/.ssh/id_rsa.pub')).trim();
  for (const i of [1, 2]) {
    await inside(state, i, `echo '${key}' >> /root/.ssh/authorized_keys`);
    await gnt.node(m, { name: state.hosts[i].name, inventoryName: state.hosts[i].address });
  }
  const ip = state.cluster!.address.replace(/\.\d+$/, '.202');
  const added = await gnt.instance(m, {
    name: 'inst2.example.org',
    os: 'noop',
    template: 'diskless',
    nics: [{ ip }],
    node: state.hosts[2].name,
    nameCheck: false,
  });
  t.is(added.instance?.status, 'running');
});

labTest('query: typed nodes and instances; expectRunning', async (t) => {
  const state = lab();
  const [n1, , n3] = state.hosts.map((h) => h.name);
  const q = await gnt.query(open(t, state, 0), { expectRunning: ['inst2.example.org'] });
  t.false(q.changed);
  t.is(q.master, n1);
  t.deepEqual(
    q.nodes.map((n) => n.role),
    ['master', 'candidate', 'candidate'],
  );
  t.deepEqual(q.nodes[2].primaryInstances, ['inst2.example.org']);
  t.like(q.instances[0], {
    name: 'inst2.example.org',
    status: 'running',
    adminState: 'up',
    primary: n3,
    template: 'diskless',
    secondaries: [],
  });
  await t.throwsAsync(gnt.query(open(t, state, 0), { expectRunning: ['missing.example.org'] }), {
    message:
      /gnt\.query failed on node1\.example\.org .*: instance\(s\) not running: missing\.example\.org \(missing\)$/,
  });
  await t.throwsAsync(gnt.query(open(t, state, 1), {}), {
    message: /must run on the cluster master, which is node1\.example\.org \(this host is node2\.example\.org\)/,
  });
});

labTest(
  'drain, evacuate (live migration on the fake hypervisor), undrain, migrate back: each a no-op the second time',
  async (t) => {
    const state = lab();
    const [n1, , n3] = state.hosts.map((h) => h.name);
    const m = open(t, state, 0);
    const c = open(t, state, 0, { check: true });

    t.true((await gnt.nodeFlags(c, { name: n3, drained: true })).changed);
    t.regex(await inside(state, 0, `gnt-node list --no-headers -o drained ${n3}`), /N/, '--check drained nothing');
    const drained = await gnt.nodeFlags(m, { name: n3, drained: true });
    t.is(drained.message, `${n3}: drained`);
    t.false((await gnt.nodeFlags(m, { name: n3, drained: true })).changed);
    t.regex(await inside(state, 0, `gnt-node list --no-headers -o drained ${n3}`), /Y/);

    const evac = await gnt.evacuate(m, { node: n3 });
    t.true(evac.changed);
    t.is(evac.message, `inst2.example.org: live migrate to ${n1}`);
    t.is(
      (
        await inside(state, 0, "gnt-instance list --no-headers -o pnode,status --separator='|' inst2.example.org")
      ).trim(),
      `${n1}|running`,
    );
    t.false((await gnt.evacuate(m, { node: n3 })).changed);

    t.true((await gnt.nodeFlags(m, { name: n3, drained: false })).changed);
    t.false((await gnt.nodeFlags(m, { name: n3, drained: false })).changed);
    const back = await gnt.migrate(m, { instance: 'inst2.example.org', node: n3 });
    t.is(back.message, `inst2.example.org: live migrate ${n1} → ${n3}`);
    t.false((await gnt.migrate(m, { instance: 'inst2.example.org', node: n3 })).changed);
    t.is(
      (
        await inside(state, 0, "gnt-instance list --no-headers -o pnode,status --separator='|' inst2.example.org")
      ).trim(),
      `${n3}|running`,
    );

    // The master cannot be drained: said before Ganeti is asked.
    await t.throwsAsync(gnt.nodeFlags(m, { name: n1, drained: true }), {
      message: /node1\.example\.org is the master: Ganeti changes the master's role only through master-failover/,
    });
  },
);

labTest('master: failover to node2 and back, each idempotent', async (t) => {
  const state = lab();
  const [n1, n2] = state.hosts.map((h) => h.name);
  const on2 = open(t, state, 1);
  const on1 = open(t, state, 0);
  t.like(await gnt.master(open(t, state, 1, { check: true }), {}), {
    changed: true,
    message: `would take the master role from ${n1}`,
  });
  t.is((await inside(state, 0, 'gnt-cluster getmaster')).trim(), n1, '--check moved nothing');
  t.like(await gnt.master(on2, {}), {
    changed: true,
    master: n2,
    previous: n1,
    message: `took the master role from ${n1}`,
  });
  t.like(await gnt.master(on2, {}), { changed: false, master: n2 });
  t.is((await gnt.query(on2, {})).master, n2);
  t.like(await gnt.master(on1, {}), { changed: true, master: n1, previous: n2 });
  t.like(await gnt.master(on1, {}), { changed: false, master: n1 });
  t.is((await gnt.verify(on1, { ignore: ['ENODESETUP'] })).errors.length, 0);
});

labTest('daemons: current after start; stale after an update (package record rewritten); restarted once', async (t) => {
  const state = lab();
  const n3 = open(t, state, 2);
  // A restart makes them current whatever happened before this test.
  await gnt.daemons(n3, { restart: 'always' });
  t.like(await gnt.daemons(n3, {}), { changed: false, stale: false, running: true });
  await inside(state, 2, 'touch /var/lib/dpkg/info/ganeti-3.0.list');
  t.like(await gnt.daemons(n3, { restart: 'never' }), {
    changed: false,
    stale: true,
    newer: '/var/lib/dpkg/info/ganeti-3.0.list',
  });
  const pid = await inside(state, 2, 'stat -c %y /var/run/ganeti/ganeti-noded.pid');
  t.like(await gnt.daemons(n3, {}), {
    changed: true,
    message: 'restarted (Ganeti was installed after the daemons started (/var/lib/dpkg/info/ganeti-3.0.list))',
  });
  t.not(await inside(state, 2, 'stat -c %y /var/run/ganeti/ganeti-noded.pid'), pid);
  t.like(await gnt.daemons(n3, {}), { changed: false, stale: false });
});
