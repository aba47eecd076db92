// cron: one named job in a user's crontab or in /etc/cron.d (Ansible's cron module, marker `#drover: NAME`).
import { defineModule } from '../../core/module.ts';
import { sh } from '../../core/sh.ts';
import { applyTextFile } from '../shared/text-file-plan.ts';
import { cronFacts, type CronFacts } from './cron-facts.ts';
import { planCron, validateCron, type CronParams, type CronResult } from './cron-plan.ts';

export type { CronParams, CronResult } from './cron-plan.ts';

/**
 * One cron job in one probe round trip, found by its marker line `#drover: NAME` (so changing the
 * schedule or the command replaces the job instead of adding a second one). A user's crontab is read
 * with `crontab -l` and installed whole with `crontab -u USER -` (cron's own check of the syntax); an
 * /etc/cron.d file is written atomically, mode 0644, and removed when its last job goes.
 *
 * @example
 * await cron(host, { name: 'backup', job: '/usr/local/bin/backup', minute: 15, hour: 3 })
 * await cron(host, { name: 'scrub', job: 'zpool scrub tank', special: 'weekly', cronFile: 'zfs-scrub' })
 */
export const cron = defineModule<CronParams, CronFacts, CronResult>({
  name: 'cron',
  title: (p) => `cron ${p.name}${p.state === 'absent' ? ' absent' : ''}`,
  validate: validateCron,
  facts: cronFacts,
  plan: (p, f) => {
    const { result, crontab, file } = planCron(p, f);
    if (!result.changed) return { result };
    if (file) return { result, apply: (host) => applyTextFile(host, file) };
    return { result, apply: sh`crontab -u ${p.user ?? 'root'} -`, applyOptions: { stdin: crontab } };
  },
});
