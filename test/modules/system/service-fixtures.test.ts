// service, planned from recorded probe answers (no host): params + facts → report and command.
import test from 'ava';
import { service } from '../../../modules/system/service.ts';
import { planFromAnswer, type Answer } from '../../../modules/kit.ts';

// OpenRC: `rc-service NAME status` exit codes 0 started, 3 stopped, 32 crashed; exists/enabled as test statuses.
const openrc = (status: number, enabled: boolean, exists = true): Answer => [
  ['init', 'openrc'],
  ['exists', '', exists ? 0 : 1],
  ['status', '', status],
  ['enabled', '', enabled ? 0 : 1],
  ['systemd', ''],
];

const cases: {
  title: string;
  params: Parameters<typeof service>[1];
  answer: Answer;
  changed: boolean;
  message?: string;
  apply?: string;
}[] = [
  {
    title: 'started and enabled: nothing to do',
    params: { name: 'sshd', state: 'started', enabled: true },
    answer: openrc(0, true),
    changed: false,
  },
  {
    title: 'stopped → started',
    params: { name: 'sshd', state: 'started' },
    answer: openrc(3, true),
    changed: true,
    message: 'started',
    apply: 'rc-service sshd start',
  },
  {
    title: 'crashed → zap and start',
    params: { name: 'ganeti', state: 'started' },
    answer: openrc(32, true),
    changed: true,
    message: 'restarted (was crashed)',
    apply: 'rc-service ganeti zap && rc-service ganeti start',
  },
  {
    title: 'enable in a runlevel',
    params: { name: 'net.br0', enabled: true, runlevel: 'boot' },
    answer: openrc(0, false),
    changed: true,
    message: 'enabled in runlevel boot',
    apply: 'rc-update add net.br0 boot',
  },
  {
    title: 'restarted always acts',
    params: { name: 'sshd', state: 'restarted' },
    answer: openrc(0, true),
    changed: true,
    message: 'restarted',
    apply: 'rc-service sshd restart',
  },
  {
    title: 'a missing service wanted stopped is fine',
    params: { name: 'nope', state: 'stopped' },
    answer: openrc(3, false, false),
    changed: false,
    message: 'no such service (nothing to stop or disable)',
  },
  {
    title: 'systemd: inactive → started, enabled',
    params: { name: 'nginx', state: 'started', enabled: true },
    answer: [
      ['init', 'systemd'],
      ['exists', '', 1],
      ['status', ''],
      ['enabled', '', 1],
      ['systemd', 'LoadState=loaded\nActiveState=inactive\nUnitFileState=disabled\n'],
    ],
    changed: true,
    message: 'started, enabled',
    apply: 'systemctl enable -- nginx && systemctl start -- nginx',
  },
];

for (const c of cases) {
  test(c.title, (t) => {
    const plan = planFromAnswer(service, c.params, c.answer);
    t.is(plan.result.changed, c.changed);
    t.is(plan.result.message, c.message);
    t.is(typeof plan.apply === 'object' ? plan.apply.display : plan.apply, c.apply);
  });
}

test('a missing service wanted started is an error naming the host and what is missing', (t) => {
  t.throws(() => planFromAnswer(service, { name: 'nope', state: 'started' }, openrc(3, false, false)), {
    message: 'service nope does not exist on h1 (no /etc/init.d/nope)',
  });
});

test('params are checked before the host is touched', (t) => {
  t.throws(() => planFromAnswer(service, { name: '--help', state: 'started' }, openrc(0, true)), {
    message: /bad name "--help"/,
  });
  t.throws(() => planFromAnswer(service, { name: 'sshd' }, openrc(0, true)), { message: 'give state and/or enabled' });
});
