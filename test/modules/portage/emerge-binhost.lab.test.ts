// A binhost against real Portage 3.0.82 (issue 26): node1 builds with --buildpkg and serves PKGDIR over HTTP (python3's
// http.server as an OpenRC service), node2 installs the binary package; a binary built with other USE is not taken.
import test from 'ava';
import { labExec } from '../../../lab/index.ts';
import { LAB_SLOW_SECONDS_FILE } from '../../../lab/portage-slow.ts';
import { binhostServer } from '../../../modules/portage/binhost-server.ts';
import { emerge } from '../../../modules/portage/emerge.ts';
import { countExecs } from '../../support/host.ts';
import { labHostOpener, labSerialTest, useLab } from '../../support/lab.ts';

const lab = useLab(test, { name: 'embin', hosts: 2, profile: 'gentoo' });
const labTest = labSerialTest(test);
const node1 = labHostOpener(test, lab, 0);
const node2 = labHostOpener(test, lab, 1);

/** lab-slow's compile time: short in CI; `DROVER_BINHOST_SLOW_SECONDS=60` for the figure in docs/modules/portage.md. */
const SLOW = Number(process.env.DROVER_BINHOST_SLOW_SECONDS ?? 3);

async function sh(node: 'node1' | 'node2', script: string): Promise<{ code: number; stdout: string }> {
  const r = await labExec(lab(), node, ['sh', '-c', script]);
  return { code: r.code, stdout: r.stdout };
}

/** What --check must not change on a host: checksums of /etc/portage, world and /var/db/pkg. */
async function snapshot(node: 'node1' | 'node2'): Promise<string> {
  const r = await sh(
    node,
    'cd / && { find etc/portage var/db/pkg var/lib/portage/world -type f | LC_ALL=C sort | xargs -r sha256sum; find etc/portage var/db/pkg -type l -printf "%p -> %l\\n" | LC_ALL=C sort; }',
  );
  if (r.code !== 0) throw new Error(`snapshot failed: ${r.stdout}`);
  return r.stdout;
}

let url = '';
let buildMs = 0;

labTest(
  'the builder builds with --buildpkg and serves PKGDIR as an OpenRC service; twice changes nothing',
  async (t) => {
    for (const n of ['node1', 'node2'] as const)
      await sh(
        n,
        `mkdir -p ${LAB_SLOW_SECONDS_FILE.replace(/\/[^/]+$/, '')} && echo ${SLOW} > ${LAB_SLOW_SECONDS_FILE}`,
      );
    // --check on the builder: Portage is asked, nothing is built, packaged or recorded
    const before = await snapshot('node1');
    const chk1 = await emerge(node1({ check: true }).host, { atoms: 'app-misc/lab-slow', buildpkg: true });
    t.is(chk1.message, 'install app-misc/lab-slow');
    t.is(await snapshot('node1'), before);
    t.is((await sh('node1', 'ls /var/cache/binpkgs/app-misc 2>/dev/null')).stdout, '');
    const t0 = Date.now();
    const built = await emerge(node1().host, { atoms: 'app-misc/lab-slow', buildpkg: true });
    buildMs = Date.now() - t0;
    t.true(built.changed);
    t.regex((await sh('node1', 'ls /var/cache/binpkgs/app-misc/lab-slow/')).stdout, /^lab-slow-1\.0-1\.gpkg\.tar$/m);

    // --check: the script would be written, nothing else is asked (the service cannot exist yet)
    const chk = await binhostServer(node1({ check: true }).host);
    t.true(chk.script.changed);
    t.is(chk.service, undefined);
    t.is((await sh('node1', 'test -e /etc/init.d/drover-binhost')).code, 1);

    const s = await binhostServer(node1().host);
    t.true(s.script.changed);
    t.true(s.service?.changed);
    url = s.url;
    t.is(url, 'http://node1.example.org:8200');
    t.is((await sh('node1', 'rc-service drover-binhost status')).code, 0);
    t.regex((await sh('node1', 'rc-update show default')).stdout, /drover-binhost \| +default/);
    t.regex((await sh('node1', 'ps -o user= -C python3')).stdout, /^portage$/m);
    // node2 reaches the index over the lab network (Portage reads the same file)
    const index = await sh(
      'node2',
      `python3 -c 'import sys,urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1]).read().decode())' ${url}/Packages`,
    );
    t.regex(index.stdout, /^CPV: app-misc\/lab-slow-1\.0$/m);

    const again = await binhostServer(node1().host);
    t.false(again.script.changed);
    t.false(again.service?.changed);
  },
);

labTest(
  'another host installs the binary package: --check leaves it unchanged, the run is faster, twice changes nothing',
  async (t) => {
    const before = await snapshot('node2');
    const chk = await emerge(node2({ check: true }).host, { atoms: 'app-misc/lab-slow', binhost: url });
    t.true(chk.changed);
    t.is(chk.message, 'install app-misc/lab-slow (binary package)');
    t.like(chk.plan?.entries[0], { kind: 'binary', cpv: 'app-misc/lab-slow-1.0', version: '1.0', buildId: 1 });
    t.regex(chk.detail ?? '', /^\+ app-misc\/lab-slow-1\.0 \(new, binary package\)$/m);
    t.is(await snapshot('node2'), before);

    const t0 = Date.now();
    const r = await emerge(node2().host, { atoms: 'app-misc/lab-slow', binhost: url });
    const binaryMs = Date.now() - t0;
    t.true(r.changed);
    t.is(r.versions['app-misc/lab-slow'], '1.0');
    // installed from the binary package: the vdb records its checksum, and the compile never ran
    t.is((await sh('node2', 'test -s /var/db/pkg/app-misc/lab-slow-1.0/BINPKGMD5')).code, 0);
    t.is((await sh('node2', 'test -e /var/tmp/portage/app-misc/lab-slow-1.0/temp/build.log')).code, 1);
    t.log(
      `lab-slow with a ${SLOW} s compile: built on node1 in ${buildMs} ms, installed from the binhost on node2 in ${binaryMs} ms`,
    );
    t.true(binaryMs < buildMs, `binary ${binaryMs} ms, build ${buildMs} ms`);

    const again = node2();
    const trips = countExecs(again.host);
    const r2 = await emerge(again.host, { atoms: 'app-misc/lab-slow', binhost: url });
    t.false(r2.changed);
    t.is(trips.n, 1);
  },
);

labTest(
  'a binary package built with other USE is not taken: Portage builds from source with the wanted USE',
  async (t) => {
    await emerge(node1().host, { atoms: 'app-misc/screen', buildpkg: true });
    t.notRegex((await sh('node1', 'cat /var/db/pkg/app-misc/screen-4.9.1/USE')).stdout, /\bnethack\b/);
    const before = await snapshot('node2');
    const chk = await emerge(node2({ check: true }).host, { atoms: 'app-misc/screen', use: ['nethack'], binhost: url });
    t.is(
      chk.message,
      'install app-misc/screen (built from source: no matching binary package); edit /etc/portage/package.use/drover',
    );
    t.like(chk.plan?.entries[0], { kind: 'ebuild', cpv: 'app-misc/screen-4.9.1' });
    t.is(await snapshot('node2'), before);

    const r = await emerge(node2().host, { atoms: 'app-misc/screen', use: ['nethack'], binhost: url });
    t.true(r.changed);
    t.regex((await sh('node2', 'cat /var/db/pkg/app-misc/screen-4.9.1/USE')).stdout, /\bnethack\b/);
    t.is((await sh('node2', 'test -e /var/db/pkg/app-misc/screen-4.9.1/BINPKGMD5')).code, 1);
    const r2 = await emerge(node2().host, { atoms: 'app-misc/screen', use: ['nethack'], binhost: url });
    t.false(r2.changed);
  },
);
