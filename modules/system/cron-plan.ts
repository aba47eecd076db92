// cron's decisions (pure): one job, named by a `#drover: NAME` marker line, in a user's crontab or an /etc/cron.d file.
import type { FileChange } from '../../core/events.ts';
import type { Result } from '../../core/module.ts';
import { planTextFile, type TextFilePlan } from '../shared/text-file-plan.ts';
import { cronFilePath, type CronFacts } from './cron-facts.ts';

export interface CronParams {
  /** The job's name, written as the marker line `#drover: NAME` above it: what makes the call idempotent. */
  name: string;
  /** The command (required unless state is 'absent'). cron reads `%` as a newline: write `\%` for a literal one. */
  job?: string;
  /** Time fields as crontab(5) reads them (default '*'): 0-59, '*\/5', '1,15', 'mon-fri'. */
  minute?: string | number;
  hour?: string | number;
  day?: string | number;
  month?: string | number;
  weekday?: string | number;
  /** `@reboot`, `@daily`, ... instead of the time fields. */
  special?: 'reboot' | 'yearly' | 'annually' | 'monthly' | 'weekly' | 'daily' | 'hourly';
  /** Whose crontab (default 'root'); with cronFile, the user the job runs as. */
  user?: string;
  /**
   * A file in /etc/cron.d ('backup' or '/etc/cron.d/backup') instead of the user's crontab. Names as
   * Debian's cron and run-parts read them: letters, digits, '_' and '-' (a name with a dot is ignored by cron).
   */
  cronFile?: string;
  /** 'present' (default) or 'absent' (the marker and its job removed; an emptied cron.d file is removed). */
  state?: 'present' | 'absent';
  /** Keep the job, commented out. */
  disabled?: boolean;
}

export interface CronResult extends Result {
  changes: FileChange[];
}

const SPECIALS = new Set(['reboot', 'yearly', 'annually', 'monthly', 'weekly', 'daily', 'hourly']);
const FIELDS = ['minute', 'hour', 'day', 'month', 'weekday'] as const;
const USER_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]*\$?$/;
export const MARKER = '#drover: ';

/** Params checked before the host is touched. */
export function validateCron(p: CronParams): void {
  if (typeof p.name !== 'string' || p.name.trim() === '' || /[\n\r\0]/.test(p.name))
    throw new Error(`name must be one non-empty line, got ${JSON.stringify(p.name)}`);
  if (p.state !== undefined && p.state !== 'present' && p.state !== 'absent')
    throw new Error(`state must be 'present' or 'absent', got ${JSON.stringify(p.state)}`);
  if (p.state !== 'absent') {
    if (typeof p.job !== 'string' || p.job.trim() === '') throw new Error('job is required (unless state is absent)');
    if (/[\n\r\0]/.test(p.job)) throw new Error('job must be one line (cron reads a line per job)');
  }
  for (const k of FIELDS) {
    const v = p[k];
    if (v === undefined) continue;
    if (p.special !== undefined) throw new Error(`${k} and special cannot be given together`);
    if (!/^[A-Za-z0-9*,/-]+$/.test(String(v)))
      throw new Error(`${k} is not a crontab time field: ${JSON.stringify(v)}`);
  }
  if (p.special !== undefined && !SPECIALS.has(p.special))
    throw new Error(`special must be one of ${[...SPECIALS].join(', ')}, got ${JSON.stringify(p.special)}`);
  if (p.user !== undefined && !USER_RE.test(p.user))
    throw new Error(`user is not a user name: ${JSON.stringify(p.user)}`);
  if (p.cronFile !== undefined) {
    const m = /^(?:\/etc\/cron\.d\/)?([A-Za-z0-9_-]+)$/.exec(p.cronFile);
    if (!m)
      throw new Error(
        `cronFile must be a name of letters, digits, '_' and '-' in /etc/cron.d (cron ignores other names), got ${JSON.stringify(p.cronFile)}`,
      );
  }
}

/** The job's line as crontab(5) reads it (with the user field in an /etc/cron.d file). */
export function jobLine(p: CronParams): string {
  const when = p.special ? `@${p.special}` : FIELDS.map((k) => String(p[k] ?? '*')).join(' ');
  return `${p.disabled ? '#' : ''}${when} ${p.cronFile !== undefined ? `${p.user ?? 'root'} ` : ''}${p.job}`;
}

/**
 * The crontab's new text (pure): the line after the first `#drover: NAME` marker is the job (replaced
 * when it differs); later markers of the same name go with their lines; no marker: both lines appended.
 * job null: the marker and its line removed. Every other line is kept as it is.
 */
export function editCronText(before: string | null, name: string, job: string | null): string {
  const marker = `${MARKER}${name}`;
  const lines = before === null || before === '' ? [] : before.replace(/\n$/, '').split('\n');
  const out: string[] = [];
  let found = false;
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== marker) {
      out.push(lines[i]);
      continue;
    }
    // the job line belongs to the marker unless it is another marker (a job line lost by hand)
    const hasJob = i + 1 < lines.length && !lines[i + 1].startsWith(MARKER);
    if (hasJob) i++;
    if (job === null || found) continue;
    found = true;
    out.push(marker, job);
  }
  if (job !== null && !found) out.push(marker, job);
  return out.length ? `${out.join('\n')}\n` : '';
}

/** cron's whole decision: the report, and the crontab text or the cron.d file to write. */
export interface CronPlan {
  result: CronResult;
  /** Crontab mode: the new crontab to install with `crontab -u USER -`. */
  crontab?: string;
  file?: TextFilePlan;
}

export function planCron(p: CronParams, f: CronFacts): CronPlan {
  const user = p.user ?? 'root';
  const present = p.state !== 'absent';
  if (present && !f.userExists) throw new Error(`no user ${user} on this host`);
  const job = present ? jobLine(p) : null;
  if (p.cronFile !== undefined) {
    const path = cronFilePath(p.cronFile);
    const file = planTextFile(path, f.file!, (before) => {
      const text = editCronText(before, p.name, job);
      return { text: text === '' && before !== '' ? null : text };
    });
    const result: CronResult = { changed: !!file, changes: file ? [file.change] : [] };
    if (file) result.message = `${path}: ${file.message}`;
    return { result, file };
  }
  if (!f.haveCrontab) {
    if (!present) return { result: { changed: false, changes: [], message: 'no crontab command: nothing to remove' } };
    throw new Error('no crontab command on this host (install cron or cronie), or pass cronFile to use /etc/cron.d');
  }
  if (!f.userExists) return { result: { changed: false, changes: [], message: `no user ${user}: nothing to remove` } };
  const before = f.crontab ?? null;
  const after = editCronText(before, p.name, job);
  if (after === (before ?? '')) return { result: { changed: false, changes: [] } };
  const label = `crontab -u ${user}`;
  const verb = !present ? 'removed' : before?.includes(`${MARKER}${p.name}\n`) ? 'changed' : 'added';
  return {
    result: {
      changed: true,
      changes: [{ path: label, before, after }],
      message: `${label}: job ${JSON.stringify(p.name)} ${verb}`,
    },
    crontab: after,
  };
}
