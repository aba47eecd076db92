// Pure parsing of `emerge --pretend [--verbose]` output into a structured plan, its diff-like rendering, and emerge's failure reasons.

/** One USE flag as emerge shows it: `-drbd*`, `lxc%*`, `(-selinux)`, `{-test}`. */
export interface UseFlag {
  flag: string;
  enabled: boolean;
  /** `*`: switches on or off compared with the installed build. */
  changed: boolean;
  /** `%`: newly added to (or removed from) IUSE. */
  iuseChanged: boolean;
  /** `()` or `{}`: forced, masked, removed, or bound to FEATURES. */
  forced: boolean;
  /** `{}`: bound to FEATURES (test), not set by the profile. */
  bound?: true;
}

export type PlanAction = 'new' | 'new-slot' | 'update' | 'downgrade' | 'rebuild' | 'nomerge' | 'uninstall' | 'blocker';

export interface PlanEntry {
  action: PlanAction;
  /** ebuild, binary, nomerge, uninstall, blocks. */
  kind: string;
  /** The raw attribute column, e.g. "  N   " or " rR   ". */
  attrs: string;
  /** category/name-version (for a blocker: the blocking atom). */
  cpv: string;
  cp: string;
  version: string;
  slot?: string;
  repo?: string;
  /** Installed versions being replaced, from `[1.0::gentoo]`. */
  replaces: string[];
  /** `r`: reinstalled because of a dependency (slot operator), not asked for. */
  forceReinstall: boolean;
  /** `~` keyword-masked, `#` package.mask'ed, `*` missing keyword (verbose only). */
  mask?: string;
  /** USE="..." and USE_EXPAND groups (ABI_X86="..."), in order. */
  use: Record<string, UseFlag[]>;
  /** "1,234 KiB" as printed (verbose only). */
  size?: string;
  /** Depth in --tree output (leading indentation). */
  depth: number;
  line: string;
  /** A binary package's build id (FEATURES=binpkg-multi-instance): `[binary ...] cat/pkg-1.0-1` is version 1.0, build 1. */
  buildId?: number;
}

export interface EmergePlan {
  entries: PlanEntry[];
  /** The "Total: ..." line when present. */
  total?: string;
}

const LINE_RE = /^\[(ebuild|binary|nomerge|blocks|uninstall)([^\]]*)\](.*)$/;

/** Splits `cat/pn-1.2-r1:0/1::gentoo` into its parts. */
export function parsePackageString(s: string): {
  cpv: string;
  cp: string;
  version: string;
  slot?: string;
  repo?: string;
} {
  let rest = s;
  let repo: string | undefined;
  const r = rest.indexOf('::');
  if (r >= 0) {
    repo = rest.slice(r + 2);
    rest = rest.slice(0, r);
  }
  let slot: string | undefined;
  const c = rest.indexOf(':');
  if (c >= 0) {
    slot = rest.slice(c + 1);
    rest = rest.slice(0, c);
  }
  const m = /^(.+?)-(\d[^-]*(?:-r\d+)?)$/.exec(rest);
  return { cpv: rest, cp: m ? m[1] : rest, version: m ? m[2] : '', slot, repo };
}

/**
 * A binary package's name as emerge shows it: with binpkg-multi-instance (Portage's default) the build id follows
 * the version, `app-misc/lab-slow-1.0-1`. Taken off only when what is left still has a version (a package name
 * never ends in `-<digits>`, so `cat/pkg-1` stays version 1).
 */
function withoutBuildId(s: string): ReturnType<typeof parsePackageString> & { buildId?: number } {
  const pkg = parsePackageString(s);
  const b = /^(.*)-(\d+)$/.exec(pkg.cpv);
  if (!b) return pkg;
  const inner = parsePackageString(b[1]);
  if (!inner.version) return pkg;
  return { ...inner, slot: pkg.slot, repo: pkg.repo, buildId: Number(b[2]) };
}

export function parseUseFlag(token: string): UseFlag {
  let t = token;
  let forced = false;
  const bound = t.startsWith('{') && t.endsWith('}');
  if ((t.startsWith('(') && t.endsWith(')')) || bound) {
    forced = true;
    t = t.slice(1, -1);
  }
  let changed = false;
  let iuseChanged = false;
  while (t.endsWith('*') || t.endsWith('%')) {
    if (t.endsWith('*')) changed = true;
    else iuseChanged = true;
    t = t.slice(0, -1);
  }
  const enabled = !t.startsWith('-');
  return { flag: enabled ? t : t.slice(1), enabled, changed, iuseChanged, forced, ...(bound ? { bound } : {}) };
}

function actionOf(kind: string, attrs: string): PlanAction {
  if (kind === 'nomerge') return 'nomerge';
  if (kind === 'uninstall') return 'uninstall';
  if (kind === 'blocks') return 'blocker';
  const a = attrs.padEnd(6);
  if (a[4] === 'U') return a[5] === 'D' ? 'downgrade' : 'update';
  if (a[2] === 'R') return 'rebuild';
  if (a[1] === 'N') return 'new';
  if (a[2] === 'S') return 'new-slot';
  return 'rebuild';
}

/** Parses emerge's stdout; lines that are not plan lines (headers, spinner, Total) are skipped. */
export function parseEmergePlan(stdout: string): EmergePlan {
  const entries: PlanEntry[] = [];
  let total: string | undefined;
  // eslint-disable-next-line no-control-regex
  const clean = stdout.replace(/\x1b\[[0-9;]*m/g, '');
  for (const raw of clean.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line.startsWith('Total: ')) total = line.trim();
    const m = LINE_RE.exec(line);
    if (!m) continue;
    const kind = m[1];
    const inner = m[2];
    let attrs = '';
    let mask: string | undefined;
    if (kind === 'ebuild' || kind === 'binary') {
      // "[ebuild" + " " + six attribute columns + an optional mask column (absent with --quiet).
      attrs = inner.slice(1, 7).padEnd(6);
      const mk = inner.slice(7, 8);
      if (mk && mk !== ' ') mask = mk;
    } else {
      attrs = inner.trim();
    }
    const after = m[3];
    const body = after.replace(/^ /, '');
    const depth = body.length - body.trimStart().length;
    let rest = body.trim();
    const first = /^(\S+)\s*(.*)$/.exec(rest);
    if (!first) continue;
    const pkg: ReturnType<typeof withoutBuildId> =
      kind === 'binary' ? withoutBuildId(first[1]) : parsePackageString(first[1]);
    rest = first[2];
    const replaces: string[] = [];
    const old = /^\[([^\]"]+)\]\s*(.*)$/.exec(rest);
    if (old && kind !== 'blocks') {
      for (const v of old[1].split(',')) replaces.push(v.trim());
      rest = old[2];
    }
    const use: Record<string, UseFlag[]> = {};
    for (const g of rest.matchAll(/([A-Z][A-Z0-9_]*)="([^"]*)"/g)) {
      use[g[1]] = g[2].split(/\s+/).filter(Boolean).map(parseUseFlag);
    }
    const size = /(\d[\d,.]*\s*[kKMG]i?B)\s*(?:\[[^\]]*\])?\s*$/.exec(rest)?.[1];
    entries.push({
      action: actionOf(kind, attrs),
      kind,
      attrs,
      cpv: pkg.cpv,
      cp: pkg.cp,
      version: pkg.version,
      slot: pkg.slot,
      repo: pkg.repo,
      replaces,
      forceReinstall: (kind === 'ebuild' || kind === 'binary') && attrs[1] === 'r',
      mask,
      use,
      size,
      depth,
      line,
      ...(pkg.buildId !== undefined ? { buildId: pkg.buildId } : {}),
    });
  }
  return { entries, total };
}

/** The USE flags that switch in this entry ("+lxc", "-drbd"), from the `*` marks. */
export function useChanges(entry: PlanEntry): string[] {
  const out: string[] = [];
  for (const [group, flags] of Object.entries(entry.use)) {
    const prefix = group === 'USE' ? '' : `${group.toLowerCase()}_`;
    for (const f of flags) if (f.changed) out.push(`${f.enabled ? '+' : '-'}${prefix}${f.flag}`);
  }
  return out;
}

const MARK: Record<PlanAction, string> = {
  new: '+',
  'new-slot': '+',
  update: '^',
  downgrade: 'v',
  rebuild: '~',
  nomerge: ' ',
  uninstall: '-',
  blocker: '!',
};

/** Renders a plan like a diff: one line per package, `+` new, `^` update, `v` downgrade, `~` rebuild, `-` removal, `!` blocker. */
export function renderPlan(plan: EmergePlan): string {
  const lines: string[] = [];
  for (const e of plan.entries) {
    if (e.action === 'nomerge') continue;
    let s = `${MARK[e.action]} ${e.action === 'blocker' ? e.cpv : e.cp}`;
    if (e.action === 'update' || e.action === 'downgrade') s += ` ${e.replaces.join(', ')} -> ${e.version}`;
    else if (e.action !== 'blocker') s += `-${e.version}`;
    s += ` (${e.action}${e.kind === 'binary' ? ', binary package' : ''}${e.forceReinstall ? ', forced by a dependency' : ''})`;
    const changes = useChanges(e);
    if (e.action === 'rebuild' || e.action === 'update' || e.action === 'downgrade') {
      if (changes.length) s += ` USE ${changes.join(' ')}`;
    } else if (e.action !== 'blocker' && e.use.USE) {
      const on = e.use.USE.filter((f) => f.enabled).map((f) => f.flag);
      if (on.length) s += ` USE ${on.join(' ')}`;
    }
    lines.push(s);
  }
  if (plan.total) lines.push(plan.total);
  return lines.join('\n');
}

/**
 * The reason emerge gave for refusing (masked, REQUIRED_USE, no ebuilds, blockers), taken from its
 * output as printed: from the first `!!!` line, through blank lines that continue the explanation (the
 * next line is another `!!!` line, a `- cat/pkg` line or indented), up to the first blank line after
 * which something else starts. Real Portage opens with `!!! Problem resolving dependencies for X` and
 * a blank line, so counting blank lines would drop the "complete expression" block of REQUIRED_USE.
 */
export function emergeFailureReason(output: string): string | undefined {
  const lines = output.replace(/\r/g, '').split('\n');
  const start = lines.findIndex((l) => l.startsWith('!!! ') || l.startsWith('emerge: there are no ebuilds'));
  if (start < 0) {
    const blocker = lines.findIndex((l) => /^\[blocks B/.test(l));
    return blocker >= 0 ? lines[blocker].trim() : undefined;
  }
  const out: string[] = [];
  for (let i = start; i < lines.length; i++) {
    const l = lines[i];
    if (/^For more information, see/.test(l)) break;
    if (l.trim() === '') {
      const next = lines.slice(i + 1).find((x) => x.trim() !== '');
      if (next === undefined || !/^(!!! |- |\s)/.test(next)) break;
      if (out[out.length - 1] !== '') out.push('');
      continue;
    }
    out.push(l);
  }
  return out.join('\n').replace(/\n+$/, '');
}

/** What `emerge --pretend --verbose --depclean -- ATOMS` says: the versions it would unmerge, and each kept package's reasons. */
export interface DepcleanPlan {
  /** "app-misc/screen-4.9.1", from `All selected packages: =app-misc/screen-4.9.1`. */
  selected: string[];
  /** Kept packages ("sys-fs/lvm2-2.03.22-r5") with Portage's "pulled in by" lines under them. */
  kept: { cpv: string; by: string[] }[];
  /** `Number to remove: N`, when printed. */
  toRemove?: number;
}

export function parseDepclean(stdout: string): DepcleanPlan {
  const lines = stdout.replace(/\r/g, '').split('\n');
  const selected = lines
    .filter((l) => l.startsWith('All selected packages: '))
    .flatMap((l) => l.slice(23).trim().split(/\s+/))
    .map((a) => a.replace(/^=/, ''))
    .filter(Boolean);
  const kept: { cpv: string; by: string[] }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^\s+(\S+) pulled in by:$/.exec(lines[i]);
    if (!m) continue;
    const by: string[] = [];
    for (let j = i + 1; j < lines.length && /^\s{4,}\S/.test(lines[j]); j++) by.push(lines[j].trim());
    kept.push({ cpv: m[1], by });
  }
  const n = /^Number to remove:\s+(\d+)$/m.exec(stdout);
  return { selected, kept, ...(n ? { toRemove: Number(n[1]) } : {}) };
}

/**
 * Whether `emerge --sync` changed anything, from its output: not when Portage had no repository to sync
 * ("Nothing to sync... returning", e.g. every repository has auto-sync = no) or when every repository it
 * started to sync was already current (rsync: "You are already up to date."; git: "Already up to date.").
 */
export function syncChanged(stdout: string): boolean {
  if (/^Nothing to sync\.\.\. returning$/m.test(stdout)) return false;
  const started = stdout.match(/^>>> Syncing repository '/gm)?.length ?? 0;
  const current = stdout.match(/You are already up to date\.|^Already up to date\.$/gm)?.length ?? 0;
  return started === 0 ? true : current < started;
}
