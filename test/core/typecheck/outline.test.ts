import test from 'ava';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../../../core/errors.ts';
import { formatOutline } from '../../../core/typecheck/format-outline.ts';
import { outlinePlaybook } from '../../../core/typecheck/outline.ts';
import type { ModuleCallOutline, OutlineItem } from '../../../core/typecheck/outline-types.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const F = 'test/fixtures/playbooks';

const call = (
  module: string,
  title: string,
  file: string,
  line: number,
  more: Partial<ModuleCallOutline> = {},
): ModuleCallOutline => ({
  kind: 'module-call',
  module,
  title,
  file: `${F}/${file}`,
  line,
  conditional: false,
  via: null,
  phase: null,
  ...more,
});

test('outline: each/on/onEach phases in source order, conditional calls, a helper one level deep, a stray call', (t) => {
  const items = outlinePlaybook(`${F}/outline.ts`, { cwd: REPO });
  const inPrepare = { phase: 'Prepare' };
  const viaPrepareNode = { fn: 'prepareNode', file: `${F}/outline.ts`, line: 13 };
  const expected: OutlineItem[] = [
    {
      kind: 'phase',
      method: 'each',
      name: 'Prepare',
      target: null,
      file: `${F}/outline.ts`,
      line: 11,
      conditional: false,
      calls: [
        call('touch', '/etc/hosts', 'outline.ts', 12, inPrepare),
        call('touch', '/etc/prepared', 'lib/touch.ts', 23, { ...inPrepare, via: viaPrepareNode }),
        call('pkg', 'app-misc/extras', 'lib/touch.ts', 24, { ...inPrepare, via: viaPrepareNode, conditional: true }),
        call('pkg', 'app-emulation/ganeti', 'outline.ts', 15, { ...inPrepare, conditional: true }),
        call('touch', '/etc/node', 'outline.ts', 17, { ...inPrepare, conditional: true }),
        call('touch', '', 'outline.ts', 19, { ...inPrepare, conditional: true }),
        call('touch', '/etc/has-disks', 'outline.ts', 20, { ...inPrepare, conditional: true }),
        call('touch', '/etc/try', 'outline.ts', 22, inPrepare),
        call('touch', '/etc/catch', 'outline.ts', 24, { ...inPrepare, conditional: true }),
      ],
    },
    {
      kind: 'phase',
      method: 'on',
      name: 'Init cluster',
      target: 'master',
      file: `${F}/outline.ts`,
      line: 28,
      conditional: false,
      calls: [call('pkg', 'sys-cluster/init extra', 'outline.ts', 28, { phase: 'Init cluster' })],
    },
    {
      kind: 'phase',
      method: 'onEach',
      // Not a literal: the source text stands for the name.
      name: 'phaseName',
      target: 'p.hosts.filter((h) => h !== master)',
      file: `${F}/outline.ts`,
      line: 30,
      conditional: false,
      calls: [call('touch', '/var/lib/${host.name}', 'outline.ts', 36, { phase: 'phaseName', conditional: true })],
    },
    call('touch', '/etc/stray', 'outline.ts', 41),
  ];
  t.deepEqual(items, expected);
  t.is(
    formatOutline(items),
    `Prepare  [each]  ${F}/outline.ts:11
  touch /etc/hosts  ${F}/outline.ts:12
  touch /etc/prepared  ${F}/lib/touch.ts:23  (via prepareNode at ${F}/outline.ts:13)
  pkg app-misc/extras  ${F}/lib/touch.ts:24  (conditional, via prepareNode at ${F}/outline.ts:13)
  pkg app-emulation/ganeti  ${F}/outline.ts:15  (conditional)
  touch /etc/node  ${F}/outline.ts:17  (conditional)
  touch  ${F}/outline.ts:19  (conditional)
  touch /etc/has-disks  ${F}/outline.ts:20  (conditional)
  touch /etc/try  ${F}/outline.ts:22
  touch /etc/catch  ${F}/outline.ts:24  (conditional)
Init cluster  [on master]  ${F}/outline.ts:28
  pkg sys-cluster/init extra  ${F}/outline.ts:28
phaseName  [onEach p.hosts.filter((h) => h !== master)]  ${F}/outline.ts:30
  touch /var/lib/\${host.name}  ${F}/outline.ts:36  (conditional)
! touch /etc/stray  ${F}/outline.ts:41  (outside any phase)`,
  );
});

test('outline: a named phase function, nested callbacks, ?: and ??, modules in an object, sh`` titles, a conditional phase', (t) => {
  const items = outlinePlaybook(`${F}/outline-more.ts`, { cwd: REPO });
  t.is(
    formatOutline(items),
    `Setup  [each]  ${F}/outline-more.ts:10
  touch /etc/setup  ${F}/outline-more.ts:6  (via setupHost at ${F}/outline-more.ts:10)
Disks  [each]  ${F}/outline-more.ts:11
  touch  ${F}/outline-more.ts:12  (conditional)
  pkg sys-fs/lvm2  ${F}/outline-more.ts:13  (conditional)
  touch /etc/no-lvm  ${F}/outline-more.ts:13  (conditional)
  touch /etc/vg-missing  ${F}/outline-more.ts:14  (conditional)
  gnt-cluster ganeti.example.org  ${F}/outline-more.ts:15
  gnt-node-add  ${F}/outline-more.ts:16
  shell gnt-cluster verify  ${F}/outline-more.ts:17
  run-cmd gnt-cluster verify-disks --node \${host.name}  ${F}/outline-more.ts:18
Rebuild  [each]  ${F}/outline-more.ts:21  (conditional)
  touch /etc/rebuild  ${F}/outline-more.ts:22`,
  );
  const setup = items[0];
  t.true(setup.kind === 'phase' && setup.calls[0].via?.fn === 'setupHost');
});

test('outline: a missing playbook is a usage error naming the path', (t) => {
  const err = t.throws(() => outlinePlaybook(`${F}/nope.ts`, { cwd: REPO }), { instanceOf: UsageError });
  t.regex(err.message, /playbook not found: test\/fixtures\/playbooks\/nope\.ts/);
});
