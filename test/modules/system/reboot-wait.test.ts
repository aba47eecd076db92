// reboot's wait, on a RunHost over scripted transports (no host): each look on a new connection until the boot changes, and its timeouts.
import test from 'ava';
import type { RunEvent } from '../../../core/events.ts';
import { HostKeyError, rootCause, UnreachableError } from '../../../core/errors.ts';
import { RunHost } from '../../../core/host.ts';
import { ProbeFrame } from '../../../core/probe-frame.ts';
import { reboot } from '../../../modules/system/reboot.ts';
import { MemoryTransport } from '../../support/memory-transport.ts';

const OLD = '8b9d00cc-c39b-4f99-af3a-0840f91ae4c9';
const NEW = 'd97f22e9-897f-43c7-8588-f845a572d062';

/** A host answering reboot's three commands; `look(n)` says what the n-th look after the reboot command sees. */
function scripted(look: (n: number) => { bootid: string; openrc: string } | 'refused' | 'rekeyed') {
  let looks = 0;
  let opened = 0;
  const answer = (script: string, sections: readonly (readonly [string, string, number?])[]) => {
    const nonce = /printf '@%s %s\\n' '?([0-9a-f]{24})/.exec(script)?.[1];
    if (!nonce) throw new Error(`no probe nonce in ${script.slice(0, 200)}`);
    return new ProbeFrame(nonce).render(sections).toString('utf8');
  };
  const events: RunEvent[] = [];
  const host = new RunHost<Record<string, unknown>>({
    name: 'h1',
    vars: {},
    groups: [],
    check: false,
    events: { emit: (e) => void events.push(e), end: async () => undefined },
    transport: async () => {
      opened++;
      // The first connection is the one before the reboot; later ones are the reconnects.
      if (opened > 1) {
        const l = look(looks);
        if (l === 'refused') {
          looks++;
          throw new UnreachableError('h1', 'cannot connect to root@h1:22: connection refused');
        }
        if (l === 'rekeyed') throw new HostKeyError('h1', 'host key for h1 changed');
      }
      return new MemoryTransport((script) => {
        if (script.includes('setsid sh -c')) return '';
        if (script.includes('rc-status --runlevel')) {
          const l = look(looks++);
          if (typeof l === 'string') throw new Error('unreachable');
          return answer(script, [
            ['bootid', `${l.bootid}\n`],
            ['log', ''],
            ['init', 'openrc'],
            ['openrc', l.openrc],
            ['systemd', ''],
          ]);
        }
        return answer(script, [
          ['bootid', `${OLD}\n`],
          ['uptime', '100.5 80.1\n'],
          ['marker', '', 2],
        ]);
      });
    },
  });
  return { host, events, opened: () => opened };
}

test('waits through the old boot, refused connections and OpenRC booting; reconnects for each look at the old boot', async (t) => {
  const steps = [
    { bootid: OLD, openrc: 'default\n' },
    { bootid: OLD, openrc: 'shutdown\nrc.stopping\n' },
    'refused' as const,
    { bootid: NEW, openrc: 'boot\nrc.starting\n' },
    { bootid: NEW, openrc: 'default\nrc.starting\n' },
    { bootid: NEW, openrc: 'default\n' },
  ];
  const h = scripted((n) => steps[Math.min(n, steps.length - 1)]);
  const r = await reboot(h.host, { timeoutMs: 60_000 });
  t.like(r, { changed: true, bootId: OLD, bootIdAfter: NEW });
  t.regex(r.message ?? '', /^rebooted in \d+\.\d s$/);
  // 1 before the reboot; 1 per look at the old boot (2); 1 refused; 1 that saw the new boot through to default.
  t.is(h.opened(), 5);
  // Progress lines on the host's line in the progress view.
  const lines = h.events.flatMap((e) => (e.kind === 'module-progress' ? [e.line] : []));
  t.deepEqual(lines, [
    'rebooting',
    'booting: OpenRC runlevel boot (rc.starting)',
    'booting: OpenRC runlevel default (rc.starting)',
  ]);
});

test('a host that never goes down: "did not reboot", after the timeout', async (t) => {
  const h = scripted(() => ({ bootid: OLD, openrc: 'default\n' }));
  const started = Date.now();
  const err = await t.throwsAsync(reboot(h.host, { timeoutMs: 1500 }));
  t.regex(
    err!.message,
    /^reboot failed on h1 \(.*\): the host did not reboot within 1.5 s: its boot id is still 8b9d00cc-c39b-4f99-af3a-0840f91ae4c9$/,
  );
  t.false(rootCause(err) instanceof UnreachableError, 'the host answers: a failure, not unreachable');
  t.true(Date.now() - started < 5000);
});

test('a host that comes back but never finishes booting: says where OpenRC stopped', async (t) => {
  const h = scripted((n) => (n === 0 ? 'refused' : { bootid: NEW, openrc: 'boot\nrc.starting\n' }));
  const err = await t.throwsAsync(reboot(h.host, { timeoutMs: 1500 }));
  t.regex(
    err!.message,
    /: the host came back but did not finish booting within 1.5 s: booting: OpenRC runlevel boot \(rc\.starting\)$/,
  );
});

test('a host that never answers again: unreachable, from the reboot command on', async (t) => {
  const h = scripted(() => 'refused');
  const err = await t.throwsAsync(reboot(h.host, { timeoutMs: 1500 }));
  t.true(rootCause(err) instanceof UnreachableError);
  t.regex(
    err!.message,
    /: rebooted, but the host did not come back within 1.5 s: cannot connect to root@h1:22: connection refused; last seen: no answer since the reboot command$/,
  );
});

test('a changed host key after the reboot is never accepted', async (t) => {
  const h = scripted(() => 'rekeyed');
  const err = await t.throwsAsync(reboot(h.host, { timeoutMs: 60_000 }));
  t.true(rootCause(err) instanceof HostKeyError);
  t.regex(err!.message, /host key for h1 changed/);
});
