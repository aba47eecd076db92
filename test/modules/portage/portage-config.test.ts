// Tests of package.use / package.accept_keywords line editing, atoms and version comparison.
import test from 'ava';
import {
  atomMatches,
  ensureAtomLine,
  oppositeFlag,
  parseAtom,
  vercmp,
  type ConfigLocation,
} from '../../../modules/portage/portage-config.ts';

const useOpts = { configFile: 'drover', what: 'package.use', opposite: oppositeFlag };

test('atoms and versions', (t) => {
  t.deepEqual(parseAtom('app-emulation/ganeti'), {
    op: undefined,
    cp: 'app-emulation/ganeti',
    version: undefined,
    slot: undefined,
  });
  t.deepEqual(parseAtom('>=sys-fs/lvm2-2.03.22-r5:0'), {
    op: '>=',
    cp: 'sys-fs/lvm2',
    version: '2.03.22-r5',
    slot: '0',
  });
  t.throws(() => parseAtom('ganeti'), { message: /not a valid package atom: "ganeti"/ });
  t.throws(() => parseAtom('app-emulation/ganeti-3.0'), { message: /not a valid package atom/ });
  t.is(vercmp('3.0.2', '3.0.10'), -1);
  t.is(vercmp('5.2_p26', '5.2'), 1);
  t.is(vercmp('1.0_rc1', '1.0'), -1);
  t.is(vercmp('2.03.22-r5', '2.03.22-r10'), -1);
  t.is(vercmp('1.0a', '1.0'), 1);
  t.true(atomMatches(parseAtom('>=app-emulation/ganeti-3'), '3.0.2'));
  t.false(atomMatches(parseAtom('<app-emulation/ganeti-3'), '3.0.2'));
  t.true(atomMatches(parseAtom('~app-emulation/ganeti-3.0.2'), '3.0.2-r1'));
  t.true(atomMatches(parseAtom('=app-emulation/ganeti-3.0*'), '3.0.2'));
  t.false(atomMatches(parseAtom('app-containers/lxc:1'), '6.0.0', '0/1'));
});

test('a directory gets a drover file; a second run changes nothing', (t) => {
  const loc: ConfigLocation = {
    kind: 'dir',
    path: '/etc/portage/package.use',
    files: [{ path: '/etc/portage/package.use/00base', content: 'sys-apps/openrc ncurses\n' }],
  };
  const e = ensureAtomLine(loc, 'app-emulation/ganeti', ['kvm', 'drbd'], useOpts)!;
  t.is(e.path, '/etc/portage/package.use/drover');
  t.is(e.before, null);
  t.regex(e.after!, /^# Managed by drover.*\napp-emulation\/ganeti kvm drbd\n$/);
  const again: ConfigLocation = { ...loc, files: [...loc.files, { path: e.path, content: e.after! }] };
  t.is(ensureAtomLine(again, 'app-emulation/ganeti', ['kvm', 'drbd'], useOpts), null);
  t.is(ensureAtomLine(again, 'app-emulation/ganeti', ['drbd'], useOpts), null, 'a subset is already satisfied');
});

test('in a file the line for the atom is edited in place, other lines and comments kept', (t) => {
  const content = '# mine\nsys-apps/openrc ncurses\napp-emulation/ganeti kvm -lxc  # hypervisor\nnet-misc/socat ssl';
  const loc: ConfigLocation = { kind: 'file', path: '/etc/portage/package.use', content };
  const e = ensureAtomLine(loc, 'app-emulation/ganeti', ['lxc', 'drbd'], useOpts)!;
  t.is(e.path, '/etc/portage/package.use');
  t.is(e.after, '# mine\nsys-apps/openrc ncurses\napp-emulation/ganeti kvm lxc drbd  # hypervisor\nnet-misc/socat ssl');
  const other = ensureAtomLine(loc, 'app-misc/screen', ['multiuser'], useOpts)!;
  t.is(other.after, content + '\napp-misc/screen multiuser\n');
});

test('a contradicting line elsewhere is an error naming file:line; a matching one is not duplicated', (t) => {
  const loc: ConfigLocation = {
    kind: 'dir',
    path: '/etc/portage/package.use',
    files: [{ path: '/etc/portage/package.use/ganeti', content: '# by hand\napp-emulation/ganeti -kvm xen\n' }],
  };
  t.throws(() => ensureAtomLine(loc, 'app-emulation/ganeti', ['kvm'], useOpts), {
    message:
      /\/etc\/portage\/package\.use\/ganeti:2 sets "app-emulation\/ganeti -kvm xen", which contradicts the wanted "kvm"/,
  });
  t.is(ensureAtomLine(loc, 'app-emulation/ganeti', ['xen'], useOpts), null);
  const e = ensureAtomLine(loc, 'app-emulation/ganeti', ['xen', 'drbd'], useOpts)!;
  t.is(e.after!.split('\n')[1], 'app-emulation/ganeti drbd');
});

test('keywords: an existing bare atom line already accepts ~amd64; package.keywords lines count', (t) => {
  const kwOpts = { configFile: 'drover', what: 'package.accept_keywords', noTokensMeans: '~amd64' };
  const file: ConfigLocation = {
    kind: 'file',
    path: '/etc/portage/package.accept_keywords',
    content: 'app-emulation/ganeti\n',
  };
  t.is(ensureAtomLine(file, 'app-emulation/ganeti', ['~amd64'], kwOpts), null);
  const absent: ConfigLocation = { kind: 'absent', path: '/etc/portage/package.accept_keywords' };
  const old = [{ file: '/etc/portage/package.keywords', line: 1, atom: 'sys-cluster/drbd-utils', tokens: ['~amd64'] }];
  t.is(ensureAtomLine(absent, 'sys-cluster/drbd-utils', ['~amd64'], { ...kwOpts, alsoRead: old }), null);
  const created = ensureAtomLine(absent, 'app-emulation/ganeti', ['~amd64'], kwOpts)!;
  t.true(created.createDir);
  t.is(created.path, '/etc/portage/package.accept_keywords/drover');
});
