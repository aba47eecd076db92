// Pure Portage helpers: atoms and versions, and line editing of package.use / package.accept_keywords.

export interface ParsedAtom {
  op?: string;
  cp: string;
  version?: string;
  /** The slot as written: "0", "2" or, with a sub-slot, "0/2". */
  slot?: string;
  /** `::repo`, when given (passed to emerge; the vdb's repository is not compared). */
  repo?: string;
  /** USE dependencies `[kvm,-drbd]`: the installed build must have kvm on and drbd off. */
  useDeps?: string[];
}

const ATOM_RE =
  /^(<=|>=|=|~|<|>)?([A-Za-z0-9_][A-Za-z0-9+_.-]*\/[A-Za-z0-9_][A-Za-z0-9+_-]*?)(?:-(\d[^:[*]*))?(\*)?(?::([^:[\]]*))?(?:::([^:[\]]*))?(?:\[([^\]]*)\])?$/;
const SLOT_RE = /^[A-Za-z0-9_][A-Za-z0-9+_.-]*(?:\/[A-Za-z0-9_][A-Za-z0-9+_.-]*)?$/;
const REPO_RE = /^[A-Za-z0-9_][A-Za-z0-9_-]*$/;
const USE_DEP_RE = /^-?[A-Za-z0-9][A-Za-z0-9+_@.-]*(?:\([+-]\))?$/;

/**
 * Parses a package atom as Portage accepts it in a world file or on emerge's command line: `cat/pn`,
 * `>=cat/pn-1.2`, `=cat/pn-1*`, `~cat/pn-1.2`, `cat/pn:SLOT`, `cat/pn:SLOT/SUBSLOT`, `cat/pn::repo`,
 * `cat/pn[flag,-flag]`. Dependency-only forms (slot operators `:=` `:*` `:0=`, conditional USE deps `[flag?]`,
 * blockers `!cat/pn`) are refused here, before any host is contacted: emerge would fail on them after running.
 */
export function parseAtom(atom: string): ParsedAtom {
  const bad = (why: string) =>
    new Error(
      `not a valid package atom: "${atom}" (${why}; expected category/name, optionally with an operator and version like ">=app-emulation/ganeti-3.0", a slot "cat/pkg:2" or "cat/pkg:0/2", a repository "::gentoo")`,
    );
  if (/^!/.test(atom)) throw bad('a blocker belongs to a dependency, not to a package to install');
  if (atom.startsWith('@')) throw bad('a set is not a package atom');
  const m = ATOM_RE.exec(atom);
  if (!m) throw bad('not an atom');
  const [, op, cp, version, star, slot, repo, use] = m;
  if (Boolean(op) !== Boolean(version) || (version !== undefined && !VERSION_RE.test(version)))
    throw bad(op ? 'the operator needs a version' : 'a version needs an operator (=, >=, <=, <, >, ~)');
  if (star && op !== '=') throw bad('"*" goes with "=" only');
  if (slot !== undefined) {
    if (slot === '*' || slot.endsWith('='))
      throw new Error(
        `"${atom}": the slot operator ":${slot}" belongs to dependencies (RDEPEND), not to a package to install; emerge refuses it. Use "${cp}" or "${cp}:SLOT"`,
      );
    if (!SLOT_RE.test(slot)) throw bad(`"${slot}" is not a slot`);
  }
  if (repo !== undefined && !REPO_RE.test(repo)) throw bad(`"${repo}" is not a repository name`);
  let useDeps: string[] | undefined;
  if (use !== undefined) {
    useDeps = use.split(',').map((u) => u.trim());
    const wrong = useDeps.find((u) => !USE_DEP_RE.test(u));
    if (wrong !== undefined)
      throw bad(
        `"[${wrong}]" is not a plain USE dependency (conditional forms like "flag?" and "flag=" belong to dependencies)`,
      );
  }
  return {
    op: star ? '=*' : op,
    cp,
    version,
    slot,
    ...(repo !== undefined ? { repo } : {}),
    ...(useDeps ? { useDeps } : {}),
  };
}

const VERSION_RE = /^(\d+(?:\.\d+)*)([a-z]?)((?:_(?:alpha|beta|pre|rc|p)\d*)*)(?:-r(\d+))?$/;
const SUFFIX: Record<string, number> = { alpha: -4, beta: -3, pre: -2, rc: -1, p: 1 };

/** Compares Gentoo versions (PMS rules, simplified: numeric parts, letter, suffixes, revision). */
export function vercmp(a: string, b: string): number {
  const pa = VERSION_RE.exec(a);
  const pb = VERSION_RE.exec(b);
  if (!pa || !pb) return a < b ? -1 : a > b ? 1 : 0;
  const na = pa[1].split('.').map(Number);
  const nb = pb[1].split('.').map(Number);
  for (let i = 0; i < Math.max(na.length, nb.length); i++) {
    const d = (na[i] ?? -1) - (nb[i] ?? -1);
    if (d) return Math.sign(d);
  }
  if (pa[2] !== pb[2]) return pa[2] < pb[2] ? -1 : 1;
  const sa = [...pa[3].matchAll(/_(alpha|beta|pre|rc|p)(\d*)/g)].map((s) => [SUFFIX[s[1]], Number(s[2] || 0)]);
  const sb = [...pb[3].matchAll(/_(alpha|beta|pre|rc|p)(\d*)/g)].map((s) => [SUFFIX[s[1]], Number(s[2] || 0)]);
  for (let i = 0; i < Math.max(sa.length, sb.length); i++) {
    const x = sa[i] ?? [0, 0];
    const y = sb[i] ?? [0, 0];
    if (x[0] !== y[0]) return Math.sign(x[0] - y[0]);
    if (x[1] !== y[1]) return Math.sign(x[1] - y[1]);
  }
  return Math.sign(Number(pa[4] ?? 0) - Number(pb[4] ?? 0));
}

/**
 * Does an installed `version` (in `slot`, "0/1" with its sub-slot, built with `use`) satisfy the atom? A
 * sub-slot in the atom must match too: `cat/pkg:0/2` is not satisfied by a build in 0/1.
 */
export function atomMatches(atom: ParsedAtom, version: string, slot = '0', use?: readonly string[]): boolean {
  if (atom.slot) {
    const [want, wantSub] = atom.slot.split('/');
    const [have, haveSub] = slot.split('/');
    if (want !== have) return false;
    if (wantSub !== undefined && wantSub !== (haveSub ?? have)) return false;
  }
  if (atom.useDeps && use) {
    for (const u of atom.useDeps) {
      const on = !u.startsWith('-');
      const flag = u.replace(/^-/, '').replace(/\([+-]\)$/, '');
      if (use.includes(flag) !== on) return false;
    }
  }
  if (!atom.version || !atom.op) return true;
  const c = vercmp(version, atom.version);
  switch (atom.op) {
    case '=':
      return c === 0;
    case '>=':
      return c >= 0;
    case '<=':
      return c <= 0;
    case '>':
      return c > 0;
    case '<':
      return c < 0;
    case '~':
      return version.replace(/-r\d+$/, '') === atom.version.replace(/-r\d+$/, '');
    case '=*':
      return version.startsWith(atom.version);
  }
  return false;
}

/** One meaningful line of a Portage config file. */
export interface ConfigLine {
  file: string;
  /** 1-based line number. */
  line: number;
  atom: string;
  tokens: string[];
}

/**
 * USE tokens with USE_EXPAND groups written out, as Portage reads package.use: `PYTHON_TARGETS: python3_13
 * -python3_12` is `python_targets_python3_13 -python_targets_python3_12` (a `GROUP:` token applies to every
 * token after it). Tokens without a group are returned as they are (keywords have none).
 */
export function expandUseTokens(tokens: readonly string[]): string[] {
  const out: string[] = [];
  let prefix = '';
  for (const t of tokens) {
    const g = /^([A-Za-z][A-Za-z0-9_]*):$/.exec(t);
    if (g) {
      prefix = `${g[1].toLowerCase()}_`;
      continue;
    }
    out.push(prefix ? (t.startsWith('-') ? `-${prefix}${t.slice(1)}` : `${prefix}${t}`) : t);
  }
  return out;
}

/** Lines of one config file: `atom token token  # comment`; blank and comment lines skipped; USE_EXPAND groups expanded. */
export function parseConfigFile(file: string, content: string): ConfigLine[] {
  const out: ConfigLine[] = [];
  content.split('\n').forEach((raw, i) => {
    const words = raw.split('#', 1)[0].trim().split(/\s+/).filter(Boolean);
    if (words.length) out.push({ file, line: i + 1, atom: words[0], tokens: expandUseTokens(words.slice(1)) });
  });
  return out;
}

/** A Portage config location as probed: absent, one file, or a directory of files (read in lexical order). */
export type ConfigLocation =
  | { kind: 'absent'; path: string }
  | { kind: 'file'; path: string; content: string }
  | { kind: 'dir'; path: string; files: { path: string; content: string }[] };

export interface ConfigEdit {
  /** The file drover writes (inside the directory, or the file itself). */
  path: string;
  before: string | null;
  after: string | null;
  /** package.use is absent entirely: it must be created (as a directory when `asDir`). */
  createDir: boolean;
}

/** All lines of a location in Portage's read order. */
export function locationLines(loc: ConfigLocation): ConfigLine[] {
  if (loc.kind === 'absent') return [];
  if (loc.kind === 'file') return parseConfigFile(loc.path, loc.content);
  return [...loc.files]
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .flatMap((f) => parseConfigFile(f.path, f.content));
}

const HEADER = '# Managed by drover (emerge module): one line per atom; edit the playbook, not this file.\n';

/**
 * Ensures `atom` carries `wanted` tokens (USE flags like "kvm"/"-lxc", or keywords like "~amd64") in
 * the location, without duplicating or fighting other lines for the same atom:
 * - drover's line is the first line for exactly this atom in the managed file (`<dir>/<configFile>`, or the file itself);
 * - a token another line already sets the same way is not repeated;
 * - a token another line sets the opposite way ("-kvm" elsewhere when "kvm" is wanted) is an error naming that file:line,
 *   because whichever file Portage reads last would silently win;
 * - tokens on drover's line that are not mentioned are kept (turn a flag off by asking for "-flag").
 * `opposite(token)` gives the token that contradicts it ("kvm" <-> "-kvm"); keywords have none.
 * Returns null when nothing needs to change.
 */
export function ensureAtomLine(
  loc: ConfigLocation,
  atom: string,
  wanted: readonly string[],
  opts: {
    configFile: string;
    what: string;
    opposite?: (t: string) => string | undefined;
    alsoRead?: ConfigLine[];
    noTokensMeans?: string;
  },
): ConfigEdit | null {
  if (wanted.length === 0) return null;
  const managedPath = loc.kind === 'file' ? loc.path : `${loc.path}/${opts.configFile}`;
  const managedContent =
    loc.kind === 'file'
      ? loc.content
      : loc.kind === 'dir'
        ? (loc.files.find((f) => f.path === managedPath)?.content ?? null)
        : null;
  const lines = [...(opts.alsoRead ?? []), ...locationLines(loc)];
  const same = lines.filter((l) => l.atom === atom);
  const ours = same.find((l) => l.file === managedPath);
  const others = same.filter((l) => l !== ours);
  const effective = (l: ConfigLine) => (l.tokens.length === 0 && opts.noTokensMeans ? [opts.noTokensMeans] : l.tokens);
  const needed: string[] = [];
  for (const t of wanted) {
    const opp = opts.opposite?.(t);
    const fight = opp === undefined ? undefined : others.find((l) => effective(l).includes(opp));
    if (fight) {
      throw new Error(
        `${opts.what}: ${fight.file}:${fight.line} sets "${fight.atom} ${fight.tokens.join(' ')}", which contradicts the wanted "${t}"; ` +
          `remove "${opp}" there (drover will not fight another line for the same atom)`,
      );
    }
    if (others.some((l) => effective(l).includes(t))) continue;
    needed.push(t);
  }
  const current = ours ? ours.tokens : [];
  const next = current.filter((t) => !needed.some((n) => opts.opposite?.(n) === t));
  const oursEffective = ours ? effective(ours) : [];
  for (const n of needed) if (!next.includes(n) && !oursEffective.includes(n)) next.push(n);
  if (!ours && needed.length === 0) return null;
  if (ours && next.length === current.length && next.every((t, i) => t === current[i])) return null;
  const newLine = `${atom} ${next.join(' ')}`;
  let after: string;
  if (managedContent === null) {
    after = HEADER + newLine + '\n';
  } else if (ours) {
    const rows = managedContent.split('\n');
    const old = rows[ours.line - 1];
    const comment = old.indexOf('#') >= 0 ? '  ' + old.slice(old.indexOf('#')) : '';
    rows[ours.line - 1] = newLine + comment;
    after = rows.join('\n');
  } else {
    after = managedContent + (managedContent === '' || managedContent.endsWith('\n') ? '' : '\n') + newLine + '\n';
  }
  return { path: managedPath, before: managedContent, after, createDir: loc.kind === 'absent' };
}

/** "kvm" <-> "-kvm". */
export function oppositeFlag(flag: string): string {
  return flag.startsWith('-') ? flag.slice(1) : `-${flag}`;
}

/**
 * Ensures a line holding just `atom` (package.mask, package.unmask) in the location: none is added when any file
 * already has that exact line. Returns null when nothing needs to change.
 */
export function ensureBareLine(loc: ConfigLocation, atom: string, configFile: string): ConfigEdit | null {
  if (locationLines(loc).some((l) => l.atom === atom && l.tokens.length === 0)) return null;
  const managedPath = loc.kind === 'file' ? loc.path : `${loc.path}/${configFile}`;
  const managedContent =
    loc.kind === 'file'
      ? loc.content
      : loc.kind === 'dir'
        ? (loc.files.find((f) => f.path === managedPath)?.content ?? null)
        : null;
  const after =
    managedContent === null
      ? `${HEADER}${atom}\n`
      : `${managedContent}${managedContent === '' || managedContent.endsWith('\n') ? '' : '\n'}${atom}\n`;
  return { path: managedPath, before: managedContent, after, createDir: loc.kind === 'absent' };
}
