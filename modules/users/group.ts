// group: a local group present (with its gid) or absent — groupadd / groupmod / groupdel.
import { defineModule, probe, type Plan, type Result } from '../../core/module.ts';
import type { ProbeSections } from '../../core/probe-frame.ts';
import { sh } from '../../core/sh.ts';
import { parseGroup } from '../facts/accounts.ts';
import { checkAccountName, checkId } from './names.ts';

export interface GroupParams {
  name: string;
  /** Default 'present'. */
  state?: 'present' | 'absent';
  /** The group id; omitted: groupadd chooses one, and an existing group keeps its own. */
  gid?: number;
  /** A system group (groupadd -r: an id below SYS_GID_MAX) when it is created. */
  system?: boolean;
}

export interface GroupResult extends Result {
  /** The gid after the call (undefined when absent). */
  gid?: number;
}

export interface GroupFacts {
  exists: boolean;
  gid?: number;
}

/** Facts from the probe's one section: `getent group NAME` (exit 2: no such group). */
export function parseGroupProbe(s: ProbeSections): GroupFacts {
  const sec = s.get('group');
  if (sec.status === 2) return { exists: false };
  if (sec.status !== 0) throw new Error(`getent group exited ${sec.status}`);
  const [g] = parseGroup(sec.text);
  if (!g) throw new Error('getent group printed nothing');
  return { exists: true, gid: g.gid };
}

/** Pure: what would change, and the command that changes it. */
export function groupPlan(p: GroupParams, f: GroupFacts): Plan<GroupResult> {
  if (p.state === 'absent') {
    if (!f.exists) return { result: { changed: false } };
    return { result: { changed: true, message: `removed (gid ${f.gid})` }, apply: sh`groupdel ${p.name}` };
  }
  if (!f.exists) {
    const args = [...(p.gid !== undefined ? ['-g', String(p.gid)] : []), ...(p.system ? ['-r'] : [])];
    return {
      result: { changed: true, message: p.gid !== undefined ? `created (gid ${p.gid})` : 'created', gid: p.gid },
      apply: sh`groupadd ${args} ${p.name}`,
    };
  }
  if (p.gid !== undefined && p.gid !== f.gid)
    return {
      result: { changed: true, message: `gid ${f.gid} → ${p.gid}`, gid: p.gid },
      apply: sh`groupmod -g ${String(p.gid)} ${p.name}`,
    };
  return { result: { changed: false, gid: f.gid } };
}

/**
 * One local group: created (`groupadd`), its gid changed (`groupmod -g`; files keep their old numeric
 * group, as with Ansible) or removed (`groupdel`, which refuses a user's primary group). Members are the
 * user module's (`groups`), as in Ansible.
 */
export const group = defineModule<GroupParams, GroupFacts, GroupResult>({
  name: 'group',
  title: (p) => `group ${p.name}${p.state === 'absent' ? ' absent' : ''}`,
  validate: (p) => {
    checkAccountName(p.name, 'name');
    if (p.gid !== undefined) checkId(p.gid, 'gid');
    if (p.state !== undefined && p.state !== 'present' && p.state !== 'absent')
      throw new Error(`state: 'present' or 'absent', got ${JSON.stringify(p.state)}`);
  },
  facts: probe(
    (p, frame) => frame.section('group', sh`getent group ${p.name}`),
    parseGroupProbe,
    () => ['group'],
  ),
  plan: (p, f) => groupPlan(p, f),
});
