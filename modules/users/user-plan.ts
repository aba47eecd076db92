// user's pure decisions: what differs between the params and the passwd/group/shadow state, and the commands that fix it.
import { createHash } from 'node:crypto';
import type { Plan, Result } from '../../core/module.ts';
import { isSecret, secret, type Secret } from '../../core/secret.ts';
import { sh, ShellCommand } from '../../core/sh.ts';

export interface UserParams {
  name: string;
  /** Default 'present'. */
  state?: 'present' | 'absent';
  uid?: number;
  /** The primary group (it must exist: the group module makes it); omitted: useradd's default (a group of the user's name on Debian and Gentoo). */
  group?: string;
  /** Supplementary groups: exactly these (others are left), unless `append`. */
  groups?: readonly string[];
  /** `groups` are added to the ones the user has, none removed (Ansible's append: yes). Default false. */
  append?: boolean;
  /** The home directory; on creation it is made (useradd -m) unless `createHome: false`. An existing user's home is changed in passwd only (not moved). */
  home?: string;
  /** Default true: useradd -m (from /etc/skel). */
  createHome?: boolean;
  shell?: string;
  /** The GECOS field (full name). */
  comment?: string;
  /** A crypt(3) hash ('$6$...', '$y$...'), never a clear-text password: set through `chpasswd -e` on stdin. */
  password?: Secret;
  /** 'always' (default): the hash is kept equal to `password`; 'onCreate': set only when the user is created. */
  updatePassword?: 'always' | 'onCreate';
  /** A system account (useradd -r) when created. */
  system?: boolean;
  /** With state 'absent': also remove the home directory and mail spool (userdel -r). */
  removeHome?: boolean;
}

export interface UserResult extends Result {
  /** The uid after the call (undefined when absent or not yet known: useradd chose it). */
  uid?: number;
}

/** What the probe saw. */
export interface UserFacts {
  exists: boolean;
  uid?: number;
  /** The primary group's name. */
  group?: string;
  /** Supplementary groups (all of `id -Gn` but the primary one). */
  groups?: string[];
  home?: string;
  shell?: string;
  comment?: string;
  /** sha256 (hex) of the shadow hash field; only probed when a password is given. Never the hash itself. */
  passwordSha256?: string;
  /** The groups `group`/`groups` name that do not exist on the host. */
  missingGroups: string[];
}

/** sha256 of a hash as the probe computes it on the host: what is compared, so the hash never travels back. */
export function hashDigest(hash: Secret): string {
  return createHash('sha256').update(hash.reveal(), 'utf8').digest('hex');
}

/** Pure: the report and the commands for `p` on a host in state `f`. */
export function userPlan(p: UserParams, f: UserFacts): Plan<UserResult> {
  const name = p.name;
  if (p.state === 'absent') {
    if (!f.exists) return { result: { changed: false } };
    return {
      result: { changed: true, message: `removed (uid ${f.uid})${p.removeHome ? ' with its home' : ''}` },
      apply: sh`userdel ${p.removeHome ? ['-r'] : []} ${name}`,
    };
  }
  // A group missing now may be made by an earlier step of the same run, which --check does not run: the
  // plan says so, and the command checks again on the host before useradd/usermod, failing with the name.
  const missing = f.missingGroups;
  const note = missing.length ? ` (group ${missing.join(', ')} does not exist yet)` : '';
  const guard = (cmd: ShellCommand) =>
    missing.length
      ? ShellCommand.join(
          [
            sh`for g in ${missing}; do getent group "$g" >/dev/null || { echo "no group $g on the host (create it with the group module first)" >&2; exit 1; }; done`,
            cmd,
          ],
          ' && ',
        )
      : cmd;
  const chpasswd = sh`chpasswd -e`;
  const stdin = (h: Secret) => secret(`${name}:${h.reveal()}\n`);
  if (!f.exists) {
    const args: string[] = [];
    if (p.uid !== undefined) args.push('-u', String(p.uid));
    if (p.group !== undefined) args.push('-g', p.group);
    if (p.groups?.length) args.push('-G', p.groups.join(','));
    if (p.home !== undefined) args.push('-d', p.home);
    args.push(p.createHome === false ? '-M' : '-m');
    if (p.shell !== undefined) args.push('-s', p.shell);
    if (p.comment !== undefined) args.push('-c', p.comment);
    if (p.system) args.push('-r');
    const add = sh`useradd ${args} ${name}`;
    return {
      result: { changed: true, message: `created${p.password ? ' with its password' : ''}${note}`, uid: p.uid },
      apply: guard(p.password ? ShellCommand.join([add, chpasswd], ' && ') : add),
      ...(p.password ? { applyOptions: { stdin: stdin(p.password) } } : {}),
    };
  }
  const args: string[] = [];
  const what: string[] = [];
  const field = (flag: string, label: string, want: string | undefined, have: string | undefined) => {
    if (want === undefined || want === have) return;
    args.push(flag, want);
    what.push(`${label} ${have === undefined || have === '' ? "''" : have} → ${want === '' ? "''" : want}`);
  };
  field('-u', 'uid', p.uid === undefined ? undefined : String(p.uid), f.uid === undefined ? undefined : String(f.uid));
  field('-g', 'group', p.group, f.group);
  field('-d', 'home', p.home, f.home);
  field('-s', 'shell', p.shell, f.shell);
  field('-c', 'comment', p.comment, f.comment);
  if (p.groups !== undefined) {
    const have = new Set(f.groups ?? []);
    // The primary group is not a supplementary one: asking for it in `groups` is already true.
    const primary = p.group ?? f.group;
    const want = [...new Set(p.groups)].filter((g) => g !== primary);
    const add = want.filter((g) => !have.has(g));
    const drop = p.append ? [] : [...have].filter((g) => !want.includes(g));
    if (add.length || drop.length) {
      if (p.append) args.push('-a', '-G', add.join(','));
      else args.push('-G', want.join(','));
      what.push(`groups ${[...add.map((g) => `+${g}`), ...drop.map((g) => `-${g}`)].join(' ')}`);
    }
  }
  const cmds: ShellCommand[] = [];
  if (args.length) cmds.push(sh`usermod ${args} ${name}`);
  const setPassword =
    p.password !== undefined && p.updatePassword !== 'onCreate' && f.passwordSha256 !== hashDigest(p.password);
  if (setPassword) {
    cmds.push(chpasswd);
    what.push('password changed');
  }
  if (!cmds.length) return { result: { changed: false, uid: f.uid } };
  return {
    result: { changed: true, message: `${what.join(', ')}${note}`, uid: p.uid ?? f.uid },
    apply: guard(ShellCommand.join(cmds, ' && ')),
    ...(setPassword && p.password ? { applyOptions: { stdin: stdin(p.password) } } : {}),
  };
}

/** A crypt(3) hash as chpasswd -e takes it: `$id$...` (or `!`/`*` for a locked account); never clear text. */
export function checkPasswordHash(h: unknown): void {
  if (!isSecret(h)) throw new Error('password: a Secret holding a crypt(3) hash (secret(...) or a vault var)');
  const v = h.reveal();
  if (/[:\n\0]/.test(v)) throw new Error('password: a crypt(3) hash holds no ":", newline or NUL');
  if (!/^(\$[0-9a-z]+\$|!|\*)/.test(v))
    throw new Error(
      "password: not a crypt(3) hash (it must start with $id$, e.g. $6$ or $y$, or be '!'/'*'): give the hash, never the password",
    );
}
