// retry()'s own errors are masked with the run's secrets: a playbook that catches and prints one shows no secret.
import test from 'ava';
import { inspect } from 'node:util';
import type { RunEvent } from '../../core/events.ts';
import { RunHost } from '../../core/host.ts';
import { retry, RetryExhausted } from '../../core/retry.ts';
import { secret, SecretSet } from '../../core/secret.ts';
import { sh } from '../../core/sh.ts';
import { MemoryTransport } from '../support/memory-transport.ts';

const PW = 'hunter2-Zq81xv';

/** A host of a run that knows PW as a secret; its commands echo PW back (as a misbehaving tool would). */
function host() {
  const events: RunEvent[] = [];
  const secrets = new SecretSet([secret(PW)]);
  const h = new RunHost({
    name: 'a',
    vars: {},
    groups: [],
    check: false,
    events: { emit: (e) => void events.push(e), end: async () => undefined },
    secrets,
    transport: async () => new MemoryTransport(() => ({ stdout: `token=${PW}\n` })),
  });
  return { h, events };
}

/** Every way a caught error gets printed: String(err), console.error (inspect: stack and own properties), its message. */
function printed(err: Error): string {
  return [String(err), err.message, err.stack ?? '', inspect(err)].join('\n');
}

for (const attempts of [1, 3]) {
  test(`the last error a step threw is masked in its message and stack (attempts: ${attempts})`, async (t) => {
    const { h } = host();
    const err = await t.throwsAsync(
      retry(
        async () => {
          throw new Error(`login refused for ${PW}`);
        },
        { attempts, delay: 0, host: h, what: 'login' },
      ),
    );
    t.false(printed(err!).includes(PW), printed(err!));
    t.regex(
      err!.message,
      attempts > 1 ? /^login failed after 3 attempts: login refused for \*\*\*$/ : /^login refused for \*\*\*$/,
    );
    // console.error prints the stack: its first line says what the message says.
    t.true(err!.stack!.startsWith(`Error: ${err!.message}\n`), err!.stack);
  });
}

test('RetryExhausted: an until() verdict quoting command output is masked; the last result stays real but is not printed', async (t) => {
  const { h, events } = host();
  const err = await t.throwsAsync(
    retry(() => h.exec(sh`get-token`, { readOnly: true }), {
      attempts: 2,
      delay: 0,
      host: h,
      what: 'token',
      until: (r) => r.stdout.startsWith('ready') || `got ${r.stdout.trim()}`,
    }),
    { instanceOf: RetryExhausted },
  );
  t.false(printed(err!).includes(PW), printed(err!));
  t.is(err!.message, 'token: not done after 2 attempt(s): got token=***');
  t.is(
    (err as RetryExhausted<{ stdout: string }>).last.stdout,
    `token=${PW}\n`,
    'the playbook still gets the real result',
  );
  t.false(JSON.stringify(events).includes(PW), 'the events were already masked');
});
