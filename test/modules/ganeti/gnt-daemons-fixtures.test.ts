// gnt.daemons planned from probe answers (no host): stale when Ganeti's package record is newer than the running node daemon.
import test from 'ava';
import { ProbeFormatError } from '../../../core/probe-frame.ts';
import { gnt } from '../../../modules/ganeti/gnt.ts';
import { planFromAnswer, probeCommand, type Answer } from '../../../modules/kit.ts';

const answer = (running: string, newer: string, init = 'openrc'): Answer => [
  ['running', running],
  ['newer', newer],
  ['init', init],
];
const DPKG = '/var/lib/dpkg/info/ganeti-3.0.list';

test('gnt.daemons: current and running → nothing, in every mode but always', (t) => {
  for (const restart of [undefined, 'if-stale', 'never'] as const) {
    const plan = planFromAnswer(gnt.daemons, { restart }, answer('yes', ''));
    t.deepEqual(plan.result, {
      changed: false,
      running: true,
      stale: false,
      newer: undefined,
      message: 'the daemons run the installed code',
    });
  }
  t.like(planFromAnswer(gnt.daemons, { restart: 'always' }, answer('yes', '')).result, {
    changed: true,
    message: 'restart (restart: always)',
    detail: 'rc-service ganeti restart',
  });
});

test('gnt.daemons: Ganeti installed after the daemons started → restart (if-stale), report only (never)', (t) => {
  const plan = planFromAnswer(gnt.daemons, {}, answer('yes', `${DPKG}\n`));
  t.like(plan.result, {
    changed: true,
    stale: true,
    newer: DPKG,
    message: `restart (Ganeti was installed after the daemons started (${DPKG}))`,
    detail: 'rc-service ganeti restart',
  });
  const never = planFromAnswer(gnt.daemons, { restart: 'never' }, answer('yes', DPKG));
  t.like(never.result, { changed: false, stale: true });
  t.is(never.apply, undefined);
});

test('gnt.daemons: not running → started by the restart; systemd; no init is an error', (t) => {
  t.like(planFromAnswer(gnt.daemons, {}, answer('no', '')).result, {
    changed: true,
    running: false,
    message: 'restart (ganeti-noded is not running)',
  });
  t.is(
    planFromAnswer(gnt.daemons, {}, answer('yes', DPKG, 'systemd')).result.detail,
    'systemctl restart ganeti.target',
  );
  t.regex(
    t.throws(() => planFromAnswer(gnt.daemons, {}, answer('yes', DPKG, 'none')))?.message ?? '',
    /neither rc-service \(OpenRC\) nor systemctl/,
  );
});

test('gnt.daemons: the probe compares package records with the node daemon pid file', (t) => {
  const cmd = probeCommand(gnt.daemons, {});
  t.regex(cmd, /-newer \/var\/run\/ganeti\/ganeti-noded\.pid/);
  t.regex(cmd, /\/var\/db\/pkg\/app-emulation \/var\/lib\/dpkg\/info/);
});

test('gnt.daemons: odd answers are format errors; bad params are refused', (t) => {
  t.throws(() => planFromAnswer(gnt.daemons, {}, answer('maybe', '')), { instanceOf: ProbeFormatError });
  t.throws(() => planFromAnswer(gnt.daemons, {}, answer('yes', '', 'runit')), { instanceOf: ProbeFormatError });
  t.throws(() => planFromAnswer(gnt.daemons, {}, answer('yes', 'a\nb')), { instanceOf: ProbeFormatError });
  t.throws(() => planFromAnswer(gnt.daemons, { restart: 'sometimes' as never }, answer('yes', '')), {
    message: /restart "sometimes"/,
  });
});
