// Lab profile gentoo-real: REAL Portage 3.0.82 and netifrc 0.7.14 (not the stand-in) on a lab host, with the
// lab's generated ebuild repository: pretend, install, no-op rerun, masks, REQUIRED_USE, net.eth0, a bridge.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { labExec } from '../../lab/index.ts';
import { useLab, labSerialTest } from '../support/lab.ts';

const lab = useLab(test, { name: 'lpreal', hosts: 1, profile: 'gentoo-real' });
const labTest = labSerialTest(test);

function ssh(command: string) {
  const t0 = Date.now();
  const r = spawnSync(
    'ssh',
    ['-F', lab().sshConfigFile, '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=10', 'node1', command],
    { encoding: 'utf8', timeout: 180_000 },
  );
  return { ...r, seconds: (Date.now() - t0) / 1000 };
}

labTest(
  'the host runs real Portage 3.0.82 from its release tree, not the stand-in, and emerge --info is clean',
  (t) => {
    const r = ssh(
      'emerge --version; test -e /usr/share/portage-standin && echo STANDIN; emerge --info >/dev/null; ls /var/db/pkg/sys-apps /var/db/pkg/sys-fs; cat /var/lib/portage/world',
    );
    t.is(r.status, 0, r.stderr);
    t.regex(r.stdout, /^Portage 3\.0\.82 \(/m);
    t.notRegex(r.stdout, /STANDIN/);
    // No warnings on a plain run: no missing repository, binpkg compressor or gcc.
    t.notRegex(r.stderr, /!!!/);
    // Built into the layer: the system set and lvm2 (Debian's lvm2 is the real one).
    t.regex(r.stdout, /^baselayout-2\.14$/m);
    t.regex(r.stdout, /^lvm2-2\.03\.22-r5$/m);
    t.regex(r.stdout, /^portage-3\.0\.82$/m);
    // --oneshot: nothing in the world file yet, as on a fresh stage3.
    t.notRegex(r.stdout, /^sys-fs\/lvm2$/m);
  },
);

labTest(
  'emerge --pretend: a ~amd64 package is masked by keyword, then planned with its dependency once accepted',
  (t) => {
    const masked = ssh('emerge --pretend --verbose app-emulation/ganeti');
    t.is(masked.status, 1);
    t.regex(masked.stdout + masked.stderr, /- app-emulation\/ganeti-3\.0\.2::drover-lab \(masked by: ~amd64 keyword\)/);
    const r =
      ssh(`PORTAGE_CONFIGROOT=/tmp/cr sh -c 'mkdir -p /tmp/cr/etc/portage && for f in /etc/portage/*; do ln -sfn "$f" /tmp/cr/etc/portage/; done;
    rm /tmp/cr/etc/portage/package.accept_keywords /tmp/cr/etc/portage/package.use; echo "app-emulation/ganeti ~amd64" > /tmp/cr/etc/portage/package.accept_keywords;
    echo "app-emulation/ganeti kvm" > /tmp/cr/etc/portage/package.use;
    emerge --pretend --verbose app-emulation/ganeti'`);
    t.is(r.status, 0, r.stderr);
    t.regex(r.stdout, /^\[ebuild {2}N {4}~\] app-emulation\/ganeti-3\.0\.2::drover-lab {2}USE="ipv6 kvm /m);
    t.regex(r.stdout, /^\[ebuild {2}N {5}\] app-emulation\/qemu-8\.2\.3::drover-lab/m);
    t.log(`emerge --pretend: ${r.seconds.toFixed(1)} s over ssh`);
  },
);

labTest('emerge names REQUIRED_USE and package.mask failures as Portage does', (t) => {
  const ru =
    ssh(`printf 'app-emulation/ganeti ~amd64\\n' > /tmp/kw && mkdir -p /tmp/ru/etc/portage && for f in /etc/portage/*; do ln -sfn "$f" /tmp/ru/etc/portage/; done;
    rm /tmp/ru/etc/portage/package.accept_keywords; cp /tmp/kw /tmp/ru/etc/portage/package.accept_keywords;
    rm /tmp/ru/etc/portage/package.use; mkdir /tmp/ru/etc/portage/package.use; echo "app-emulation/ganeti -kvm" > /tmp/ru/etc/portage/package.use/t;
    PORTAGE_CONFIGROOT=/tmp/ru emerge --pretend app-emulation/ganeti`);
  t.is(ru.status, 1);
  t.regex(ru.stdout + ru.stderr, /!!! Problem resolving dependencies for app-emulation\/ganeti/);
  t.regex(ru.stdout + ru.stderr, /any-of \( kvm xen lxc \)/);
  const mask = ssh('emerge --pretend sys-cluster/ceph');
  t.is(mask.status, 1);
  t.regex(
    mask.stdout + mask.stderr,
    /sys-cluster\/ceph-19\.2\.0::drover-lab \(masked by: package\.mask\)\n\/var\/db\/repos\/drover-lab\/profiles\/package\.mask:\n# drover lab: masked on purpose/,
  );
});

labTest(
  'emerge installs a package from the lab repository (vdb, world, its file); a --noreplace rerun changes nothing',
  (t) => {
    const first = ssh(
      'emerge --quiet app-misc/screen >&2 && cat /var/db/pkg/app-misc/screen-4.9.1/COUNTER && echo && cat /var/lib/portage/world /usr/share/drover-lab/app-misc/screen',
    );
    t.is(first.status, 0, first.stderr);
    t.regex(first.stdout, /^app-misc\/screen$/m);
    t.regex(first.stdout, /^app-misc\/screen-4\.9\.1 USE=/m);
    const counter = first.stdout.split('\n')[0];
    t.log(`emerge app-misc/screen: ${first.seconds.toFixed(1)} s`);
    const again = ssh(
      'emerge --pretend --verbose --noreplace app-misc/screen && emerge --quiet --noreplace app-misc/screen >&2 && cat /var/db/pkg/app-misc/screen-4.9.1/COUNTER',
    );
    t.is(again.status, 0, again.stderr);
    t.regex(again.stdout, /Total: 0 packages/);
    t.is(again.stdout.trim().split('\n').at(-1), counter, 'not reinstalled');
    t.log(`no-op rerun (pretend + emerge --noreplace): ${again.seconds.toFixed(1)} s`);
  },
);

labTest('a blocker pair: installing one package while its blocker is selected is refused', (t) => {
  const r = ssh('emerge --quiet app-misc/lab-blocker-a >/dev/null && emerge --pretend app-misc/lab-blocker-b');
  t.is(r.status, 1);
  t.regex(r.stdout + r.stderr, /cannot be\s+\*? ?installed at the same time/);
  t.log(`blocker test: ${r.seconds.toFixed(1)} s`);
});

labTest('netifrc: net.eth0 owns the host address (stop removes it, start restores address and route)', async (t) => {
  t.regex(ssh('rc-service net.eth0 status').stdout, /status: started/);
  // Through the host's namespaces, not ssh: eth0 goes down in between.
  const r = await labExec(lab(), 'node1', [
    'sh',
    '-c',
    'rc-service net.eth0 stop >/dev/null 2>&1; ip -4 -br addr show eth0; echo --; rc-service net.eth0 start >/dev/null 2>&1; ip -4 -br addr show eth0; ip route show default',
  ]);
  const [stopped, started] = r.stdout.split('--\n');
  t.notRegex(stopped, /10\.88\./);
  t.regex(started, new RegExp(`${lab().hosts[0].address.replace(/\./g, '\\.')}/24`));
  t.regex(started, new RegExp(`default via ${lab().gateway.replace(/\./g, '\\.')} dev eth0`));
  t.is(ssh('hostname').stdout.trim(), 'node1.example.org');
});

labTest('netifrc creates a bridge: net.br0 start puts br0 up with its address, stop destroys it', (t) => {
  const r =
    ssh(`printf 'bridge_br0=""\\nconfig_br0="192.0.2.1/24"\\n' >> /etc/conf.d/net && ln -sf net.lo /etc/init.d/net.br0 &&
    rc-service net.br0 start && ip -4 -br addr show br0 && test -d /sys/class/net/br0/bridge && echo BRIDGE &&
    rc-service net.br0 stop && ! ip link show br0 2>/dev/null && echo GONE`);
  t.is(r.status, 0, r.stdout + r.stderr);
  t.regex(r.stdout, /^br0\s+\S+\s+192\.0\.2\.1\/24/m);
  t.regex(r.stdout, /^BRIDGE$/m);
  t.regex(r.stdout, /^GONE$/m);
  t.log(`net.br0 start+stop: ${r.seconds.toFixed(1)} s`);
});

labTest('emerge --sync really syncs the lab repository (rsync from the copy in the layer) and logs it', (t) => {
  const r = ssh(
    "emerge --sync >/dev/null 2>&1; echo rc=$?; grep -c '=== Sync completed for drover-lab' /var/log/emerge.log",
  );
  t.regex(r.stdout, /^rc=0\n[1-9]\d*$/m);
  t.log(`emerge --sync: ${r.seconds.toFixed(1)} s`);
});
