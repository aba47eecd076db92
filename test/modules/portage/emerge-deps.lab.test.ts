// USE for a package that is not among the atoms (a dependency), against real Portage 3.0.82 (issue 26): Portage is
// asked about it before its package.use line is written; a flag it lacks or the profile masks writes nothing.
import test from 'ava';
import { labExec } from '../../../lab/index.ts';
import { emerge } from '../../../modules/portage/emerge.ts';
import { countExecs } from '../../support/host.ts';
import { labHostOpener, labSerialTest, useLab } from '../../support/lab.ts';

const lab = useLab(test, { name: 'emdeps', hosts: 1, profile: 'gentoo' });
const labTest = labSerialTest(test);
const host = labHostOpener(test, lab);

async function sh(script: string): Promise<{ code: number; stdout: string }> {
  const r = await labExec(lab(), 'node1', ['sh', '-c', script]);
  return { code: r.code, stdout: r.stdout };
}

/** What a refusal and --check must not change: checksums of /etc/portage, world and /var/db/pkg. */
async function snapshot(): Promise<string> {
  const r = await sh(
    'cd / && { find etc/portage var/db/pkg var/lib/portage/world -type f | LC_ALL=C sort | xargs -r sha256sum; find etc/portage var/db/pkg -type l -printf "%p -> %l\\n" | LC_ALL=C sort; }',
  );
  if (r.code !== 0) throw new Error(`snapshot failed: ${r.stdout}`);
  return r.stdout;
}

// sys-fs/lvm2 is installed in the layer; app-misc/lab-flags (IUSE caps lxc plain; the profile masks lxc, forces caps) is not.
const ATOM = 'sys-fs/lvm2';

labTest('a flag the dependency does not have is refused before anything is written', async (t) => {
  const before = await snapshot();
  const err = await t.throwsAsync(emerge(host().host, { atoms: ATOM, use: { 'app-misc/lab-flags': ['plian'] } }));
  t.regex(
    err!.message,
    /use for app-misc\/lab-flags \(not among the atoms, so Portage was asked about it alone\): USE flag "plian" is not in IUSE of app-misc\/lab-flags-1\.0 \(emerge shows: caps lxc plain\)/,
  );
  t.is(await snapshot(), before);
});

labTest('a flag the profile masks for the dependency, and an unknown package, are refused the same way', async (t) => {
  const before = await snapshot();
  const masked = await t.throwsAsync(emerge(host().host, { atoms: ATOM, use: { 'app-misc/lab-flags': ['lxc'] } }));
  t.regex(masked!.message, /USE flag "lxc" of app-misc\/lab-flags-1\.0 is masked by the profile/);
  const unknown = await t.throwsAsync(emerge(host().host, { atoms: ATOM, use: { 'app-misc/lab-nosuch': ['x'] } }));
  t.regex(
    unknown!.message,
    /use for app-misc\/lab-nosuch .*: emerge --pretend --verbose --nodeps --oneshot -- app-misc\/lab-nosuch exited 1:\n.*there are no ebuilds to satisfy "app-misc\/lab-nosuch"/,
  );
  t.is(await snapshot(), before);
});

labTest('a flag it has is written; --check changes nothing; a second run is one round trip', async (t) => {
  const params = { atoms: ATOM, use: { 'app-misc/lab-flags': ['plain'] } };
  const before = await snapshot();
  const chk = await emerge(host({ check: true }).host, params);
  t.true(chk.changed);
  t.regex(chk.message ?? '', /edit \/etc\/portage\/package\.use\/drover/);
  t.is(await snapshot(), before);
  const r = await emerge(host().host, params);
  t.true(r.changed);
  t.regex((await sh('cat /etc/portage/package.use/drover')).stdout, /^app-misc\/lab-flags plain$/m);
  // the dependency was not built: drover writes its line, Portage uses it when something pulls the package in
  t.is((await sh('ls -d /var/db/pkg/app-misc/lab-flags-* 2>/dev/null')).stdout, '');
  const again = host();
  const trips = countExecs(again.host);
  t.false((await emerge(again.host, params)).changed);
  t.is(trips.n, 1);
});
