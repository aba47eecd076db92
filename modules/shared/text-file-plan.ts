// A small text file a module owns (kmod's modprobe.d file, hostname's /etc/hostname): planned purely from its probe, written through remote-file.
import type { FileChange } from '../../core/events.ts';
import type { Host } from '../../core/host.ts';
import { removePath, writeFile, type FileState } from './remote-file.ts';

/** One file to change: the diff, the words for the message, and how. */
export interface TextFilePlan {
  /** Where the change lands (a symlink is written through, removed itself). */
  path: string;
  change: FileChange;
  /** "created", "content changed", "removed file", or the edit's own words. */
  message: string;
  action:
    | { kind: 'write'; content: string; mode: string; owner?: number; group?: number; createParents: boolean }
    | { kind: 'remove' };
}

/**
 * The plan for `path` (probed with content, following symlinks) to hold `want(before)`: a text, or
 * null for no file. Undefined when it already does. An existing file keeps its owner and mode; a new
 * one is root's, `mode` (default 0644).
 */
export function planTextFile(
  path: string,
  st: FileState,
  want: (before: string | null) => { text: string | null; message?: string },
  o: { mode?: string; createParents?: boolean } = {},
): TextFilePlan | undefined {
  if (st.kind === 'directory' || st.kind === 'other')
    throw new Error(`${st.realPath || path} is a ${st.kind}, not a file`);
  if (st.unreadable) throw new Error(`${st.realPath || path} exists but cannot be read`);
  const before = st.kind === 'file' ? (st.content ?? Buffer.alloc(0)).toString('utf8') : null;
  const { text, message } = want(before);
  if (text === before) return undefined;
  if (text === null)
    return {
      path,
      change: { path, before, after: null },
      message: message ?? 'removed file',
      action: { kind: 'remove' },
    };
  if (before === null) {
    return {
      path,
      change: { path, before, after: text },
      message: message ?? 'created',
      action: { kind: 'write', content: text, mode: o.mode ?? '0644', createParents: !!o.createParents },
    };
  }
  const real = st.realPath || path;
  return {
    path: real,
    change: { path: real, before, after: text },
    message: message ?? 'content changed',
    action: {
      kind: 'write',
      content: text,
      mode: st.mode ?? '0644',
      owner: st.uid,
      group: st.gid,
      createParents: false,
    },
  };
}

/** Carries out one plan: an atomic write (remote-file's writer) or a removal. */
export async function applyTextFile(host: Host<unknown>, plan: TextFilePlan): Promise<void> {
  const a = plan.action;
  if (a.kind === 'remove') await host.exec(removePath(plan.path));
  else
    await writeFile(host, plan.path, a.content, {
      mode: a.mode,
      owner: a.owner,
      group: a.group,
      createParents: a.createParents,
    });
}
