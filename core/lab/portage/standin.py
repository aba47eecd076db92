#!/usr/bin/env python3
# drover Portage STAND-IN (not Portage): `emerge` and `portageq` keeping the contract drover's emerge module relies on.
"""Portage cannot run in drover's lab (no Gentoo tree). This script keeps only the observable
contract: /etc/portage config files (file or directory), ACCEPT_KEYWORDS masking, REQUIRED_USE,
/var/db/pkg, the world file, /var/log/emerge.log and Portage's output format and wording
(copied from Portage's lib/_emerge/resolver/output.py and output_helpers.py).
Invoked as `emerge` or `portageq` (symlinks). Honours env ROOT (default /)."""
import json
import os
import re
import sys
import time

ARCH = 'amd64'
# Implicit flags a real vdb USE file carries besides the IUSE ones (profile/arch flags).
IMPLICIT_USE = ['abi_x86_64', 'amd64', 'elibc_glibc', 'kernel_linux']


def root():
    return os.environ.get('ROOT', '/') or '/'


def rpath(*parts):
    return os.path.join(root(), *parts)


def data_file():
    here = os.path.join(os.path.dirname(os.path.realpath(__file__)), 'packages.json')
    return here if os.path.exists(here) else '/usr/share/portage-standin/packages.json'


def load_db():
    with open(data_file()) as f:
        return json.load(f)


# ---------------------------------------------------------------- versions and atoms
SUFFIX_ORDER = {'alpha': -4, 'beta': -3, 'pre': -2, 'rc': -1, 'p': 1}
VER_RE = re.compile(r'^(\d+(?:\.\d+)*)([a-z]?)((?:_(?:alpha|beta|pre|rc|p)\d*)*)(?:-r(\d+))?$')


def split_cpv(cpv):
    """'cat/pn-1.2-r1' -> ('cat/pn', '1.2-r1')."""
    m = re.match(r'^(.+?)-(\d[^-]*(?:-r\d+)?)$', cpv)
    if not m or not VER_RE.match(m.group(2)):
        return None
    return m.group(1), m.group(2)


def ver_key(v):
    m = VER_RE.match(v)
    if not m:
        raise ValueError(v)
    nums = [int(x) for x in m.group(1).split('.')]
    letter = ord(m.group(2)) if m.group(2) else 0
    sufs = []
    for s in re.findall(r'_(alpha|beta|pre|rc|p)(\d*)', m.group(3)):
        sufs.append((SUFFIX_ORDER[s[0]], int(s[1] or 0)))
    sufs.append((0, 0))
    return (nums, letter, sufs, int(m.group(4) or 0))


def vercmp(a, b):
    ka, kb = ver_key(a), ver_key(b)
    return (ka > kb) - (ka < kb)


class BadAtom(Exception):
    pass


ATOM_RE = re.compile(r'^(!{0,2})(<=|>=|=|~|<|>)?([A-Za-z0-9_*][A-Za-z0-9+_.*-]*/[A-Za-z0-9_*][A-Za-z0-9+_*-]*?)'
                     r'(?:-(\d[^:\[]*?))?(\*)?(?::([^:\[]+))?(?:::([A-Za-z0-9_-]+))?(?:\[([^\]]*)\])?$')


class Atom:
    def __init__(self, text):
        self.text = text
        m = ATOM_RE.match(text)
        if not m or m.group(1):
            raise BadAtom(text)
        self.op, self.cp, self.ver, glob, self.slot, self.repo, use = m.group(2, 3, 4, 5, 6, 7, 8)
        if glob:
            self.op = '=*'
        if (self.op is None) != (self.ver is None):
            raise BadAtom(text)
        if self.ver is not None and not VER_RE.match(self.ver):
            raise BadAtom(text)
        self.use = []
        if use:
            for tok in use.split(','):
                tok = re.sub(r'\([+-]\)$', '', tok.strip())
                if not re.match(r'^-?[A-Za-z0-9][A-Za-z0-9+_@-]*$', tok):
                    raise BadAtom(text)
                self.use.append(tok)

    def matches(self, cpv, slot='0', use=None):
        cp, ver = split_cpv(cpv)
        if self.cp != '*/*' and not re.fullmatch(self.cp.replace('*', '[^/]*'), cp):
            return False
        if self.slot and self.slot.split('/')[0] != slot.split('/')[0]:
            return False
        if self.ver is not None:
            c = vercmp(ver, self.ver)
            base = re.sub(r'-r\d+$', '', ver)
            ok = {'=': c == 0, '>=': c >= 0, '<=': c <= 0, '>': c > 0, '<': c < 0,
                  '~': base == re.sub(r'-r\d+$', '', self.ver), '=*': ver.startswith(self.ver)}[self.op]
            if not ok:
                return False
        if self.use and use is not None:
            for flag in self.use:
                want = not flag.startswith('-')
                if (flag.lstrip('-') in use) != want:
                    return False
        return True


# ---------------------------------------------------------------- configuration
def cpath(*parts):
    """Configuration lives under PORTAGE_CONFIGROOT (default ROOT), as in Portage."""
    return os.path.join(os.environ.get('PORTAGE_CONFIGROOT') or root(), *parts)


def config_lines(name):
    """Lines of /etc/portage/NAME, a file or a directory of files read in lexical order."""
    path = cpath('etc/portage', name)
    files = []
    if os.path.isdir(path):
        for dirpath, dirnames, filenames in os.walk(path, followlinks=True):
            dirnames.sort()
            for fn in sorted(filenames):
                if fn.startswith('.') or fn.endswith('~'):
                    continue
                files.append(os.path.join(dirpath, fn))
        files.sort()
    elif os.path.isfile(path):
        files = [path]
    out = []
    for fn in files:
        with open(fn) as f:
            for line in f:
                line = line.split('#', 1)[0].split()
                if line:
                    out.append((fn, line))
    return out


def make_conf():
    conf = {}
    for p in (cpath('etc/portage/make.conf'),):
        if os.path.isfile(p):
            with open(p) as f:
                for line in f:
                    m = re.match(r'^\s*([A-Z_]+)=["\']?(.*?)["\']?\s*$', line)
                    if m:
                        conf[m.group(1)] = m.group(2)
    return conf


def parse_config_atom(text, where):
    try:
        return Atom(text)
    except BadAtom:
        sys.stderr.write('--- Invalid atom in %s: %s\n' % (where, text))
        return None


class Config:
    def __init__(self):
        mc = make_conf()
        self.accept = mc.get('ACCEPT_KEYWORDS', ARCH).split()
        self.global_use = mc.get('USE', '').split()
        self.use_lines = []
        for fn, toks in config_lines('package.use'):
            a = parse_config_atom(toks[0], fn)
            if a:
                self.use_lines.append((a, toks[1:]))
        self.kw_lines = []
        for name in ('package.keywords', 'package.accept_keywords'):
            for fn, toks in config_lines(name):
                a = parse_config_atom(toks[0], fn)
                if a:
                    self.kw_lines.append((a, toks[1:] or ['~' + ARCH]))

    def use_for(self, pkg):
        iuse = iuse_names(pkg['iuse'])
        enabled = set(f[1:] for f in pkg['iuse'].split() if f.startswith('+'))
        for f in self.global_use:
            if f.startswith('-'):
                enabled.discard(f[1:])
            elif f != '*':
                enabled.add(f)
        for atom, flags in self.use_lines:
            if atom.matches(pkg['cpv'], pkg['slot']):
                for f in flags:
                    if f.startswith('-'):
                        enabled.discard(f[1:])
                    else:
                        enabled.add(f)
        return set(f for f in enabled if f in iuse)

    def mask_reason(self, pkg):
        """None when visible, else Portage's reason ('~amd64 keyword', 'missing keyword')."""
        accepted = list(self.accept)
        for atom, kws in self.kw_lines:
            if atom.matches(pkg['cpv'], pkg['slot']):
                accepted += kws
        kws = pkg['keywords'].split()
        for k in kws:
            if k in accepted or '**' in accepted or (k.startswith('~') and '~*' in accepted) or \
                    (not k.startswith('~') and '*' in accepted):
                return None
        tilde = [k for k in kws if k == '~' + ARCH]
        return (tilde[0] + ' keyword') if tilde else 'missing keyword'


def iuse_names(iuse):
    return [f.lstrip('+-') for f in iuse.split()]


# ---------------------------------------------------------------- installed packages
def vdb_dir():
    return rpath('var/db/pkg')


def installed():
    out = []
    base = vdb_dir()
    if not os.path.isdir(base):
        return out
    for cat in sorted(os.listdir(base)):
        for pf in sorted(os.listdir(os.path.join(base, cat))):
            d = os.path.join(base, cat, pf)
            cpv = cat + '/' + pf
            if not split_cpv(cpv):
                continue

            def read(name, default=''):
                try:
                    with open(os.path.join(d, name)) as f:
                        return f.read().strip()
                except OSError:
                    return default
            out.append({'cpv': cpv, 'slot': read('SLOT', '0'), 'use': set(read('USE').split()),
                        'iuse': read('IUSE'), 'dir': d, 'repo': read('repository', 'gentoo')})
    return out


def installed_matching(atom):
    return [p for p in installed() if atom.matches(p['cpv'], p['slot'], p['use'])]


def write_vdb(pkg, use):
    cat, pf = pkg['cpv'].split('/')
    cp, _ = split_cpv(pkg['cpv'])
    for old in installed():
        if split_cpv(old['cpv'])[0] == cp and old['slot'].split('/')[0] == pkg['slot'].split('/')[0]:
            remove_tree(old['dir'])
    d = os.path.join(vdb_dir(), cat, pf)
    os.makedirs(d, exist_ok=True)
    files = {
        'CATEGORY': cat, 'PF': pf, 'SLOT': pkg['slot'], 'KEYWORDS': pkg['keywords'], 'IUSE': pkg['iuse'],
        'USE': ' '.join(sorted(set(use) | set(IMPLICIT_USE))), 'repository': 'gentoo', 'EAPI': '8',
        'BUILD_TIME': str(int(time.time())), 'CONTENTS': '',
    }
    for name, value in files.items():
        with open(os.path.join(d, name), 'w') as f:
            f.write(value + '\n' if value else '')


def remove_tree(d):
    for dirpath, dirnames, filenames in os.walk(d, topdown=False):
        for fn in filenames:
            os.unlink(os.path.join(dirpath, fn))
        os.rmdir(dirpath)
    parent = os.path.dirname(d)
    if not os.listdir(parent):
        os.rmdir(parent)


def world_path():
    return rpath('var/lib/portage/world')


def world():
    try:
        with open(world_path()) as f:
            return [l.strip() for l in f if l.strip()]
    except OSError:
        return []


def write_world(atoms):
    os.makedirs(os.path.dirname(world_path()), exist_ok=True)
    tmp = world_path() + '.tmp'
    with open(tmp, 'w') as f:
        f.write(''.join(a + '\n' for a in sorted(set(atoms))))
    os.rename(tmp, world_path())


def elog(msg):
    p = rpath('var/log/emerge.log')
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, 'a') as f:
        f.write('%d:  %s\n' % (int(time.time()), msg))


# ---------------------------------------------------------------- REQUIRED_USE
def required_use_violations(expr, use):
    """Top-level groups of REQUIRED_USE that `use` violates, in Portage's wording."""
    toks = expr.replace('(', ' ( ').replace(')', ' ) ').split()
    pos = 0

    def parse_group():
        nonlocal pos
        items = []
        while pos < len(toks) and toks[pos] != ')':
            t = toks[pos]
            pos += 1
            if t in ('||', '^^', '??') or t.endswith('?'):
                assert toks[pos] == '('
                pos += 1
                sub = parse_group()
                pos += 1
                items.append((t, sub))
            else:
                items.append(('flag', t))
        return items

    def holds(item):
        kind, val = item
        if kind == 'flag':
            return (val[1:] not in use) if val.startswith('!') else (val in use)
        n = sum(1 for x in val if holds(x))
        if kind == '||':
            return n >= 1
        if kind == '^^':
            return n == 1
        if kind == '??':
            return n <= 1
        cond = kind[:-1]
        active = (cond[1:] not in use) if cond.startswith('!') else (cond in use)
        return not active or n == len(val)

    def show(item):
        kind, val = item
        if kind == 'flag':
            return val
        name = {'||': 'any-of', '^^': 'exactly-one-of', '??': 'at-most-one-of'}.get(kind, kind)
        return '%s ( %s )' % (name, ' '.join(show(x) for x in val))

    return [show(i) for i in parse_group() if not holds(i)]


# ---------------------------------------------------------------- resolver
class Unsatisfied(Exception):
    def __init__(self, text):
        Exception.__init__(self, text)
        self.text = text


def use_string(pkg, use, old, all_flags):
    """USE="..." like Portage's _create_use_string: enabled first, then disabled; * = changed, % = new/removed."""
    iuse = sorted(iuse_names(pkg['iuse']))
    old_iuse = iuse_names(old['iuse']) if old else []
    old_use = (old['use'] & set(old_iuse)) if old else set()
    enabled, disabled, removed = [], [], []
    for flag in sorted(set(iuse) | set(old_iuse)):
        if flag in use:
            if old is None or (flag in old_use and all_flags):
                enabled.append(flag)
            elif old is not None and flag not in old_iuse:
                enabled.append(flag + '%*')
            elif flag not in old_use:
                enabled.append(flag + '*')
        elif flag not in iuse:
            if all_flags:
                s = '-' + flag + '%' + ('*' if flag in old_use else '')
                removed.append('(' + s + ')')
        else:
            if old is None or (flag in old_iuse and flag not in old_use and all_flags):
                disabled.append('-' + flag)
            elif flag not in old_iuse:
                disabled.append('-' + flag + '%')
            elif flag in old_use:
                disabled.append('-' + flag + '*')
    s = ' '.join(enabled + disabled + removed)
    return 'USE="%s"' % s if s else ''


def best_visible(db, cfg, atom, argument):
    cands = [p for p in db['packages'] if atom.matches(p['cpv'], p['slot'])]
    if not cands:
        raise Unsatisfied('\nemerge: there are no ebuilds to satisfy "%s".\n' % atom.text)
    cands.sort(key=lambda p: ver_key(split_cpv(p['cpv'])[1]), reverse=True)
    visible = [p for p in cands if cfg.mask_reason(p) is None]
    if atom.use:
        visible = [p for p in visible if atom.matches(p['cpv'], p['slot'], cfg.use_for(p))]
        if not visible and all(cfg.mask_reason(p) is None for p in cands):
            raise Unsatisfied('\nemerge: there are no ebuilds built with USE flags to satisfy "%s".\n'
                              '!!! One of the following packages is required to complete your request:\n%s'
                              % (atom.text, ''.join('- %s::gentoo (Change USE: %s)\n' % (p['cpv'], ' '.join(
                                  f for f in atom.use)) for p in cands[:1])))
    if not visible:
        lines = ''.join('- %s::gentoo (masked by: %s)\n' % (p['cpv'], cfg.mask_reason(p)) for p in cands)
        raise Unsatisfied('\n!!! All ebuilds that could satisfy "%s" have been masked.\n'
                          '!!! One of the following masked packages is required to complete your request:\n%s\n'
                          'For more information, see the MASKED PACKAGES section in the emerge\n'
                          'man page or refer to the Gentoo Handbook.\n' % (atom.text, lines))
    return visible[0]


def resolve(db, cfg, atoms, opts):
    plan = []  # (pkg, use, old, kind) in merge order
    seen = set()

    def visit(atom, parent):
        pkg = best_visible(db, cfg, atom, parent is None)
        if pkg['cpv'] in seen:
            return
        use = cfg.use_for(pkg)
        bad = required_use_violations(pkg.get('required_use', ''), use)
        if bad:
            flags = use_string(pkg, use, None, True)
            full = show_required(pkg['required_use'])
            subset = '' if full == ' '.join(bad) else \
                '  The above constraints are a subset of the following complete expression:\n    %s\n\n' % full
            raise Unsatisfied('\n!!! The ebuild selected to satisfy "%s" has unmet requirements.\n- %s::gentoo %s\n\n'
                              '  The following REQUIRED_USE flag constraints are unsatisfied:\n    %s\n\n%s'
                              '(dependency required by "%s" [%s])\n'
                              % (atom.text, pkg['cpv'], flags, ' '.join(bad), subset,
                                 parent or atom.text, 'ebuild' if parent else 'argument'))
        cp, ver = split_cpv(pkg['cpv'])
        inst = [p for p in installed() if split_cpv(p['cpv'])[0] == cp]
        same_slot = [p for p in inst if p['slot'].split('/')[0] == pkg['slot'].split('/')[0]]
        old = same_slot[0] if same_slot else None
        kind = None
        satisfied = [p for p in inst if atom.matches(p['cpv'], p['slot'], p['use'])]
        if parent is not None or opts['noreplace']:
            if satisfied:
                cur = satisfied[0]
                iuse_cur = set(iuse_names(cur['iuse']))
                have = cur['use'] & iuse_cur
                if parent is None and (opts['changed_use'] or opts['newuse']) and cur['cpv'] == pkg['cpv'] and \
                        (have != use or (opts['newuse'] and iuse_cur != set(iuse_names(pkg['iuse'])))):
                    kind = 'R'
                else:
                    return
        if kind is None:
            if old is None:
                kind = 'N'
            elif old['cpv'] == pkg['cpv']:
                kind = 'R'
            elif vercmp(ver, split_cpv(old['cpv'])[1]) > 0:
                kind = 'U'
            else:
                kind = 'UD'
        seen.add(pkg['cpv'])
        for dep in pkg['depend']:
            parts = dep.split()
            if len(parts) == 2:
                if parts[0][:-1] not in use:
                    continue
                dep = parts[1]
            visit(Atom(dep), pkg['cpv'] + '::gentoo')
        plan.append((pkg, use, old, kind))

    for a in atoms:
        visit(a, None)
    return plan


def show_required(expr):
    return ' '.join(expr.replace('||', 'any-of').replace('^^', 'exactly-one-of').replace('??', 'at-most-one-of').split())


def plan_line(pkg, use, old, kind, opts):
    verbose, quiet = opts['verbose'], opts['quiet']
    attrs = [' ', ' ', ' ', ' ', ' ', ' ']
    if kind == 'N':
        attrs[1] = 'N'
    if kind == 'R':
        attrs[2] = 'R'
    if kind in ('U', 'UD'):
        attrs[4] = 'U'
    if kind == 'UD':
        attrs[5] = 'D'
    mask = '' if quiet else ' '
    ver_str = pkg['cpv'] + ('' if quiet or not verbose else
                            ((':' + pkg['slot'] if pkg['slot'] != '0' else '') + '::gentoo'))
    oldbest = ''
    if old is not None and kind != 'R':
        oldbest = '[%s%s]' % (split_cpv(old['cpv'])[1], '' if quiet or not verbose else '::' + old['repo'])
    line = '[ebuild %s%s] %s %s' % (''.join(attrs), mask, ver_str, oldbest)
    extra = ''
    if verbose or not quiet:
        extra = use_string(pkg, use, old if kind != 'N' else None, verbose or quiet)
        if extra:
            extra += ' '
    if verbose and not quiet:
        extra += '0 KiB'
    if extra:
        line += ' ' + extra
    return line


def total_line(plan):
    counts = {'N': 0, 'U': 0, 'UD': 0, 'R': 0}
    for _, _, _, k in plan:
        counts[k] += 1
    n = len(plan)
    details = []
    if counts['U']:
        details.append('%d upgrade%s' % (counts['U'], 's' if counts['U'] > 1 else ''))
    if counts['UD']:
        details.append('%d downgrade%s' % (counts['UD'], 's' if counts['UD'] > 1 else ''))
    if counts['N']:
        details.append('%d new' % counts['N'])
    if counts['R']:
        details.append('%d reinstall%s' % (counts['R'], 's' if counts['R'] > 1 else ''))
    s = 'Total: %d package%s' % (n, '' if n == 1 else 's')
    if n:
        s += ' (' + ', '.join(details) + ')'
    return s + ', Size of downloads: 0 KiB'


# ---------------------------------------------------------------- emerge
def parse_opts(argv):
    opts = {k: False for k in ('pretend', 'quiet', 'verbose', 'noreplace', 'changed_use', 'newuse', 'oneshot',
                               'depclean', 'sync', 'ask', 'update', 'deep')}
    longs = {'--pretend': 'pretend', '--quiet': 'quiet', '--verbose': 'verbose', '--noreplace': 'noreplace',
             '--changed-use': 'changed_use', '--newuse': 'newuse', '--oneshot': 'oneshot', '--depclean': 'depclean',
             '--sync': 'sync', '--ask': 'ask', '--update': 'update', '--deep': 'deep'}
    shorts = {'p': 'pretend', 'q': 'quiet', 'v': 'verbose', 'n': 'noreplace', 'U': 'changed_use', 'N': 'newuse',
              '1': 'oneshot', 'c': 'depclean', 'a': 'ask', 'u': 'update', 'D': 'deep'}
    atoms = []
    rest = False
    for a in argv:
        if rest:
            atoms.append(a)
        elif a == '--':
            rest = True
        elif a in longs:
            opts[longs[a]] = True
        elif a.startswith('--color') or a in ('--nospinner', '--quiet-build', '--with-bdeps=y', '--with-bdeps=n'):
            pass
        elif a.startswith('--'):
            sys.stderr.write('emerge: error: unrecognized arguments: %s (stand-in supports only what drover uses)\n' % a)
            sys.exit(2)
        elif a.startswith('-') and len(a) > 1:
            for ch in a[1:]:
                if ch not in shorts:
                    sys.stderr.write('emerge: error: unrecognized arguments: -%s\n' % ch)
                    sys.exit(2)
                opts[shorts[ch]] = True
        else:
            atoms.append(a)
    return opts, atoms


def emerge(argv):
    opts, args = parse_opts(argv)
    out = sys.stdout
    if opts['ask']:
        sys.stderr.write('!!! stand-in: --ask needs a terminal; drover never uses it\n')
        return 1
    if opts['sync']:
        out.write(">>> Syncing repository 'gentoo' into '/var/db/repos/gentoo'...\n")
        out.write('/usr/bin/rsync --recursive --links --safe-links --perms --times ... '
                  'rsync://rsync.gentoo.org/gentoo-portage/ /var/db/repos/gentoo (stand-in: nothing fetched)\n')
        ts = rpath('var/db/repos/gentoo/metadata/timestamp.chk')
        os.makedirs(os.path.dirname(ts), exist_ok=True)
        with open(ts, 'w') as f:
            f.write(time.strftime('%a, %d %b %Y %H:%M:%S +0000\n', time.gmtime()))
        out.write('=== Sync completed for gentoo\n\nAction: sync for repo: gentoo, returned code = 0\n')
        elog('=== Sync completed for gentoo')
        return 0
    atoms = []
    for a in args:
        try:
            atoms.append(Atom(a if '/' in a else resolve_short(a)))
        except BadAtom:
            sys.stderr.write('!!! \'%s\' is not a valid package atom.\n!!! Please check ebuild(5) for full details.\n' % a)
            return 1
    if opts['depclean']:
        return depclean(atoms, opts)
    if not atoms:
        sys.stderr.write('emerge: stand-in needs package atoms (no @world/@system updates here)\n')
        return 1
    db = load_db()
    cfg = Config()
    if not opts['quiet']:
        out.write('\nThese are the packages that would be merged, in order:\n\n' if opts['pretend'] else '')
        out.write('Calculating dependencies  ... done!\n')
        out.flush()
    try:
        plan = resolve(db, cfg, atoms, opts)
    except Unsatisfied as e:
        out.flush()
        sys.stderr.write(e.text)
        return 1
    if opts['pretend']:
        if plan and not opts['quiet']:
            out.write('\n')
        for pkg, use, old, kind in plan:
            out.write(plan_line(pkg, use, old, kind, opts) + '\n')
        if not opts['quiet']:
            out.write('\n' + total_line(plan) + '\n')
        return 0
    n = len(plan)
    if plan:
        out.write('>>> Verifying ebuild manifests\n')
    for i, (pkg, use, old, kind) in enumerate(plan, 1):
        out.write('\n>>> Emerging (%d of %d) %s::gentoo\n' % (i, n, pkg['cpv']))
        out.flush()
        elog('>>> emerge (%d of %d) %s to %s' % (i, n, pkg['cpv'], root()))
        time.sleep(0.05)  # a visible step, so progress streaming is exercised
        out.write('>>> Installing (%d of %d) %s::gentoo\n' % (i, n, pkg['cpv']))
        write_vdb(pkg, use)
        elog('::: completed emerge (%d of %d) %s to %s' % (i, n, pkg['cpv'], root()))
        out.flush()
    if not opts['oneshot']:
        wanted = [a.cp for a in atoms if a.ver is None] + ['=' + a.cp + '-' + a.ver if a.op == '=' else a.cp
                                                         for a in atoms if a.ver is not None]
        new = [w for w in wanted if w not in world()]
        if new:
            for w in new:
                out.write('>>> Recording %s in "world" favorites file...\n' % w)
            write_world(world() + new)
    if plan:
        out.write('>>> Jobs: %d of %d complete\n' % (n, n))
    return 0


def resolve_short(name):
    db = load_db()
    cps = sorted(set(split_cpv(p['cpv'])[0] for p in db['packages'] if split_cpv(p['cpv'])[0].split('/')[1] == name))
    if len(cps) == 1:
        return cps[0]
    raise BadAtom(name)


def depclean(atoms, opts):
    out = sys.stdout
    if not atoms:
        sys.stderr.write('!!! stand-in: refusing a full --depclean; name the packages to remove\n')
        return 1
    out.write('Calculating dependencies  ... done!\n')
    db = {split_cpv(p['cpv'])[0]: p for p in load_db()['packages']}
    cfg = Config()
    inst = installed()
    removed = 0
    for atom in atoms:
        for p in [p for p in inst if atom.matches(p['cpv'], p['slot'])]:
            cp = split_cpv(p['cpv'])[0]
            needed_by = []
            for other in inst:
                ocp = split_cpv(other['cpv'])[0]
                meta = db.get(ocp)
                if other is p or not meta or any(a.matches(other['cpv'], other['slot']) for a in atoms):
                    continue
                for dep in meta['depend']:
                    parts = dep.split()
                    if len(parts) == 2 and parts[0][:-1] not in (other['use']):
                        continue
                    if Atom(parts[-1]).matches(p['cpv'], p['slot']):
                        needed_by.append(other['cpv'])
            if needed_by:
                out.write('\n  %s pulled in by:\n    %s\n' % (p['cpv'], '\n    '.join(needed_by)))
                continue
            if opts['pretend']:
                out.write('\n>>> These are the packages that would be unmerged:\n\n %s\n    selected: %s\n'
                          % (cp, split_cpv(p['cpv'])[1]))
                removed += 1
                continue
            out.write('>>> Unmerging (%d of %d) %s...\n' % (removed + 1, len(atoms), p['cpv']))
            remove_tree(p['dir'])
            elog('=== Unmerging... (%s)' % p['cpv'])
            write_world([w for w in world() if w != cp and not w.startswith('=' + cp + '-')])
            removed += 1
    out.write('>>> Number %s:       %d\n' % ('to remove' if opts['pretend'] else 'removed', removed))
    return 0


# ---------------------------------------------------------------- portageq
def portageq(argv):
    if len(argv) < 3 or argv[0] not in ('has_version', 'best_version'):
        sys.stderr.write('usage: portageq has_version|best_version <root> <atom>  (stand-in subset)\n')
        return 2
    cmd, qroot, text = argv[0], argv[1], argv[2]
    if qroot != '/':
        os.environ['ROOT'] = qroot
    try:
        atom = Atom(text)
    except BadAtom:
        sys.stderr.write('ERROR: Invalid atom: \'%s\'\n' % text)
        return 2
    found = installed_matching(atom)
    if cmd == 'has_version':
        return 0 if found else 1
    found.sort(key=lambda p: ver_key(split_cpv(p['cpv'])[1]))
    sys.stdout.write((found[-1]['cpv'] if found else '') + '\n')
    return 0


def main():
    prog = os.path.basename(sys.argv[0])
    if prog.startswith('portageq'):
        return portageq(sys.argv[1:])
    return emerge(sys.argv[1:])


if __name__ == '__main__':
    sys.exit(main())
