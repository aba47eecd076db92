// Pure parts of the lab: resource names and addresses, rendered files, CLI argument parsing, layer keys.
import test from 'ava';
import { parse } from 'yaml';
import { parseLabArgs, labCommand } from '../../lab/cli.ts';
import { layerChain, layerKey } from '../../lab/layers.ts';
import { checkLabName, hostIndex, planLab } from '../../lab/plan.ts';
import { renderEtcHosts, renderInventory, renderKnownHosts, renderSshConfig } from '../../lab/render.ts';
import { diskDevicePath, checkDiskSize } from '../../lab/disk.ts';
import { networkDownBatch, networkUpBatch } from '../../lab/net.ts';

const plan = (profile: 'base' | 'ganeti' = 'base', hosts = 3) =>
  planLab({ name: 'abcdefgh', hosts, profile, subnetIndex: 7, dir: '/run/drover/lab/abcdefgh', now: new Date(0) });

test('plan: names fit in 15 characters even for the longest lab name and 80 hosts', (t) => {
  const p = plan('base', 80);
  t.is(p.bridge, 'drb-abcdefgh');
  t.is(p.hosts[79].veth, 'dv-abcdefgh-80');
  t.true([p.bridge, ...p.hosts.map((h) => h.veth)].every((n) => n.length <= 15));
  t.is(p.subnet, '10.88.7.0/24');
  t.is(p.gateway, '10.88.7.1');
  t.is(p.hosts[0].address, '10.88.7.11');
  t.is(p.hosts[79].address, '10.88.7.90');
  t.is(p.hosts[1].name, 'node2.example.org');
  t.is(p.cluster, undefined);
  t.deepEqual(plan('ganeti').cluster, { name: 'cluster.example.org', address: '10.88.7.100' });
});

test('plan: bad names and counts are refused with what is allowed', (t) => {
  t.throws(() => checkLabName('Lab-1'), { message: /bad lab name "Lab-1": use 1-8 characters a-z 0-9/ });
  t.throws(() => checkLabName('abcdefghi'), { message: /bad lab name/ });
  t.throws(() => planLab({ name: 'x', hosts: 81, profile: 'base', subnetIndex: 1, dir: '/x' }), {
    message: /bad host count 81: use 1 to 80/,
  });
  t.throws(() => planLab({ name: 'x', hosts: 0, profile: 'base', subnetIndex: 1, dir: '/x' }), {
    message: /bad host count 0/,
  });
});

test('hostIndex accepts short and full names, and names the hosts there are', (t) => {
  const p = plan();
  t.is(hostIndex(p, 'node2'), 1);
  t.is(hostIndex(p, 'node3.example.org'), 2);
  t.throws(() => hostIndex(p, 'node4'), { message: 'lab abcdefgh has no host "node4" (hosts: node1, node2, node3)' });
});

test('render: /etc/hosts, known_hosts, ssh_config', (t) => {
  const p = plan('ganeti', 2);
  t.is(
    renderEtcHosts(p).split('\n').slice(3).join('\n'),
    '10.88.7.11\tnode1.example.org node1\n10.88.7.12\tnode2.example.org node2\n10.88.7.100\tcluster.example.org cluster\n',
  );
  const keys = [1, 2].map((i) => ({
    ed25519: `ssh-ed25519 AAAAed${i} root@node${i}\n`,
    rsa: `ssh-rsa AAAArsa${i} root@node${i}\n`,
  }));
  t.is(
    renderKnownHosts(p, keys),
    [
      'node1.example.org,node1,10.88.7.11 ssh-ed25519 AAAAed1',
      'node1.example.org,node1,10.88.7.11 ssh-rsa AAAArsa1',
      'node2.example.org,node2,10.88.7.12 ssh-ed25519 AAAAed2',
      'node2.example.org,node2,10.88.7.12 ssh-rsa AAAArsa2',
    ].join('\n') + '\n',
  );
  const cfg = renderSshConfig(p);
  t.regex(
    cfg,
    /^Host node2 node2\.example\.org 10\.88\.7\.12\n  HostName 10\.88\.7\.12\n  User root\n  IdentityFile \/run\/drover\/lab\/abcdefgh\/id_ed25519\n/m,
  );
  t.regex(cfg, /UserKnownHostsFile \/run\/drover\/lab\/abcdefgh\/known_hosts/);
  t.regex(cfg, /StrictHostKeyChecking yes/);
});

test('render: inventory in Ansible YAML with groups lab and ganeti', (t) => {
  const inv = parse(renderInventory(plan('ganeti', 2)));
  t.deepEqual(inv.all.children.lab.hosts['node1.example.org'], {
    ansible_host: '10.88.7.11',
    ansible_user: 'root',
    ansible_ssh_private_key_file: '/run/drover/lab/abcdefgh/id_ed25519',
  });
  t.deepEqual(Object.keys(inv.all.children.ganeti.hosts), ['node1.example.org', 'node2.example.org']);
  t.is(inv.all.vars.known_hosts_file, '/run/drover/lab/abcdefgh/known_hosts');
  t.is(parse(renderInventory(plan('base'))).all.children.ganeti, undefined);
});

test('network batches create and delete exactly the planned names', (t) => {
  const p = plan('base', 2);
  t.is(
    networkUpBatch(p),
    [
      'link add drb-abcdefgh type bridge forward_delay 0',
      'addr add 10.88.7.1/24 dev drb-abcdefgh',
      'link set drb-abcdefgh up',
      'netns add dl-abcdefgh-n1',
      'link add dv-abcdefgh-1 type veth peer name eth0 netns dl-abcdefgh-n1',
      'link set dv-abcdefgh-1 master drb-abcdefgh up',
      'netns add dl-abcdefgh-n2',
      'link add dv-abcdefgh-2 type veth peer name eth0 netns dl-abcdefgh-n2',
      'link set dv-abcdefgh-2 master drb-abcdefgh up',
    ].join('\n') + '\n',
  );
  t.is(networkDownBatch(p), 'netns del dl-abcdefgh-n1\nnetns del dl-abcdefgh-n2\nlink del drb-abcdefgh\n');
});

test('disk arguments', (t) => {
  t.is(diskDevicePath('vdb'), '/dev/vdb');
  t.is(diskDevicePath('/dev/vdc'), '/dev/vdc');
  t.throws(() => diskDevicePath('../sda'), { message: /bad disk device/ });
  t.notThrows(() => checkDiskSize('1G'));
  t.throws(() => checkDiskSize('1 G'), { message: /bad disk size "1 G"/ });
});

test('layers stack base → gentoo-real → ganeti-real (real Portage by default); a key changes with its parent', (t) => {
  t.deepEqual(layerChain('ganeti'), ['base', 'gentoo-real', 'ganeti-real']);
  t.deepEqual(layerChain('gentoo'), ['base', 'gentoo-real']);
  t.deepEqual(layerChain('base'), ['base']);
  t.regex(layerKey('ganeti'), /^[0-9a-f]{16}$/);
  t.not(layerKey('gentoo'), layerKey('base'));
  t.is(layerKey('gentoo'), layerKey('gentoo'));
});

test('cli: argument parsing', (t) => {
  t.deepEqual(parseLabArgs('up', ['5', '--profile', 'gentoo', '--name', 'x1']), {
    positional: ['5'],
    name: 'x1',
    named: true,
    profile: 'gentoo',
    help: false,
  });
  t.deepEqual(parseLabArgs('ssh', ['--name', 'x1', 'node1', 'ls', '--name', '-l']).positional, [
    'node1',
    'ls',
    '--name',
    '-l',
  ]);
  t.deepEqual(parseLabArgs('disk', ['node1', '1G', '--device=vdc']).device, 'vdc');
  t.throws(() => parseLabArgs('cut', ['node1', '--profile', 'base']), {
    message: 'unknown option --profile for drover lab cut',
  });
  t.throws(() => parseLabArgs('up', ['--name']), { message: '--name needs a value' });
});

test('cli: --help, and errors as one line with exit 1', async (t) => {
  const run = async (argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await labCommand(argv, { out: (s) => out.push(s), err: (s) => err.push(s) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };
  for (const sub of ['up', 'down', 'status', 'ssh', 'cut', 'heal', 'delay', 'disk']) {
    const r = await run([sub, '--help']);
    t.is(r.code, 0);
    t.regex(r.out, new RegExp(`^Usage: drover lab ${sub}`));
  }
  const bad = await run(['up', '--profile', 'arch']);
  t.is(bad.code, 1);
  t.is(bad.err, 'drover lab up: bad profile "arch": use base, debian, gentoo, ganeti, gentoo-real, ganeti-real');
  const unknown = await run(['frobnicate']);
  t.is(unknown.code, 1);
  t.is(unknown.err, 'drover lab frobnicate: unknown lab command "frobnicate" (see drover lab --help)');
  const notUp = await run(['cut', 'node1', '--name', 'nosuch']);
  t.is(notUp.code, 1);
  t.is(notUp.err, 'drover lab cut: lab nosuch is not up (start it with `drover lab up --name nosuch`)');
  const args = await run(['disk', 'node1']);
  t.is(args.err, 'drover lab disk: wrong number of arguments for drover lab disk (see drover lab disk --help)');
});
