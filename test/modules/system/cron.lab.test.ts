// cron on a Debian lab host with real cron 3.0pl1 (debian profile): root's crontab and /etc/cron.d, twice each, and --check.
import test from 'ava';
import { sh } from '../../../core/sh.ts';
import type { RunHost } from '../../../core/host.ts';
import { cron } from '../../../modules/system/cron.ts';
import { labHostOpener, labSerialTest, useLab } from '../../support/lab.ts';

const lab = useLab(test, { name: 'cron', hosts: 1, profile: 'debian' });
const labTest = labSerialTest(test);
const openHost = labHostOpener(test, lab);
let main: RunHost<Record<string, unknown>> | undefined;
const h = () => (main ??= openHost().host);
const crontab = async (user = 'root') => (await h().exec(sh`crontab -u ${user} -l`, { allowFail: true })).stdout;
const BACKUP = { name: 'backup', job: '/usr/local/bin/backup --all', minute: 15, hour: 3 };

labTest('--check: would add, adds nothing', async (t) => {
  const r = await cron(openHost({ check: true }).host, BACKUP);
  t.like(r, { changed: true, message: 'crontab -u root: job "backup" added' });
  t.is((await h().exec(sh`crontab -u root -l`, { allowFail: true })).code, 1);
});

labTest("root's crontab: added, then nothing to do; a hand-made line kept; changed in place; removed", async (t) => {
  t.true((await cron(h(), BACKUP)).changed);
  t.is(await crontab(), '#drover: backup\n15 3 * * * /usr/local/bin/backup --all\n');
  t.false((await cron(h(), BACKUP)).changed);
  // a line the admin added by hand stays where it is
  await h().exec(sh`crontab -u root -`, { stdin: `MAILTO=ops\n${await crontab()}@reboot /bin/true\n` });
  const moved = await cron(h(), { ...BACKUP, hour: 4, disabled: true });
  t.like(moved, { changed: true, message: 'crontab -u root: job "backup" changed' });
  t.is(await crontab(), 'MAILTO=ops\n#drover: backup\n#15 4 * * * /usr/local/bin/backup --all\n@reboot /bin/true\n');
  t.false((await cron(h(), { ...BACKUP, hour: 4, disabled: true })).changed);
  t.true((await cron(h(), { name: 'backup', state: 'absent' })).changed);
  t.is(await crontab(), 'MAILTO=ops\n@reboot /bin/true\n');
  t.false((await cron(h(), { name: 'backup', state: 'absent' })).changed);
});

labTest("another user's crontab; a user that does not exist", async (t) => {
  const p = { name: 'tick', job: 'date >>/tmp/tick', special: 'hourly' as const, user: 'nobody' };
  t.true((await cron(h(), p)).changed);
  t.is(await crontab('nobody'), '#drover: tick\n@hourly date >>/tmp/tick\n');
  t.false((await cron(h(), p)).changed);
  await t.throwsAsync(cron(h(), { ...p, user: 'ghost' }), { message: /: no user ghost on this host$/ });
});

labTest('/etc/cron.d: a file cron reads (user field), mode 0644; gone with its last job', async (t) => {
  const p = { name: 'scrub', job: '/bin/true', special: 'weekly' as const, cronFile: 'drover-scrub' };
  t.true((await cron(h(), p)).changed);
  t.is((await h().exec(sh`stat -c '%a %U' /etc/cron.d/drover-scrub`)).stdout, '644 root\n');
  t.is((await h().exec(sh`cat /etc/cron.d/drover-scrub`)).stdout, '#drover: scrub\n@weekly root /bin/true\n');
  t.false((await cron(h(), p)).changed);
  t.true((await cron(h(), { ...p, state: 'absent' })).changed);
  t.is((await h().exec(sh`test -e /etc/cron.d/drover-scrub`, { allowFail: true })).code, 1);
  t.false((await cron(h(), { ...p, state: 'absent' })).changed);
});
