// Rolling phases, the failure budget and retry(), without root or a host: PlayRunner over in-memory transports.
import test from 'ava';
import { CommandError, Interrupted } from '../../../core/errors.ts';
import type { RunEvent } from '../../../core/events.ts';
import { RunHost } from '../../../core/host.ts';
import { PlayRunner, PlayStopped } from '../../../core/engine/play-runner.ts';
import { retry, retryDelay, RetryExhausted } from '../../../core/retry.ts';
import { failureBudget, planBatches, validateRolling } from '../../../core/engine/rolling.ts';
import { sh } from '../../../core/sh.ts';
import { MemoryTransport } from '../../support/memory-transport.ts';

type Vars = Record<string, unknown>;

/** Hosts named in `failing` answer every command with exit 1; `log` records "host:command" in the order they ran. */
function rig(names: string[], failing: string[] = [], signal = new AbortController().signal) {
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
        signal,
        transport: async () =>
          new MemoryTransport((s) => {
            log.push(`${name}:${s.trim()}`);
            return failing.includes(name) ? { code: 1, stderr: 'boom' } : '';
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
    signal,
  });
  return { play, events, log, hosts };
}

const of = <K extends RunEvent['kind']>(events: RunEvent[], kind: K) =>
  events.filter((e): e is Extract<RunEvent, { kind: K }> => e.kind === kind);

test('batch sizes as Ansible serial: a list whose last size repeats, percentages rounded down but at least 1', (t) => {
  const hosts = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
  t.deepEqual(planBatches(hosts, [1, 2, '50%']), [['a'], ['b', 'c'], ['d', 'e', 'f'], ['g']]);
  t.deepEqual(planBatches(hosts, 3), [['a', 'b', 'c'], ['d', 'e', 'f'], ['g']]);
  t.deepEqual(
    planBatches(hosts, '10%'),
    hosts.map((h) => [h]),
    '10% of 7 is 0.7: at least 1',
  );
  t.deepEqual(planBatches(hosts, '30%'), [['a', 'b'], ['c', 'd'], ['e', 'f'], ['g']], '30% of 7 = 2.1 -> 2');
  t.deepEqual(planBatches([], 2), []);
  t.is(failureBudget(undefined, 10), 0);
  t.is(failureBudget({ count: 2 }, 10), 2);
  t.is(failureBudget({ percent: 25, of: 'play' }, 10), 2, '25% of 10 = 2.5: two may fail, the third exceeds');
  t.throws(() => validateRolling({ batch: '2O%' as never }, 'play.rolling("Up")'), {
    message: /^play\.rolling\("Up"\): batch size "2O%" is not a number >= 1 or a percentage/,
  });
  t.throws(() => validateRolling({ batch: [1, 0] }, 'r'), { message: 'r: batch size 0 is not a whole number >= 1' });
  t.throws(() => validateRolling({ batch: 1, maxFailed: { count: -1 } }, 'r'), {
    message: 'r: maxFailed.count -1 is not a whole number >= 0',
  });
  t.throws(() => validateRolling({ batch: 1, maxFailed: { percent: 120 } }, 'r'), {
    message: 'r: maxFailed.percent 120 is not between 0 and 100',
  });
});

test('batches run in order with a barrier: no host of batch 2 starts before every host of batch 1 is done', async (t) => {
  const r = rig(['a', 'b', 'c', 'd']);
  const seen: string[][] = [];
  await r.play.rolling('Up', { batch: [1, '50%'] }, async (batch, info) => {
    seen.push(batch.hosts.map((h) => h.name));
    t.is(info.count, 3);
    await batch.each('Drain', (h) => h.exec(sh`drain`).then(() => undefined));
    await batch.each('Update', (h) => h.exec(sh`update`).then(() => undefined));
  });
  t.deepEqual(seen, [['a'], ['b', 'c'], ['d']]);
  // Both phases of a batch finish on its hosts before the next batch's first command.
  const order = r.log.map((l) => l.split(':')[0]);
  t.deepEqual(order.slice(0, 2), ['a', 'a']);
  t.deepEqual(new Set(order.slice(2, 6)), new Set(['b', 'c']));
  t.deepEqual(order.slice(6), ['d', 'd']);
  t.deepEqual(of(r.events, 'rolling-plan'), [
    { kind: 'rolling-plan', phase: 'Up', batches: [['a'], ['b', 'c'], ['d']], budget: 0, of: 4 },
  ]);
  t.deepEqual(
    of(r.events, 'batch-start').map((e) => [e.index, e.hosts]),
    [
      [1, ['a']],
      [2, ['b', 'c']],
      [3, ['d']],
    ],
  );
  t.deepEqual(r.play.notStarted, []);
});

test('within budget a failed batch does not stop the roll; the host leaves, the others go on', async (t) => {
  const r = rig(['a', 'b', 'c', 'd'], ['b']);
  await r.play.rolling('Up', { batch: 1, maxFailed: { count: 1 } }, async (batch) => {
    await batch.each('Update', (h) => h.exec(sh`update`).then(() => undefined));
  });
  t.deepEqual(
    of(r.events, 'batch-start').map((e) => e.hosts),
    [['a'], ['b'], ['c'], ['d']],
  );
  t.deepEqual(
    of(r.events, 'batch-end').map((e) => e.failed),
    [0, 1, 1, 1],
  );
  t.deepEqual(of(r.events, 'rolling-stopped'), []);
  t.deepEqual(
    r.play.hosts.map((h) => h.name),
    ['a', 'c', 'd'],
  );
});

test('the budget counts the whole play: a host lost in an earlier phase counts, and the roll stops exactly when the count exceeds it', async (t) => {
  // c fails in the phase before the roll, b in the roll's second batch: 2 lost > 1 allowed.
  const r = rig(['a', 'b', 'c', 'd', 'e'], ['b', 'c']);
  await r.play.each('Before', async (h) => {
    if (h.name === 'c') await h.exec(sh`before`);
  });
  const err = await t.throwsAsync(
    r.play.rolling('Up', { batch: 1, maxFailed: { count: 1 } }, async (batch) => {
      await batch.each('Update', (h) => h.exec(sh`update`).then(() => undefined));
    }),
    { instanceOf: PlayStopped },
  );
  t.regex(
    err!.message,
    /^"Up": 2 of 5 hosts lost in the play \(c, b\), more than the 1 allowed; 2 host\(s\) not started: d, e$/,
  );
  // c had left: the roll's plan is over the hosts still in play.
  t.deepEqual(of(r.events, 'rolling-plan')[0].batches, [['a'], ['b'], ['d'], ['e']]);
  t.deepEqual(
    of(r.events, 'batch-start').map((e) => e.hosts),
    [['a'], ['b']],
    'no batch started after the budget was exceeded',
  );
  t.deepEqual(
    of(r.events, 'rolling-stopped').map((e) => e.notStarted),
    [['d', 'e']],
  );
  t.deepEqual(r.play.notStarted, ['d', 'e']);
  t.false(
    r.log.some((l) => l.startsWith('d:') || l.startsWith('e:')),
    'hosts not started ran nothing',
  );
  t.deepEqual(
    r.play.hosts.map((h) => h.name),
    ['a'],
    'hosts not started take no later phase either',
  );
  t.is(of(r.events, 'play-stopped').length, 1);

  // The same failures with a budget of 2: the roll goes to the end.
  const ok = rig(['a', 'b', 'c', 'd', 'e'], ['b', 'c']);
  await ok.play.each('Before', async (h) => {
    if (h.name === 'c') await h.exec(sh`before`);
  });
  await ok.play.rolling('Up', { batch: 1, maxFailed: { percent: 40 } }, async (batch) => {
    await batch.each('Update', (h) => h.exec(sh`update`).then(() => undefined));
  });
  t.deepEqual(
    of(ok.events, 'batch-start').map((e) => e.hosts),
    [['a'], ['b'], ['d'], ['e']],
  );
  t.deepEqual(ok.play.notStarted, []);
});

test('a budget already exceeded before the roll starts no batch; exceeded in the last batch, the play still stops', async (t) => {
  const r = rig(['a', 'b', 'c'], ['a']);
  await r.play.each('Before', (h) => h.exec(sh`x`).then(() => undefined));
  await t.throwsAsync(
    r.play.rolling('Up', { batch: 2 }, async () => t.fail('no batch may start')),
    { instanceOf: PlayStopped },
  );
  t.deepEqual(r.play.notStarted, ['b', 'c']);

  const last = rig(['a', 'b'], ['b']);
  await t.throwsAsync(
    last.play.rolling('Up', { batch: 1 }, async (batch) => {
      await batch.each('Update', (h) => h.exec(sh`update`).then(() => undefined));
    }),
    { instanceOf: PlayStopped, message: /^"Up": 1 of 2 hosts lost in the play \(b\), more than the 0 allowed$/ },
  );
  t.deepEqual(last.play.notStarted, []);
});

test('inside a batch: `on` may target a host outside the batch; rolling phases do not nest; options are checked before any host', async (t) => {
  const r = rig(['m', 'a', 'b']);
  await r.play.rolling('Up', { batch: 1 }, async (batch) => {
    if (batch.hosts[0].name === 'm') return;
    await batch.on('m', `Evacuate ${batch.hosts[0].name}`, (h) => h.exec(sh`evacuate`).then(() => undefined));
  });
  t.deepEqual(r.log, ['m:evacuate', 'm:evacuate']);
  await t.throwsAsync(
    r.play.rolling('Outer', { batch: 1 }, (batch) => batch.rolling('Inner', { batch: 1 }, async () => undefined)),
    { message: /rolling phases do not nest/ },
  );
  const fresh = rig(['a']);
  await t.throwsAsync(
    fresh.play.rolling('Up', { batch: 0 }, async () => undefined),
    { message: 'play.rolling("Up"): batch size 0 is not a whole number >= 1' },
  );
  t.deepEqual(fresh.events, []);
});

test('a phase the selection leaves out never runs its fn and says so; inside a selected rolling phase every phase runs', async (t) => {
  const events: RunEvent[] = [];
  const sink = { emit: (e: RunEvent) => void events.push(e), end: async () => undefined };
  const host = new RunHost<Vars>({
    name: 'a',
    vars: {},
    groups: [],
    check: false,
    events: sink,
    transport: async () => new MemoryTransport(() => ''),
  });
  const play = new PlayRunner<Vars, Vars>({
    name: 'p',
    check: false,
    vars: {},
    hosts: [host],
    forks: 1,
    events: sink,
    signal: new AbortController().signal,
    skip: (n) => (n === 'Up' || n === 'B' ? undefined : 'not selected by --phase'),
  });
  const ran: string[] = [];
  const v: unknown = await play.on('a', 'A', async () => (ran.push('A'), 42));
  t.is(v, undefined, 'a skipped play.on yields undefined (the static check refuses runs that would read it)');
  t.deepEqual([...(await play.each('C', async () => ran.push('C'))).keys()], []);
  await play.each('B', async () => void ran.push('B'));
  await play.rolling('Up', { batch: 1 }, (batch) =>
    batch.each('Inner', async () => void ran.push('Inner')).then(() => undefined),
  );
  t.deepEqual(ran, ['B', 'Inner']);
  t.deepEqual(of(events, 'phase-skipped'), [
    { kind: 'phase-skipped', phase: 'A', reason: 'not selected by --phase' },
    { kind: 'phase-skipped', phase: 'C', reason: 'not selected by --phase' },
  ]);
});

test('retry: attempts until `until` accepts, each attempt an event with the verdict and the next delay (with backoff)', async (t) => {
  const r = rig(['a']);
  const host = r.play.host('a');
  let n = 0;
  const v = await retry(async () => ++n, {
    attempts: 5,
    delay: 1,
    backoff: 2,
    until: (x) => x >= 3 || `only ${x}`,
    host,
    what: 'count',
  });
  t.is(v, 3);
  t.deepEqual(
    of(r.events, 'retry').map(({ attempt, attempts, outcome, message, delayMs }) => ({
      attempt,
      attempts,
      outcome,
      message,
      delayMs,
    })),
    [
      { attempt: 1, attempts: 5, outcome: 'retry', message: 'only 1', delayMs: 1 },
      { attempt: 2, attempts: 5, outcome: 'retry', message: 'only 2', delayMs: 2 },
      { attempt: 3, attempts: 5, outcome: 'ok', message: undefined, delayMs: undefined },
    ],
  );
  t.is(retryDelay({ delay: 1000, backoff: 2, maxDelay: 3000 }, 3), 3000);
});

test('retry: the last error is thrown, named with the attempts; RetryExhausted keeps the last result; Ctrl-C is not retried', async (t) => {
  const r = rig(['a'], ['a']);
  const host = r.hosts[0];
  await host.connect();
  const err = await t.throwsAsync(
    retry(() => host.exec(sh`probe`), { attempts: 3, delay: 0, host, what: 'probe' }),
    { instanceOf: CommandError },
  );
  t.regex(err!.message, /^probe failed after 3 attempts: /);
  t.is(r.log.length, 3);
  const last = of(r.events, 'retry').at(-1)!;
  t.like(last, { outcome: 'failed', attempt: 3, host: 'a', what: 'probe' });

  const ex = await t.throwsAsync(
    retry(async () => 'no', { attempts: 2, delay: 0, until: () => false }),
    { instanceOf: RetryExhausted },
  );
  t.is((ex as RetryExhausted<string>).last, 'no');
  t.is((ex as RetryExhausted<string>).attempts, 2);

  let calls = 0;
  await t.throwsAsync(
    retry(
      async () => {
        calls++;
        throw new Interrupted('interrupted');
      },
      { attempts: 5, delay: 0 },
    ),
    { instanceOf: Interrupted },
  );
  t.is(calls, 1);
  await t.throwsAsync(
    retry(async () => 1, { attempts: 0 }),
    { message: 'retry: attempts 0 is not a whole number >= 1' },
  );
});

test('retry: Ctrl-C cuts a delay short (the run signal reaches retry through the host)', async (t) => {
  const ac = new AbortController();
  const r = rig(['a'], [], ac.signal);
  const started = performance.now();
  setTimeout(() => ac.abort(), 50);
  await t.throwsAsync(
    retry(async () => false, { attempts: 3, delay: 60_000, until: (x) => x, host: r.play.host('a'), what: 'wait' }),
    { instanceOf: Interrupted, message: /interrupted while waiting to retry wait/ },
  );
  t.true(performance.now() - started < 5000);
});

test('every renderer shows the new events: plan, batches, skipped phases, attempts, hosts not started', async (t) => {
  const { PlainRenderer } = await import('../../../core/render/plain.ts');
  const { JsonRenderer } = await import('../../../core/render/json.ts');
  const { ListrRenderer } = await import('../../../core/render/listr.ts');
  const stats = {
    a: { ok: 1, changed: 0, failed: 1, skipped: 0, unreachable: 0, rescued: 0 },
    b: { ok: 0, changed: 0, failed: 0, skipped: 0, unreachable: 0, rescued: 0 },
  };
  const events: RunEvent[] = [
    { kind: 'phase-skipped', phase: 'Read', reason: 'not selected by --phase' },
    { kind: 'rolling-plan', phase: 'Up', batches: [['a'], ['b']], budget: 0, of: 2 },
    { kind: 'batch-start', phase: 'Up', index: 1, count: 2, hosts: ['a'] },
    {
      kind: 'retry',
      host: 'a',
      what: 'health',
      attempt: 1,
      attempts: 3,
      outcome: 'retry',
      message: 'HTTP 503',
      delayMs: 1000,
    },
    { kind: 'retry', host: 'a', what: 'health', attempt: 3, attempts: 3, outcome: 'failed', message: 'HTTP 503' },
    { kind: 'batch-end', phase: 'Up', index: 1, count: 2, failed: 1, budget: 0 },
    { kind: 'rolling-stopped', phase: 'Up', reason: 'r', notStarted: ['b'] },
    { kind: 'recap', stats, ms: 10, check: false, interrupted: false, notStarted: ['b'] },
  ];
  let plain = '';
  const p = new PlainRenderer({ write: (s) => void (plain += s), color: false, diff: false, verbose: false });
  for (const e of events) p.emit(e);
  t.is(
    plain,
    [
      'SKIPPED Read: not selected by --phase',
      'ROLLING Up: 2 batches [a] [b]; may lose 0 of 2 hosts',
      'BATCH 1/2 of Up [a]',
      'a | retry | health: attempt 1 of 3 failed (HTTP 503), next in 1000 ms',
      'a | retry | health: attempt 3 of 3 failed (HTTP 503), giving up',
      'ROLLING STOPPED Up: no new batch; not started: b',
      'RECAP 0.01 s',
      'a : ok=1 changed=0 unreachable=0 failed=1 skipped=0',
      'b : ok=0 changed=0 unreachable=0 failed=0 skipped=0  not started',
      '',
    ].join('\n'),
  );
  let json = '';
  const j = new JsonRenderer((s) => void (json += s));
  for (const e of events) j.emit(e);
  t.deepEqual(
    json
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).kind),
    events.map((e) => e.kind),
  );
  t.deepEqual(JSON.parse(json.trim().split('\n').at(-1)!).notStarted, ['b']);
  let tty = '';
  const l = new ListrRenderer({ write: (s) => void (tty += s), diff: false, verbose: false });
  for (const e of events) l.emit(e);
  await l.end();
  const bare = tty.replace(/\x1b\[[0-9;]*m/g, '');
  t.regex(bare, /↓ Read — skipped: not selected by --phase/);
  t.regex(bare, /Up · rolling · 2 batches \[a\] \[b\]; may lose 0 of 2 hosts/);
  t.regex(bare, /batch 1\/2 of Up: a/);
  t.regex(bare, /ROLLING STOPPED Up: no new batch; not started: b/);
  t.regex(bare, /b : ok=0 changed=0 unreachable=0 failed=0 skipped=0 {2}not started/);
});
