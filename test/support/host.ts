// Test fixture: a real Host (RunHost) over a real transport (SSH to a test server or the local shell), collecting events.
import { openTransport } from '../../core/transport/connection.ts';
import type { EventSink, RunEvent } from '../../core/events.ts';
import { RunHost } from '../../core/host.ts';
import { openLocalTransport } from '../../core/transport/local-transport.ts';
import { replaceKnownHostKeys } from '../../core/ssh/known-hosts.ts';

export interface TestHost {
  host: RunHost<Record<string, unknown>>;
  events: RunEvent[];
  close(): Promise<void>;
}

export interface HostTarget {
  address: string;
  port?: number;
  user?: string;
  keyFile: string;
  knownHostsFile: string;
  name?: string;
}

function collector(): { sink: EventSink; events: RunEvent[] } {
  const events: RunEvent[] = [];
  return { events, sink: { emit: (e) => void events.push(e), end: async () => undefined } };
}

/** A Host whose commands run over SSH on `target`; host keys are checked against target.knownHostsFile. */
export function connectHost(
  target: HostTarget,
  opts: { check?: boolean; diff?: boolean; vars?: Record<string, unknown> } = {},
): TestHost {
  const { sink, events } = collector();
  const name = target.name ?? target.address;
  const host = new RunHost<Record<string, unknown>>({
    name,
    vars: opts.vars ?? {},
    groups: [],
    check: opts.check ?? false,
    events: sink,
    transport: (o) =>
      openTransport(
        {
          kind: 'ssh',
          address: target.address,
          port: target.port ?? 22,
          user: target.user ?? 'root',
          keyFiles: [target.keyFile],
          agent: false,
          become: false,
          connectTimeout: 10,
        },
        { knownHostsFiles: [target.knownHostsFile], acceptNew: false },
        { name, timeoutMs: o?.timeoutMs },
      ),
    // Other hosts a step names (lab nodes) listen on port 22; this one on target.port.
    trustHostKeys: (t, keys) =>
      replaceKnownHostKeys(target.knownHostsFile, t, t === name ? (target.port ?? 22) : 22, keys),
  });
  return { host, events, close: () => host.close() };
}

/** A Host whose commands run on this machine through the local transport. */
export function localHost(opts: { check?: boolean; vars?: Record<string, unknown> } = {}): TestHost {
  const { sink, events } = collector();
  const host = new RunHost<Record<string, unknown>>({
    name: 'localhost',
    vars: opts.vars ?? {},
    groups: [],
    check: opts.check ?? false,
    events: sink,
    transport: () => openLocalTransport({ name: 'localhost' }),
  });
  return { host, events, close: () => host.close() };
}

/** Counts the round trips a host makes from now on: modules must make one when nothing changes. */
export function countExecs(host: RunHost<Record<string, unknown>>): { n: number } {
  const c = { n: 0 };
  const orig = host.exec.bind(host);
  host.exec = (cmd, o) => {
    c.n++;
    return orig(cmd, o);
  };
  return c;
}
