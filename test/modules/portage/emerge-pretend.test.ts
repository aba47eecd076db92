// Tests of the emerge plan parser on real Portage output (test/fixtures/portage/SOURCES.md): published, and recorded in the lab.
import test from 'ava';
import { readFileSync } from 'node:fs';
import {
  emergeFailureReason,
  parseEmergePlan,
  parseUseFlag,
  renderPlan,
  useChanges,
} from '../../../modules/portage/emerge-pretend.ts';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/portage/${name}`, import.meta.url), 'utf8');

test('real --tree --verbose output: rR, U, r U, nomerge, blocker, USE_EXPAND groups', (t) => {
  const plan = parseEmergePlan(fixture('mesa-llvm-tree.out'));
  t.deepEqual(
    plan.entries.map((e) => [e.action, e.cp, e.version]),
    [
      ['rebuild', 'media-libs/mesa', '11.0.6'],
      ['nomerge', 'sys-devel/llvm', '3.7.1-r3'],
      ['blocker', '<=sys-devel/clang', '3.7.1-r99'],
      ['update', 'sys-devel/clang', '3.7.1-r100'],
      ['update', 'sys-devel/llvm', '3.7.1-r3'],
    ],
  );
  const mesa = plan.entries[0];
  t.true(mesa.forceReinstall);
  t.is(mesa.repo, 'gentoo');
  t.is(mesa.size, '7,103 KiB');
  t.deepEqual(Object.keys(mesa.use), ['USE', 'ABI_X86', 'VIDEO_CARDS']);
  t.deepEqual(
    mesa.use.USE.find((f) => f.flag === 'selinux'),
    { flag: 'selinux', enabled: false, changed: false, iuseChanged: false, forced: true },
  );
  const clang = plan.entries[3];
  t.is(clang.slot, '0/3.7');
  t.deepEqual(clang.replaces, ['3.5.0-r100:0/3.5::gentoo']);
  t.is(clang.depth, 3);
  t.is(plan.entries[4].forceReinstall, true);
  t.is(plan.total, 'Total: 3 packages (2 upgrades, 1 reinstall), Size of downloads: 31,713 KiB');
});

test('real tree output: indentation depth, sub-slots, _p versions, % flags', (t) => {
  const plan = parseEmergePlan(fixture('ocamlfuse-tree.out'));
  t.is(plan.entries.length, 6);
  t.deepEqual(
    plan.entries.map((e) => e.depth),
    [0, 1, 1, 2, 2, 2],
  );
  t.is(plan.entries[1].version, '2.7.1_p7-r1');
  t.is(plan.entries[1].slot, '0/2.7.1_p7');
  const fmt = plan.entries[3];
  t.is(fmt.action, 'update');
  t.deepEqual(
    fmt.use.USE.map((f) => [f.flag, f.enabled, f.iuseChanged]),
    [
      ['ocamlopt', true, false],
      ['test', false, true],
    ],
  );
  t.deepEqual(
    plan.entries[4].use.CPU_FLAGS_X86.map((f) => f.flag),
    ['aes'],
  );
});

test('mask column (#) and packages without USE', (t) => {
  const plan = parseEmergePlan(fixture('waydroid-masked-column.out'));
  t.is(plan.entries[0].mask, '#');
  t.is(plan.entries[1].mask, undefined);
  t.deepEqual(plan.entries[2].use, {});
  t.is(plan.entries[2].size, '0 KiB');
});

test('a new install plan with dependencies (real Portage in the lab), verbose and quiet', (t) => {
  const plan = parseEmergePlan(fixture('real-ganeti-new.out'));
  t.is(plan.entries.length, 3);
  t.is(plan.entries[0].mask, '~');
  t.is(plan.entries[0].repo, 'drover-lab');
  t.true(plan.entries.every((e) => e.action === 'new'));
  t.is(plan.entries.at(-1)!.cpv, 'app-emulation/ganeti-3.0.2');
  const quiet = parseEmergePlan(fixture('real-ganeti-quiet.out'));
  t.deepEqual(
    quiet.entries.map((e) => e.cpv),
    plan.entries.map((e) => e.cpv),
  );
  t.true(quiet.entries.every((e) => e.action === 'new' && e.mask === undefined));
});

test('USE changes of a rebuild, and the diff-like rendering', (t) => {
  const plan = parseEmergePlan(fixture('real-ganeti-changed-use.out'));
  const ganeti = plan.entries.find((e) => e.cp === 'app-emulation/ganeti')!;
  t.is(ganeti.action, 'rebuild');
  t.deepEqual(useChanges(ganeti), ['+lxc', '-drbd']);
  t.is(
    renderPlan(plan),
    [
      '+ app-containers/lxc-6.0.0 (new) USE caps ssl tools',
      '~ app-emulation/ganeti-3.0.2 (rebuild) USE +lxc -drbd',
      'Total: 2 packages (1 new, 1 reinstall), Size of downloads: 0 KiB',
    ].join('\n'),
  );
  const up = parseEmergePlan(fixture('real-qemu-update.out'));
  t.is(renderPlan(up).split('\n')[0], '^ app-emulation/qemu 8.2.3::drover-lab -> 9.0.1 (update)');
});

test('flag tokens', (t) => {
  t.deepEqual(parseUseFlag('lxc%*'), { flag: 'lxc', enabled: true, changed: true, iuseChanged: true, forced: false });
  t.deepEqual(parseUseFlag('{-test}'), {
    flag: 'test',
    enabled: false,
    changed: false,
    iuseChanged: false,
    forced: true,
    bound: true,
  });
  t.deepEqual(parseUseFlag('(-pypy%)'), {
    flag: 'pypy',
    enabled: false,
    changed: false,
    iuseChanged: true,
    forced: true,
  });
});

test("failure reasons are emerge's own words", (t) => {
  t.is(
    emergeFailureReason(fixture('real-masked.err')),
    [
      '!!! All ebuilds that could satisfy "app-emulation/ganeti" have been masked.',
      '!!! One of the following masked packages is required to complete your request:',
      '- app-emulation/ganeti-3.0.2::drover-lab (masked by: ~amd64 keyword)',
    ].join('\n'),
  );
  t.regex(
    emergeFailureReason(fixture('flamerobin-masked.err'))!,
    /- dev-db\/flamerobin-0\.8\.3 \(masked by: ~x86 keyword\)$/,
  );
  const ru = emergeFailureReason(fixture('real-required-use.err'))!;
  t.regex(ru, /The following REQUIRED_USE flag constraints are unsatisfied:\n {4}any-of \( kvm xen lxc \)/);
  t.regex(emergeFailureReason(fixture('libsdl2-required-use.err'))!, /wayland\? \( gles2 \)/);
  t.is(emergeFailureReason('Calculating dependencies... done!\n'), undefined);
});
