// A baseline for any Debian or Gentoo host (the second example site): admins and their keys, sshd hardening, sysctl, time sync, packages — chosen from facts.
//
//   npx drover run playbooks/baseline.ts -i my-inventory.ts --check --diff    # what it would change
//   npx drover run playbooks/baseline.ts -i my-inventory.ts
//
// The inventory gives `admins` (names and public keys) and optionally the rest of BaselineVars
// (playbooks/baseline/vars.ts). docs/baseline.md walks through it; the lab test runs it on a Debian and a
// Gentoo host in one inventory (test/playbooks/baseline.lab.test.ts).
import { playbook } from 'drover';
import { authorizedKey, cron, facts, group, sysctl, sysfile, user } from 'drover/modules';
import { installPackages } from './baseline/packages.ts';
import { hardenSshd } from './baseline/sshd.ts';
import { syncTime } from './baseline/time-sync.ts';
import { BASELINE_PACKAGES, BASELINE_SYSCTL, type BaselineVars } from './baseline/vars.ts';

export default playbook<BaselineVars>({ name: 'Baseline', hosts: 'all' }, async (play) => {
  // Facts first, asked together: one round trip per host, memoised for every later step that asks again.
  await play.each('Facts', async (host) => {
    const f = await facts(host, 'os', 'packageManager', 'init');
    host.log(`${f.os.prettyName}, ${f.packageManager.name}, init ${f.init.system}`);
  });

  await play.each('Packages', async (host) => {
    const { packageManager } = await facts(host, 'packageManager');
    await installPackages(host, packageManager, host.vars.packages ?? BASELINE_PACKAGES);
  });

  await play.each('Admins and keys', async (host) => {
    const admins = host.vars.adminGroup ?? 'admins';
    await group(host, { name: admins });
    for (const a of host.vars.admins) {
      await user(host, {
        name: a.name,
        groups: [admins],
        shell: a.shell ?? '/bin/bash',
        ...(a.comment !== undefined ? { comment: a.comment } : {}),
        ...(a.passwordHash ? { password: a.passwordHash } : {}),
      });
      await authorizedKey(host, { user: a.name, keys: a.keys, exclusive: true });
    }
    for (const gone of host.vars.removedUsers ?? [])
      await user(host, { name: gone, state: 'absent', removeHome: true });
    // Admins use sudo with their password (no NOPASSWD): a stolen key alone is not root.
    await sysfile(host, {
      path: '/etc/sudoers.d/drover-baseline',
      content: `# Managed by drover (playbooks/baseline.ts).\n%${admins} ALL=(ALL:ALL) ALL\n`,
      mode: '0440',
      validate: 'visudo -cf %s',
    });
  });

  await play.each('sshd', (host) => hardenSshd(host, host.vars.sshdExtra));

  await play.each('Kernel parameters', async (host) => {
    for (const [name, value] of Object.entries(host.vars.sysctl ?? BASELINE_SYSCTL))
      await sysctl(host, { name, value, file: '/etc/sysctl.d/60-drover-baseline.conf' });
  });

  await play.each('Time and cron', async (host) => {
    if (host.vars.timeServers) await syncTime(host, host.vars.timeServers);
    for (const j of host.vars.cronJobs ?? []) await cron(host, { ...j, user: 'root', cronFile: 'drover-baseline' });
  });
});
