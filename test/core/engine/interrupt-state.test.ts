// Ctrl-C as a state (core/engine/interrupt.ts) on PlayRunner over in-memory transports: a rolling batch finishes, cleanups run, hosts not started are listed, a second Ctrl-C refuses everything.
import test from 'ava';
import { Interrupted } from '../../../core/errors.ts';
import type { RunEvent } from '../../../core/events.ts';
import { RunHost } from '../../../core/host.ts';
import { RunInterrupt } from '../../../core/engine/interrupt.ts';
import { PlayRunner } from '../../../core/engine/play-runner.ts';
import { sh } from '../../../core/sh.ts';
import { MemoryTransport } from '../../support/memory-transport.ts';

type Vars = Record<string, unknown>;

/** Hosts whose commands are logged as "host:command"; `onCommand` runs as each command is answered (press Ctrl-C there). */
function rig(names: string[], onCommand: (host: string, cmd: string) => void = () => undefined) {
  const first = new AbortController();
  const second = new AbortController();
  const interrupt = new RunInterrupt(first.signal, second.signal);
  const events: RunEvent[] = [];
  const log: string[] = [];
  const sink = { emit: (e: RunEvent) => void events.push(e), end: async () => undefined };
  const hosts = names.map(
    (name) =>
      new RunHost<Vars>({
        name,
        vars: {},
        groups: [],
        check: false,
        events: sink,
        signal: interrupt.waitSignal(name),
        interrupt,
        transport: async () =>
          new MemoryTransport((s) => {
            log.push(`${name}:${s.trim()}`);
            onCommand(name, s.trim());
            return '';
          }),
      }),
  );
  const play = new PlayRunner<Vars, Vars>({
    name: 'p',
    check: false,
    vars: {},
    hosts,
    forks: 10,
    events: sink,
    signal: first.signal,
    interrupt,
  });
  return { play, events, log, first, second };
}

const of = <K extends RunEvent['kind']>(events: RunEvent[], kind: K) =>
  events.filter((e): e is Extract<RunEvent, { kind: K }> => e.kind === kind);

test('first Ctrl-C inside a rolling batch: the batch runs to its end (stopping is visible), no new batch, the rest is not started', async (t) => {
  let r!: ReturnType<typeof rig>;
  r = rig(['a', 'b', 'c'], (host, cmd) => {
    if (host === 'a' && cmd === 'drain') r.first.abort();
  });
  const seen: boolean[] = [];
  const err = await t.throwsAsync(
    r.play.rolling('Roll', { batch: 1 }, async (batch) => {
      await batch.each('Turn', async (h) => {
        await h.exec(sh`drain`);
        seen.push(r.play.stopping);
        await h.exec(sh`restart`);
        await h.exec(sh`undrain`);
      });
    }),
  );
  t.true(err instanceof Interrupted);
  t.deepEqual(r.log, ['a:drain', 'a:restart', 'a:undrain'], 'the turn in flight finished; b and c never started');
  t.deepEqual(seen, [true]);
  t.deepEqual(r.play.notStarted, ['b', 'c']);
  const stop = of(r.events, 'rolling-stopped')[0];
  t.deepEqual(stop?.notStarted, ['b', 'c']);
  t.regex(stop?.reason ?? '', /interrupted \(Ctrl-C\); 2 host\(s\) not started: b, c/);
  t.deepEqual(
    of(r.events, 'phase-host-end').map((e) => `${e.host} ${e.status}`),
    ['a ok'],
  );
});

test('first Ctrl-C outside a batch: the command in flight finishes, the next one is not sent, a finally cleanup runs its commands', async (t) => {
  let r!: ReturnType<typeof rig>;
  r = rig(['a'], (_h, cmd) => {
    if (cmd === 'long') r.first.abort();
  });
  await t.throwsAsync(
    r.play.each('Work', async (h) => {
      try {
        await h.exec(sh`long`);
        await h.exec(sh`next`);
      } finally {
        await h.exec(sh`cleanup`);
      }
    }),
    { instanceOf: Interrupted },
  );
  t.deepEqual(r.log, ['a:long', 'a:cleanup']);
  t.deepEqual(
    of(r.events, 'phase-host-end').map((e) => `${e.host} ${e.status}`),
    ['a interrupted'],
  );
});

test('after Ctrl-C a phase the body starts in its finally runs (cleanup); a new phase before that is refused', async (t) => {
  let r!: ReturnType<typeof rig>;
  r = rig(['a', 'b'], (_h, cmd) => {
    if (cmd === 'one') r.first.abort();
  });
  await t.throwsAsync(async () => {
    try {
      await r.play.each('One', async (h) => void (await h.exec(sh`one`)));
      await r.play.each('Two', async (h) => void (await h.exec(sh`two`)));
    } finally {
      await r.play.on('b', 'Cleanup', async (h) => void (await h.exec(sh`cleanup`)));
    }
  });
  t.false(
    r.log.some((l) => l.endsWith(':two')),
    r.log.join(' '),
  );
  t.true(r.log.includes('b:cleanup'), r.log.join(' '));
});

test('second Ctrl-C: nothing more is sent, not even in a batch or a cleanup', async (t) => {
  let r!: ReturnType<typeof rig>;
  r = rig(['a', 'b'], (_h, cmd) => {
    if (cmd === 'drain') r.first.abort();
    if (cmd === 'restart') r.second.abort();
  });
  await t.throwsAsync(
    r.play.rolling('Roll', { batch: 1 }, async (batch) => {
      await batch.each('Turn', async (h) => {
        await h.exec(sh`drain`);
        try {
          await h.exec(sh`restart`);
        } finally {
          await h.exec(sh`undrain`).catch(() => undefined);
        }
      });
    }),
  );
  t.deepEqual(r.log, ['a:drain', 'a:restart']);
  t.deepEqual(r.play.rollingLeft, ['b'], 'what the runner reports as not started');
});

test('per-host wait signal: aborted by the first Ctrl-C outside a critical section, only by the second inside one', async (t) => {
  const first = new AbortController();
  const second = new AbortController();
  const i = new RunInterrupt(first.signal, second.signal);
  const s = i.waitSignal('a');
  await i.criticalSection(async () => {
    first.abort();
    t.false(s.aborted, 'a batch in flight keeps waiting for its commands');
  });
  t.true(s.aborted, 'once the batch ended, waits end');
  const j = new RunInterrupt(new AbortController().signal, second.signal);
  const u = j.waitSignal('a');
  await j.criticalSection(async () => {
    second.abort();
    t.true(u.aborted);
  });
});

test('play.state lines reach the play (the runner puts them in the recap); bad input is refused', (t) => {
  const r = rig(['a']);
  r.play.state(['node2 drained', 'master: node2']);
  t.deepEqual(r.play.stateLines, ['node2 drained', 'master: node2']);
  t.throws(() => r.play.state('x' as unknown as string[]), { message: /list of strings/ });
});

test('throttle: at most N hosts of a phase at work at once; a bad throttle is refused before any host', async (t) => {
  let now = 0;
  let most = 0;
  const r = rig(['a', 'b', 'c', 'd']);
  await r.play.each(
    'Throttled',
    async (h) => {
      most = Math.max(most, ++now);
      await h.exec(sh`step`);
      await new Promise((resolve) => setTimeout(resolve, 20));
      now--;
    },
    { throttle: 2 },
  );
  t.is(most, 2);
  t.is(r.log.length, 4);
  await t.throwsAsync(
    r.play.each('Bad', async () => undefined, { throttle: 0 }),
    { message: /phase "Bad": throttle 0 is not a whole number >= 1/ },
  );
});
