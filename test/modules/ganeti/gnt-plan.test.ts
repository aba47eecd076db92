// Pure planning of the gnt module: init/modify/add arguments and drift, without a cluster.
import test from 'ava';
import { publicKeyLines, type ClusterFacts } from '../../../modules/ganeti/gnt-facts.ts';
import {
  initArgs,
  instanceAddArgs,
  normaliseParam,
  paramList,
  planClusterDrift,
  toMiB,
  type WantedCluster,
} from '../../../modules/ganeti/gnt-plan.ts';

const want: WantedCluster = {
  clusterName: 'ganeti.example.org',
  masterNetdev: 'br0',
  vgName: 'ganeti',
  enabledHypervisors: ['kvm'],
  hypervisorParams: { kvm: { kernel_path: '/boot/guest/vmlinuz-x86_64' } },
  enabledDiskTemplates: ['drbd', 'plain'],
  nicParams: { mode: 'bridged', link: 'br0' },
  backendParams: { vcpus: 2, maxmem: '512M', minmem: '512M' },
};

const matching: ClusterFacts = {
  name: 'ganeti.example.org',
  master: 'node1.example.org',
  enabledHypervisors: ['kvm'],
  enabledDiskTemplates: ['drbd', 'plain'],
  vgName: 'ganeti',
  masterNetdev: 'br0',
  masterNetmask: '32',
  fileStorageDir: '/srv/ganeti/file-storage',
  hypervisorParams: { kvm: { kernel_path: '/boot/guest/vmlinuz-x86_64', acpi: 'True' } },
  backendParams: { vcpus: '2', maxmem: '512', minmem: '512', always_failover: 'False' },
  nicParams: { mode: 'bridged', link: 'br0', vlan: '' },
};

test('initArgs: the recipe of ganeti-gentoo.md step 10, with --vg-name (Ganeti 3 has no -g)', (t) => {
  t.deepEqual(initArgs({ ...want, secondaryIp: '192.168.1.11' }), [
    '--master-netdev=br0',
    '--vg-name=ganeti',
    '-s',
    '192.168.1.11',
    '--enabled-hypervisors=kvm',
    '--enabled-disk-templates=drbd,plain',
    '-H',
    'kvm:kernel_path=/boot/guest/vmlinuz-x86_64',
    '-N',
    'mode=bridged,link=br0',
    '-B',
    'vcpus=2,maxmem=512M,minmem=512M',
    '--',
    'ganeti.example.org',
  ]);
  t.false(initArgs(want).includes('-g'));
  const lab = initArgs({
    clusterName: 'c.example.org',
    masterNetdev: 'eth0',
    enabledHypervisors: ['fake'],
    enabledDiskTemplates: ['file', 'diskless'],
    noEtcHosts: true,
    fileStorageDir: '/srv/f',
  });
  t.deepEqual(lab, [
    '--master-netdev=eth0',
    '--enabled-hypervisors=fake',
    '--enabled-disk-templates=file,diskless',
    '--file-storage-dir=/srv/f',
    '--no-etc-hosts',
    '--',
    'c.example.org',
  ]);
});

test('planClusterDrift: nothing to do when info matches (memory in MiB, extra params ignored)', (t) => {
  t.deepEqual(planClusterDrift(want, matching), { fixable: [], unfixable: [], modifyArgs: [] });
});

test('planClusterDrift: converges hypervisors, templates, VG and -H/-B/-N params with one modify', (t) => {
  const have: ClusterFacts = {
    ...matching,
    enabledHypervisors: ['fake'],
    enabledDiskTemplates: ['plain'],
    vgName: '',
    hypervisorParams: {},
    backendParams: { vcpus: '1', maxmem: '512', minmem: '256' },
    nicParams: { mode: 'bridged', link: 'xen-br0' },
  };
  const d = planClusterDrift(want, have);
  t.deepEqual(d.unfixable, []);
  t.deepEqual(d.modifyArgs, [
    '--enabled-hypervisors=kvm',
    '--vg-name=ganeti',
    '--enabled-disk-templates=drbd,plain',
    '-H',
    'kvm:kernel_path=/boot/guest/vmlinuz-x86_64',
    '-B',
    'vcpus=2,minmem=512M',
    '-N',
    'link=br0',
  ]);
  t.true(d.fixable.some((l) => l === 'backend minmem: 256 (want 512)'));
  t.true(d.fixable.some((l) => l === 'lvm volume group: (none) (want ganeti)'));
});

test('planClusterDrift: another cluster name is not fixable', (t) => {
  const d = planClusterDrift(want, { ...matching, name: 'other.example.org' });
  t.is(d.unfixable.length, 1);
  t.regex(d.unfixable[0], /other\.example\.org.*ganeti\.example\.org/);
});

test('normaliseParam and toMiB compare values the way gnt-cluster info prints them', (t) => {
  t.is(toMiB('512M'), 512);
  t.is(toMiB('1G'), 1024);
  t.is(toMiB('1.5g'), 1536);
  t.is(toMiB('128'), 128);
  t.is(toMiB('lots'), undefined);
  t.is(normaliseParam('maxmem', '1G'), '1024');
  t.is(normaliseParam('vcpus', 2), '2');
  t.is(normaliseParam('acpi', true), 'True');
  t.is(normaliseParam('kernel_path', '/boot/x'), '/boot/x');
  t.throws(() => paramList({ kernel_args: 'a,b' }, 'hypervisorParams.kvm'), {
    message: /hypervisorParams\.kvm: parameter kernel_args=a,b/,
  });
});

test('instanceAddArgs: template, OS, disks, NIC, node, no name check', (t) => {
  t.deepEqual(
    instanceAddArgs({
      name: 'inst1',
      os: 'noop',
      template: 'file',
      disks: ['1G'],
      node: 'node2.example.org',
      nameCheck: false,
    }),
    [
      '-t',
      'file',
      '-o',
      'noop',
      '--disk',
      '0:size=1G',
      '--net',
      '0',
      '-n',
      'node2.example.org',
      '--no-name-check',
      '--no-ip-check',
      '--',
      'inst1',
    ],
  );
  t.deepEqual(
    instanceAddArgs({
      name: 'vm',
      os: 'debootstrap+default',
      template: 'drbd',
      disks: ['10G', '2G'],
      nics: [{ link: 'br0' }],
      node: 'a',
      secondaryNode: 'b',
      start: false,
    }),
    [
      '-t',
      'drbd',
      '-o',
      'debootstrap+default',
      '--disk',
      '0:size=10G',
      '--disk',
      '1:size=2G',
      '--net',
      '0:link=br0',
      '-n',
      'a:b',
      '--no-start',
      '--',
      'vm',
    ],
  );
  t.deepEqual(instanceAddArgs({ name: 'd', os: 'noop', template: 'diskless', nics: [] }), [
    '-t',
    'diskless',
    '-o',
    'noop',
    '--no-nics',
    '--',
    'd',
  ]);
  t.throws(() => instanceAddArgs({ name: 'x', os: 'noop', template: 'plain' }), {
    message: /template plain needs at least one disk/,
  });
});

test('publicKeyLines reads Ganeti known_hosts lines and .pub lines, dropping host fields and comments', (t) => {
  t.deepEqual(
    publicKeyLines(
      '# comment ssh-rsa X\nganeti.example.org ssh-rsa AAAAB3NzaC1\nganeti.example.org ssh-dss AAAAB3NzaC1kc3M\n',
    ),
    ['ssh-rsa AAAAB3NzaC1', 'ssh-dss AAAAB3NzaC1kc3M'],
  );
  t.deepEqual(publicKeyLines('ssh-rsa AAAAB3 root@node1\n\nnot a key\necdsa-sha2-nistp256 AAAAE2 c\n'), [
    'ssh-rsa AAAAB3',
    'ecdsa-sha2-nistp256 AAAAE2',
  ]);
});
