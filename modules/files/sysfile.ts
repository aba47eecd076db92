// sysfile: a file's content, lines or managed block, owner and mode; or a directory, a symlink, an absence.
import { defineModule, probe, type Plan as ModulePlan } from '../../core/module.ts';
import { registerSecrets, type Host } from '../../core/host.ts';
import {
  checkOwnership,
  checkPath,
  checkValidate,
  checkWellFormed,
  makeDirectory,
  makeSymlink,
  removePath,
  setAttributes,
  writeFile,
  type FileState,
} from '../shared/remote-file.ts';
import { revealText } from './file-secrets.ts';
import { localFile } from '../shared/local-source.ts';
import type { PlayVars } from './sysfile-params.ts';
import { paramSecrets, parseSysfileProbe, sysfileProbe, sysfileSections } from './sysfile-facts.ts';
import {
  checkEditParams,
  modeOf,
  normaliseMode,
  planSysfile,
  type SysfilePlan,
  type SysfileParams,
  type SysfileResult,
  type WriteOptions,
} from './sysfile-plan.ts';

export type {
  AbsentParams,
  Action,
  BlockParams,
  ContentParams,
  DirectoryParams,
  FileMode,
  LineParams,
  LinkParams,
  SysfilePlan,
  SrcParams,
  SysfileParams,
  SysfileResult,
} from './sysfile-plan.ts';
// Used by modules that edit files as part of their work (hostname, kmod): plan with sysfile's rules, apply here.

/** Pure checks of the params, before the host is touched: each error names the path and the parameter. */
export function checkSysfileParams(p: SysfileParams): void {
  checkPath(p.path);
  // Strings that become bytes on the host (written, or run): a lone surrogate would arrive as U+FFFD.
  // A content function's result is checked when it is called (revealSecrets).
  for (const key of ['target', 'content', 'line', 'block', 'blockName', 'markerPrefix', 'src', 'validate'] as const) {
    const v = revealText((p as Partial<Record<typeof key, unknown>>)[key]);
    if (typeof v === 'string') checkWellFormed(v, `${p.path}: ${key}`);
  }
  const mode = modeOf(p);
  const validate = (p as WriteOptions).validate;
  if (typeof validate === 'string') {
    // validate becomes a command line, which cannot carry a NUL byte
    if (validate.includes('\0')) throw new Error(`${p.path}: validate contains a NUL byte`);
    checkValidate(validate, p.path);
  }
  if (mode !== 'absent' && mode !== 'link') {
    checkOwnership(p as WriteOptions, p.path);
    normaliseMode((p as WriteOptions).mode, p.path);
  }
  // src: the local file must exist and be readable now (hashed here, once for all hosts)
  if ('src' in p && p.src !== undefined) localFile(p.src, p.path);
  checkEditParams(p);
}

/** Backup name for `path` at `now` (taken when the write runs): `<path>.drover-20261124T133700.123~`. */
export function backupPathFor(path: string, now = new Date()): string {
  const iso = now.toISOString(); // 2026-11-24T13:37:00.123Z
  const stamp = iso.slice(0, 19).replace(/[-:]/g, '') + '.' + iso.slice(20, 23);
  return `${path}.drover-${stamp}~`;
}

/** Carries out a sysfile plan (one round trip). Returns the backup path when one was made. */
export async function applyPlan<V>(host: Host<V>, plan: SysfilePlan): Promise<string | undefined> {
  const a = plan.action;
  // Before anything runs: an error or output that quotes them (a validate command's) is masked.
  if (plan.secrets?.length) registerSecrets(host as Host<unknown>, plan.secrets);
  switch (a.kind) {
    case 'none':
      return undefined;
    case 'write': {
      const backupPath = a.backup ? backupPathFor(plan.path) : undefined;
      await writeFile(host, plan.path, a.content, {
        owner: a.owner,
        group: a.group,
        mode: a.mode,
        validate: a.validate,
        backupPath,
        createParents: a.createParents,
      });
      return backupPath;
    }
    case 'attrs':
      await host.exec(setAttributes(plan.path, a));
      return undefined;
    case 'remove': {
      const backupPath = a.backup ? backupPathFor(plan.path) : undefined;
      await host.exec(removePath(plan.path, { recursive: a.recursive, backupPath }));
      return backupPath;
    }
    case 'mkdir':
      await host.exec(makeDirectory(plan.path, a));
      return undefined;
    case 'link':
      await host.exec(makeSymlink(plan.path, a.target, { createParents: a.createParents }));
      return undefined;
  }
}

/** The module's plan: sysfile's decision as the report, and applyPlan to carry it out. */
export function sysfileModulePlan(plan: SysfilePlan): ModulePlan<SysfileResult> {
  const changed = plan.action.kind !== 'none';
  const result: SysfileResult = { changed, changes: plan.changes, path: plan.path };
  if (plan.messages.length) result.message = plan.messages.join(', ');
  if (!changed) return { result };
  return {
    result,
    apply: async (host) => {
      const backupPath = await applyPlan(host, plan);
      return backupPath ? { backupPath } : undefined;
    },
  };
}

/**
 * Manages one path. One round trip when nothing changes (a probe returning type, owner, mode and the
 * exact bytes), one more to apply. In --check only the probe runs and the result says what would change.
 *
 * @example
 * await sysfile(host, { path: '/etc/conf.d/hostname', content: `hostname="${host.name}"\n` })
 * await sysfile(host, { path: '/etc/hosts', regexp: '^127\\.0\\.1\\.1\\s', state: 'absent' })
 * await sysfile(host, { path: '/etc/sudoers', line: '%wheel ALL=(ALL) ALL', regexp: '^%wheel', validate: 'visudo -cf %s' })
 * await sysfile(host, { path: '/etc/lvm/lvm.conf', blockName: 'ganeti', block: 'devices { ... }\n', insertAfter: '^devices' })
 */
export const sysfile = defineModule<SysfileParams, FileState, SysfileResult>({
  name: 'sysfile',
  title: (p) => `sysfile ${p.path}`,
  validate: checkSysfileParams,
  // Registered before the probe: a later output quoting them (a `cat` of the file) is masked, in --check too.
  secrets: paramSecrets,
  facts: probe(sysfileProbe, parseSysfileProbe, sysfileSections),
  plan: (p, st, host) => sysfileModulePlan(planSysfile(p, st, (host.vars ?? {}) as PlayVars)),
});
