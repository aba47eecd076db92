// gnt's parsers (gnt-facts.ts) and planners (gnt-plan.ts) on output recorded from Debian's Ganeti 3.0.2 in the lab (test/fixtures/ganeti/README.md).
import test from 'ava';
import { ganetiFixture, labClusterParams } from '../../support/ganeti.ts';
import { ProbeFormatError } from '../../../core/probe-frame.ts';
import {
  clusterFacts,
  commaList,
  parseClusterInfo,
  parseList,
  parseVerify,
} from '../../../modules/ganeti/gnt-facts.ts';
import { joinErrorMessage, planClusterDrift, type WantedCluster } from '../../../modules/ganeti/gnt-plan.ts';

const fixture = ganetiFixture;

test('parseVerify: the ENODESETUP error of a host without /proc/sysrq-trigger', (t) => {
  const r = parseVerify(fixture('verify-sysrq-error.txt'));
  t.is(r.errors.length, 1);
  t.deepEqual(r.errors[0], {
    level: 'ERROR',
    code: 'ENODESETUP',
    objectType: 'node',
    object: 'node1.example.org',
    message:
      "node setup error: The procfs filesystem doesn't seem to be mounted under /proc, missing required directory /proc/sys and the file /proc/sysrq-trigger",
  });
  t.deepEqual(r.warnings, []);
  t.deepEqual(r.other, ['rc=1'], 'progress lines are not findings');
});

test('parseVerify: -I ENODESETUP turns it into a warning', (t) => {
  const r = parseVerify(fixture('verify-ignored-pass.txt'));
  t.deepEqual(r.errors, []);
  t.deepEqual(
    r.warnings.map((w) => [w.level, w.code, w.object]),
    [['WARNING', 'ENODESETUP', 'node1.example.org']],
  );
});

test('parseVerify: errors and warnings of several nodes, message kept whole (it has colons and quotes)', (t) => {
  const r = parseVerify(fixture('verify-3-nodes.txt'));
  t.deepEqual(
    r.errors.map((e) => `${e.code} ${e.object}`),
    ['ENODEFILESTORAGEPATHUNUSABLE node3.example.org', 'ENODEFILESTORAGEPATHUNUSABLE node2.example.org'],
  );
  t.is(
    r.errors[0].message,
    "The configured file storage path is unusable: Path '/srv/ganeti/file-storage' is not existing or not a directory.",
  );
  t.is(r.warnings.length, 3);
  t.true(r.warnings.every((w) => w.code === 'ENODESETUP'));
});

test('parseVerify: a clean run with a NOTICE has no findings', (t) => {
  const r = parseVerify(fixture('verify-with-instance.txt'));
  t.deepEqual(r.errors, []);
  t.true(r.other.some((l) => l.includes('NOTICE: 1 non-redundant instance(s) found.')));
});

test('parseClusterInfo + clusterFacts: the settings of a freshly initialised lab cluster', (t) => {
  const info = parseClusterInfo(fixture('cluster-info-fake-file.txt'));
  t.is(info['Cluster name'], 'cluster.example.org');
  t.is(typeof info['Default disk parameters'], 'object');
  const f = clusterFacts(info);
  t.deepEqual(f, {
    name: 'cluster.example.org',
    master: 'node1.example.org',
    enabledHypervisors: ['fake'],
    enabledDiskTemplates: ['file', 'diskless'],
    vgName: '',
    masterNetdev: 'eth0',
    masterNetmask: '24',
    fileStorageDir: '/srv/ganeti/file-storage',
    hypervisorParams: { fake: { migration_mode: 'live' } },
    backendParams: {
      always_failover: 'False',
      auto_balance: 'True',
      maxmem: '128',
      minmem: '128',
      spindle_use: '1',
      vcpus: '1',
    },
    nicParams: { link: '100', mode: 'routed', vlan: '' },
  });
});

const labWant: WantedCluster = labClusterParams();

test('planClusterDrift on recorded info: the init settings show no drift', (t) => {
  const d = planClusterDrift(labWant, clusterFacts(parseClusterInfo(fixture('cluster-info-fake-file.txt'))));
  t.deepEqual(d, { fixable: [], unfixable: [], modifyArgs: [] });
});

test('planClusterDrift on recorded info after gnt-cluster modify: converges back with one modify', (t) => {
  const have = clusterFacts(parseClusterInfo(fixture('cluster-info-modified.txt')));
  t.deepEqual(have.enabledDiskTemplates, ['file', 'diskless', 'sharedfile']);
  const d = planClusterDrift({ ...labWant, hypervisorParams: { fake: { migration_mode: 'live' } } }, have);
  t.deepEqual(d.modifyArgs, [
    '--enabled-disk-templates=file,diskless',
    '-H',
    'fake:migration_mode=live',
    '-B',
    'vcpus=1,maxmem=128M',
  ]);
  t.deepEqual(d.fixable, [
    'enabled disk templates: file,diskless,sharedfile (want file,diskless)',
    'hypervisor fake migration_mode: non-live (want live)',
    'backend vcpus: 2 (want 1)',
    'backend maxmem: 256 (want 128)',
  ]);
});

test('parseList: gnt-node list with one field and with a separator', (t) => {
  const text = fixture('node-list.txt');
  const names = text.split('\n').slice(1, 4).join('\n');
  t.deepEqual(
    parseList(names, ['name'] as const).map((r) => r.name),
    ['node1.example.org', 'node2.example.org', 'node3.example.org'],
  );
  const rows = text
    .split('\n')
    .filter((l) => l.includes('|'))
    .join('\n');
  t.deepEqual(parseList(rows, ['name', 'pip', 'sip', 'mc', 'offline'] as const)[2], {
    name: 'node3.example.org',
    pip: '10.88.3.13',
    sip: '10.88.3.13',
    mc: 'Y',
    offline: 'N',
  });
  t.throws(() => parseList('a|b', ['x', 'y', 'z'] as const), {
    instanceOf: ProbeFormatError,
    message: /want 3 fields x,y,z/,
  });
});

test('parseList: gnt-instance list row', (t) => {
  const line = fixture('instance-list.txt')
    .split('\n')
    .filter((l) => l.includes('|'))
    .join('\n');
  t.deepEqual(parseList(line, ['name', 'pnode', 'status', 'disk_template', 'os'] as const), [
    { name: 'inst1.example.org', pnode: 'node2.example.org', status: 'running', disk_template: 'file', os: 'noop' },
  ]);
});

test('commaList: Ganeti lists and their empty forms', (t) => {
  t.deepEqual(commaList('file, diskless'), ['file', 'diskless']);
  t.deepEqual(commaList('(none)'), []);
  t.deepEqual(commaList(''), []);
});

test('joinErrorMessage: the recorded "already in the cluster" and Ganeti\'s version mismatch', (t) => {
  t.regex(
    joinErrorMessage('node2.example.org', fixture('node-add-twice.txt')) ?? '',
    /^gnt-node add node2\.example\.org: Ganeti says the node is already in the cluster.*--readd/s,
  );
  // Not recordable in the lab (one Ganeti version): the text LUNodeAdd raises, as gnt-node prints an OpPrereqError.
  const mismatch =
    'Failure: prerequisites not met for this operation:\nerror type: environment_error, error details:\nVersion mismatch master version 3000000, node version 2160000';
  // The module states what went wrong; ModuleError alone adds the host (the master) in front.
  t.regex(
    joinErrorMessage('node2.example.org', mismatch) ?? '',
    /^gnt-node add node2\.example\.org: Ganeti versions differ between the master and node2\.example\.org/,
  );
  t.regex(
    joinErrorMessage('node2.example.org', fixture('not-initialised.txt')) ?? '',
    /^gnt-node add node2\.example\.org: the cluster is not initialised on this host; run gnt\.cluster here first:\n/,
  );
  t.is(joinErrorMessage('node2', 'ssh: connect to host node2 port 22: Connection refused'), undefined);
});
