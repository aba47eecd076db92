// Issue 26: every atom form Portage takes on emerge's command line or in a world file, the dependency-only forms refused,
// sub-slot and USE-dependency matching, USE_EXPAND spellings, and which world entry holds a slotted atom.
import test from 'ava';
import { emergeRequest, inWorld } from '../../../modules/portage/emerge-plan.ts';
import { atomMatches, expandUseTokens, parseAtom, parseConfigFile } from '../../../modules/portage/portage-config.ts';

test('atom forms Portage accepts are parsed', (t) => {
  t.like(parseAtom('app-misc/lab-sub:0/2'), { cp: 'app-misc/lab-sub', slot: '0/2' });
  t.like(parseAtom('net-misc/socat::gentoo'), { cp: 'net-misc/socat', slot: undefined, repo: 'gentoo' });
  t.like(parseAtom('=dev-lang/python-3.12*:3.12::gentoo'), {
    op: '=*',
    cp: 'dev-lang/python',
    version: '3.12',
    slot: '3.12',
    repo: 'gentoo',
  });
  t.like(parseAtom('app-emulation/ganeti[kvm,-drbd]'), { cp: 'app-emulation/ganeti', useDeps: ['kvm', '-drbd'] });
  t.like(parseAtom('~app-misc/screen-4.9.1'), { op: '~', version: '4.9.1' });
});

test('dependency-only forms are refused, naming the atom and why', (t) => {
  t.throws(() => parseAtom('app-misc/lab-sub:='), {
    message: /^"app-misc\/lab-sub:=": the slot operator ":=" belongs to dependencies \(RDEPEND\)/,
  });
  t.throws(() => parseAtom('app-misc/lab-sub:0='), { message: /slot operator ":0="/ });
  t.throws(() => parseAtom('app-misc/lab-sub:*'), { message: /slot operator ":\*"/ });
  t.throws(() => parseAtom('app-misc/lab-sub[foo?]'), { message: /"\[foo\?\]" is not a plain USE dependency/ });
  t.throws(() => parseAtom('!app-misc/lab-blocker-a'), { message: /a blocker belongs to a dependency/ });
  t.throws(() => parseAtom('@world'), { message: /a set is not a package atom/ });
  t.throws(() => parseAtom('app-misc/lab-sub:'), { message: /"" is not a slot/ });
  t.throws(() => parseAtom('>=app-misc/screen'), { message: /the operator needs a version/ });
  // refused by validate: before any host is contacted
  t.throws(() => emergeRequest({ atoms: ['app-misc/screen', 'app-misc/lab-sub:='] }), { message: /":="/ });
});

test('a sub-slot in the atom must match the installed build; a USE dependency its USE', (t) => {
  t.false(atomMatches(parseAtom('app-misc/lab-sub:0/2'), '1.0', '0/1'));
  t.true(atomMatches(parseAtom('app-misc/lab-sub:0/2'), '2.0', '0/2'));
  t.true(atomMatches(parseAtom('app-misc/lab-sub:0'), '1.0', '0/1'));
  t.true(atomMatches(parseAtom('app-misc/lab-slot:2'), '2.0', '2'));
  t.true(atomMatches(parseAtom('app-misc/lab-slot:2/2'), '2.0', '2'), 'no sub-slot means sub-slot = slot');
  t.true(atomMatches(parseAtom('app-emulation/ganeti[kvm,-drbd]'), '3.0.2', '0', ['kvm', 'ipv6']));
  t.false(atomMatches(parseAtom('app-emulation/ganeti[kvm,-drbd]'), '3.0.2', '0', ['kvm', 'drbd']));
});

test('USE_EXPAND: the group spelling is the USE spelling, in params and in package.use lines', (t) => {
  t.deepEqual(expandUseTokens(['PYTHON_TARGETS:', 'python3_13', '-python3_12']), [
    'python_targets_python3_13',
    '-python_targets_python3_12',
  ]);
  t.deepEqual(expandUseTokens(['ssl', 'VIDEO_CARDS:', 'amdgpu']), ['ssl', 'video_cards_amdgpu']);
  t.deepEqual(parseConfigFile('/f', 'dev-python/lab-py PYTHON_TARGETS: python3_13  # c\n')[0].tokens, [
    'python_targets_python3_13',
  ]);
  t.deepEqual(
    emergeRequest({ atoms: 'dev-python/lab-py', use: ['PYTHON_TARGETS: python3_13 -python3_12'] }).useMap.get(
      'dev-python/lab-py',
    ),
    ['python_targets_python3_13', '-python_targets_python3_12'],
  );
});

test('world: a slotted atom (other than slot 0) needs an entry for its slot; an unslotted one any entry', (t) => {
  const slot1 = parseAtom('app-misc/lab-slot:1');
  t.false(inWorld(['app-misc/lab-slot'], slot1), 'the bare entry keeps only the best slot on --depclean');
  t.false(inWorld(['app-misc/lab-slot:2'], slot1));
  t.true(inWorld(['app-misc/lab-slot:1'], slot1));
  t.true(inWorld(['app-misc/lab-slot:1::drover-lab'], slot1));
  t.true(inWorld(['app-misc/lab-slot:1/1'], slot1));
  t.true(inWorld(['app-misc/lab-slot:2'], parseAtom('app-misc/lab-slot')));
  t.true(inWorld(['app-emulation/ganeti'], parseAtom('app-emulation/ganeti:0')));
  t.false(inWorld(['app-emulation/ganeti-extra'], parseAtom('app-emulation/ganeti')));
});
