// emerge module against a lab host (gentoo profile: real Portage 3.0.82 on the lab's repository drover-lab; package.use a
// directory, accept_keywords a file). Tests named "issue 14 #N" failed on the module before that defect's fix.
import test from 'ava';
import { labExec } from '../../../lab/index.ts';
import { emerge } from '../../../modules/portage/emerge.ts';
import { labHostOpener, labSerialTest, useLab } from '../../support/lab.ts';
import { countExecs } from '../../support/host.ts';

const lab = useLab(test, { name: 'emerge', hosts: 1, profile: 'gentoo' });
const labTest = labSerialTest(test);
const openHost = labHostOpener(test, lab);
const host = (opts: { check?: boolean } = {}) => openHost(opts);

const counted = countExecs;

async function read(path: string): Promise<string | null> {
  const r = await labExec(lab(), 'node1', ['cat', path]);
  return r.code === 0 ? r.stdout : null;
}

/** What --check must not change: config files, vdb, world, log. */
async function snapshot(): Promise<string> {
  const r = await labExec(lab(), 'node1', [
    'sh',
    '-c',
    'cat /etc/portage/package.accept_keywords; ls -R /etc/portage/package.use /var/db/pkg; cat /etc/portage/package.use/* /var/lib/portage/world /var/log/emerge.log 2>/dev/null; cat /var/db/pkg/*/*/USE',
  ]);
  return r.stdout;
}

const KW = { 'app-emulation/ganeti': '~amd64', 'sys-cluster/drbd-utils': '~amd64' };

labTest("a package masked by ~amd64 fails with Portage's reason and writes nothing", async (t) => {
  const before = await snapshot();
  const { host: h } = host();
  const err = await t.throwsAsync(emerge(h, { atoms: 'app-emulation/ganeti', use: ['kvm'] }));
  t.regex(err!.message, /- app-emulation\/ganeti-3\.0\.2::drover-lab \(masked by: ~amd64 keyword\)/);
  // issue 14 #8: the command as it ran, with its --
  t.regex(err!.message, /emerge --pretend --verbose --noreplace -- app-emulation\/ganeti exited 1:/);
  t.regex(err!.message, /All ebuilds that could satisfy "app-emulation\/ganeti" have been masked/);
  t.is(await snapshot(), before);
});

labTest('REQUIRED_USE violation is quoted', async (t) => {
  const { host: h } = host({ check: true });
  const err = await t.throwsAsync(emerge(h, { atoms: 'app-emulation/ganeti', keywords: KW, use: ['-kvm'] }));
  t.regex(err!.message, /any-of \( kvm xen lxc \)/);
  // issue 14 #5: real Portage opens with "!!! Problem resolving dependencies" and a blank line; the complete expression is kept
  t.regex(err!.message, /^!!! Problem resolving dependencies for app-emulation\/ganeti$/m);
  t.regex(err!.message, /complete expression:\n {4}any-of \( kvm xen lxc \) test\? \( ipv6 \)$/);
});

labTest('--check shows the plan and changes nothing', async (t) => {
  const before = await snapshot();
  const { host: h } = host({ check: true });
  const r = await emerge(h, { atoms: 'app-emulation/ganeti', keywords: KW, use: ['kvm', 'drbd'] });
  t.true(r.changed);
  t.regex(r.detail!, /^\+ sys-cluster\/drbd-utils-9\.27\.0 \(new\)/m);
  t.regex(r.detail!, /^\+ app-emulation\/ganeti-3\.0\.2 \(new\) USE drbd ipv6 kvm$/m);
  // lvm2 is in the layer: ganeti, drbd-utils, qemu
  t.deepEqual(
    r
      .plan!.entries.filter((e) => e.action === 'new')
      .map((e) => e.cpv)
      .sort(),
    ['app-emulation/ganeti-3.0.2', 'app-emulation/qemu-8.2.3', 'sys-cluster/drbd-utils-9.27.0'],
  );
  t.deepEqual(r.changes!.map((c) => c.path).sort(), [
    '/etc/portage/package.accept_keywords',
    '/etc/portage/package.use/drover',
  ]);
  t.is(r.versions['app-emulation/ganeti'], null);
  t.is(await snapshot(), before);
});

labTest('keywords + USE + install, then a second run is one round trip and changes nothing', async (t) => {
  const { host: h, events } = host();
  const r = await emerge(h, { atoms: 'app-emulation/ganeti', keywords: KW, use: ['kvm', 'drbd'] });
  t.true(r.changed);
  t.is(r.versions['app-emulation/ganeti'], '3.0.2');
  t.regex((await read('/var/db/pkg/app-emulation/ganeti-3.0.2/USE'))!, /\bdrbd\b.*\bkvm\b/);
  t.is(await read('/var/lib/portage/world'), 'app-emulation/ganeti\n');
  t.regex((await read('/etc/portage/package.use/drover'))!, /\napp-emulation\/ganeti kvm drbd\n$/);
  // issue 14 defect 1: the old writer's mktemp left a new file 0600
  t.is(
    (await labExec(lab(), 'node1', ['stat', '-c', '%a %U', '/etc/portage/package.use/drover'])).stdout,
    '644 root\n',
  );
  const kw = (await read('/etc/portage/package.accept_keywords'))!;
  t.regex(
    kw,
    /^# drover lab: package\.accept_keywords.*\napp-emulation\/ganeti ~amd64\nsys-cluster\/drbd-utils ~amd64\n$/s,
  );
  t.true(
    events.some((e) => e.kind === 'module-progress'),
    'progress streamed',
  );

  const again = host();
  const trips = counted(again.host);
  const r2 = await emerge(again.host, { atoms: 'app-emulation/ganeti', keywords: KW, use: ['kvm', 'drbd'] });
  t.false(r2.changed);
  t.is(trips.n, 1);
  t.is(await read('/etc/portage/package.accept_keywords'), kw);
});

labTest('a USE change rebuilds exactly once and says which flags changed; --check first changes nothing', async (t) => {
  const completed = async () =>
    ((await read('/var/log/emerge.log')) ?? '').match(/::: completed emerge \(\d+ of \d+\) app-emulation\/ganeti-/g)
      ?.length ?? 0;
  const n0 = await completed();
  const before = await snapshot();
  const chk = await emerge(host({ check: true }).host, { atoms: 'app-emulation/ganeti', use: ['kvm', '-drbd'] });
  t.true(chk.changed);
  t.regex(chk.message!, /rebuild app-emulation\/ganeti-3\.0\.2 USE -drbd/);
  t.regex(chk.detail!, /^~ app-emulation\/ganeti-3\.0\.2 \(rebuild\) USE -drbd$/m);
  t.is(await snapshot(), before);

  const r = await emerge(host().host, { atoms: 'app-emulation/ganeti', use: ['kvm', '-drbd'] });
  t.true(r.changed);
  t.regex(r.message!, /USE -drbd/);
  t.is(await completed(), n0 + 1);
  t.notRegex((await read('/var/db/pkg/app-emulation/ganeti-3.0.2/USE'))!, /\bdrbd\b/);
  t.regex((await read('/etc/portage/package.use/drover'))!, /\napp-emulation\/ganeti kvm -drbd\n$/);
  const r2 = await emerge(host().host, { atoms: 'app-emulation/ganeti', use: ['kvm', '-drbd'] });
  t.false(r2.changed);
  t.is(await completed(), n0 + 1);
});

labTest('a line for the same atom elsewhere that contradicts is an error naming it', async (t) => {
  await labExec(lab(), 'node1', ['sh', '-c', 'echo "app-misc/screen -multiuser" > /etc/portage/package.use/zz-admin']);
  const err = await t.throwsAsync(emerge(host().host, { atoms: 'app-misc/screen', use: ['multiuser'] }));
  t.regex(err!.message, /package\.use\/zz-admin:1 sets "app-misc\/screen -multiuser"/);
  await labExec(lab(), 'node1', ['rm', '/etc/portage/package.use/zz-admin']);
});

labTest('state absent removes only the named atom', async (t) => {
  const { host: h } = host();
  t.true((await emerge(h, { atoms: 'app-misc/screen' })).changed);
  t.not(await read('/var/db/pkg/app-misc/screen-4.9.1/USE'), null);
  const chk = await emerge(host({ check: true }).host, { atoms: 'app-misc/screen', state: 'absent' });
  t.true(chk.changed);
  t.not(await read('/var/db/pkg/app-misc/screen-4.9.1/USE'), null);
  const r = await emerge(h, { atoms: 'app-misc/screen', state: 'absent' });
  t.true(r.changed);
  t.is(await read('/var/db/pkg/app-misc/screen-4.9.1/USE'), null);
  t.not(await read('/var/db/pkg/app-emulation/ganeti-3.0.2/USE'), null);
  t.false((await emerge(h, { atoms: 'app-misc/screen', state: 'absent' })).changed);
});

labTest('bad input is refused before touching the host', async (t) => {
  const { host: h } = host();
  await t.throwsAsync(emerge(h, { atoms: 'ganeti' }), { message: /not a valid package atom: "ganeti"/ });
  await t.throwsAsync(emerge(h, { atoms: 'app-misc/screen', use: ['kvm;rm'] }), { message: /is not a USE flag/ });
  await t.throwsAsync(emerge(h, { atoms: 'app-emulation/ganeti', use: ['kvmm'] }), {
    message: /"kvmm" is not in IUSE of app-emulation\/ganeti-3\.0\.2/,
  });
  const before = await snapshot();
  await t.throwsAsync(emerge(h, { atoms: 'app-containers/lxc', use: ['capz'] }), {
    message: /"capz" is not in IUSE of app-containers\/lxc-6\.0\.0 \(emerge shows: caps /,
  });
  t.is(await snapshot(), before, 'a typo in a flag of a package not yet installed is caught before writing');
});

labTest(
  'sync is opt-in, runs emerge --sync (a change: it updates the repository) and never in --check; a current tree is no change',
  async (t) => {
    const syncs = async () =>
      ((await read('/var/log/emerge.log')) ?? '').match(/=== Sync completed for drover-lab/g)?.length ?? 0;
    const n0 = await syncs();
    const chk = await emerge(host({ check: true }).host, { atoms: 'app-emulation/ganeti', sync: true });
    t.like(chk, { changed: true, message: 'sync the Portage tree' });
    t.is(await syncs(), n0, '--check does not sync');
    const r = await emerge(host().host, { atoms: 'app-emulation/ganeti', sync: true });
    t.like(r, { changed: true, message: 'sync the Portage tree', versions: { 'app-emulation/ganeti': '3.0.2' } });
    t.is(await syncs(), n0 + 1);
    // issue 14: the mirror's timestamp equals the tree's now ("You are already up to date"): no change
    const again = await emerge(host().host, { atoms: 'app-emulation/ganeti', sync: true });
    t.like(again, { changed: false, message: 'the Portage tree is already current' });
    t.is(await syncs(), n0 + 2);
    // and "Nothing to sync... returning" (no repository with auto-sync)
    await labExec(lab(), 'node1', [
      'sh',
      '-c',
      'mkdir -p /etc/portage/repos.conf && printf "[drover-lab]\\nauto-sync = no\\n" > /etc/portage/repos.conf/zz.conf',
    ]);
    t.teardown(() => labExec(lab(), 'node1', ['rm', '-rf', '/etc/portage/repos.conf']).then(() => undefined));
    t.like(await emerge(host().host, { atoms: 'app-emulation/ganeti', sync: true }), { changed: false });
  },
);

labTest('an installed atom missing from the world file is recorded there', async (t) => {
  await labExec(lab(), 'node1', ['sh', '-c', ': > /var/lib/portage/world']);
  const r = await emerge(host().host, { atoms: 'app-emulation/ganeti' });
  t.true(r.changed);
  t.regex(r.message!, /add app-emulation\/ganeti to world/);
  t.is(await read('/var/lib/portage/world'), 'app-emulation/ganeti\n');
  t.false((await emerge(host().host, { atoms: 'app-emulation/ganeti' })).changed);
});

labTest(
  'issue 14 #2: removing a package another one needs is kept, said so, not a failure; --check says the same',
  async (t) => {
    t.not(
      await read('/var/db/pkg/app-emulation/ganeti-3.0.2/USE'),
      null,
      'ganeti (which needs lvm2) is installed by the tests above',
    );
    const chk = await emerge(host({ check: true }).host, { atoms: 'sys-fs/lvm2', state: 'absent' });
    t.like(chk, { changed: false, message: 'kept sys-fs/lvm2 (other packages need it)' });
    t.regex(
      chk.detail!,
      /sys-fs\/lvm2-2\.03\.22-r5 pulled in by:\n {2}app-emulation\/ganeti-3\.0\.2 requires sys-fs\/lvm2/,
    );
    const r = await emerge(host().host, { atoms: 'sys-fs/lvm2', state: 'absent' });
    t.like(r, {
      changed: false,
      message: 'kept sys-fs/lvm2 (other packages need it)',
      versions: { 'sys-fs/lvm2': '2.03.22-r5' },
    });
    t.not(await read('/var/db/pkg/sys-fs/lvm2-2.03.22-r5/USE'), null);
  },
);

labTest('issue 14 #3/#6: a flag only the newer ebuild has is an upgrade, reported as Portage plans it', async (t) => {
  t.true((await emerge(host().host, { atoms: '=app-misc/lab-iuse-1.0' })).changed);
  const chk = await emerge(host({ check: true }).host, { atoms: 'app-misc/lab-iuse', use: ['extra'] });
  t.regex(
    chk.message!,
    /^update app-misc\/lab-iuse 1\.0 -> 1\.1 USE \+extra; edit \/etc\/portage\/package\.use\/drover$/,
  );
  const r = await emerge(host().host, { atoms: 'app-misc/lab-iuse', use: ['extra'] });
  t.like(r, { changed: true, versions: { 'app-misc/lab-iuse': '1.1' } });
  t.regex((await read('/var/db/pkg/app-misc/lab-iuse-1.1/USE'))!, /\bextra\b/);
  t.false((await emerge(host().host, { atoms: 'app-misc/lab-iuse', use: ['extra'] })).changed);
});

labTest(
  'issue 14 #4: a flag the profile masks (or forces) is refused before anything is written, naming the profile',
  async (t) => {
    t.true((await emerge(host().host, { atoms: 'app-misc/lab-flags' })).changed);
    const before = await snapshot();
    const err = await t.throwsAsync(emerge(host().host, { atoms: 'app-misc/lab-flags', use: ['lxc'] }));
    t.regex(
      err!.message,
      /USE flag "lxc" of app-misc\/lab-flags-1\.0 is masked by the profile \(use\.mask \/ package\.use\.mask under \/etc\/portage\/make\.profile; emerge shows \(-lxc\)\)/,
    );
    const forced = await t.throwsAsync(emerge(host().host, { atoms: 'app-misc/lab-flags', use: ['-caps'] }));
    t.regex(forced!.message, /USE flag "caps" of app-misc\/lab-flags-1\.0 is forced on by the profile/);
    t.is(await snapshot(), before, 'nothing written, nothing emerged');
  },
);

labTest('issue 14 #7: a world entry with a slot counts: no emerge, no duplicate entry', async (t) => {
  await labExec(lab(), 'node1', ['sh', '-c', 'echo app-emulation/ganeti:0 > /var/lib/portage/world']);
  const r = await emerge(host().host, { atoms: 'app-emulation/ganeti' });
  t.false(r.changed);
  t.is(await read('/var/lib/portage/world'), 'app-emulation/ganeti:0\n');
});

labTest(
  'issue 16: update: --check shows the update and changes nothing; the update installs the newer version; a rerun is no change in two round trips',
  async (t) => {
    const first = await emerge(host().host, { atoms: '=net-misc/socat-1.7.4.4' });
    t.like(first, { changed: true, versions: { '=net-misc/socat-1.7.4.4': '1.7.4.4' } });
    const noUpdate = await emerge(host().host, { atoms: 'net-misc/socat' });
    t.like(
      noUpdate,
      { changed: false, versions: { 'net-misc/socat': '1.7.4.4' } },
      'without update an installed atom is left as it is',
    );

    const before = await snapshot();
    const chk = await emerge(host({ check: true }).host, { atoms: 'net-misc/socat', update: true });
    t.like(chk, {
      changed: true,
      message: 'update net-misc/socat 1.7.4.4 -> 1.8.0.0',
      versions: { 'net-misc/socat': '1.7.4.4' },
    });
    t.regex(chk.detail!, /^\^ net-misc\/socat 1\.7\.4\.4::drover-lab -> 1\.8\.0\.0 \(update\)$/m);
    t.is(await snapshot(), before, '--check changes nothing');

    const r = await emerge(host().host, { atoms: 'net-misc/socat', update: true });
    t.like(r, {
      changed: true,
      message: 'update net-misc/socat 1.7.4.4 -> 1.8.0.0',
      versions: { 'net-misc/socat': '1.8.0.0' },
    });
    t.not(await read('/var/db/pkg/net-misc/socat-1.8.0.0/USE'), null);
    t.is(await read('/var/db/pkg/net-misc/socat-1.7.4.4/USE'), null, 'the old version is replaced');

    const again = host();
    const trips = counted(again.host);
    t.like(await emerge(again.host, { atoms: 'net-misc/socat', update: true }), {
      changed: false,
      versions: { 'net-misc/socat': '1.8.0.0' },
    });
    t.is(trips.n, 2, 'one probe and one read-only emerge --pretend');
  },
);
