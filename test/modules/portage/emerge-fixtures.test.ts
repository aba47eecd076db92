// emerge planned from recorded answers, no host: params + a probe answer (rendered in the real wire format) +
// a recorded `emerge --pretend` answer (test/fixtures/portage, see SOURCES.md) → the report and the apply steps.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { ProbeFrame } from '../../../core/probe-frame.ts';
import { parseProbe, type CommandAnswer, type EmergeFacts } from '../../../modules/portage/emerge-facts.ts';
import {
  checkInstalled,
  emergeRequest,
  flagsQueryFor,
  planEmerge,
  pretendFor,
  type EmergeDecision,
  type EmergeParams,
} from '../../../modules/portage/emerge-plan.ts';
import { syncChanged } from '../../../modules/portage/emerge-pretend.ts';
import { emerge } from '../../../modules/portage/emerge.ts';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/portage/${name}`, import.meta.url), 'utf8');

const KW_HEADER = '# drover lab: package.accept_keywords (a file on purpose)\n';
const BASE = '# drover lab: package.use is a directory on purpose\nsys-apps/openrc ncurses\n';
const GANETI_IUSE = '+ipv6 drbd experimental kvm lxc monitoring rbd restricted-commands syslog test xen';

type Sections = [name: string, content: string, status?: number][];
interface Host {
  /** package.use: a directory of files (name → content), a file, or absent. */
  use?: Record<string, string> | string | null;
  kw?: Record<string, string> | string | null;
  /** [cp, version, USE] installed. */
  installed?: [string, string, string][];
  world?: string;
  emerge?: boolean;
  /** stat sections of the managed files: "file 0 0 644 root root" etc.; unlisted ones follow the locations. */
  stats?: Sections;
  configFile?: string;
}

/** The probe's answer for a host described in a few words, as the probe would print it. */
function answer(h: Host): Sections {
  const cf = h.configFile ?? 'drover';
  const s: Sections = [];
  let n = 0;
  const loc = (key: string, path: string, v: Host['use']) => {
    if (v === null || v === undefined) return s.push([`loc.${key}`, 'absent']);
    if (typeof v === 'string') return s.push([`loc.${key}`, 'file'], [`f.1.${++n}`, `${path}\0${v}`]);
    s.push([`loc.${key}`, 'dir']);
    for (const [name, content] of Object.entries(v)) s.push([`f.1.${++n}`, `${path}/${name}\0${content}`]);
  };
  loc('use', '/etc/portage/package.use', h.use === undefined ? { '00base': BASE } : h.use);
  loc('kw', '/etc/portage/package.accept_keywords', h.kw === undefined ? KW_HEADER : h.kw);
  loc('kwold', '/etc/portage/package.keywords', null);
  (h.installed ?? []).forEach(([cp, v, use], i) =>
    s.push([`pkg.${i + 1}`, `${cp}\0${cp}-${v}\x000\0${use}\0${cp === 'app-emulation/ganeti' ? GANETI_IUSE : use}`]),
  );
  s.push(['world', h.world ?? ''], ['emerge', '', h.emerge === false ? 1 : 0]);
  const stat = (v: Host['use'], file?: string) =>
    v === null || v === undefined
      ? 'absent'
      : typeof v === 'string'
        ? 'file 0 0 644 root root\n'
        : file === undefined
          ? 'directory 0 0 755 root root\n'
          : v[file] !== undefined
            ? 'file 0 0 644 root root\n'
            : 'absent';
  const given = new Map((h.stats ?? []).map((x) => [x[0], x]));
  const useV = h.use === undefined ? { '00base': BASE } : h.use;
  const kwV = h.kw === undefined ? KW_HEADER : h.kw;
  for (const [name, content] of [
    ['st.use', stat(useV)],
    ['st.usecf', typeof useV === 'object' && useV ? stat(useV, cf) : 'absent'],
    ['st.kw', stat(kwV)],
    ['st.kwcf', typeof kwV === 'object' && kwV ? stat(kwV, cf) : 'absent'],
  ] as const) {
    if (!given.has(name)) s.push([name, content]);
  }
  for (const x of h.stats ?? []) s.push(x);
  return s;
}

type Answer = Omit<CommandAnswer, 'command'>;

/** The facts as the module's facts step gathers them: the probe, then Portage's plan, then (only when asked) its rebuild view. */
function factsOf(params: EmergeParams, h: Host, pretend?: Answer, flags?: Answer): EmergeFacts {
  const frame = new ProbeFrame();
  const r = emergeRequest(params);
  const probe = parseProbe(frame.parse(frame.render(answer(h))), r.cps, r.configFile);
  const asked = pretendFor(r, probe, params.sync === true);
  if (!asked) {
    if (pretend) throw new Error('the facts step would not ask Portage here');
    return { probe };
  }
  if (!pretend) throw new Error(`the facts step asks Portage here: ${asked.shown}`);
  const facts: EmergeFacts = { probe, pretend: { command: asked.shown, ...pretend } };
  const more = flagsQueryFor(r, probe, facts.pretend!);
  if (!more) {
    if (flags) throw new Error('the facts step would not ask for the rebuild view here');
    return facts;
  }
  if (!flags) throw new Error(`the facts step asks for the rebuild view here: ${more.shown}`);
  return { ...facts, flags: { command: more.shown, ...flags } };
}

const ok = (stdout: string): Omit<CommandAnswer, 'command'> => ({ code: 0, stdout, stderr: '' });
const failed = (stderr: string, stdout = ''): Omit<CommandAnswer, 'command'> => ({ code: 1, stdout, stderr });

function plan(params: EmergeParams, h: Host, pretend?: Answer, flags?: Answer): EmergeDecision {
  emerge.spec!.validate!(params);
  return planEmerge(params, factsOf(params, h, pretend, flags));
}

const KW = { 'app-emulation/ganeti': '~amd64', 'sys-cluster/drbd-utils': '~amd64' };
const INSTALLED_GANETI: [string, string, string] = ['app-emulation/ganeti', '3.0.2', 'drbd ipv6 kvm'];
const CONFIGURED: Host = {
  use: { '00base': BASE, drover: '# Managed by drover\napp-emulation/ganeti kvm drbd\n' },
  kw: `${KW_HEADER}app-emulation/ganeti ~amd64\nsys-cluster/drbd-utils ~amd64\n`,
  installed: [INSTALLED_GANETI],
  world: 'app-emulation/ganeti\n',
};

test('nothing to do: one probe, no question to Portage, no apply', (t) => {
  const params = { atoms: 'app-emulation/ganeti', keywords: KW, use: ['kvm', 'drbd'] };
  const d = plan(params, CONFIGURED);
  t.deepEqual(d, { result: { changed: false, versions: { 'app-emulation/ganeti': '3.0.2' } } });
  t.is(emerge.spec!.plan(params, factsOf(params, CONFIGURED), { name: 'h1', vars: {} }).apply, undefined);
});

test('new install with keywords and USE: Portage asked with the edits applied; diffs, plan, one emerge', (t) => {
  const params = { atoms: 'app-emulation/ganeti', keywords: KW, use: ['kvm', 'drbd'] };
  const r = emergeRequest(params);
  const screen = { atoms: 'app-misc/screen' };
  const asked = pretendFor(
    emergeRequest(screen),
    factsOf(screen, { installed: [['app-misc/screen', '4.9.1', '']], world: 'app-misc/screen\n' }).probe,
    false,
  );
  t.is(asked, undefined, 'an installed atom in world asks nothing');
  const d = plan(params, {}, ok(fixture('real-ganeti-new.out')));
  const f = factsOf(params, {}, ok(''));
  t.is(f.pretend!.command, 'emerge --pretend --verbose --noreplace -- app-emulation/ganeti');
  const q = pretendFor(r, f.probe, false)!;
  t.regex(
    q.command.display,
    /PORTAGE_CONFIGROOT="\$t" emerge --pretend --verbose --noreplace -- app-emulation\/ganeti$/,
  );
  t.is(
    q.stdin,
    `${KW_HEADER}app-emulation/ganeti ~amd64\nsys-cluster/drbd-utils ~amd64\n# Managed by drover (emerge module): one line per atom; edit the playbook, not this file.\napp-emulation/ganeti kvm drbd\n`,
  );
  t.true(d.result.changed);
  t.is(
    d.result.message,
    'install app-emulation/ganeti; edit /etc/portage/package.accept_keywords; edit /etc/portage/package.use/drover',
  );
  t.deepEqual(
    d.result.changes!.map((c) => [c.path, c.before]),
    [
      ['/etc/portage/package.accept_keywords', KW_HEADER],
      ['/etc/portage/package.use/drover', null],
    ],
  );
  t.regex(d.result.detail!, /^\+ app-emulation\/ganeti-3\.0\.2 \(new\) USE drbd ipv6 kvm$/m);
  t.deepEqual(
    d.result.plan!.entries.map((e) => e.cpv),
    ['sys-cluster/drbd-utils-9.27.0', 'app-emulation/qemu-8.2.3', 'app-emulation/ganeti-3.0.2'],
  );
  t.deepEqual(d.result.versions, { 'app-emulation/ganeti': null });
  t.like(d.steps, { kind: 'install' });
  if (d.steps?.kind !== 'install') return;
  t.is(d.steps.emerge!.display, 'emerge --quiet --noreplace -- app-emulation/ganeti');
  t.deepEqual(
    d.steps.writes.map((w) => ({ ...w, content: w.content.length })),
    [
      {
        path: '/etc/portage/package.accept_keywords',
        target: '/etc/portage/package.accept_keywords',
        content: d.result.changes![0].after!.length,
        mode: '0644',
        owner: 0,
        group: 0,
      },
      {
        path: '/etc/portage/package.use/drover',
        target: '/etc/portage/package.use/drover',
        content: d.result.changes![1].after!.length,
        mode: '0644',
      },
    ],
  );
  t.is(
    typeof emerge.spec!.plan(params, factsOf(params, {}, ok(fixture('real-ganeti-new.out'))), { name: 'h1', vars: {} })
      .apply,
    'function',
  );
});

test('issue 14 defect 1: new config files are 0644 (not 0600), a new directory 0755; an existing file keeps its mode and owner', (t) => {
  const params = { atoms: 'app-emulation/ganeti', keywords: KW, use: ['kvm', 'drbd'] };
  const d = plan(
    params,
    { use: null, kw: KW_HEADER, stats: [['st.kw', 'file 0 250 640 root portage\n']] },
    ok(fixture('real-ganeti-new.out')),
  );
  if (d.steps?.kind !== 'install') return t.fail();
  t.deepEqual(
    d.steps.writes.map((w) => [w.path, w.mode, w.owner, w.group, w.makeDir]),
    [
      ['/etc/portage/package.accept_keywords', '0640', 0, 250, undefined],
      ['/etc/portage/package.use/drover', '0644', undefined, undefined, '/etc/portage/package.use'],
    ],
  );
});

test("drover's file as a symlink: the target is rewritten with its mode (the link stays)", (t) => {
  const params = { atoms: 'app-misc/screen', use: ['multiuser'] };
  const h: Host = {
    use: { '00base': BASE, drover: '' },
    installed: [['app-misc/screen', '4.9.1', 'multiuser']],
    world: 'app-misc/screen\n',
    stats: [
      ['st.usecf', 'file 0 0 600 root root\n'],
      ['st.usecf.link', '../mine\n'],
      ['st.usecf.real', '/etc/portage/mine'],
    ],
  };
  const d = plan(params, h);
  if (d.steps?.kind !== 'install') return t.fail();
  t.deepEqual(
    d.steps.writes.map((w) => [w.path, w.target, w.mode]),
    [['/etc/portage/package.use/drover', '/etc/portage/mine', '0600']],
  );
  t.is(d.steps.emerge, undefined, 'a config line alone: nothing to build');
  t.is(d.result.message, 'edit /etc/portage/package.use/drover');
});

test("odd facts: drover's file is a directory → a clear error before anything is written", (t) => {
  const h: Host = {
    stats: [['st.usecf', 'directory 0 0 755 root root\n']],
    installed: [['app-misc/screen', '4.9.1', 'multiuser']],
    world: 'app-misc/screen\n',
  };
  t.throws(() => plan({ atoms: 'app-misc/screen', use: ['multiuser'] }, h), {
    message: /^\/etc\/portage\/package\.use\/drover is a directory, not a file drover can write/,
  });
});

test('USE change: a rebuild with --changed-use, the flags that switch, the drover line edited in place', (t) => {
  const params = {
    atoms: ['app-emulation/ganeti', 'app-containers/lxc'],
    use: { 'app-emulation/ganeti': ['kvm', 'lxc', '-drbd'] },
  };
  const d = plan(params, CONFIGURED, ok(fixture('real-ganeti-changed-use.out')));
  t.is(
    d.result.message,
    'install app-containers/lxc; rebuild app-emulation/ganeti-3.0.2 USE +lxc -drbd; edit /etc/portage/package.use/drover',
  );
  t.is(d.result.changes![0].after, '# Managed by drover\napp-emulation/ganeti kvm lxc -drbd\n');
  t.regex(d.result.detail!, /^~ app-emulation\/ganeti-3\.0\.2 \(rebuild\) USE \+lxc -drbd$/m);
  if (d.steps?.kind !== 'install') return t.fail();
  t.is(d.steps.emerge!.display, 'emerge --quiet --noreplace --changed-use -- app-emulation/ganeti app-containers/lxc');
});

test('an installed atom missing from world: recorded by an emerge with nothing to build', (t) => {
  const d = plan({ atoms: 'app-emulation/ganeti' }, { ...CONFIGURED, world: '' });
  t.is(d.result.message, 'add app-emulation/ganeti to world');
  t.is(d.result.detail, undefined);
  if (d.steps?.kind !== 'install') return t.fail();
  t.is(d.steps.emerge!.display, 'emerge --quiet --noreplace -- app-emulation/ganeti');
});

const NEW_GANETI = { atoms: 'app-emulation/ganeti', use: ['kvm'] };

test("Portage's refusals are quoted, after the command, with no module prefix", (t) => {
  const masked = t.throws(() => plan(NEW_GANETI, {}, failed(fixture('real-masked.err'), fixture('real-masked.out'))))!;
  t.is(
    masked.message,
    [
      'emerge --pretend --verbose --noreplace -- app-emulation/ganeti exited 1:',
      '!!! All ebuilds that could satisfy "app-emulation/ganeti" have been masked.',
      '!!! One of the following masked packages is required to complete your request:',
      '- app-emulation/ganeti-3.0.2::drover-lab (masked by: ~amd64 keyword)',
    ].join('\n'),
  );
  t.throws(
    () =>
      plan(
        { ...NEW_GANETI, use: ['-kvm'] },
        {},
        failed(fixture('real-required-use.err'), fixture('real-required-use.out')),
      ),
    {
      message:
        /exited 1:\n!!! Problem resolving dependencies for app-emulation\/ganeti\n\n!!! The ebuild selected to satisfy "app-emulation\/ganeti" has unmet requirements\.[^]*any-of \( kvm xen lxc \)/,
    },
  );
  t.throws(
    () => plan({ atoms: 'app-misc/nosuch' }, {}, failed(fixture('real-unknown.err'), fixture('real-unknown.out'))),
    {
      message:
        'emerge --pretend --verbose --noreplace -- app-misc/nosuch exited 1:\nemerge: there are no ebuilds to satisfy "app-misc/nosuch".',
    },
  );
  // real Portage's words (recorded on the web, SOURCES.md)
  t.throws(() => plan({ atoms: 'dev-db/flamerobin' }, {}, failed(fixture('flamerobin-masked.err'))), {
    message: /- dev-db\/flamerobin-0\.8\.3 \(masked by: ~x86 keyword\)$/,
  });
  t.throws(() => plan({ atoms: 'media-libs/libsdl2' }, {}, failed(fixture('libsdl2-required-use.err'))), {
    message: /wayland\? \( gles2 \)/,
  });
  // an exit without Portage's "!!!" lines: its stderr tail
  t.throws(
    () => plan({ atoms: 'app-misc/screen' }, {}, { code: 2, stdout: '', stderr: 'Traceback ...\nKeyError: x\n' }),
    {
      message: 'emerge --pretend --verbose --noreplace -- app-misc/screen exited 2:\nTraceback ...\nKeyError: x',
    },
  );
});

test('an unresolved blocker in the plan is an error quoting its line; a satisfied one (b) is not', (t) => {
  const tree = fixture('mesa-llvm-tree.out');
  t.notThrows(() => plan({ atoms: 'media-libs/mesa' }, {}, ok(tree)));
  t.throws(() => plan({ atoms: 'media-libs/mesa' }, {}, ok(tree.replace('[blocks b ', '[blocks B '))), {
    message:
      /^emerge --pretend --verbose --noreplace -- media-libs\/mesa: unresolved blocker:\n\[blocks B {6}\] {3}<=sys-devel\/clang-3\.7\.1-r99/,
  });
});

test("a USE flag the package to be built lacks (a typo) is caught from Portage's plan", (t) => {
  t.throws(() => plan({ atoms: 'app-containers/lxc', use: ['capz'] }, {}, ok(fixture('real-ganeti-changed-use.out'))), {
    message:
      'USE flag "capz" is not in IUSE of app-containers/lxc-6.0.0 (emerge shows: caps ssl tools apparmor io-uring pam seccomp selinux)',
  });
  // installed: Portage's plan leaves ganeti out (nothing changes), its rebuild view lists the flags it has
  const ganetiView =
    '[ebuild   R    ] app-emulation/ganeti-3.0.2::drover-lab  USE="drbd ipv6 kvm -experimental -lxc -monitoring -rbd -restricted-commands -syslog -test -xen" 0 KiB\n';
  t.throws(
    () =>
      plan(
        { atoms: 'app-emulation/ganeti', use: ['kvmm'] },
        CONFIGURED,
        ok(fixture('real-flags-changed-use.out')),
        ok(ganetiView),
      ),
    {
      message: /^USE flag "kvmm" is not in IUSE of app-emulation\/ganeti-3\.0\.2/,
    },
  );
});

test('issue 14 #3/#6: a flag only the newer ebuild has is not refused; Portage performs it as an upgrade and the report says so', (t) => {
  const h: Host = { installed: [['app-misc/lab-iuse', '1.0', '']], world: 'app-misc/lab-iuse\n' };
  const params = { atoms: 'app-misc/lab-iuse', use: ['extra'] };
  t.is(
    factsOf(params, h, ok(''), ok('')).pretend!.command,
    'emerge --pretend --verbose --noreplace --changed-use -- app-misc/lab-iuse',
  );
  const d = plan(params, h, ok(fixture('real-iuse-upgrade.out')));
  t.is(d.result.message, 'update app-misc/lab-iuse 1.0 -> 1.1 USE +extra; edit /etc/portage/package.use/drover');
  t.regex(d.result.detail!, /^\^ app-misc\/lab-iuse 1\.0::drover-lab -> 1\.1 \(update\) USE \+extra$/m);
  t.is(
    d.steps?.kind === 'install' && d.steps.emerge!.display,
    'emerge --quiet --noreplace --changed-use -- app-misc/lab-iuse',
  );
});

test("issue 14 #4: a flag the profile masks or forces is refused from Portage's view before anything is written, naming the profile", (t) => {
  const h: Host = { installed: [['app-misc/lab-flags', '1.0', 'caps']], world: 'app-misc/lab-flags\n' };
  // Portage's plan leaves the package out (the mask wins): the facts step asks for its rebuild view
  t.is(
    factsOf({ atoms: 'app-misc/lab-flags', use: ['lxc'] }, h, ok(fixture('real-flags-changed-use.out')), ok('')).flags!
      .command,
    'emerge --pretend --verbose --nodeps --oneshot -- =app-misc/lab-flags-1.0',
  );
  t.throws(
    () =>
      plan(
        { atoms: 'app-misc/lab-flags', use: ['lxc'] },
        h,
        ok(fixture('real-flags-changed-use.out')),
        ok(fixture('real-flags-rebuild-view.out')),
      ),
    {
      message:
        /^USE flag "lxc" of app-misc\/lab-flags-1\.0 is masked by the profile \(use\.mask \/ package\.use\.mask under \/etc\/portage\/make\.profile; emerge shows \(-lxc\)\): drover does not override the profile; drop "lxc" from use$/,
    },
  );
  t.throws(
    () =>
      plan(
        { atoms: 'app-misc/lab-flags', use: ['-caps'] },
        h,
        ok(fixture('real-flags-changed-use.out')),
        ok(fixture('real-flags-rebuild-view.out')),
      ),
    {
      message: /^USE flag "caps" of app-misc\/lab-flags-1\.0 is forced on by the profile \(use\.force/,
    },
  );
  // a new install: the plan's own entry shows the mask
  const entry = fixture('real-flags-rebuild-view.out').replace('[ebuild   R    ]', '[ebuild  N     ]');
  t.throws(() => plan({ atoms: 'app-misc/lab-flags', use: ['lxc'] }, {}, ok(entry)), {
    message: /is masked by the profile/,
  });
  // wanted as the profile has it: no objection
  t.notThrows(() => plan({ atoms: 'app-misc/lab-flags', use: ['-lxc', 'caps'] }, {}, ok(entry)));
});

test("issue 14 #5: real Portage's REQUIRED_USE explanation is quoted whole, with its complete expression", (t) => {
  const err = t.throws(() =>
    plan(
      { atoms: 'app-emulation/ganeti', use: ['-kvm'] },
      CONFIGURED,
      failed(fixture('real-required-use.err'), fixture('real-required-use.out')),
    ),
  )!;
  t.regex(
    err.message,
    /^emerge --pretend --verbose --noreplace --changed-use -- app-emulation\/ganeti exited 1:\n!!! Problem resolving dependencies for app-emulation\/ganeti\n\n!!! The ebuild selected/,
  );
  t.regex(
    err.message,
    /unsatisfied:\n {4}any-of \( kvm xen lxc \)\n\n {2}The above constraints are a subset of the following complete expression:\n {4}any-of \( kvm xen lxc \) test\? \( ipv6 \)$/,
  );
});

test('issue 14 #7: a world entry with a slot (or a repository) counts as in world', (t) => {
  t.deepEqual(
    plan({ atoms: 'app-emulation/ganeti' }, { ...CONFIGURED, world: 'app-emulation/ganeti:0\n' }).result.changed,
    false,
  );
  t.deepEqual(
    plan({ atoms: 'app-emulation/ganeti' }, { ...CONFIGURED, world: 'app-emulation/ganeti::drover-lab\n' }).result
      .changed,
    false,
  );
  t.is(
    plan({ atoms: 'app-emulation/ganeti' }, { ...CONFIGURED, world: 'app-emulation/ganeti-extra:0\n' }).result.message,
    'add app-emulation/ganeti to world',
  );
});

test('sync: unchanged when Portage had nothing to sync or every repository was current (real outputs)', (t) => {
  t.false(syncChanged(fixture('real-sync-nothing.out')));
  t.false(syncChanged(fixture('real-sync-current.out')));
  t.true(syncChanged(fixture('real-sync-updated.out')));
});

test('a contradicting line elsewhere names its file:line; no emerge command is an error', (t) => {
  const h: Host = { use: { '00base': BASE, 'zz-admin': 'app-misc/screen -multiuser\n' } };
  t.throws(() => plan({ atoms: 'app-misc/screen', use: ['multiuser'] }, h), {
    message:
      /^package\.use: \/etc\/portage\/package\.use\/zz-admin:1 sets "app-misc\/screen -multiuser", which contradicts the wanted "multiuser"/,
  });
  t.throws(() => plan({ atoms: 'app-misc/screen' }, { emerge: false }), {
    message: 'no `emerge` command on this host (is it Gentoo?)',
  });
});

test('absent (real Portage): asked with --pretend --verbose --depclean; nothing installed is no change', (t) => {
  const h: Host = { installed: [['app-misc/screen', '4.9.1', '']], world: 'app-misc/screen\n' };
  const d = plan({ atoms: 'app-misc/screen', state: 'absent' }, h, ok(fixture('real-depclean-screen.out')));
  t.is(
    factsOf({ atoms: 'app-misc/screen', state: 'absent' }, h, ok('')).pretend!.command,
    'emerge --pretend --verbose --depclean -- app-misc/screen',
  );
  t.like(d.result, {
    changed: true,
    message: 'remove app-misc/screen',
    detail: 'unmerge app-misc/screen-4.9.1',
    versions: { 'app-misc/screen': null },
  });
  t.deepEqual(d.steps && { ...d.steps, depclean: d.steps.kind === 'remove' && d.steps.depclean.display }, {
    kind: 'remove',
    depclean: 'emerge --depclean -- app-misc/screen',
    remove: ['app-misc/screen'],
  });
  t.deepEqual(plan({ atoms: 'app-misc/screen', state: 'absent' }, {}), {
    result: { changed: false, versions: { 'app-misc/screen': null } },
  });
});

test('issue 14 #2: a package others need is kept, said as such (ok, no change, no depclean that would exit 1); the others are removed', (t) => {
  const lvm: Host = { installed: [['sys-fs/lvm2', '2.03.22-r5', '']] };
  const kept = plan({ atoms: 'sys-fs/lvm2', state: 'absent' }, lvm, ok(fixture('real-depclean-kept.out')));
  t.deepEqual(kept, {
    result: {
      changed: false,
      message: 'kept sys-fs/lvm2 (other packages need it)',
      detail: 'sys-fs/lvm2-2.03.22-r5 pulled in by:\n  app-emulation/ganeti-3.0.2 requires sys-fs/lvm2',
      versions: { 'sys-fs/lvm2': '2.03.22-r5' },
    },
  });
  const both: Host = {
    installed: [
      ['sys-fs/lvm2', '2.03.22-r5', ''],
      ['app-misc/screen', '4.9.1', ''],
    ],
  };
  const mixed = plan(
    { atoms: ['app-misc/screen', 'sys-fs/lvm2'], state: 'absent' },
    both,
    ok(fixture('real-depclean-mixed.out')),
  );
  t.like(mixed.result, {
    changed: true,
    message: 'remove app-misc/screen; kept sys-fs/lvm2 (other packages need it)',
    versions: { 'app-misc/screen': null, 'sys-fs/lvm2': '2.03.22-r5' },
  });
  t.is(mixed.steps?.kind === 'remove' && mixed.steps.depclean.display, 'emerge --depclean -- app-misc/screen');
});

test('sync is a change (the repository): Portage is not asked before it; --check reports what is known', (t) => {
  const only = plan({ atoms: 'app-emulation/ganeti', keywords: KW, use: ['kvm', 'drbd'], sync: true }, CONFIGURED);
  t.deepEqual(only, {
    result: { changed: true, message: 'sync the Portage tree', versions: { 'app-emulation/ganeti': '3.0.2' } },
    steps: { kind: 'sync' },
  });
  const more = plan({ atoms: 'app-misc/screen', sync: true }, {});
  t.is(more.result.message, 'sync the Portage tree; install app-misc/screen');
  t.is(more.result.detail, undefined);
  t.deepEqual(more.steps, { kind: 'sync' });
});

test('bad params are refused by validate, naming the param, without a module prefix', (t) => {
  const v = emerge.spec!.validate!;
  t.throws(() => v({ atoms: 'ganeti' }), { message: /^not a valid package atom: "ganeti"/ });
  t.throws(() => v({ atoms: [] }), { message: 'atoms must name at least one package' });
  t.throws(() => v({ atoms: ' ' }), { message: 'atoms must name at least one package' });
  t.throws(() => v({ atoms: 'app-misc/screen', use: ['kvm;rm'] }), {
    message: '"kvm;rm" (for app-misc/screen) is not a USE flag',
  });
  t.throws(() => v({ atoms: 'app-misc/screen', use: { screen: ['x'] } }), {
    message: /^not a valid package atom: "screen"/,
  });
  t.throws(() => v({ atoms: 'app-misc/screen', keywords: 'amd64 x' }), {
    message: '"amd64 x" (for app-misc/screen) is not a keyword (expected e.g. "~amd64")',
  });
  t.throws(() => v({ atoms: 'app-misc/screen', configFile: '../x' }), {
    message: 'configFile must be a plain file name, got "../x"',
  });
  t.throws(() => v({ atoms: 'app-misc/screen', state: 'gone' as 'absent' }), {
    message: 'state must be "present" or "absent", got "gone"',
  });
});

// issue 16: update (real Portage: `emerge --pretend --verbose --update --noreplace`, SOURCES.md)
const OLD_SOCAT: Host = { installed: [['net-misc/socat', '1.7.4.4', 'ipv6 ssl']], world: 'net-misc/socat\n' };

test('issue 16: update asks Portage even when the probe sees nothing to do; a newer version is an update with --update in the apply', (t) => {
  const params = { atoms: 'net-misc/socat', update: true };
  t.is(
    factsOf(params, OLD_SOCAT, ok('')).pretend!.command,
    'emerge --pretend --verbose --update --noreplace -- net-misc/socat',
  );
  t.is(factsOf({ atoms: 'net-misc/socat' }, OLD_SOCAT).pretend, undefined, 'without update: one probe, no question');
  const d = plan(params, OLD_SOCAT, ok(fixture('real-update-socat.out')));
  t.like(d.result, {
    changed: true,
    message: 'update net-misc/socat 1.7.4.4 -> 1.8.0.0',
    versions: { 'net-misc/socat': '1.7.4.4' },
  });
  t.is(
    d.result.detail,
    '^ net-misc/socat 1.7.4.4::drover-lab -> 1.8.0.0 (update)\nTotal: 1 package (1 upgrade), Size of downloads: 0 KiB',
  );
  t.deepEqual(d.result.changes, []);
  if (d.steps?.kind !== 'install') return t.fail();
  t.is(d.steps.emerge!.display, 'emerge --quiet --update --noreplace -- net-misc/socat');
  t.deepEqual(d.steps.expect, [{ cp: 'net-misc/socat', version: '1.8.0.0' }]);
  t.deepEqual(d.steps.writes, []);
  t.is(emerge.spec!.title({ atoms: 'net-misc/socat', update: true }), 'emerge --update net-misc/socat');
});

test('issue 16: update with nothing newer (or an atom pinned to its version) is no change and no apply', (t) => {
  for (const atoms of ['net-misc/socat', '=net-misc/socat-1.7.4.4']) {
    const params = { atoms, update: true };
    const d = plan(params, OLD_SOCAT, ok(fixture('real-update-current.out')));
    t.deepEqual(d, { result: { changed: false, versions: { [atoms]: '1.7.4.4' } } });
    t.is(
      emerge.spec!.plan(params, factsOf(params, OLD_SOCAT, ok(fixture('real-update-current.out'))), {
        name: 'h1',
        vars: {},
      }).apply,
      undefined,
    );
  }
});

test('issue 16: update of two atoms names each; with a USE change the atom says it once, as Portage performs it', (t) => {
  const h: Host = {
    installed: [
      ['net-misc/socat', '1.7.4.4', 'ipv6 ssl'],
      ['app-misc/lab-iuse', '1.0', ''],
    ],
    world: 'net-misc/socat\napp-misc/lab-iuse\n',
  };
  const both = plan(
    { atoms: ['net-misc/socat', 'app-misc/lab-iuse'], update: true },
    h,
    ok(fixture('real-update-both.out')),
  );
  t.is(both.result.message, 'update net-misc/socat 1.7.4.4 -> 1.8.0.0; update app-misc/lab-iuse 1.0 -> 1.1');
  t.deepEqual(both.steps?.kind === 'install' && both.steps.expect, [
    { cp: 'net-misc/socat', version: '1.8.0.0' },
    { cp: 'app-misc/lab-iuse', version: '1.1' },
  ]);
  const params = { atoms: 'app-misc/lab-iuse', use: ['extra'], update: true };
  const iuse: Host = { installed: [['app-misc/lab-iuse', '1.0', '']], world: 'app-misc/lab-iuse\n' };
  t.is(
    factsOf(params, iuse, ok(''), ok('')).pretend!.command,
    'emerge --pretend --verbose --update --noreplace --changed-use -- app-misc/lab-iuse',
  );
  const d = plan(params, iuse, ok(fixture('real-iuse-upgrade.out')));
  t.is(d.result.message, 'update app-misc/lab-iuse 1.0 -> 1.1 USE +extra; edit /etc/portage/package.use/drover');
  t.is(
    d.steps?.kind === 'install' && d.steps.emerge!.display,
    'emerge --quiet --update --noreplace --changed-use -- app-misc/lab-iuse',
  );
});

test("issue 16: update's refusals and bad params", (t) => {
  t.throws(
    () =>
      plan(
        { atoms: 'app-misc/nosuch', update: true },
        {},
        failed(fixture('real-unknown.err'), fixture('real-unknown.out')),
      ),
    {
      message:
        /^emerge --pretend --verbose --update --noreplace -- app-misc\/nosuch exited 1:\nemerge: there are no ebuilds to satisfy "app-misc\/nosuch"\.$/,
    },
  );
  const v = emerge.spec!.validate!;
  t.throws(() => v({ atoms: 'net-misc/socat', update: 'yes' as unknown as boolean }), {
    message: 'update must be true or false, got "yes"',
  });
  t.throws(() => v({ atoms: 'net-misc/socat', update: true, state: 'absent' }), {
    message: 'update applies to state "present" only (state is "absent")',
  });
});

test('issue 16: the after-check finds the planned version, or says what is installed instead', (t) => {
  const r = emergeRequest({ atoms: 'net-misc/socat', update: true });
  const probeOf = (h: Host) => {
    const frame = new ProbeFrame();
    return parseProbe(frame.parse(frame.render(answer(h))), r.cps, r.configFile);
  };
  const expect = [{ cp: 'net-misc/socat', version: '1.8.0.0' }];
  t.notThrows(() => checkInstalled(probeOf({ installed: [['net-misc/socat', '1.8.0.0', '']] }), r, expect));
  t.throws(() => checkInstalled(probeOf(OLD_SOCAT), r, expect), {
    message: 'emerge reported success but net-misc/socat is at 1.7.4.4, not the planned 1.8.0.0',
  });
});
