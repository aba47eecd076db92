// service on systemd, planned from `systemctl show` output recorded on the lab's systemd host (test/fixtures/systemd): no host.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { ProbeFormatError } from '../../../core/probe-frame.ts';
import { planFromAnswer, type Answer } from '../../../modules/kit.ts';
import { service } from '../../../modules/system/service.ts';

const show = (f: string) => readFileSync(new URL(`../../fixtures/systemd/${f}.show`, import.meta.url), 'utf8');
/** The probe's answer on a systemd host: the OpenRC sections are empty, `systemctl show`'s lines in `systemd`. */
const systemd = (out: string): Answer => [
  ['init', 'systemd'],
  ['exists', '', 1],
  ['status', ''],
  ['enabled', '', 1],
  ['systemd', out],
];

test('recorded: inactive and disabled → one start-and-enable command', (t) => {
  const plan = planFromAnswer(
    service,
    { name: 'drovertest', state: 'started', enabled: true },
    systemd(show('inactive-disabled')),
  );
  t.deepEqual(plan.result, { changed: true, init: 'systemd', before: 'inactive', message: 'started, enabled' });
  t.is((plan.apply as { display: string }).display, 'systemctl enable -- drovertest && systemctl start -- drovertest');
});

test('recorded: active and enabled → nothing to do', (t) => {
  const plan = planFromAnswer(
    service,
    { name: 'drovertest', state: 'started', enabled: true },
    systemd(show('active-enabled')),
  );
  t.deepEqual(plan.result, { changed: false, init: 'systemd', before: 'active' });
});

test('recorded: failed (killed) → restart, and the message says so', (t) => {
  const plan = planFromAnswer(service, { name: 'drovertest', state: 'started' }, systemd(show('failed-enabled')));
  t.deepEqual(plan.result, { changed: true, init: 'systemd', before: 'failed', message: 'restarted (was failed)' });
  t.is((plan.apply as { display: string }).display, 'systemctl restart -- drovertest');
});

test('recorded: the unit file changed on disk → daemon-reload first, even with nothing else to do', (t) => {
  const restart = planFromAnswer(
    service,
    { name: 'drovertest', state: 'restarted' },
    systemd(show('need-daemon-reload')),
  );
  t.is(restart.result.message, 'daemon-reload (unit file changed on disk), restarted');
  t.is((restart.apply as { display: string }).display, 'systemctl daemon-reload && systemctl restart -- drovertest');
  const only = planFromAnswer(service, { name: 'drovertest', state: 'started' }, systemd(show('need-daemon-reload')));
  t.like(only.result, { changed: true, message: 'daemon-reload (unit file changed on disk)' });
});

test('recorded: masked, static and missing units', (t) => {
  t.throws(() => planFromAnswer(service, { name: 'cron', state: 'started' }, systemd(show('masked'))), {
    message: 'unit cron is masked on h1: unmask it first (systemctl unmask cron)',
  });
  t.false(planFromAnswer(service, { name: 'cron', state: 'stopped' }, systemd(show('masked'))).result.changed);
  t.throws(() => planFromAnswer(service, { name: 'systemd-journald', enabled: true }, systemd(show('static'))), {
    message: /^unit systemd-journald is static \(no \[Install\] section\): `systemctl enable` cannot enable it/,
  });
  t.false(
    planFromAnswer(service, { name: 'systemd-journald', enabled: false }, systemd(show('static'))).result.changed,
  );
  t.throws(() => planFromAnswer(service, { name: 'drover-nope', state: 'started' }, systemd(show('not-found'))), {
    message: 'service drover-nope does not exist on h1 (no such unit)',
  });
});

test('systemctl show printing a property it was not asked for is refused', (t) => {
  t.throws(
    () => planFromAnswer(service, { name: 'x', state: 'started' }, systemd(`${show('active-enabled')}MainPID=1\n`)),
    {
      instanceOf: ProbeFormatError,
    },
  );
});
