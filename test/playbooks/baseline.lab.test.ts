// playbooks/baseline.ts on mixed lab hosts in one inventory (a Debian `base` host and a Gentoo host): --check, a run, a second run changing nothing.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { labExec, type LabState } from '../../lab/index.ts';
import { sh } from '../../core/sh.ts';
import { buildAptRepo, SOURCES_LINE } from '../support/apt-repo.ts';
import { drover, recap } from '../support/cli.ts';
import { labHost, labSerialTest, useLab } from '../support/lab.ts';

const deb = useLab(test, { name: 'bldeb', hosts: 1, profile: 'base' });
const gen = useLab(test, { name: 'blgen', hosts: 1, profile: 'gentoo' });
const labTest = labSerialTest(test);
// playbooks/baseline/inventory.ts reads these labs' states (one inventory over both).
process.env.DROVER_BASELINE_LABS = 'bldeb,blgen';
// The packages: one the Debian host installs from a local apt repository (real apt and dpkg, no network), one
// the Gentoo host emerges from the lab's ebuild repository.
const varsFile = path.join(mkdtempSync(path.join(tmpdir(), 'baseline-')), 'vars.json');
writeFileSync(varsFile, JSON.stringify({ packages: { apt: ['sudo', 'drover-hello'], portage: ['app-misc/screen'] } }));
const run = (...more: string[]) =>
  drover([
    'run',
    'playbooks/baseline.ts',
    '-i',
    'playbooks/baseline/inventory.ts',
    '-e',
    `@${varsFile}`,
    '--json',
    ...more,
  ]);

/** The Debian host's only apt source becomes a local repository (lab hosts have no network); once, before the first run. */
let aptReady: Promise<void> | undefined;
const prepareApt = () =>
  (aptReady ??= (async () => {
    const { host, close } = labHost(deb(), 0);
    try {
      await host.exec(buildAptRepo([{ name: 'drover-hello', version: '1.0' }]));
      await host.exec(sh`rm -f /etc/apt/sources.list.d/* && printf '%s' ${SOURCES_LINE} >/etc/apt/sources.list`);
    } finally {
      await close();
    }
  })());
const on = async (lab: LabState, ...argv: string[]) => labExec(lab, 'node1', argv);
const HOSTS = ['bldeb-node1', 'blgen-node1'];

/** What the baseline changes, read on the host: so --check can be shown to leave it as it was. */
async function snapshot(lab: LabState): Promise<string> {
  const r = await on(
    lab,
    'sh',
    '-c',
    'id ops 2>&1; ls /etc/ssh/sshd_config.d /etc/sudoers.d /etc/sysctl.d /etc/cron.d 2>&1; cat /proc/sys/net/ipv4/conf/all/accept_redirects; ls -d /var/db/pkg/app-misc/screen-* 2>&1; dpkg-query -W drover-hello 2>&1',
  );
  return r.stdout;
}

labTest('--check: a plan for both hosts (facts read in check mode), and neither host changes', async (t) => {
  await prepareApt();
  const before = [await snapshot(deb()), await snapshot(gen())];
  const r = await run('--check', '--diff');
  t.is(r.code, 0, r.stdout.slice(-3000) + r.stderr);
  for (const h of HOSTS) t.true(recap(r)[h].changed > 0, h);
  t.deepEqual([await snapshot(deb()), await snapshot(gen())], before);
});

labTest('a run converges both hosts: admin and key, sudo, sshd, sysctl, cron, a package by each manager', async (t) => {
  const r = await run();
  t.is(r.code, 0, r.stdout.slice(-3000) + r.stderr);
  for (const h of HOSTS) t.true(recap(r)[h].changed > 0, h);
  const logs = r.events.filter((e) => e.kind === 'module-progress').map((e) => `${e.host}: ${e.line}`);
  t.true(
    logs.some((l) => /^bldeb-node1: Debian GNU\/Linux 12 \(bookworm\), apt, init unknown$/.test(l)),
    logs.join('\n'),
  );
  t.true(logs.some((l) => /^blgen-node1: Debian GNU\/Linux 12 \(bookworm\), portage, init openrc$/.test(l)));
  for (const lab of [deb(), gen()]) {
    t.regex((await on(lab, 'id', '-Gn', 'ops')).stdout, /^ops admins\n$/);
    t.regex((await on(lab, 'sshd', '-T')).stdout, /^passwordauthentication no$/m);
    t.regex((await on(lab, 'sshd', '-T')).stdout, /^maxauthtries 3$/m);
    t.is((await on(lab, 'cat', '/proc/sys/net/ipv4/conf/all/accept_redirects')).stdout, '0\n');
    t.regex(
      (await on(lab, 'cat', '/etc/cron.d/drover-baseline')).stdout,
      /^\*\/5 \* \* \* \* root date > \/var\/tmp\/drover-heartbeat$/m,
    );
    // The admin's key really logs in, through the hardened sshd.
    const who = execFileSync('ssh', [
      '-i',
      deb().keyFile, // the inventory gives `ops` the first lab's key (playbooks/baseline/inventory.ts)
      '-o',
      `UserKnownHostsFile=${lab.knownHostsFile}`,
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      'BatchMode=yes',
      `ops@${lab.hosts[0].address}`,
      'id -un',
    ]).toString();
    t.is(who, 'ops\n');
  }
  t.is((await on(gen(), 'sh', '-c', 'ls -d /var/db/pkg/app-misc/screen-*')).code, 0, 'emerge installed it');
  t.is((await on(deb(), 'dpkg-query', '-W', '-f', '${Status}', 'drover-hello')).stdout, 'install ok installed');
});

labTest('the second run changes nothing on either host', async (t) => {
  const r = await run();
  t.is(r.code, 0, r.stdout.slice(-3000) + r.stderr);
  for (const h of HOSTS)
    t.is(
      recap(r)[h].changed,
      0,
      `${h}: ${JSON.stringify(r.events.filter((e) => e.kind === 'module-end' && e.status === 'changed'))}`,
    );
});
