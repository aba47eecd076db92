// emerge module as a Gentoo admin uses it (issue 26), against real Portage 3.0.82 on the lab's repository: failed
// builds and fetches that explain themselves, every atom form, Portage's effective USE, mixed removals, skipped updates.
import test from 'ava';
import { labExec } from '../../../lab/index.ts';
import { registerSecrets } from '../../../core/host.ts';
import { secret } from '../../../core/secret.ts';
import { emerge } from '../../../modules/portage/emerge.ts';
import { emergeWorld } from '../../../modules/portage/emerge-world.ts';
import { countExecs } from '../../support/host.ts';
import { labHostOpener, labSerialTest, useLab } from '../../support/lab.ts';

const lab = useLab(test, { name: 'emadmin', hosts: 1, profile: 'gentoo' });
const labTest = labSerialTest(test);
const host = labHostOpener(test, lab);

async function sh(script: string): Promise<{ code: number; stdout: string }> {
  const r = await labExec(lab(), 'node1', ['sh', '-c', script]);
  return { code: r.code, stdout: r.stdout };
}

/** What --check (and a refusal) must not change: checksums of /etc/portage, world and /var/db/pkg. */
async function snapshot(): Promise<string> {
  const r = await sh(
    'cd / && { find etc/portage var/db/pkg var/lib/portage/world -type f | LC_ALL=C sort | xargs -r sha256sum; find etc/portage var/db/pkg -type l -printf "%p -> %l\\n" | LC_ALL=C sort; }',
  );
  if (r.code !== 0) throw new Error(`snapshot failed: ${r.stdout}`);
  return r.stdout;
}

const world = async () => (await sh('cat /var/lib/portage/world')).stdout;

labTest(
  'issue 26 #1: a build that dies names the package, the phase, the die message and the log tail (secret masked)',
  async (t) => {
    const before = await snapshot();
    const chk = await emerge(host({ check: true }).host, { atoms: 'app-misc/lab-fail' });
    t.true(chk.changed);
    t.is(await snapshot(), before);

    const { host: h, events } = host();
    registerSecrets(h, [secret('lab-secret-4f2a9c0d')]);
    const err = await t.throwsAsync(emerge(h, { atoms: 'app-misc/lab-fail' }));
    const m = err!.message;
    t.regex(
      m,
      /emerge --quiet --noreplace -- app-misc\/lab-fail exited 1: app-misc\/lab-fail-1\.0::drover-lab failed in the compile phase: lab-fail: compile failed on purpose \(drover lab\)/,
    );
    t.regex(m, /^build log \/var\/tmp\/portage\/app-misc\/lab-fail-1\.0\/temp\/build\.log \(last lines\):$/m);
    t.regex(m, /^ {2}lab-fail\.c:12:5: error: 'undeclared_thing' undeclared/m);
    t.notRegex(m, /lab-secret-4f2a9c0d/);
    t.regex(m, /api token \*\*\* in the build output/);
    const end = events.find((e) => e.kind === 'module-end' && e.status === 'failed');
    t.truthy(end);
    t.notRegex(JSON.stringify(events), /lab-secret-4f2a9c0d/);
    t.is((await sh('ls -d /var/db/pkg/app-misc/lab-fail-* 2>/dev/null')).stdout, '');
  },
);

labTest('issue 26 #1: a fetch failure names the package and the file', async (t) => {
  const err = await t.throwsAsync(emerge(host().host, { atoms: 'app-misc/lab-fetch' }));
  t.regex(err!.message, /fetching app-misc\/lab-fetch-1\.0 failed: cannot download lab-fetch-1\.0\.tar\.gz/);
});

labTest('issue 26 #2: `:=` and other dependency-only atoms are refused before the host is contacted', async (t) => {
  const { host: h } = host();
  const trips = countExecs(h);
  const err = await t.throwsAsync(emerge(h, { atoms: 'app-misc/lab-sub:=' }));
  t.regex(err!.message, /slot operator ":=" belongs to dependencies/);
  await t.throwsAsync(emerge(h, { atoms: 'app-misc/lab-sub:0=' }), { message: /slot operator ":0="/ });
  await t.throwsAsync(emerge(h, { atoms: 'app-misc/lab-sub[foo?]' }), { message: /not a plain USE dependency/ });
  t.is(trips.n, 0);
});

labTest('issue 26 #2: USE_EXPAND flags in both spellings; a second run changes nothing', async (t) => {
  // the admin's own line in Portage's group spelling counts: drover does not repeat it
  await sh("printf 'dev-python/lab-py PYTHON_TARGETS: python3_13\\n' > /etc/portage/package.use/50-admin");
  const before = await snapshot();
  const chk = await emerge(host({ check: true }).host, {
    atoms: 'dev-python/lab-py',
    use: ['python_targets_python3_13'],
  });
  t.true(chk.changed);
  t.deepEqual(chk.changes ?? [], []);
  t.is(await snapshot(), before);
  const r = await emerge(host().host, { atoms: 'dev-python/lab-py', use: ['PYTHON_TARGETS: python3_13 -python3_12'] });
  t.true(r.changed);
  t.regex((await sh('cat /var/db/pkg/dev-python/lab-py-1.0/USE')).stdout, /\bpython_targets_python3_13\b/);
  t.notRegex((await sh('cat /var/db/pkg/dev-python/lab-py-1.0/USE')).stdout, /\bpython_targets_python3_12\b/);
  t.regex((await sh('cat /etc/portage/package.use/drover')).stdout, /^dev-python\/lab-py -python_targets_python3_12$/m);
  const again = host();
  const trips = countExecs(again.host);
  const r2 = await emerge(again.host, {
    atoms: 'dev-python/lab-py',
    use: ['python_targets_python3_13', '-python_targets_python3_12'],
  });
  t.false(r2.changed);
  t.is(trips.n, 1);
});

labTest(
  'issue 26 #3: a later versioned package.use line that wins is named by file:line, before anything is written',
  async (t) => {
    await sh("printf '>=app-misc/screen-4 -multiuser\\n' > /etc/portage/package.use/zz-admin");
    const before = await snapshot();
    const err = await t.throwsAsync(emerge(host().host, { atoms: 'app-misc/screen', use: ['multiuser'] }));
    t.regex(
      err!.message,
      /USE flag "multiuser" of app-misc\/screen-4\.9\.1 would be off, not on as asked: \/etc\/portage\/package\.use\/zz-admin:1 sets ">=app-misc\/screen-4 -multiuser"/,
    );
    t.is(await snapshot(), before);
    await sh('rm /etc/portage/package.use/zz-admin');
    // a mask in the local profile overlay is named as such
    await sh(
      "mkdir -p /etc/portage/profile && printf 'app-misc/screen nethack\\n' > /etc/portage/profile/package.use.mask",
    );
    const before2 = await snapshot();
    const err2 = await t.throwsAsync(emerge(host().host, { atoms: 'app-misc/screen', use: ['nethack'] }));
    t.regex(
      err2!.message,
      /masked by the local profile overlay \(\/etc\/portage\/profile\/package\.use\.mask:1 "app-misc\/screen nethack"; emerge shows \(-nethack\)\)/,
    );
    t.is(await snapshot(), before2);
    await sh('rm -r /etc/portage/profile');
  },
);

labTest(
  'issue 26 #4: an update Portage skips for a slot-operator conflict fails with its warning, changing nothing',
  async (t) => {
    const base = await emerge(host().host, { atoms: ['=app-misc/lab-sub-1.0', 'app-misc/lab-pin', 'app-misc/screen'] });
    t.true(base.changed);
    const before = await snapshot();
    const err = await t.throwsAsync(emerge(host().host, { atoms: 'app-misc/lab-sub', update: true }));
    t.regex(err!.message, /Portage skips an update/);
    t.regex(err!.message, /WARNING: One or more updates\/rebuilds have been skipped due to a dependency conflict:/);
    t.regex(err!.message, /app-misc\/lab-sub:0/);
    t.is(await snapshot(), before);
  },
);

labTest(
  'issue 26 #4: absent with one needed atom and one removable removes the second, keeps the first, succeeds',
  async (t) => {
    const before = await snapshot();
    const absent = { atoms: ['app-misc/lab-sub', 'app-misc/screen'], state: 'absent' as const };
    const chk = await emerge(host({ check: true }).host, absent);
    t.is(chk.message, 'remove app-misc/screen; kept app-misc/lab-sub (other packages need it)');
    t.is(await snapshot(), before);
    const rm = await emerge(host().host, absent);
    t.true(rm.changed);
    t.deepEqual(rm.versions, { 'app-misc/lab-sub': '1.0', 'app-misc/screen': null });
    t.regex(rm.detail!, /app-misc\/lab-sub-1\.0 pulled in by:\n {2}app-misc\/lab-pin-1\.0/);
    t.false((await emerge(host().host, absent)).changed);
  },
);

labTest('issue 26 #2: a sub-slot atom (app-misc/lab-sub:0/2) is not satisfied by an installed 0/1', async (t) => {
  await emerge(host().host, { atoms: 'app-misc/lab-pin', state: 'absent' });
  const before = await snapshot();
  const sub = { atoms: 'app-misc/lab-sub:0/2' };
  const chk = await emerge(host({ check: true }).host, sub);
  t.true(chk.changed);
  t.is(await snapshot(), before);
  const up = await emerge(host().host, sub);
  t.true(up.changed);
  t.is(up.versions['app-misc/lab-sub:0/2'], '2.0');
  t.is((await sh('cat /var/db/pkg/app-misc/lab-sub-2.0/SLOT')).stdout.trim(), '0/2');
  t.false((await emerge(host().host, sub)).changed);
});

labTest('issue 26 #2: a slotted atom for a second slot gets its own world entry (depclean keeps it)', async (t) => {
  // both slots installed, world naming the package only (as `emerge app-misc/lab-slot` leaves it)
  t.is(
    (
      await sh(
        'emerge --quiet --oneshot app-misc/lab-slot:1 app-misc/lab-slot:2 >/dev/null 2>&1 && echo app-misc/lab-slot >> /var/lib/portage/world',
      )
    ).code,
    0,
  );
  const depcleanSelects = async () =>
    (await sh('emerge --pretend --depclean 2>/dev/null | grep "^All selected packages:" || true')).stdout;
  t.regex(await depcleanSelects(), /app-misc\/lab-slot-1\.0/, 'slot 1 is not held by world yet');
  const before = await snapshot();
  const chk = await emerge(host({ check: true }).host, { atoms: 'app-misc/lab-slot:1' });
  t.is(chk.message, 'add app-misc/lab-slot:1 to world');
  t.is(await snapshot(), before);
  const r = await emerge(host().host, { atoms: 'app-misc/lab-slot:1' });
  t.true(r.changed);
  t.regex(await world(), /^app-misc\/lab-slot:1$/m);
  t.notRegex(await depcleanSelects(), /app-misc\/lab-slot-1\.0/);
  t.false((await emerge(host().host, { atoms: 'app-misc/lab-slot:1' })).changed);
});

labTest(
  'issue 26 #5: a world update is summarised from Portage, honest in --check, refused on a blocker',
  async (t) => {
    t.is((await sh('emerge --quiet --noreplace =net-misc/socat-1.7.4.4 >/dev/null 2>&1')).code, 0);
    const before = await snapshot();
    const chk = await emergeWorld(host({ check: true }).host, {});
    t.true(chk.changed);
    t.regex(chk.message!, /^update @world: .*\b1 upgrade\b/);
    t.regex(chk.detail!, /^\^ net-misc\/socat 1\.7\.4\.4(::drover-lab)? -> 1\.8\.0\.0 \(update\)$/m);
    t.is(await snapshot(), before);

    // a blocker in the world update: refused with Portage's words, nothing changed
    t.is(
      (
        await sh(
          'emerge --quiet app-misc/lab-blocker-a >/dev/null 2>&1 && echo app-misc/lab-blocker-b >> /var/lib/portage/world',
        )
      ).code,
      0,
    );
    const before2 = await snapshot();
    const err = await t.throwsAsync(emergeWorld(host().host, {}));
    t.regex(
      err!.message,
      // Portage names the pair either way round, depending on the order it resolved them in
      /exited 1:\n\[blocks B +\] app-misc\/lab-blocker-([ab]) \("app-misc\/lab-blocker-\1" is soft blocking app-misc\/lab-blocker-[ab]-1\.0\)/,
    );
    t.is(await snapshot(), before2);
    await sh("sed -i '/^app-misc\\/lab-blocker-b$/d' /var/lib/portage/world");

    const r = await emergeWorld(host().host, {});
    t.true(r.changed);
    t.is((await sh('ls -d /var/db/pkg/net-misc/socat-*')).stdout.trim(), '/var/db/pkg/net-misc/socat-1.8.0.0');
    const again = await emergeWorld(host().host, {});
    t.false(again.changed);
    t.deepEqual(again.summary, { upgrades: 0, downgrades: 0, rebuilds: 0, new: 0, removals: 0 });
  },
);

labTest(
  'issue 26 #5: unmask lifts the profile mask, mask holds a version back, license and env lines; idempotent',
  async (t) => {
    await sh('mkdir -p /etc/portage/env && echo MAKEOPTS=-j1 > /etc/portage/env/lab.conf');
    const params = {
      atoms: ['sys-cluster/ceph', 'app-misc/screen'],
      unmask: ['sys-cluster/ceph'],
      // ~amd64 makes screen-5.0.0 visible; the mask keeps it out
      keywords: { 'app-misc/screen': '~amd64' },
      mask: ['>=app-misc/screen-5'],
      license: { 'app-misc/screen': ['GPL-2'] },
      env: { 'app-misc/screen': ['lab.conf'] },
    };
    const before = await snapshot();
    const chk = await emerge(host({ check: true }).host, params);
    t.true(chk.changed);
    t.regex(chk.detail!, /^\+ sys-cluster\/ceph-19\.2\.0 \(new\)/m);
    t.regex(chk.detail!, /^\+ app-misc\/screen-4\.9\.1 \(new\)/m);
    t.is(await snapshot(), before);
    const r = await emerge(host().host, params);
    t.deepEqual(r.versions, { 'sys-cluster/ceph': '19.2.0', 'app-misc/screen': '4.9.1' });
    const files = (
      await sh(
        'cd /etc/portage && grep -v "^#" package.mask/drover package.unmask/drover package.license/drover package.env/drover',
      )
    ).stdout;
    t.is(
      files,
      'package.mask/drover:>=app-misc/screen-5\npackage.unmask/drover:sys-cluster/ceph\npackage.license/drover:app-misc/screen GPL-2\npackage.env/drover:app-misc/screen lab.conf\n',
    );
    const again = host();
    const trips = countExecs(again.host);
    t.false((await emerge(again.host, params)).changed);
    t.is(trips.n, 1);
  },
);
