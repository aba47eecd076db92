// Pure Portage helpers: atoms and versions, and line editing of package.use / package.accept_keywords.

export interface ParsedAtom {
  op?: string;
  cp: string;
  version?: string;
  slot?: string;
}

const ATOM_RE =
  /^(<=|>=|=|~|<|>)?([A-Za-z0-9_][A-Za-z0-9+_.-]*\/[A-Za-z0-9_][A-Za-z0-9+_-]*?)(?:-(\d[^:[*]*))?(\*)?(?::([^:[]+))?(?:::[A-Za-z0-9_-]+)?$/;

/** Parses a package atom as drover accepts it (no USE deps): `cat/pn`, `>=cat/pn-1.2`, `cat/pn:0`. */
export function parseAtom(atom: string): ParsedAtom {
  const m = ATOM_RE.exec(atom);
  if (!m || Boolean(m[1]) !== Boolean(m[3]) || (m[3] !== undefined && !VERSION_RE.test(m[3]))) {
    throw new Error(
      `not a valid package atom: "${atom}" (expected category/name, optionally with an operator and version like ">=app-emulation/ganeti-3.0")`,
    );
  }
  return { op: m[4] ? '=*' : m[1], cp: m[2], version: m[3], slot: m[5] };
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

/** Does an installed `version` (in `slot`) satisfy the atom? */
export function atomMatches(atom: ParsedAtom, version: string, slot = '0'): boolean {
  if (atom.slot && atom.slot.split('/')[0] !== slot.split('/')[0]) return false;
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

/** Lines of one config file: `atom token token  # comment`; blank and comment lines skipped. */
export function parseConfigFile(file: string, content: string): ConfigLine[] {
  const out: ConfigLine[] = [];
  content.split('\n').forEach((raw, i) => {
    const words = raw.split('#', 1)[0].trim().split(/\s+/).filter(Boolean);
    if (words.length) out.push({ file, line: i + 1, atom: words[0], tokens: words.slice(1) });
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
