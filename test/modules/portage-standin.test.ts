// Tests of the Portage stand-in (core/lab/portage) in a temporary ROOT on this machine: the contract drover relies on.
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('../../core/lab/portage/', import.meta.url));
const root = mkdtempSync(path.join(tmpdir(), 'drover-standin-'));
const bin = path.join(root, 'bin');
test.after.always(() => rmSync(root, { recursive: true, force: true }));

function run(prog: 'emerge' | 'portageq', args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(path.join(bin, prog), args, { env: { ...process.env, ROOT: root } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

test.before(async () => {
  await new Promise<void>((resolve, reject) =>
    execFile('sh', [path.join(dir, 'install.sh'), dir], { env: { ...process.env, ROOT: root } }, (e) => (e ? reject(e) : resolve())),
  );
  mkdirSync(bin);
  symlinkSync(path.join(dir, 'standin.py'), path.join(bin, 'emerge'));
  symlinkSync(path.join(dir, 'standin.py'), path.join(bin, 'portageq'));
});

test.serial('installer: stand-in marked, package.use a directory, accept_keywords a file, base vdb', (t) => {
  t.regex(readFileSync(path.join(root, 'etc/portage/make.conf'), 'utf8'), /^# drover Portage stand-in/);
  t.true(existsSync(path.join(root, 'etc/portage/package.use/00base')));
  t.regex(readFileSync(path.join(root, 'etc/portage/package.accept_keywords'), 'utf8'), /stand-in/);
  t.true(existsSync(path.join(root, 'var/db/pkg/sys-apps/openrc-0.54/USE')));
  t.regex(readFileSync(path.join(dir, 'standin.py'), 'utf8').split('\n')[1], /STAND-IN/);
});

test.serial('masked by ~amd64 keyword, then REQUIRED_USE, then a plan; --noreplace install; idempotent; USE change', async (t) => {
  let r = await run('emerge', ['--pretend', '--quiet', '--noreplace', 'app-emulation/ganeti']);
  t.is(r.code, 1);
  t.regex(r.stderr, /- app-emulation\/ganeti-3\.0\.2::gentoo \(masked by: ~amd64 keyword\)/);
  writeFileSync(path.join(root, 'etc/portage/package.accept_keywords'), 'app-emulation/ganeti ~amd64\nsys-cluster/drbd-utils ~amd64\n');
  r = await run('emerge', ['--pretend', '--quiet', '--noreplace', 'app-emulation/ganeti']);
  t.is(r.code, 1);
  t.regex(r.stderr, /any-of \( kvm xen lxc \)/);
  writeFileSync(path.join(root, 'etc/portage/package.use/zz'), 'app-emulation/ganeti kvm drbd\n');
  r = await run('emerge', ['--pretend', '--quiet', '--noreplace', 'app-emulation/ganeti']);
  t.is(r.code, 0);
  t.regex(r.stdout, /^\[ebuild {2}N {4}\] sys-cluster\/drbd-utils-9\.27\.0 $/m);
  r = await run('emerge', ['--quiet', '--noreplace', 'app-emulation/ganeti']);
  t.is(r.code, 0, r.stderr);
  t.is(readFileSync(path.join(root, 'var/lib/portage/world'), 'utf8'), 'app-emulation/ganeti\n');
  t.regex(readFileSync(path.join(root, 'var/db/pkg/app-emulation/ganeti-3.0.2/USE'), 'utf8'), /^abi_x86_64 amd64 drbd elibc_glibc ipv6 kernel_linux kvm\n$/);
  r = await run('emerge', ['--pretend', '--quiet', '--noreplace', 'app-emulation/ganeti']);
  t.is(r.stdout, '', 'nothing printed when satisfied');
  t.is((await run('portageq', ['has_version', '/', 'app-emulation/ganeti[kvm,drbd]'])).code, 0);
  t.is((await run('portageq', ['has_version', '/', 'app-emulation/ganeti[lxc]'])).code, 1);
  t.is((await run('portageq', ['has_version', '/', '>=app-emulation/ganeti-3.1'])).code, 1);
  t.is((await run('portageq', ['has_version', '/', 'not an atom'])).code, 2);
  t.is((await run('portageq', ['best_version', '/', 'app-emulation/ganeti'])).stdout, 'app-emulation/ganeti-3.0.2\n');
  writeFileSync(path.join(root, 'etc/portage/package.use/zz'), 'app-emulation/ganeti kvm -drbd\n');
  r = await run('emerge', ['--pretend', '--verbose', '--noreplace', '--changed-use', 'app-emulation/ganeti']);
  t.regex(r.stdout, /^\[ebuild {3}R {4}\] app-emulation\/ganeti-3\.0\.2::gentoo {2}USE="ipv6 kvm -drbd\* /m);
  t.is((await run('emerge', ['--quiet', '--noreplace', '--changed-use', 'app-emulation/ganeti'])).code, 0);
  const log = readFileSync(path.join(root, 'var/log/emerge.log'), 'utf8');
  t.is(log.match(/::: completed emerge \(\d+ of \d+\) app-emulation\/ganeti-3\.0\.2/g)?.length, 2);
});

test.serial('--oneshot leaves world alone; --depclean removes only named atoms and refuses a full depclean', async (t) => {
  t.is((await run('emerge', ['--quiet', '--oneshot', 'app-misc/screen'])).code, 0);
  t.notRegex(readFileSync(path.join(root, 'var/lib/portage/world'), 'utf8'), /screen/);
  t.is((await run('emerge', ['--depclean'])).code, 1);
  const keep = await run('emerge', ['--depclean', 'sys-fs/lvm2']);
  t.regex(keep.stdout, /pulled in by:\n {4}app-emulation\/ganeti-3\.0\.2/);
  t.true(existsSync(path.join(root, 'var/db/pkg/sys-fs/lvm2-2.03.22-r5')));
  t.is((await run('emerge', ['--depclean', 'app-misc/screen'])).code, 0);
  t.false(existsSync(path.join(root, 'var/db/pkg/app-misc')));
  t.true(existsSync(path.join(root, 'var/db/pkg/app-emulation/ganeti-3.0.2')));
});
