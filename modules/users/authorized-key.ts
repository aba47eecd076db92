// authorizedKey: public keys in a user's authorized_keys, additive or exclusive, with sshd key options.
import type { FileChange } from '../../core/events.ts';
import { defineModule, probe, readOnlyHost, type Plan, type Result } from '../../core/module.ts';
import type { ProbeFrame, ProbeSections } from '../../core/probe-frame.ts';
import { sh, ShellCommand } from '../../core/sh.ts';
import { parsePasswd } from '../facts/accounts.ts';
import { writeFile } from '../shared/remote-file.ts';
import { checkKeyOptions, editAuthorizedKeys, wantedKeys } from './authorized-key-plan.ts';
import { checkAbsolute, checkAccountName } from './names.ts';

export interface AuthorizedKeyParams {
  /** The account whose file it is (it must exist: the user module makes it). */
  user: string;
  /** Public key lines ('ssh-ed25519 AAAA... alice@laptop'): one string (several lines allowed) or a list. */
  keys: string | readonly string[];
  /** Default 'present'. */
  state?: 'present' | 'absent';
  /** The file holds exactly `keys`: every other line goes (Ansible's exclusive). Default false: additive. */
  exclusive?: boolean;
  /**
   * sshd options for every key given ('no-port-forwarding,from="10.0.0.0/8"'), replacing a key's options
   * already in the file; '' removes them. Omitted: each key line's own options (none when it has none).
   */
  options?: string;
  /** Default `~user/.ssh/authorized_keys` (from the passwd entry); `~/.ssh` is created 0700 when missing. */
  path?: string;
}

export interface AuthorizedKeyResult extends Result {
  /** The file written (or that would be). */
  path: string;
}

interface AuthorizedKeyFacts {
  uid: number;
  gid: number;
  home: string;
  /** 'absent' | 'file' | 'directory' | 'link' | 'other', for the file and for its directory. */
  file: string;
  dir: string;
  content: string;
  /** The file's `uid gid mode` (stat), when it is a file. */
  stat?: string;
  /** The user does not exist (yet). */
  missingUser?: boolean;
}

const SECTIONS = ['passwd', 'file', 'dir', 'content', 'stat'];

const kindOf = (v: ShellCommand) =>
  sh`if [ -L ${v} ]; then printf link; elif [ -f ${v} ]; then printf file; elif [ -d ${v} ]; then printf directory; elif [ -e ${v} ]; then printf other; else printf absent; fi`;

/**
 * One round trip: the passwd entry (home, uid, gid), then for the file (the default resolved on the host
 * from that home) and its directory their kind, and the file's content and `uid gid mode`.
 */
function authorizedKeyProbe(p: AuthorizedKeyParams, frame: ProbeFrame): ShellCommand {
  const path =
    p.path === undefined ? sh`"$(getent passwd ${p.user} | cut -d: -f6)/.ssh/authorized_keys"` : sh`${p.path}`;
  return ShellCommand.join([
    frame.section('passwd', sh`getent passwd ${p.user}`),
    sh`f=${path}; d=$(dirname -- "$f")`,
    frame.section('file', kindOf(sh`"$f"`)),
    frame.section('dir', kindOf(sh`"$d"`)),
    frame.section('content', sh`if [ -f "$f" ] && [ ! -L "$f" ]; then cat -- "$f"; fi`),
    frame.section('stat', sh`if [ -f "$f" ] && [ ! -L "$f" ]; then stat -c '%u %g %a' -- "$f"; fi`),
  ]);
}

function parseAuthorizedKeyProbe(s: ProbeSections, p: AuthorizedKeyParams): AuthorizedKeyFacts {
  const pw = s.get('passwd');
  // No such user yet: an earlier step of this run may create it (one --check does not run); the plan says so.
  if (pw.status === 2)
    return { uid: -1, gid: -1, home: '', file: 'absent', dir: 'absent', content: '', missingUser: true };
  if (pw.status !== 0) throw new Error(`getent passwd ${p.user} exited ${pw.status}`);
  const [e] = parsePasswd(pw.text);
  if (!e) throw new Error(`getent passwd ${p.user} printed nothing`);
  if (s.status('content') !== 0)
    throw new Error(`cannot read the authorized_keys file (cat exited ${s.status('content')})`);
  return {
    uid: e.uid,
    gid: e.gid,
    home: e.home,
    file: s.text('file'),
    dir: s.text('dir'),
    content: s.text('content'),
    ...(s.text('stat').trim() ? { stat: s.text('stat').trim() } : {}),
  };
}

/** Pure: the new file, and what to do. A link or a non-file is refused: root would write where the user points it. */
export function authorizedKeyPlan(p: AuthorizedKeyParams, f: AuthorizedKeyFacts): Plan<AuthorizedKeyResult> {
  if (f.missingUser) return laterUserPlan(p);
  const path = p.path ?? `${f.home.replace(/\/$/, '')}/.ssh/authorized_keys`;
  const dir = path.slice(0, path.lastIndexOf('/')) || '/';
  if (f.file !== 'file' && f.file !== 'absent')
    throw new Error(
      `${path} is a ${f.file === 'link' ? 'symbolic link' : 'non-regular file'}: refusing to write through it`,
    );
  if (f.dir !== 'directory' && f.dir !== 'absent')
    throw new Error(`${dir} is a ${f.dir === 'link' ? 'symbolic link' : 'non-directory'}: refusing to write into it`);
  const state = p.state ?? 'present';
  const want = wantedKeys(p.keys, p.options);
  const after = editAuthorizedKeys(f.content, want, { state, exclusive: p.exclusive === true });
  const exists = f.file === 'file';
  if (!exists && after === '') return { result: { changed: false, path } };
  const attrs = `${f.uid} ${f.gid} 600`;
  const contentChanged = after !== f.content || !exists;
  const attrsChanged = exists && f.stat !== attrs;
  if (!contentChanged && !attrsChanged) return { result: { changed: false, path } };
  const changes: FileChange[] = contentChanged ? [{ path, before: exists ? f.content : null, after }] : [];
  const messages: string[] = [];
  if (contentChanged) messages.push(exists ? 'keys updated' : 'created');
  if (attrsChanged) messages.push(`owner/mode ${f.stat} → ${attrs}`);
  const makeDir = f.dir === 'absent';
  return {
    result: { changed: true, path, changes, message: messages.join(', ') },
    apply: async (host) => {
      // Only the directory authorized_keys lives in, and only the user's own: home must exist (sshd's StrictModes wants 0700).
      if (makeDir) await host.exec(sh`mkdir -m 0700 -- ${dir} && chown -- ${`${f.uid}:${f.gid}`} ${dir}`);
      if (contentChanged) await writeFile(host, path, after, { owner: f.uid, group: f.gid, mode: '0600' });
      else await host.exec(sh`chown -h -- ${`${f.uid}:${f.gid}`} ${path} && chmod -- 0600 ${path}`);
    },
  };
}

/**
 * The user does not exist now. In --check an earlier step (the user module) that would create it has not
 * run: report the file it would get. Applied, the user must exist by then: probe and plan again.
 */
function laterUserPlan(p: AuthorizedKeyParams): Plan<AuthorizedKeyResult> {
  const path = p.path ?? `~${p.user}/.ssh/authorized_keys`;
  const state = p.state ?? 'present';
  const after = editAuthorizedKeys('', wantedKeys(p.keys, p.options), { state, exclusive: p.exclusive === true });
  if (after === '') return { result: { changed: false, path, message: `no user ${p.user}: no keys to remove` } };
  return {
    result: {
      changed: true,
      path,
      changes: [{ path, before: null, after }],
      message: `created (user ${p.user} does not exist yet)`,
    },
    apply: async (host) => {
      const f = await authorizedKey.spec.facts(readOnlyHost(host), p);
      if (f.missingUser) throw new Error(`no user ${p.user} on the host (create it with the user module first)`);
      const again = authorizedKeyPlan(p, f);
      if (typeof again.apply === 'function') await again.apply(host);
      return again.result;
    },
  };
}

/**
 * A user's authorized_keys: the given keys present (a key already there with other options or comment
 * is rewritten in place, others are kept), exactly these keys (`exclusive`), or removed (`state:
 * 'absent'`). The file is written atomically, owned by the user, mode 0600; `~/.ssh` is made 0700 when
 * missing. A symbolic link at the file or its directory is refused (a user could point it at
 * /etc/shadow). One probe round trip.
 */
export const authorizedKey = defineModule<AuthorizedKeyParams, AuthorizedKeyFacts, AuthorizedKeyResult>({
  name: 'authorizedKey',
  title: (p) => `authorizedKey ${p.user}${p.state === 'absent' ? ' absent' : p.exclusive ? ' exclusive' : ''}`,
  validate: (p) => {
    checkAccountName(p.user, 'user');
    if (p.state !== undefined && p.state !== 'present' && p.state !== 'absent')
      throw new Error(`state: 'present' or 'absent', got ${JSON.stringify(p.state)}`);
    if (p.exclusive && p.state === 'absent') throw new Error('exclusive: only with state present');
    if (p.options !== undefined && p.options !== '') checkKeyOptions(p.options);
    if (p.path !== undefined) checkAbsolute(p.path, 'path');
    wantedKeys(p.keys, p.options);
  },
  facts: probe(authorizedKeyProbe, parseAuthorizedKeyProbe, () => SECTIONS),
  plan: (p, f) => authorizedKeyPlan(p, f),
});
