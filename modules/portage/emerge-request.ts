// emerge's params, checked and made explicit (pure): atoms parsed, USE flags and keywords per atom, the extra config kinds.
import type { Result } from '../../core/module.ts';
import { binpkgRequest, type BinpkgParams, type BinpkgRequest } from './emerge-binpkg.ts';
import { extraRequest, type ExtraParams, type ExtraRequest } from './emerge-extra.ts';
import type { ExtraKind } from './emerge-facts.ts';
import type { EmergePlan } from './emerge-pretend.ts';
import { expandUseTokens, parseAtom, type ParsedAtom } from './portage-config.ts';

export interface EmergeParams extends ExtraParams, BinpkgParams {
  /**
   * Package atoms, every form Portage takes on the command line: "app-emulation/ganeti", ">=sys-fs/lvm2-2.03",
   * "dev-lang/python:3.12" (slot), "app-misc/lab-sub:0/2" (sub-slot), "net-misc/socat::gentoo", "cat/pkg[flag]".
   * Dependency-only forms (`:=`, `:*`, `[flag?]`, `!cat/pkg`) are refused before any host is contacted.
   */
  atoms: string | string[];
  /** present (default): installed with the wanted USE; absent: removed with `emerge --depclean ATOMS`. */
  state?: 'present' | 'absent';
  /**
   * USE flags ("kvm", "-lxc"; USE_EXPAND ones as "python_targets_python3_13" or "PYTHON_TARGETS: python3_13")
   * written to package.use: a list applies to every atom; a record gives them per
   * atom (keys may also be dependencies not in `atoms`: their line is written, but only listed atoms are rebuilt).
   * Flags not mentioned are left alone.
   */
  use?: string[] | Record<string, string[]>;
  /** Keyword to accept ("~amd64") in package.accept_keywords: for every atom, or per atom (keys may be dependencies). */
  keywords?: string | Record<string, string>;
  /** File name drover writes inside a package.use / package.accept_keywords directory (default "drover"). */
  configFile?: string;
  /** Run `emerge --sync` first (opt-in). It changes the host (the repository), so the call reports a change; --check does not sync. */
  sync?: boolean;
  /**
   * Update installed atoms to the best visible version, as `emerge --update --noreplace ATOMS` (not --deep):
   * Portage decides what is newer and visible (keywords, masks). Costs one read-only `emerge --pretend` per run.
   */
  update?: boolean;
}

export interface EmergeResult extends Result {
  /** Installed version per atom after the call (in --check: before it; null = absent). */
  versions: Record<string, string | null>;
  /** The parsed `emerge --pretend --verbose` plan, when emerge had work to do. */
  plan?: EmergePlan;
}

/** The params made explicit and checked: atoms trimmed and parsed, flags and keywords per atom. */
export interface EmergeRequest {
  atoms: string[];
  parsed: ParsedAtom[];
  cps: string[];
  state: 'present' | 'absent';
  useMap: Map<string, string[]>;
  kwMap: Map<string, string>;
  configFile: string;
  update: boolean;
  /** mask / unmask / license / env, checked. */
  extra: ExtraRequest;
  /** The extra config kinds asked for: the probe reads and stats their files. */
  extraKinds: ExtraKind[];
  /** Binary packages: build them here (`buildpkg`), install from a binhost (`binhost`). */
  binpkg: BinpkgRequest;
}

/** Flags as given, USE_EXPAND groups written out: ["PYTHON_TARGETS: python3_13"] → ["python_targets_python3_13"]. */
function useFlags(flags: readonly string[]): string[] {
  return expandUseTokens(flags.flatMap((f) => (typeof f === 'string' ? f.trim().split(/\s+/) : [f])));
}

/** USE flags wanted per atom, from either form of `use`. */
export function useByAtom(atoms: readonly string[], use: EmergeParams['use']): Map<string, string[]> {
  const m = new Map<string, string[]>();
  if (Array.isArray(use)) {
    if (use.length) for (const a of atoms) m.set(a, useFlags(use));
  } else if (use) for (const [a, flags] of Object.entries(use)) if (flags.length) m.set(a, useFlags(flags));
  return m;
}

/** Keyword wanted per atom, from either form of `keywords`. */
export function keywordsByAtom(atoms: readonly string[], kw: EmergeParams['keywords']): Map<string, string> {
  const m = new Map<string, string>();
  if (typeof kw === 'string') for (const a of atoms) m.set(a, kw);
  else if (kw) for (const [a, k] of Object.entries(kw)) m.set(a, k);
  return m;
}

/** Checks the params (pure; throws naming the param and value) and makes them explicit. */
export function emergeRequest(p: EmergeParams): EmergeRequest {
  const atoms = (Array.isArray(p.atoms) ? p.atoms : [p.atoms]).map((a) => (typeof a === 'string' ? a.trim() : a));
  if (atoms.length === 0 || atoms.some((a) => !a || typeof a !== 'string'))
    throw new Error('atoms must name at least one package');
  const parsed = atoms.map(parseAtom);
  const state = p.state ?? 'present';
  if (state !== 'present' && state !== 'absent')
    throw new Error(`state must be "present" or "absent", got ${JSON.stringify(state)}`);
  const useMap = useByAtom(atoms, p.use);
  const kwMap = keywordsByAtom(atoms, p.keywords);
  for (const [a, flags] of useMap) {
    parseAtom(a);
    for (const f of flags)
      if (!/^-?[A-Za-z0-9][A-Za-z0-9+_@-]*$/.test(f)) throw new Error(`"${f}" (for ${a}) is not a USE flag`);
  }
  for (const [a, k] of kwMap) {
    parseAtom(a);
    if (!/^(~?[a-z0-9-]+|\*\*|~\*)$/.test(k))
      throw new Error(`"${k}" (for ${a}) is not a keyword (expected e.g. "~amd64")`);
  }
  if (p.update !== undefined && typeof p.update !== 'boolean')
    throw new Error(`update must be true or false, got ${JSON.stringify(p.update)}`);
  const update = p.update === true;
  if (update && state === 'absent') throw new Error('update applies to state "present" only (state is "absent")');
  const configFile = p.configFile ?? 'drover';
  if (!/^[A-Za-z0-9_][A-Za-z0-9._-]*$/.test(configFile))
    throw new Error(`configFile must be a plain file name, got "${configFile}"`);
  const extra = extraRequest(atoms, p);
  if (state === 'absent' && extra.kinds.length)
    throw new Error(`${extra.kinds.join(', ')} apply to state "present" only (state is "absent")`);
  const binpkg = binpkgRequest(p);
  if (state === 'absent' && (binpkg.buildpkg || binpkg.binhost))
    throw new Error('buildpkg and binhost apply to state "present" only (state is "absent")');
  return {
    atoms,
    parsed,
    cps: [...new Set(parsed.map((a) => a.cp))],
    state,
    useMap,
    kwMap,
    configFile,
    update,
    extra,
    extraKinds: extra.kinds,
    binpkg,
  };
}
