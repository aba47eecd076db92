// cron's facts: one probe reading a user's crontab (`crontab -l`) or a file in /etc/cron.d, and whether the user exists.
import { probe } from '../../core/module.ts';
import { ProbeFormatError, type ProbeSections } from '../../core/probe-frame.ts';
import { sh, ShellCommand } from '../../core/sh.ts';
import { fileSections, probeCall, readFileProbe, type FileState } from '../shared/remote-file.ts';

/** What cron decides from. */
export interface CronFacts {
  /** The user exists (`id -u`). */
  userExists: boolean;
  /** Crontab mode: the crontab command is installed. */
  haveCrontab: boolean;
  /** Crontab mode: the user's crontab as `crontab -l` prints it (null: the user has none). */
  crontab?: string | null;
  /** cron.d mode: the file. */
  file?: FileState;
}

/** /etc/cron.d/NAME for a name, or the path as given (it must be in /etc/cron.d). */
export function cronFilePath(cronFile: string): string {
  return cronFile.startsWith('/') ? cronFile : `/etc/cron.d/${cronFile}`;
}

export function cronSections(p: { user?: string; cronFile?: string }): string[] {
  return ['user', ...(p.cronFile === undefined ? ['have', 'crontab', 'err'] : fileSections('file'))];
}

/** crontab -l twice only when the first failed: its message tells "no crontab for USER" from a real failure. */
export const cronFacts = probe<{ user?: string; cronFile?: string }, CronFacts>(
  (p, frame) => {
    const user = p.user ?? 'root';
    const userSection = frame.section('user', sh`id -u -- ${user} >/dev/null 2>&1`);
    if (p.cronFile !== undefined)
      return ShellCommand.join([
        userSection,
        probeCall(frame, 'file', cronFilePath(p.cronFile), { content: true, follow: true }),
      ]);
    return ShellCommand.join([
      userSection,
      frame.section('have', sh`command -v crontab >/dev/null 2>&1`),
      frame.section('crontab', sh`c=0; crontab -u ${user} -l 2>/dev/null || c=$?; (exit $c)`),
      frame.section('err', sh`if [ "$c" -ne 0 ]; then crontab -u ${user} -l 2>&1 >/dev/null | head -c 400; fi`),
    ]);
  },
  (s, p) => parseCronFacts(s, p),
  cronSections,
);

/** Strict reading: a failing `crontab -l` is "no crontab" only when it says so. */
export function parseCronFacts(s: ProbeSections, p: { user?: string; cronFile?: string }): CronFacts {
  const userExists = s.status('user') === 0;
  if (p.cronFile !== undefined)
    return { userExists, haveCrontab: false, file: readFileProbe(s, 'file', cronFilePath(p.cronFile)) };
  const haveCrontab = s.status('have') === 0;
  if (!haveCrontab || !userExists) return { userExists, haveCrontab, crontab: null };
  if (s.status('crontab') === 0) return { userExists, haveCrontab, crontab: s.text('crontab') };
  const err = s.text('err').trim();
  if (/^no crontab for /.test(err)) return { userExists, haveCrontab, crontab: null };
  throw new ProbeFormatError(
    `crontab -u ${p.user ?? 'root'} -l failed (exit ${s.status('crontab')}): ${JSON.stringify(err.slice(0, 200))}`,
  );
}
