// gnt module against real Ganeti 3.0.2 on a 3-node ganeti lab: check mode, init, drift, join, verify, instance.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { labExec, type LabState } from '../../../lab/index.ts';
import { sh, type ShellCommand } from '../../../core/sh.ts';
import { gnt } from '../../../modules/ganeti/gnt.ts';
import { LAB_FILE_DIR, labClusterParams } from '../../support/ganeti.ts';
import { labHost, labSerialTest, useLab } from '../../support/lab.ts';

const lab = useLab(test, { name: 'gnt', hosts: 3, profile: 'ganeti' });
const labTest = labSerialTest(test);

const FILE_DIR = LAB_FILE_DIR;

const want = (state: LabState) => labClusterParams(state.cluster!.name);

async function inside(
  state: LabState,
  i: number,
  cmd: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return labExec(state, state.hosts[i].short, ['sh', '-c', cmd]);
}

/** A lab host whose exec calls are counted (one round trip when nothing changes). */
function counted(state: LabState, i: number, opts: { check?: boolean } = {}) {
  const th = labHost(state, i, opts);
  const calls: string[] = [];
  const exec = th.host.exec.bind(th.host);
  Object.assign(th.host, { exec: (cmd: ShellCommand, o?: object) => (calls.push(cmd.display), exec(cmd, o)) });
  return { ...th, calls };
}

labTest('check mode before init: says what would run, changes nothing', async (t) => {
  const state = lab();
  // What the playbook prepares on every node (ava runs before-hooks concurrently with useLab's, so here).
  for (let i = 0; i < state.hosts.length; i++) {
    await inside(state, i, `mkdir -p /etc/ganeti ${FILE_DIR} && echo ${FILE_DIR} > /etc/ganeti/file-storage-paths`);
  }
  const m = counted(state, 0, { check: true });
  t.teardown(() => m.close());
  const c = await gnt.cluster(m.host, want(state));
  t.true(c.changed);
  t.true(c.initialised);
  t.regex(
    c.message ?? '',
    /^would run: gnt-cluster init --master-netdev=eth0 --master-netmask=24 --enabled-hypervisors=fake --enabled-disk-templates=file,diskless .*--no-etc-hosts -- cluster\.example\.org$/,
  );
  const n = await gnt.node(m.host, { name: state.hosts[1].name });
  t.regex(
    n.message ?? '',
    /would run: gnt-node add --no-ssh-key-check -- node2\.example\.org \(the cluster is not initialised yet\)/,
  );
  const v = await gnt.verify(m.host, { ignore: ['ENODESETUP'] });
  // Shown as skipped; changed (as command's --check skips): a real run would act here (verify, or stop with an error), it is not "ok".
  t.true(v.changed);
  t.regex(
    v.skipped ?? '',
    /^the cluster is not initialised yet: would run gnt-cluster verify --error-codes -I ENODESETUP$/,
  );
  const i = await gnt.instance(m.host, {
    name: 'inst1.example.org',
    os: 'noop',
    template: 'file',
    disks: ['1G'],
    nameCheck: false,
  });
  t.regex(i.message ?? '', /would run: gnt-instance add -t file -o noop --disk 0:size=1G/);
  t.is(m.calls.length, 4, 'one probe per call');
  t.is((await inside(state, 0, 'test -e /var/lib/ganeti/config.data; echo $?')).stdout.trim(), '1');
});

labTest('node and verify before init: clear errors', async (t) => {
  const state = lab();
  const m = labHost(state, 0);
  t.teardown(() => m.close());
  await t.throwsAsync(gnt.node(m.host, { name: state.hosts[1].name }), {
    message: /not initialised here \(no \/var\/lib\/ganeti\/config\.data\); run gnt\.cluster on the master first/,
  });
  await t.throwsAsync(gnt.verify(m.host, {}), { message: /not initialised/ });
});

labTest('cluster: init, then no change in one probe; drift is reported and converged', async (t) => {
  const state = lab();
  const m = counted(state, 0);
  t.teardown(() => m.close());
  const first = await gnt.cluster(m.host, want(state));
  t.true(first.changed);
  t.is(first.message, 'initialised cluster cluster.example.org');
  t.is((await inside(state, 0, 'gnt-cluster getmaster')).stdout.trim(), state.hosts[0].name);

  m.calls.length = 0;
  const again = await gnt.cluster(m.host, want(state));
  t.false(again.changed);
  t.is(m.calls.length, 1);
  t.is(again.master, state.hosts[0].name);
  t.deepEqual(again.facts?.enabledDiskTemplates, ['file', 'diskless']);

  // Someone changed the cluster by hand: --check reports it, a run converges it, the next run is quiet.
  t.is((await inside(state, 0, 'gnt-cluster modify -B vcpus=2 -H fake:migration_mode=non-live')).code, 0);
  const c = labHost(state, 0, { check: true });
  t.teardown(() => c.close());
  const planned = await gnt.cluster(c.host, { ...want(state), hypervisorParams: { fake: { migration_mode: 'live' } } });
  t.true(planned.changed);
  t.deepEqual(planned.drift, ['hypervisor fake migration_mode: non-live (want live)', 'backend vcpus: 2 (want 1)']);
  // as sh quotes the words for display (a word like vcpus=1 may be quoted: it looks like an assignment)
  t.is(
    planned.message,
    `would run: ${sh`gnt-cluster modify ${['-H', 'fake:migration_mode=live', '-B', 'vcpus=1']}`.display}`,
  );
  t.regex((await inside(state, 0, 'gnt-cluster info')).stdout, /vcpus: 2/, '--check changed nothing');
  const fixed = await gnt.cluster(m.host, { ...want(state), hypervisorParams: { fake: { migration_mode: 'live' } } });
  t.true(fixed.changed);
  const quiet = await gnt.cluster(m.host, { ...want(state), hypervisorParams: { fake: { migration_mode: 'live' } } });
  t.false(quiet.changed);
  t.regex((await inside(state, 0, 'gnt-cluster info')).stdout, /vcpus: 1/);

  // Another cluster name is never "fixed".
  await t.throwsAsync(gnt.cluster(m.host, { ...want(state), clusterName: 'other.example.org' }), {
    message: /master of another cluster.*cluster\.example\.org, want other\.example\.org/,
  });
});

labTest('node: join from the master, trust the cluster host key, then no change', async (t) => {
  const state = lab();
  // The playbook distributes the master's new root key before joining.
  const key = (await inside(state, 0, 'cat /root/.ssh/id_rsa.pub')).stdout.trim();
  for (const i of [1, 2]) await inside(state, i, `echo '${key}' >> /root/.ssh/authorized_keys`);
  // A connection to node2 opened before the join (as the runner's is) keeps working after sshd restarts.
  const before = labHost(state, 1);
  t.teardown(() => before.close());
  t.is((await before.host.exec(sh`hostname`)).stdout.trim(), state.hosts[1].name);

  const m = counted(state, 0);
  t.teardown(() => m.close());
  const node2 = state.hosts[1];
  const added = await gnt.node(m.host, { name: node2.name, inventoryName: node2.address });
  t.true(added.changed);
  t.regex(
    added.message ?? '',
    /added node2\.example\.org to the cluster; now trusting the cluster's 1 SSH host key\(s\) for 10\.88\.\d+\.12/,
  );
  const clusterKey = (await inside(state, 0, "cut -d' ' -f2 /etc/ssh/ssh_host_rsa_key.pub")).stdout.trim();
  t.is(
    (await inside(state, 1, "cut -d' ' -f2 /etc/ssh/ssh_host_rsa_key.pub")).stdout.trim(),
    clusterKey,
    'Ganeti gave node2 the cluster key',
  );
  const known = readFileSync(state.knownHostsFile, 'utf8');
  t.true(known.includes(`${node2.address} ssh-rsa ${clusterKey}`));

  // A new connection verifies node2 against the key drover now trusts.
  const after = labHost(state, 1);
  t.teardown(() => after.close());
  t.is((await after.host.exec(sh`hostname`)).stdout.trim(), node2.name);
  t.is((await before.host.exec(sh`echo still`)).stdout.trim(), 'still');

  m.calls.length = 0;
  const again = await gnt.node(m.host, { name: node2.name, inventoryName: node2.address });
  t.false(again.changed);
  t.is(m.calls.length, 1);
  t.deepEqual(again.nodes, [state.hosts[0].name, node2.name]);

  const node3 = state.hosts[2];
  const third = await gnt.node(m.host, { name: node3.name, secondaryIp: node3.address, inventoryName: node3.address });
  t.true(third.changed);
  t.is((await inside(state, 0, 'gnt-node list --no-headers -o name')).stdout.trim().split('\n').length, 3);
});

labTest('verify: fails naming the error; passes when the code is ignored', async (t) => {
  const state = lab();
  const m = counted(state, 0);
  t.teardown(() => m.close());
  await t.throwsAsync(gnt.verify(m.host, { retries: 0 }), {
    message:
      /gnt-cluster verify failed after 1 attempt\(s\):\nERROR:ENODESETUP:node:node\d\.example\.org:node setup error/,
  });
  m.calls.length = 0;
  const ok = await gnt.verify(m.host, { ignore: ['ENODESETUP'] });
  t.false(ok.changed);
  t.deepEqual(ok.errors, []);
  t.is(ok.warnings.length, 3);
  t.true(ok.warnings.every((w) => w.code === 'ENODESETUP'));
  t.is(ok.attempts, 1);
  t.is(m.calls.length, 1);
});

labTest('instance: added on the fake hypervisor, then no change', async (t) => {
  const state = lab();
  const m = counted(state, 0);
  t.teardown(() => m.close());
  const params = {
    name: 'inst1.example.org',
    os: 'noop',
    template: 'file',
    disks: ['1G'],
    nics: [{ ip: state.cluster!.address.replace(/\.\d+$/, '.201') }],
    node: state.hosts[1].name,
    nameCheck: false,
  };
  const added = await gnt.instance(m.host, params);
  t.true(added.changed);
  t.deepEqual(added.instance, {
    name: 'inst1.example.org',
    pnode: state.hosts[1].name,
    status: 'running',
    template: 'file',
    os: 'noop',
  });
  m.calls.length = 0;
  const again = await gnt.instance(m.host, params);
  t.false(again.changed);
  t.is(m.calls.length, 1);
  const other = await gnt.instance(m.host, { ...params, template: 'diskless' });
  t.false(other.changed, 'an existing instance is never recreated');
  t.regex(other.message ?? '', /exists with template file \(want diskless\): not recreated/);
});

labTest('errors: not the master; half-initialised cluster is never re-initialised', async (t) => {
  const state = lab();
  const n2 = labHost(state, 1);
  t.teardown(() => n2.close());
  // The host is named once, by ModuleError; the module says only what is wrong.
  await t.throwsAsync(gnt.cluster(n2.host, want(state)), {
    message:
      /^gnt\.cluster failed on node2\.example\.org \([^)]*\): gnt-cluster init\/modify must run on the cluster master, which is node1\.example\.org \(this host is node2\.example\.org\)$/,
  });

  // config.data present but getmaster fails: stop, say so, keep everything.
  await inside(state, 0, 'mv /var/lib/ganeti/ssconf_master_node /var/lib/ganeti/ssconf_master_node.away');
  t.teardown(() =>
    inside(state, 0, 'mv /var/lib/ganeti/ssconf_master_node.away /var/lib/ganeti/ssconf_master_node').then(
      () => undefined,
    ),
  );
  const m = labHost(state, 0);
  t.teardown(() => m.close());
  await t.throwsAsync(gnt.cluster(m.host, want(state)), {
    message:
      /half-initialised: \/var\/lib\/ganeti\/config\.data exists but `gnt-cluster getmaster` failed:[\s\S]*will not run gnt-cluster init over it/,
  });
  t.is((await inside(state, 0, 'test -e /var/lib/ganeti/config.data; echo $?')).stdout.trim(), '0');
});
