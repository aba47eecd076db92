// playbooks/ganeti's bridge step (netServices) against real netifrc 0.7.14 on a lab host: the node's address moves
// from eth0 onto br0 while drover is connected over SSH (one detached command, reconnect, verify).
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { labExec } from '../../../lab/index.ts';
import { sh } from '../../../core/sh.ts';
import { confNet, netServices } from '../../../playbooks/ganeti/network.ts';
import { labHostOpener, labSerialTest, useLab } from '../../support/lab.ts';

const lab = useLab(test, { name: 'gnetsw', hosts: 1, profile: 'gentoo' });
const labTest = labSerialTest(test);
const openHost = labHostOpener(test, lab);

const inHost = async (cmd: string) => labExec(lab(), 'node1', ['sh', '-c', cmd]);

/** A new SSH connection from the machine, as an operator (or the next drover run) would open one. */
function sshFromOutside(): { code: number | null; out: string } {
  const s = lab();
  const r = spawnSync(
    'ssh',
    ['-F', s.sshConfigFile, '-o', 'ConnectTimeout=5', 'node1', 'ip -o addr show scope global'],
    { encoding: 'utf8', timeout: 20_000 },
  );
  return { code: r.status, out: r.stdout + r.stderr };
}

labTest(
  'the address moves onto br0: eth0 holds none, net.eth0 is stopped and out of the runlevel, the node answers new connections; a rerun changes nothing',
  async (t) => {
    const s = lab();
    const node = s.hosts[0];
    const text = confNet({
      publicIp: node.address,
      publicPrefix: 24,
      bridge: 'br0',
      publicInterface: 'eth0',
      gateway: s.gateway,
    })!;
    const w = await labExec(s, 'node1', ['sh', '-c', 'cat > /etc/conf.d/net'], { stdin: text });
    t.is(w.code, 0, w.stderr);

    const { host } = openHost();
    const r = await netServices(host, { bridge: 'br0', port: 'eth0' });
    t.true(r.changed);
    t.deepEqual(r.actions, ['link net.br0', 'enable net.br0', 'disable net.eth0', 'stop net.eth0', 'start net.br0']);

    // eth0 address-less (the defect: netifrc's bridge start left the address on eth0 too), br0 holds it
    t.is((await inHost('ip -o addr show dev eth0 scope global')).stdout, '');
    t.regex(
      (await inHost('ip -o -4 addr show dev br0 scope global')).stdout,
      new RegExp(`inet ${node.address.replace(/\./g, '\\.')}/24`),
    );
    t.regex((await inHost('ip route show default')).stdout, /^default via \S+ dev br0/m);
    t.regex((await inHost('ls /sys/class/net/br0/brif')).stdout, /^eth0$/m);
    // The runlevel and the services' own status, not `rc-status` (it reads OpenRC's dependency cache, which
    // may not list a service linked a moment ago: it missed net.br0 once in CI).
    t.is(
      (
        await inHost(
          '[ -L /etc/runlevels/default/net.br0 ] && rc-service net.br0 status >/dev/null 2>&1 && echo started',
        )
      ).stdout,
      'started\n',
    );
    t.is((await inHost('[ -e /etc/runlevels/default/net.eth0 ] && echo linked || echo absent')).stdout, 'absent\n');
    t.notRegex((await inHost('rc-service net.eth0 status 2>&1; true')).stdout, /started/);
    t.regex(
      (await inHost('rc-service sshd status')).stdout + (await inHost('rc-service sshd status')).stderr,
      /started/,
      'sshd was not stopped with net.eth0',
    );

    // From outside, with the neighbour caches forgotten on both sides (the old sequence timed out here).
    await inHost('ip neigh flush all');
    spawnSync('ip', ['neigh', 'flush', 'dev', s.bridge]);
    const out = sshFromOutside();
    t.is(out.code, 0, out.out);
    t.notRegex(out.out, /eth0/);

    // drover's own connection (reconnected by the module) still works, and the rerun is a no-op.
    t.is((await host.exec(sh`true`)).code, 0);
    const again = await netServices(openHost().host, { bridge: 'br0', port: 'eth0' });
    t.false(again.changed);
    t.deepEqual(again.actions, []);
  },
);
