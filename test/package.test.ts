// Another site reuses drover: npm pack, install the tarball in a fresh directory, run a playbook there.
import test from 'ava';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const REPO = path.resolve('.');

test('a packed drover installs in a fresh directory and runs a playbook there', async (t) => {
  const work = mkdtempSync(path.join(tmpdir(), 'drover-site-'));
  t.teardown(() => rmSync(work, { recursive: true, force: true }));
  const packed = execFileSync('npm', ['pack', '--silent', '--pack-destination', work], { cwd: REPO, encoding: 'utf8' })
    .trim()
    .split('\n')
    .pop()!;
  const tarball = path.join(work, packed);
  t.true(existsSync(tarball), packed);

  const site = path.join(work, 'site');
  execFileSync('mkdir', ['-p', site]);
  writeFileSync(
    path.join(site, 'package.json'),
    JSON.stringify({ name: 'my-site', private: true, type: 'module' }, null, 2),
  );
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], {
    cwd: site,
    stdio: 'pipe',
  });

  const out = path.join(site, 'out.txt');
  writeFileSync(
    path.join(site, 'site.ts'),
    `import { playbook, sh } from 'drover';
import { command, type ClusterParams, type ParamValue } from 'drover/modules';
import type { LabState } from 'drover/lab';

interface Vars { greeting: string }
// The types a site's own vars and inventories are written with resolve from the packed exports.
export type SiteTypes = [ClusterParams['hypervisorParams'], ParamValue, LabState['hosts']];

export default playbook<Vars>({ name: 'site', hosts: 'all' }, async (play) => {
  await play.each('Greet', async (host) => {
    await command(host, { cmd: sh\`printf '%s\\n' \${host.vars.greeting} > ${out}\`, creates: ${JSON.stringify(out)} });
  });
});
`,
  );
  const npx = (args: string[]) =>
    spawnSync('npx', ['--no-install', 'drover', ...args], {
      cwd: site,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });

  // drover/lab, the lab's public API (what a lab inventory reads), loads from the package's dist.
  const lab = spawnSync(
    'node',
    [
      '--input-type=module',
      '-e',
      "const m = await import('drover/lab'); console.log(typeof m.labState, await m.labState('no-such-lab-for-package-test'))",
    ],
    { cwd: site, encoding: 'utf8' },
  );
  t.is(lab.stdout.trim(), 'function undefined', lab.stderr);

  const check = npx(['check', 'site.ts']);
  t.is(check.status, 0, check.stdout + check.stderr);
  t.regex(check.stdout, /types ok/);

  const first = npx(['run', 'site.ts', '-i', 'localhost,', '-e', 'greeting=hello from a site', '--json']);
  t.is(first.status, 0, first.stdout + first.stderr);
  t.is(readFileSync(out, 'utf8'), 'hello from a site\n');
  const second = npx(['run', 'site.ts', '-i', 'localhost,', '-e', 'greeting=ignored', '--json']);
  t.is(second.status, 0, second.stdout + second.stderr);
  const recap = second.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .find((e) => e.kind === 'recap');
  t.is(recap.stats.localhost.changed, 0);
  t.is(readFileSync(out, 'utf8'), 'hello from a site\n');
});
