// A failure is charged to the host that failed: a call made on another host (the master, while a node is maintained) that finds it unreachable marks that host unreachable, and the turn's own host failed.
import test from 'ava';
import { UnreachableError } from '../../../core/errors.ts';
import type { RunEvent } from '../../../core/events.ts';
import { RunHost } from '../../../core/host.ts';
import { PlayRunner } from '../../../core/engine/play-runner.ts';
import { sh } from '../../../core/sh.ts';
import { MemoryTransport } from '../../support/memory-transport.ts';

type Vars = Record<string, unknown>;

test("the master unreachable during a node's turn: the master is unreachable, the node failed (not the other way round)", async (t) => {
  const events: RunEvent[] = [];
  const sink = { emit: (e: RunEvent) => void events.push(e), end: async () => undefined };
  const signal = new AbortController().signal;
  const host = (name: string, reachable: boolean) =>
    new RunHost<Vars>({
      name,
      vars: {},
      groups: [],
      check: false,
      events: sink,
      signal,
      transport: async () => {
        if (!reachable) throw new UnreachableError(name, 'cannot connect to 10.0.0.1:22: connection timed out');
        return new MemoryTransport(() => '');
      },
    });
  const master = host('master', false);
  const node = host('node2', true);
  const play = new PlayRunner<Vars, Vars>({
    name: 'p',
    check: false,
    vars: {},
    hosts: [master, node],
    forks: 10,
    events: sink,
    signal,
  });
  await play.rolling('Roll', { batch: 1, maxFailed: { count: 2 } }, async (batch) => {
    await batch.each('Turn', async (h) => {
      if (h.name !== 'node2') return;
      await h.exec(sh`true`);
      await play.host('master').exec(sh`gnt-node modify --drained=yes -- node2`);
    });
  });
  const of = (kind: string) => events.filter((e) => e.kind === kind).map((e) => (e as { host: string }).host);
  t.deepEqual(of('host-unreachable'), ['master']);
  t.deepEqual(of('host-failed'), ['node2']);
  t.deepEqual(
    play.hosts.map((h) => h.name),
    [],
    'both left the play: the master is gone, the node failed its turn',
  );
});
