// The real-Portage lab's pure parts: the generated ebuild repository, tarball resolution and checks, layer cache names.
import test from 'ava';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isBuildOf, layerChain, portageDescription, usesRealPortage } from '../../lab/layers.ts';
import { labEbuilds, labRepoFiles, renderEbuild } from '../../lab/portage-repo.ts';
import { labSlowFiles } from '../../lab/portage-slow.ts';
import { realPortageByDefault, usesNetifrc } from '../../lab/types.ts';
import { renderConfdNet } from '../../lab/render.ts';
import {
  netifrcTarball,
  portageTarball,
  projectRoot,
  resolveTarball,
  tarballSource,
} from '../../lab/portage-sources.ts';

test('the repository has a profile, a system set, a mask with its comment, and one ebuild per package', (t) => {
  const f = labRepoFiles();
  t.is(f['profiles/repo_name'], 'drover-lab\n');
  t.is(f['metadata/layout.conf'].split('\n')[0], 'masters =');
  t.is(f['profiles/drover-lab/amd64/eapi'], '8\n');
  t.is(f['profiles/drover-lab/amd64/packages'], '*sys-apps/baselayout\n*sys-apps/portage\n');
  t.regex(f['profiles/package.mask'], /^# drover lab: .*\nsys-cluster\/ceph\n/);
  // labEbuilds, and the slow package (lab/portage-slow.ts) that joins the repository by its own files
  t.is(
    Object.keys(f).filter((k) => k.endsWith('.ebuild')).length,
    labEbuilds.length + Object.keys(labSlowFiles()).filter((k) => k.endsWith('.ebuild')).length,
  );
  // issue 26: the packages the emerge tests need, and a real Manifest for the one with a distfile
  for (const k of [
    'app-misc/lab-fail/lab-fail-1.0.ebuild',
    'app-misc/lab-sub/lab-sub-2.0.ebuild',
    'app-misc/lab-pin/lab-pin-1.0.ebuild',
    'app-misc/lab-slot/lab-slot-2.0.ebuild',
    'dev-python/lab-py/lab-py-1.0.ebuild',
  ])
    t.true(k in f, k);
  t.regex(
    f['app-misc/lab-fetch/Manifest'],
    /^DIST lab-fetch-1\.0\.tar\.gz \d+ BLAKE2B [0-9a-f]{128} SHA512 [0-9a-f]{128}\n$/,
  );
  t.regex(
    f['app-misc/lab-fail/lab-fail-1.0.ebuild'],
    /^src_compile\(\) \{\n(\t.*\n)+\tdie "lab-fail: compile failed on purpose \(drover lab\)"\n\}$/m,
  );
  t.regex(f['app-misc/lab-slot/lab-slot-2.0.ebuild'], /\/\$\{CATEGORY\}\/\$\{PN\}-2" \|\| die$/m);
  t.regex(f['profiles/drover-lab/amd64/make.defaults'], /^USE_EXPAND=".*\bPYTHON_TARGETS\b.*"$/m);
  for (const cat of f['profiles/categories'].trim().split('\n'))
    t.true(
      Object.keys(f).some((k) => k.startsWith(`${cat}/`)),
      cat,
    );
  // What playbooks/ganeti.ts emerges, and the cases emerge's tests need.
  for (const k of [
    'app-emulation/ganeti/ganeti-3.0.2.ebuild',
    'sys-cluster/drbd-utils/drbd-utils-9.27.0.ebuild',
    'sys-fs/lvm2/lvm2-2.03.22-r5.ebuild',
    'app-emulation/qemu/qemu-8.2.3.ebuild',
    'app-emulation/qemu/qemu-9.0.1.ebuild',
    'app-misc/lab-blocker-a/lab-blocker-a-1.0.ebuild',
  ])
    t.true(k in f, k);
});

test('an ebuild is EAPI 8, installs one file into ${ED} and carries KEYWORDS, IUSE, REQUIRED_USE, RDEPEND', (t) => {
  const g = renderEbuild(labEbuilds.find((e) => e.cpv === 'app-emulation/ganeti-3.0.2')!);
  t.regex(g, /^EAPI=8$/m);
  t.regex(g, /^KEYWORDS="~amd64"$/m);
  t.regex(g, /^IUSE=".*\bkvm\b.*"$/m);
  t.regex(g, /^REQUIRED_USE="\|\| \( kvm xen lxc \)/m);
  t.regex(g, /^RDEPEND=".*drbd\? \( sys-cluster\/drbd-utils \)/m);
  t.regex(g, /^S="\$\{WORKDIR\}"$/m);
  t.regex(g, /"\$\{ED\}\/usr\/share\/drover-lab\/\$\{CATEGORY\}\/\$\{PN\}"/);
  t.notRegex(g, /SRC_URI/);
});

test('tarball source: the env var (path or URL) wins, else ../shared beside the project root', (t) => {
  t.is(tarballSource(portageTarball, {}, '/src/drover/'), '/src/shared/portage/portage-3.0.82.tar.gz');
  t.is(tarballSource(netifrcTarball, {}, '/src/drover/'), '/src/shared/netifrc/netifrc-0.7.14.tar.gz');
  t.is(
    tarballSource(portageTarball, { DROVER_LAB_PORTAGE: 'https://example.org/p.tar.gz' }),
    'https://example.org/p.tar.gz',
  );
  t.is(tarballSource(portageTarball, { DROVER_LAB_PORTAGE: '/x/p.tar.gz' }), '/x/p.tar.gz');
  t.is(path.resolve(projectRoot, 'package.json'), path.resolve(import.meta.dirname, '../../package.json'));
});

test('a missing tarball is one line naming the path and the variable to set', async (t) => {
  const err = await t.throwsAsync(
    resolveTarball(portageTarball, { DROVER_LAB_PORTAGE: '/nonexistent/portage.tar.gz' }),
  );
  t.is(
    err!.message,
    'drover lab: Portage 3.0.82 not found at /nonexistent/portage.tar.gz: set DROVER_LAB_PORTAGE=PATH_OR_URL of its release .tar.gz',
  );
});

test('a tarball with another sha256 is refused, naming both hashes', async (t) => {
  const f = path.join(mkdtempSync(path.join(tmpdir(), 'lp-')), 'netifrc.tar.gz');
  writeFileSync(f, 'not netifrc');
  const err = await t.throwsAsync(resolveTarball(netifrcTarball, { DROVER_LAB_NETIFRC: f }));
  t.regex(
    err!.message,
    new RegExp(
      `${f} has sha256 [0-9a-f]{64}, expected ${netifrcTarball.sha256} \\(netifrc 0\\.7\\.14\\).*DROVER_LAB_NETIFRC_SHA256`,
    ),
  );
  // Another release: accepted with its own sha256 given.
  const sha = createHash('sha256').update('not netifrc').digest('hex');
  t.is((await resolveTarball(netifrcTarball, { DROVER_LAB_NETIFRC: f, DROVER_LAB_NETIFRC_SHA256: sha })).file, f);
});

test('the shipped ../shared tarballs verify (when present)', async (t) => {
  const p = await resolveTarball(portageTarball, {}).catch((e: Error) => e);
  if (p instanceof Error && /not found/.test(p.message)) return t.pass(`no ../shared here: ${p.message}`);
  t.false(p instanceof Error, String(p));
  t.is((await resolveTarball(netifrcTarball, {})).sha256, netifrcTarball.sha256);
});

test('cache entries: gentoo- builds are not gentoo-real- builds; temp and staging dirs are no builds', (t) => {
  t.true(isBuildOf('gentoo', 'gentoo-1f508e6a409df25b'));
  t.false(isBuildOf('gentoo', 'gentoo-real-1f508e6a409df25b'));
  t.true(isBuildOf('gentoo-real', 'gentoo-real-1f508e6a409df25b'));
  t.false(isBuildOf('ganeti', 'ganeti-real-5da01122d7c399ac'));
  t.false(isBuildOf('gentoo', 'gentoo-1f508e6a409df25b.tmp.123'));
  t.false(isBuildOf('gentoo-real', 'gentoo-real-1f508e6a409df25b.src.123'));
});

test('profiles: which layers, and which Portage each says it runs', (t) => {
  t.deepEqual(layerChain('ganeti-real'), ['base', 'gentoo-real', 'ganeti-real']);
  t.true(usesRealPortage('ganeti-real'));
  t.is(usesRealPortage('ganeti'), realPortageByDefault);
  t.is(portageDescription('gentoo-real'), 'profile gentoo-real runs real Portage 3.0.82 and netifrc 0.7.14');
  t.regex(portageDescription('gentoo')!, realPortageByDefault ? /runs real Portage 3\.0\.82/ : /has no Portage/);
  t.is(portageDescription('base'), undefined);
});

test("netifrc profiles: each host's /etc/conf.d/net gives eth0 its address and default route, no DAD wait", (t) => {
  const text = renderConfdNet(
    { name: 'x', gateway: '10.88.5.1' },
    { name: 'node2.example.org', address: '10.88.5.12' },
  );
  t.regex(text, /^config_eth0="10\.88\.5\.12\/24"$/m);
  t.regex(text, /^routes_eth0="default via 10\.88\.5\.1"$/m);
  t.regex(text, /^dad_timeout=0$/m);
  t.true(usesNetifrc('gentoo-real') && usesNetifrc('ganeti-real') && !usesNetifrc('base'));
  t.is(usesNetifrc('gentoo'), realPortageByDefault);
});
