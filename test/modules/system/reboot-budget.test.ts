// Issue 22: reboot's timeoutMs bounds the whole wait (reconnect attempts and looks that get no answer), and its message is in the user's words.
import test from 'ava';
import { rootCause, UnreachableError } from '../../../core/errors.ts';
import { RunHost } from '../../../core/host.ts';
import { ProbeFrame } from '../../../core/probe-frame.ts';
import type { Transport } from '../../../core/transport/transport.ts';
import { reboot } from '../../../modules/system/reboot.ts';
import { MemoryTransport } from '../../support/memory-transport.ts';

const OLD = '8b9d00cc-c39b-4f99-af3a-0840f91ae4c9';
const NEW = 'd97f22e9-897f-43c7-8588-f845a572d062';

/** The facts probe's answer: reboot's first command. */
function facts(script: string): string {
  const nonce = /printf '@%s %s\\n' '?([0-9a-f]{24})/.exec(script)![1];
  return new ProbeFrame(nonce)
    .render([
      ['bootid', `${OLD}\n`],
      ['uptime', '100.5 80.1\n'],
      ['marker', '', 2],
    ])
    .toString('utf8');
}

function lookAnswer(script: string, bootid: string, openrc: string): string {
  const nonce = /printf '@%s %s\\n' '?([0-9a-f]{24})/.exec(script)![1];
  return new ProbeFrame(nonce)
    .render([
      ['bootid', `${bootid}\n`],
      ['log', ''],
      ['init', 'openrc'],
      ['openrc', openrc],
      ['systemd', ''],
    ])
    .toString('utf8');
}

function runHost(transport: (o?: { timeoutMs?: number }) => Promise<Transport>): RunHost<Record<string, unknown>> {
  return new RunHost({
    name: 'h1',
    vars: {},
    groups: [],
    check: false,
    events: { emit: () => undefined, end: async () => undefined },
    transport,
  });
}

test('a connection attempt is cut to the budget left: a host whose connect takes 10 s fails at timeoutMs', async (t) => {
  let opened = 0;
  const budgets: (number | undefined)[] = [];
  const host = runHost(async (o) => {
    if (opened++ === 0) return new MemoryTransport((s) => (s.includes('setsid sh -c') ? '' : facts(s)));
    // A cut link: no answer until the connect timeout (10 s), or the budget the caller gives, whichever is first.
    budgets.push(o?.timeoutMs);
    const wait = Math.min(10_000, o?.timeoutMs ?? 10_000);
    await new Promise((r) => setTimeout(r, wait));
    throw new UnreachableError(
      'h1',
      `cannot connect to root@h1:22: no answer within ${(wait / 1000).toFixed(1)} s (connect + handshake)`,
    );
  });
  const started = Date.now();
  const err = await t.throwsAsync(reboot(host, { timeoutMs: 2000 }));
  const took = Date.now() - started;
  t.true(took < 2000 + 700, `failed after ${took} ms`);
  t.true(rootCause(err) instanceof UnreachableError);
  t.regex(
    err!.message,
    /: rebooted, but the host did not come back within 2 s: cannot connect to root@h1:22: no answer within \d\.\d s \(connect \+ handshake\); last seen: no answer since the reboot command$/,
  );
  t.true(
    budgets.every((b) => b !== undefined && b <= 2000),
    `budgets given: ${budgets}`,
  );
});

test('a look that gets no answer (the link was cut under it) is given up at timeoutMs', async (t) => {
  let looks = 0;
  const host = runHost(
    async () =>
      new MemoryTransport((s) => {
        if (s.includes('setsid sh -c')) return '';
        if (!s.includes('rc-status --runlevel')) return facts(s);
        // The first look sees the new boot starting; the next one never answers (no RST over a cut link).
        if (looks++ === 0) return lookAnswer(s, NEW, 'boot\nrc.starting\n');
        return { stdout: lookAnswer(s, NEW, 'default\n'), delayMs: 60_000 };
      }),
  );
  const started = Date.now();
  const err = await t.throwsAsync(reboot(host, { timeoutMs: 2500 }));
  const took = Date.now() - started;
  t.true(took < 2500 + 700, `failed after ${took} ms`);
  t.true(rootCause(err) instanceof UnreachableError);
  t.regex(
    err!.message,
    /: rebooted, but the host did not come back within 2.5 s: the connection stopped answering; last seen: booting: OpenRC runlevel boot \(rc\.starting\) \(\d+\.\d s after the reboot command\)$/,
  );
});
