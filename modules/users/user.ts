// user: a local account present (uid, primary and supplementary groups, home, shell, comment, password hash) or absent.
import { defineModule, probe } from '../../core/module.ts';
import type { ProbeFrame, ProbeSections } from '../../core/probe-frame.ts';
import { sh, ShellCommand } from '../../core/sh.ts';
import { parsePasswd } from '../facts/accounts.ts';
import { checkAbsolute, checkAccountName, checkField, checkId } from './names.ts';
import { checkPasswordHash, userPlan, type UserFacts, type UserParams, type UserResult } from './user-plan.ts';

export type { UserParams, UserResult } from './user-plan.ts';

/** The groups the params name (primary first), each probed for existence. */
const namedGroups = (p: UserParams): string[] => [...new Set([...(p.group ? [p.group] : []), ...(p.groups ?? [])])];

/** The probe's sections for `p`. */
export function userSections(p: UserParams): string[] {
  return ['passwd', 'gname', 'groups', ...(p.password ? ['shadow'] : []), ...namedGroups(p).map((_, i) => `g.${i}`)];
}

/**
 * One round trip: the passwd entry, the primary group's name and all groups (`id`), the named groups'
 * existence, and — only when a password is given — the sha256 of the shadow hash field (computed on the
 * host: the hash itself never travels, nor reaches a log).
 */
export function userProbe(p: UserParams, frame: ProbeFrame): ShellCommand {
  const n = p.name;
  const parts = [
    frame.section('passwd', sh`getent passwd ${n}`),
    frame.section('gname', sh`id -gn ${n} 2>/dev/null`),
    frame.section('groups', sh`id -Gn ${n} 2>/dev/null`),
  ];
  if (p.password)
    parts.push(
      frame.section(
        'shadow',
        sh`s=$(getent shadow ${n}) && printf '%s\\n' "$s" | cut -d: -f2 | tr -d '\\n' | sha256sum | cut -d' ' -f1`,
      ),
    );
  namedGroups(p).forEach((g, i) => parts.push(frame.section(`g.${i}`, sh`getent group ${g} >/dev/null`)));
  return ShellCommand.join(parts);
}

/** Facts from the sections (strict). */
export function parseUserProbe(s: ProbeSections, p: UserParams): UserFacts {
  const missingGroups = namedGroups(p).filter((_, i) => s.status(`g.${i}`) !== 0);
  const pw = s.get('passwd');
  if (pw.status === 2) return { exists: false, missingGroups };
  if (pw.status !== 0) throw new Error(`getent passwd ${p.name} exited ${pw.status}`);
  const [e] = parsePasswd(pw.text);
  if (!e || e.name !== p.name) throw new Error(`getent passwd ${p.name} printed another entry`);
  const gname = s.text('gname').trim();
  const all = s.text('groups').trim().split(/\s+/).filter(Boolean);
  let passwordSha256: string | undefined;
  if (p.password) {
    const sh256 = s.get('shadow');
    if (sh256.status !== 0)
      throw new Error(`cannot read ${p.name}'s shadow entry (getent shadow exited ${sh256.status}: not root?)`);
    passwordSha256 = sh256.text.trim();
    if (!/^[0-9a-f]{64}$/.test(passwordSha256)) throw new Error('the shadow probe printed no sha256');
  }
  return {
    exists: true,
    uid: e.uid,
    group: gname || String(e.gid),
    groups: all.filter((g) => g !== gname),
    home: e.home,
    shell: e.shell,
    comment: e.gecos,
    ...(passwordSha256 ? { passwordSha256 } : {}),
    missingGroups,
  };
}

/**
 * One local account, with shadow's tools (useradd / usermod / userdel, chpasswd -e for the hash): one
 * probe round trip, one command when something changed. `groups` is exact unless `append`; `password`
 * is a crypt(3) hash in a Secret (masked everywhere; compared by its sha256 on the host).
 *
 * @example
 * await user(host, { name: 'deploy', groups: ['wheel'], shell: '/bin/bash', password: vars.deployHash })
 */
export const user = defineModule<UserParams, UserFacts, UserResult>({
  name: 'user',
  title: (p) => `user ${p.name}${p.state === 'absent' ? ' absent' : ''}`,
  validate: (p) => {
    checkAccountName(p.name, 'name');
    if (p.state !== undefined && p.state !== 'present' && p.state !== 'absent')
      throw new Error(`state: 'present' or 'absent', got ${JSON.stringify(p.state)}`);
    if (p.uid !== undefined) checkId(p.uid, 'uid');
    if (p.group !== undefined) checkAccountName(p.group, 'group');
    if (p.groups !== undefined) {
      if (!Array.isArray(p.groups)) throw new Error('groups: a list of group names');
      for (const g of p.groups) checkAccountName(g, 'groups');
    }
    if (p.home !== undefined) checkAbsolute(p.home, 'home');
    if (p.shell !== undefined) checkAbsolute(p.shell, 'shell');
    if (p.comment !== undefined) checkField(p.comment, 'comment');
    if (p.password !== undefined) checkPasswordHash(p.password);
    if (p.updatePassword !== undefined && p.updatePassword !== 'always' && p.updatePassword !== 'onCreate')
      throw new Error(`updatePassword: 'always' or 'onCreate', got ${JSON.stringify(p.updatePassword)}`);
    if (p.append && p.groups === undefined) throw new Error('append: give the groups to add');
  },
  secrets: (p) => (p.password ? [p.password] : []),
  facts: probe(userProbe, parseUserProbe, userSections),
  plan: (p, f) => userPlan(p, f),
});
