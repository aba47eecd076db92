// lab/topology.ts, pure parts: the ip commands a bastion topology runs, its checks, its ssh_config.
import test from 'ava';
import { planLab } from '../../lab/plan.ts';
import {
  checkTopology,
  renderTopologySshConfig,
  topologyCommands,
  type Topology,
  untopologyCommands,
} from '../../lab/topology.ts';
import { sshConfigFor } from '../../core/ssh/ssh-config.ts';

const state = planLab({ name: 'topo', hosts: 4, profile: 'base', subnetIndex: 7, dir: '/run/drover/lab/topo' });
const TWO: Topology = {
  bastions: [
    { bastion: 'node1', behind: ['node2', 'node3'] },
    { bastion: 'node2', behind: ['node4'] },
  ],
};

test('hosts move into their bastion namespace onto its own bridge, with a /32 route each; nothing is created on the machine', (t) => {
  t.deepEqual(topologyCommands(state, TWO), [
    {
      netns: '',
      batch:
        'link set dv-topo-2 netns dl-topo-n1\nlink set dv-topo-3 netns dl-topo-n1\nlink set dv-topo-4 netns dl-topo-n2\n',
    },
    {
      netns: 'dl-topo-n1',
      batch:
        'link add bri0 type bridge forward_delay 0\nlink set bri0 up\n' +
        'link set dv-topo-2 master bri0 up\nroute add 10.88.7.12/32 dev bri0\nlink set dv-topo-3 master bri0 up\nroute add 10.88.7.13/32 dev bri0\n',
    },
    {
      netns: 'dl-topo-n2',
      batch:
        'link add bri0 type bridge forward_delay 0\nlink set bri0 up\nlink set dv-topo-4 master bri0 up\nroute add 10.88.7.14/32 dev bri0\n',
    },
  ]);
});

test('unknown hosts, a host behind two bastions and cycles are refused', (t) => {
  t.throws(() => checkTopology(state, { bastions: [{ bastion: 'node9', behind: [] }] }), {
    message: /no host "node9"/,
  });
  t.throws(
    () =>
      checkTopology(state, {
        bastions: [
          { bastion: 'node1', behind: ['node3'] },
          { bastion: 'node2', behind: ['node3'] },
        ],
      }),
    { message: /node3 is behind two bastions/ },
  );
  t.throws(
    () =>
      checkTopology(state, {
        bastions: [
          { bastion: 'node1', behind: ['node2'] },
          { bastion: 'node2', behind: ['node1'] },
        ],
      }),
    { message: /cycle/ },
  );
});

test('the ssh_config: one-jump hosts from the Included file, two-jump hosts from a Match block, by name, FQDN or address', (t) => {
  const files = renderTopologySshConfig(state, TWO, '/lab/jumps.conf');
  const env = { home: '/root', localUser: 'root' };
  const read = (text: string, host: string) => {
    // The Include is read from "disk": give sshConfigFor the included text through a combined file.
    return sshConfigFor(files.sshConfig.replace('Include /lab/jumps.conf', text), host, env);
  };
  t.is(read(files.include, 'node1').proxyJump, undefined);
  t.like(read(files.include, 'node3.example.org').proxyJump, { value: 'node1' });
  t.like(read(files.include, '10.88.7.12').proxyJump, { value: 'node1' });
  t.like(read(files.include, 'node4').proxyJump, { value: 'node2' });
  t.like(read(files.include, 'node4'), { hostName: '10.88.7.14', user: 'root' });
  t.regex(files.sshConfig, /^Include \/lab\/jumps\.conf$/m);
  t.regex(files.sshConfig, /^Match originalhost node4,node4\.example\.org,10\.88\.7\.14$/m);
});

test('undoing a topology: inner bastions first, veths back to the machine and onto the lab bridge', (t) => {
  t.deepEqual(untopologyCommands(state, TWO, 4242), [
    { netns: 'dl-topo-n2', batch: 'link set dv-topo-4 netns 4242\nlink del bri0\n' },
    { netns: 'dl-topo-n1', batch: 'link set dv-topo-2 netns 4242\nlink set dv-topo-3 netns 4242\nlink del bri0\n' },
    {
      netns: '',
      batch:
        'link set dv-topo-4 master drb-topo up\nlink set dv-topo-2 master drb-topo up\nlink set dv-topo-3 master drb-topo up\n',
    },
  ]);
});
