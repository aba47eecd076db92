// Binary packages without a host: the params, the commands they add, Portage's recorded binhost plans, the server script.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { ProbeFrame } from '../../../core/probe-frame.ts';
import { BARE_GENTOO_SECTIONS } from '../../support/emerge-probe.ts';
import { binhostInitScript, binhostServerRequest } from '../../../modules/portage/binhost-server.ts';
import { binpkgRequest } from '../../../modules/portage/emerge-binpkg.ts';
import { parseProbe, pretendCommand } from '../../../modules/portage/emerge-facts.ts';
import { emergeRequest, planEmerge, type EmergeParams } from '../../../modules/portage/emerge-plan.ts';
import { parseEmergePlan, renderPlan } from '../../../modules/portage/emerge-pretend.ts';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/portage/${name}`, import.meta.url), 'utf8');
const URL_ = 'http://node1.example.org:8200';

test('a binary line of real Portage: the build id is not the version', (t) => {
  const plan = parseEmergePlan(fixture('real-binhost-binary.out'));
  t.like(plan.entries[0], {
    kind: 'binary',
    action: 'new',
    cpv: 'app-misc/lab-slow-1.0',
    cp: 'app-misc/lab-slow',
    version: '1.0',
    buildId: 1,
    repo: 'drover-lab',
  });
  t.is(renderPlan(plan).split('\n')[0], '+ app-misc/lab-slow-1.0 (new, binary package)');
  // a version whose last part is a number alone is not taken for a build id
  t.like(parseEmergePlan('[binary  N    ] app-misc/x-1::r  1 KiB\n').entries[0], { cpv: 'app-misc/x-1', version: '1' });
  t.like(parseEmergePlan('[binary  N    ] app-misc/x-1.0-r2-7::r\n').entries[0], { version: '1.0-r2', buildId: 7 });
});

test('binhost and buildpkg are checked before any host is contacted', (t) => {
  t.deepEqual(binpkgRequest({ binhost: URL_, buildpkg: true }), { binhost: URL_, buildpkg: true });
  t.throws(() => binpkgRequest({ binhost: 'node1:8200' }), { message: /binhost must be one URL .* got "node1:8200"/ });
  t.throws(() => binpkgRequest({ binhost: `${URL_} http://other` }), { message: /no spaces/ });
  t.throws(() => binpkgRequest({ binhost: 'http://u:secret@node1/' }), {
    message: /credentials .* would show in logs; put them in \/etc\/portage\/binrepos\.conf/,
  });
  t.throws(() => binpkgRequest({ buildpkg: 'yes' as unknown as boolean }), {
    message: /buildpkg must be true or false/,
  });
  t.throws(() => emergeRequest({ atoms: 'app-misc/screen', state: 'absent', binhost: URL_ }), {
    message: /buildpkg and binhost apply to state "present" only/,
  });
});

test('Portage is asked with the binhost (check mode shows binaries); buildpkg only in the real run', (t) => {
  const r = emergeRequest({ atoms: 'app-misc/lab-slow', binhost: URL_, buildpkg: true });
  const q = pretendCommand(r.atoms, [], false, false, r.binpkg);
  t.is(
    q.shown,
    `PORTAGE_BINHOST=${URL_} emerge --pretend --verbose --noreplace --getbinpkg --binpkg-respect-use=y -- app-misc/lab-slow`,
  );
  const withEdit = pretendCommand(
    r.atoms,
    [{ path: '/etc/portage/package.use/drover', before: null, after: 'x\n', createDir: false }],
    false,
    false,
    r.binpkg,
  );
  t.regex(
    withEdit.command.text,
    /PORTAGE_CONFIGROOT="\$t" PORTAGE_BINHOST=http:\/\/node1\.example\.org:8200 emerge --pretend/,
  );
});

/** A host with nothing installed (package.use a directory), planned from a recorded pretend answer. */
function plan(params: EmergeParams, pretendOut: string) {
  const r = emergeRequest(params);
  const frame = new ProbeFrame();
  const answer = frame.render(BARE_GENTOO_SECTIONS);
  const probe = parseProbe(frame.parse(answer), r.cps, r.configFile, r.extraKinds);
  const cmd = pretendCommand(r.atoms, [], false, false, r.binpkg).shown;
  return planEmerge(params, { probe, pretend: { command: cmd, code: 0, stdout: pretendOut, stderr: '' } });
}

test('the report says whether a package comes from the binhost or is built; the apply asks for both', (t) => {
  const bin = plan({ atoms: 'app-misc/lab-slow', binhost: URL_ }, fixture('real-binhost-binary.out'));
  t.is(bin.result.message, 'install app-misc/lab-slow (binary package)');
  t.is(
    bin.steps?.kind === 'install' ? bin.steps.emerge?.display : undefined,
    `PORTAGE_BINHOST=${URL_} emerge --quiet --noreplace --getbinpkg --binpkg-respect-use=y -- app-misc/lab-slow`,
  );
  const built = plan({ atoms: 'app-misc/screen', binhost: URL_, buildpkg: true }, fixture('real-binhost-ebuild.out'));
  t.is(built.result.message, 'install app-misc/screen (built from source: no matching binary package)');
  t.is(
    built.steps?.kind === 'install' ? built.steps.emerge?.display : undefined,
    `PORTAGE_BINHOST=${URL_} emerge --quiet --noreplace --buildpkg --getbinpkg --binpkg-respect-use=y -- app-misc/screen`,
  );
  // without a binhost nothing is added
  const plain = plan({ atoms: 'app-misc/screen' }, fixture('real-binhost-ebuild.out'));
  t.is(plain.result.message, 'install app-misc/screen');
});

test('the server: plain values only, the script runs python3 http.server as portage', (t) => {
  const r = binhostServerRequest({});
  t.deepEqual(r, { port: 8200, pkgdir: '/var/cache/binpkgs', bind: '0.0.0.0', name: 'drover-binhost' });
  const s = binhostInitScript(r);
  t.regex(s, /^#!\/sbin\/openrc-run\n/);
  t.regex(s, /^command_args="-m http\.server --bind 0\.0\.0\.0 --directory \/var\/cache\/binpkgs 8200"$/m);
  t.regex(s, /^command_user="portage:portage"$/m);
  t.throws(() => binhostServerRequest({ port: 0 }), { message: /port must be an integer 1\.\.65535/ });
  t.throws(() => binhostServerRequest({ pkgdir: '/var/$(reboot)' }), { message: /pkgdir must be an absolute path/ });
  t.throws(() => binhostServerRequest({ pkgdir: '/var/../etc' }), { message: /pkgdir/ });
  t.throws(() => binhostServerRequest({ bind: 'node1"; rm' }), { message: /bind must be an IPv4 or IPv6 address/ });
  t.notThrows(() => binhostServerRequest({ bind: '::', port: 80, pkgdir: '/srv/binpkgs' }));
});
