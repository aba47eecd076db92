// The example module of docs/writing-a-module.md: planned from recorded probe answers (no host), and that page shows this very file.
import fs from 'node:fs';
import test from 'ava';
import { sysctl } from '../../fixtures/modules/sysctl.ts';
import { planFromAnswer, probeCommand } from 'drover/kit';

test('already set: nothing to do, no command', (t) => {
  const plan = planFromAnswer(sysctl, { key: 'net.ipv4.ip_forward', value: '1' }, [['live', '1\n', 0]]);
  t.deepEqual(plan, { result: { changed: false } });
});

test('different: the message and the one command that sets it', (t) => {
  const plan = planFromAnswer(sysctl, { key: 'net.ipv4.ip_forward', value: '1' }, [['live', '0\n', 0]]);
  t.deepEqual(plan.result, { changed: true, message: '0 → 1' });
  t.is(typeof plan.apply === 'object' ? plan.apply.display : undefined, 'sysctl -q -w -- net.ipv4.ip_forward=1');
});

test('an unknown key and bad params are errors that say what is wrong', (t) => {
  t.throws(() => planFromAnswer(sysctl, { key: 'net.nope', value: '1' }, [['live', '', 255]]), {
    message: 'no kernel parameter net.nope',
  });
  t.throws(() => planFromAnswer(sysctl, { key: '--all', value: '1' }, [['live', '', 0]]), {
    message: 'key: not a sysctl name: "--all"',
  });
});

test('the probe reads with -- before the key', (t) => {
  t.regex(probeCommand(sysctl, { key: 'vm.swappiness', value: '10' }), /sysctl -n -- vm\.swappiness/);
});

test('docs/writing-a-module.md shows this file as it is', (t) => {
  const readme = fs.readFileSync(new URL('../../../docs/writing-a-module.md', import.meta.url), 'utf8');
  const file = fs.readFileSync(new URL('../../fixtures/modules/sysctl.ts', import.meta.url), 'utf8');
  t.true(
    readme.includes('```ts\n' + file + '```'),
    'docs/writing-a-module.md must contain test/fixtures/modules/sysctl.ts verbatim',
  );
});
