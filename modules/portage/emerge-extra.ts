// emerge's package.mask / package.unmask / package.license / package.env params (pure): checked, then turned into config
// edits on the same contract as package.use (drover's file in a directory, or its line in a file; others' lines kept).
import { EXTRA_DIRS, type ExtraKind, type Probe } from './emerge-facts.ts';
import {
  ensureAtomLine,
  ensureBareLine,
  locationLines,
  parseAtom,
  type ConfigEdit,
  type ConfigLocation,
} from './portage-config.ts';

export interface ExtraParams {
  /** Atoms written to package.mask (">=app-emulation/qemu-9"): Portage will not install what they match. */
  mask?: string[];
  /** Atoms written to package.unmask: lifts a package.mask (the profile's or another file's) for what they match. */
  unmask?: string[];
  /** Licenses accepted (package.license): a list for every atom, or per atom ("@BINARY-REDISTRIBUTABLE", "NVIDIA-r2"). */
  license?: string[] | Record<string, string[]>;
  /** Env files (package.env; names of files in /etc/portage/env) applied when building: a list for every atom, or per atom. */
  env?: string[] | Record<string, string[]>;
}

/** The extra params made explicit: lines per kind. */
export interface ExtraRequest {
  mask: string[];
  unmask: string[];
  license: Map<string, string[]>;
  env: Map<string, string[]>;
  kinds: ExtraKind[];
}

function perAtom(atoms: readonly string[], v: string[] | Record<string, string[]> | undefined, what: string) {
  const m = new Map<string, string[]>();
  if (v === undefined) return m;
  if (Array.isArray(v)) {
    if (v.length) for (const a of atoms) m.set(a, [...v]);
  } else if (typeof v === 'object' && v) {
    for (const [a, list] of Object.entries(v)) {
      if (!Array.isArray(list)) throw new Error(`${what}["${a}"] must be a list`);
      parseAtom(a);
      if (list.length) m.set(a, [...list]);
    }
  } else throw new Error(`${what} must be a list or a record of lists`);
  return m;
}

/** Checks the extra params (pure; throws naming the param and value). */
export function extraRequest(atoms: readonly string[], p: ExtraParams): ExtraRequest {
  const atomList = (v: unknown, what: string): string[] => {
    if (v === undefined) return [];
    if (!Array.isArray(v) || v.some((a) => typeof a !== 'string')) throw new Error(`${what} must be a list of atoms`);
    for (const a of v) parseAtom(a);
    return v;
  };
  const mask = atomList(p.mask, 'mask');
  const unmask = atomList(p.unmask, 'unmask');
  const both = mask.find((a) => unmask.includes(a));
  if (both) throw new Error(`"${both}" is in both mask and unmask`);
  const license = perAtom(atoms, p.license, 'license');
  for (const [a, l] of license)
    for (const x of l)
      if (!/^-?@?[A-Za-z0-9_][A-Za-z0-9+_.-]*$|^-?\*$/.test(x))
        throw new Error(`"${x}" (for ${a}) is not a license name`);
  const env = perAtom(atoms, p.env, 'env');
  for (const [a, l] of env)
    for (const x of l)
      if (!/^[A-Za-z0-9_][A-Za-z0-9._-]*$/.test(x))
        throw new Error(`"${x}" (for ${a}) is not a file name in /etc/portage/env`);
  const kinds: ExtraKind[] = [];
  if (mask.length) kinds.push('mask');
  if (unmask.length) kinds.push('unmask');
  if (license.size) kinds.push('license');
  if (env.size) kinds.push('env');
  return { mask, unmask, license, env, kinds };
}

/**
 * The config edits for mask, unmask, license and env (pure). A mask another package.unmask line lifts (the same
 * atom) would change nothing: an error naming that file:line.
 */
export function extraEdits(p: Probe, x: ExtraRequest, configFile: string): ConfigEdit[] {
  const edits: ConfigEdit[] = [];
  const loc = (k: ExtraKind): ConfigLocation => p.locations[EXTRA_DIRS[k]] ?? { kind: 'absent', path: EXTRA_DIRS[k] };
  let cur: Record<ExtraKind, ConfigLocation> = {
    mask: loc('mask'),
    unmask: loc('unmask'),
    license: loc('license'),
    env: loc('env'),
  };
  const take = (k: ExtraKind, e: ConfigEdit | null) => {
    if (!e) return;
    const prev = edits.find((y) => y.path === e.path);
    if (prev) prev.after = e.after;
    else edits.push(e);
    const l = cur[k];
    cur = {
      ...cur,
      [k]:
        l.kind === 'file'
          ? { ...l, content: e.after ?? '' }
          : {
              kind: 'dir',
              path: l.path,
              files: [
                ...(l.kind === 'dir' ? l.files.filter((f) => f.path !== e.path) : []),
                { path: e.path, content: e.after ?? '' },
              ],
            },
    };
  };
  const unmasked = locationLines(cur.unmask);
  for (const a of x.mask) {
    const lifted = unmasked.find((l) => l.atom === a);
    if (lifted)
      throw new Error(
        `package.mask: ${lifted.file}:${lifted.line} unmasks "${a}", so the wanted mask would change nothing; remove that line (drover will not fight it)`,
      );
    take('mask', ensureBareLine(cur.mask, a, configFile));
  }
  for (const a of x.unmask) take('unmask', ensureBareLine(cur.unmask, a, configFile));
  for (const [a, l] of x.license)
    take('license', ensureAtomLine(cur.license, a, l, { configFile, what: 'package.license' }));
  for (const [a, l] of x.env) take('env', ensureAtomLine(cur.env, a, l, { configFile, what: 'package.env' }));
  return edits;
}
