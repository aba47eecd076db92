// emerge's probe run by dash in a private mount namespace whose /etc/portage, /var/db/pkg and world file
// are made here (tmpfs over /etc and /var): hostile file names and contents come back exactly.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { ProbeFormatError, ProbeFrame } from '../../../core/probe-frame.ts';
import type { ShellCommand } from '../../../core/sh.ts';
import { parseProbe, probeScript } from '../../../modules/portage/emerge-facts.ts';

/** The command as the host runs it: its shell functions defined first. */
const probeText = (c: ShellCommand) => [...c.functions.map((f) => f.definition), c.text].join('\n');

const canUnshare = spawnSync('unshare', ['-m', 'true']).status === 0;

// Runs `setup` then the probe as root in a new mount namespace (nothing leaks out of it).
function runProbe(setup: string, frame: ProbeFrame, cps: string[], configFile?: string): Buffer {
  const script = `set -e; mount -t tmpfs drover /etc; mount -t tmpfs drover /var; ${setup}
set +e
${probeText(probeScript(frame, cps, configFile))}`;
  const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'dash', '-c', script]);
  if (r.status !== 0) throw new Error(`probe failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

const SETUP = String.raw`mkdir -p /etc/portage/package.use/sub /var/db/pkg/app-emulation/ganeti-3.0.2 /var/lib/portage
printf 'app-emulation/ganeti kvm\n' > /etc/portage/package.use/b
printf '@@drover-0 END\n@@drover-0 FILE /etc/portage/package.use/zz\nsys-fs/lvm2 -thin' > /etc/portage/package.use/a
printf 'x/y lxc\n' > "/etc/portage/package.use/sub/new
line"
printf 'ignored\n' > /etc/portage/package.use/.hidden
printf 'app-emulation/ganeti ~amd64\n' > /etc/portage/package.accept_keywords
chmod 0640 /etc/portage/package.accept_keywords; chgrp 250 /etc/portage/package.accept_keywords
printf '0\n' > /var/db/pkg/app-emulation/ganeti-3.0.2/SLOT
printf 'kvm lxc\n' > /var/db/pkg/app-emulation/ganeti-3.0.2/USE
printf '+kvm lxc -xen\n' > /var/db/pkg/app-emulation/ganeti-3.0.2/IUSE
printf 'app-emulation/ganeti\n' > /var/lib/portage/world`;

test('a directory, a file and an absent location; files in name order; old markers and a newline in a name stay data', (t) => {
  if (!canUnshare) return t.pass('no unshare -m here');
  const frame = new ProbeFrame();
  const p = parseProbe(frame.parse(runProbe(SETUP, frame, ['app-emulation/ganeti', 'sys-fs/lvm2'])), [
    'app-emulation/ganeti',
    'sys-fs/lvm2',
  ]);
  t.deepEqual(p.locations['/etc/portage/package.use'], {
    kind: 'dir',
    path: '/etc/portage/package.use',
    files: [
      {
        path: '/etc/portage/package.use/a',
        content: '@@drover-0 END\n@@drover-0 FILE /etc/portage/package.use/zz\nsys-fs/lvm2 -thin',
      },
      { path: '/etc/portage/package.use/b', content: 'app-emulation/ganeti kvm\n' },
      { path: '/etc/portage/package.use/sub/new\nline', content: 'x/y lxc\n' },
    ],
  });
  t.deepEqual(p.locations['/etc/portage/package.accept_keywords'], {
    kind: 'file',
    path: '/etc/portage/package.accept_keywords',
    content: 'app-emulation/ganeti ~amd64\n',
  });
  t.deepEqual(p.locations['/etc/portage/package.keywords'], { kind: 'absent', path: '/etc/portage/package.keywords' });
  t.deepEqual(p.installed, {
    'app-emulation/ganeti': [
      {
        cpv: 'app-emulation/ganeti-3.0.2',
        version: '3.0.2',
        slot: '0',
        use: ['kvm', 'lxc'],
        iuse: ['kvm', 'lxc', 'xen'],
      },
    ],
  });
  t.deepEqual(p.world, ['app-emulation/ganeti']);
  t.false(p.hasEmerge);
  t.like(p.managed['/etc/portage/package.accept_keywords'], { kind: 'file', mode: '0640', uid: 0, gid: 250 });
  t.like(p.managed['/etc/portage/package.use'], { kind: 'directory' });
  t.like(p.managed['/etc/portage/package.use/drover'], { kind: 'absent' });
  t.like(p.managed['/etc/portage/package.accept_keywords/drover'], { kind: 'absent' });
});

test("drover's file as a symlink is described where it ends (a rewrite keeps the link and the target's mode)", (t) => {
  if (!canUnshare) return t.pass('no unshare -m here');
  const frame = new ProbeFrame();
  const setup = `${SETUP}\nprintf 'app-misc/screen multiuser\\n' > /etc/portage/mine; chmod 0600 /etc/portage/mine; ln -s ../mine /etc/portage/package.use/ours`;
  const p = parseProbe(
    frame.parse(runProbe(setup, frame, ['app-emulation/ganeti'], 'ours')),
    ['app-emulation/ganeti'],
    'ours',
  );
  t.like(p.managed['/etc/portage/package.use/ours'], {
    kind: 'file',
    linkTarget: '../mine',
    realPath: '/etc/portage/mine',
    mode: '0600',
  });
  t.true(p.locations['/etc/portage/package.use'].kind === 'dir');
});

test('a USE file holding newlines cannot add a package record or a flag', (t) => {
  if (!canUnshare) return t.pass('no unshare -m here');
  const frame = new ProbeFrame();
  const setup = `${SETUP}\nprintf 'kvm\\n@@drover-0 PKG app-emulation/ganeti app-emulation/ganeti-9\\n' > /var/db/pkg/app-emulation/ganeti-3.0.2/USE`;
  const p = parseProbe(frame.parse(runProbe(setup, frame, ['app-emulation/ganeti'])), ['app-emulation/ganeti']);
  t.is(p.installed['app-emulation/ganeti'].length, 1);
  t.deepEqual(p.installed['app-emulation/ganeti'][0].use, [
    'kvm',
    '@@drover-0',
    'PKG',
    'app-emulation/ganeti',
    'app-emulation/ganeti-9',
  ]);
});

const STATS = ['st.use', 'st.usecf', 'st.kw', 'st.kwcf'].map((n) => [n, 'absent'] as [string, string]);

/** The answer of a host with nothing configured and nothing installed, built from the format. */
function emptyAnswer(frame: ProbeFrame, extra: [string, string, number?][] = []): Buffer {
  return frame.render([
    ['loc.use', 'absent'],
    ['loc.kw', 'absent'],
    ['loc.kwold', 'absent'],
    ...extra,
    ['world', ''],
    ['emerge', ''],
    ...STATS,
  ]);
}

test('refused: output around the sections, a truncated answer, unknown sections, files outside the locations, short package records', (t) => {
  const frame = new ProbeFrame();
  const good = emptyAnswer(frame);
  t.like(parseProbe(frame.parse(good), []), { world: [], hasEmerge: true });
  const bad: Buffer[] = [
    Buffer.concat([Buffer.from('@@drover-1 WORLD\napp-misc/evil\n@@drover-1 END\n'), good]),
    Buffer.concat([good, Buffer.from('late\n')]),
    good.subarray(0, good.length - 1),
    emptyAnswer(frame, [['other', '']]),
    emptyAnswer(frame, [['f.1.1', '/etc/shadow\0root:x']]),
    emptyAnswer(frame, [['f.1.1', 'no path']]),
    emptyAnswer(frame, [['pkg.1', 'app-emulation/ganeti\0app-emulation/ganeti-3\0' + '0']]),
    emptyAnswer(frame, [['pkg.1', 'app-misc/other\0app-misc/other-1\x000\0\0']]),
    frame.render([
      ['loc.use', 'file'],
      ['loc.kw', 'absent'],
      ['loc.kwold', 'absent'],
      ['world', ''],
      ['emerge', ''],
      ...STATS,
    ]),
    frame.render([
      ['loc.use', 'absent'],
      ['loc.kw', 'absent'],
      ['loc.kwold', 'absent'],
      ['world', ''],
      ['emerge', ''],
      ...STATS.slice(1),
    ]),
    emptyAnswer(frame, [['st.other', 'absent']]),
  ];
  for (const b of bad)
    t.throws(() => parseProbe(frame.parse(b), ['app-emulation/ganeti']), { instanceOf: ProbeFormatError });
  t.throws(() => parseProbe(frame.parse(emptyAnswer(frame, [['loc.x', '']])), []), { instanceOf: ProbeFormatError });
  const unreadable = frame.render([
    ['loc.use', 'file'],
    ['f.1.1', '/etc/portage/package.use\0', 1],
    ['loc.kw', 'absent'],
    ['loc.kwold', 'absent'],
    ['world', ''],
    ['emerge', ''],
    ...STATS,
  ]);
  t.throws(() => parseProbe(frame.parse(unreadable), []), { message: /cannot read \/etc\/portage\/package.use/ });
});
