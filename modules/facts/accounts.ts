// Facts users (getent passwd) and groups (getent group): parsers and their probe sections.
import { sh } from '../../core/sh.ts';
import { FactError, okText, type FactProbe } from './fact.ts';

/** One passwd entry. */
export interface UserEntry {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  /** The GECOS field (full name, comment). */
  readonly gecos: string;
  readonly home: string;
  readonly shell: string;
}

/** One group entry. */
export interface GroupEntry {
  readonly name: string;
  readonly gid: number;
  /** Supplementary members (users whose primary group this is are not listed here, as in /etc/group). */
  readonly members: readonly string[];
}

const id = (fact: string, line: string, v: string): number => {
  if (!/^\d{1,10}$/.test(v)) throw new FactError(fact, `bad id in ${JSON.stringify(line.slice(0, 80))}`);
  return Number(v);
};

/** Entries of passwd(5) text (getent passwd, /etc/passwd); NIS `+`/`-` lines are skipped. */
export function parsePasswd(text: string): UserEntry[] {
  const out: UserEntry[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('+') || line.startsWith('-')) continue;
    const f = line.split(':');
    if (f.length !== 7) throw new FactError('users', `passwd line ${JSON.stringify(line.slice(0, 80))}`);
    out.push({
      name: f[0],
      uid: id('users', line, f[2]),
      gid: id('users', line, f[3]),
      gecos: f[4],
      home: f[5],
      shell: f[6],
    });
  }
  return out;
}

/** Entries of group(5) text (getent group, /etc/group). */
export function parseGroup(text: string): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('+') || line.startsWith('-')) continue;
    const f = line.split(':');
    if (f.length !== 4) throw new FactError('groups', `group line ${JSON.stringify(line.slice(0, 80))}`);
    out.push({ name: f[0], gid: id('groups', line, f[2]), members: f[3].split(',').filter(Boolean) });
  }
  return out;
}

// getent also lists NSS sources (LDAP, sssd); a host without getent (busybox) has the files.
export const usersFact: FactProbe<UserEntry[]> = {
  sections: ['users.passwd'],
  build: (frame) =>
    frame.section(
      'users.passwd',
      sh`if command -v getent >/dev/null 2>&1; then getent passwd; else cat /etc/passwd; fi`,
    ),
  parse: (s) => parsePasswd(okText(s, 'users', 'users.passwd', 'getent passwd')),
};

export const groupsFact: FactProbe<GroupEntry[]> = {
  sections: ['groups.group'],
  build: (frame) =>
    frame.section('groups.group', sh`if command -v getent >/dev/null 2>&1; then getent group; else cat /etc/group; fi`),
  parse: (s) => parseGroup(okText(s, 'groups', 'groups.group', 'getent group')),
};
