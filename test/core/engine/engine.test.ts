// The engine without root or a host: module wrapper, Host, PlayRunner over an in-memory Transport.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import test from 'ava';
import { CheckModeViolation, HostKeyError, UnreachableError } from '../../../core/errors.ts';
import type { RunEvent } from '../../../core/events.ts';
import { RunHost } from '../../../core/host.ts';
import { defineModule, probe } from '../../../core/module.ts';
import { PlayRunner, PlayStopped } from '../../../core/engine/play-runner.ts';
import { ProbeFrame } from '../../../core/probe-frame.ts';
import { secret, SecretSet } from '../../../core/secret.ts';
import { sh } from '../../../core/sh.ts';
import { MemoryTransport, type Answer } from '../../support/memory-transport.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** Answers a framed probe: finds the nonce the probe carries and renders `sections` with it. */
function answerProbe(script: string, sections: [string, string, number?][]): string {
  const nonce = /printf '@%s %s\\n' ([0-9a-f]{24}) /.exec(script)?.[1];
  if (!nonce) throw new Error(`not a probe: ${script.slice(0, 80)}`);
  return new ProbeFrame(nonce).render(sections).toString();
}

interface Rig {
  hosts: RunHost<Record<string, unknown>>[];
  transports: MemoryTransport[];
  events: RunEvent[];
  counter: { now: number; max: number };
}

function rig(
  names: string[],
  respond: (host: string, script: string) => Answer,
  o: { check?: boolean; secrets?: SecretSet } = {},
): Rig {
  const events: RunEvent[] = [];
  const counter = { now: 0, max: 0 };
  const transports: MemoryTransport[] = [];
  const sink = { emit: (e: RunEvent) => void events.push(e), end: async () => undefined };
  const hosts = names.map((name) => {
    const t = new MemoryTransport((s) => respond(name, s), counter);
    transports.push(t);
    return new RunHost<Record<string, unknown>>({
      name,
      vars: {},
      groups: [],
      check: o.check ?? false,
      events: sink,
      secrets: o.secrets,
      transport: async () => t,
    });
  });
  return { hosts, transports, events, counter };
}

function play(r: Rig, forks = 10): PlayRunner<Record<string, unknown>, Record<string, unknown>> {
  const sink = { emit: (e: RunEvent) => void r.events.push(e), end: async () => undefined };
  return new PlayRunner({
    name: 'p',
    check: false,
    vars: {},
    hosts: r.hosts,
    forks,
    events: sink,
    signal: new AbortController().signal,
  });
}

/** A module on the contract: a marker file wanted present. */
const marker = defineModule<{ path: string }, { present: boolean }, { changed: boolean; message?: string }>({
  name: 'marker',
  title: (p) => `marker ${p.path}`,
  validate: (p) => {
    if (!p.path.startsWith('/')) throw new Error(`path must be absolute: ${JSON.stringify(p.path)}`);
  },
  facts: probe(
    (p, f) => f.section('present', sh`test -e ${p.path}`),
    (s) => ({ present: s.status('present') === 0 }),
  ),
  plan: (p, f) =>
    f.present
      ? { result: { changed: false } }
      : { result: { changed: true, message: `create ${p.path}` }, apply: sh`touch ${p.path}` },
});

const absentMarker = (_h: string, s: string): Answer => (s.includes('@%s') ? answerProbe(s, [['present', '', 1]]) : '');

test('the wrapper owns check mode: --check plans and never applies; a real run applies', async (t) => {
  const checked = rig(['a'], absentMarker, { check: true });
  const r1 = await marker(checked.hosts[0], { path: '/m' });
  t.deepEqual(r1, { changed: true, message: 'create /m' });
  t.is(checked.transports[0].commands.length, 1, 'only the probe ran');

  const real = rig(['a'], absentMarker);
  await marker(real.hosts[0], { path: '/m' });
  t.is(real.transports[0].commands.length, 2);
  t.regex(real.transports[0].commands[1], /touch \/m/);
  const end = real.events.find((e) => e.kind === 'module-end');
  t.like(end, { kind: 'module-end', host: 'a', module: 'marker', status: 'changed', message: 'create /m' });
});

test('nothing to do: one round trip, status ok', async (t) => {
  const r = rig(['a'], (_h, s) => answerProbe(s, [['present', '', 0]]));
  t.deepEqual(await marker(r.hosts[0], { path: '/m' }), { changed: false });
  t.is(r.transports[0].commands.length, 1);
  t.like(r.events.at(-1), { kind: 'module-end', status: 'ok' });
});

test('validate runs before the host is touched; the error is layered once by ModuleError', async (t) => {
  const r = rig(['a'], absentMarker);
  const e = await t.throwsAsync(marker(r.hosts[0], { path: 'rel' }));
  t.regex(e!.message, /^marker failed on a \([^)]*engine\.test\.ts:\d+\): path must be absolute: "rel"$/);
  t.is(r.transports[0].commands.length, 0);
});

test('--check refuses a changing command outside the wrapper (a playbook calling host.exec)', async (t) => {
  const r = rig(['a'], () => '', { check: true });
  await t.throwsAsync(r.hosts[0].exec(sh`rm -f /x`), { instanceOf: CheckModeViolation });
  t.is(r.transports[0].commands.length, 0);
  await r.hosts[0].exec(sh`cat /x`, { readOnly: true });
  t.is(r.transports[0].commands.length, 1);
});

test('a module called inside another reports through the outer one only', async (t) => {
  const outer = defineModule<{ path: string }, null, { changed: boolean }>({
    name: 'outer',
    title: () => 'outer',
    facts: async () => null,
    plan: (p) => ({ result: { changed: true }, apply: async (host) => void (await marker(host, { path: p.path })) }),
  });
  const r = rig(['a'], absentMarker);
  await outer(r.hosts[0], { path: '/m' });
  t.deepEqual(
    r.events
      .filter((e) => e.kind === 'module-start' || e.kind === 'module-end')
      .map((e) => `${e.kind}:${(e as { module: string }).module}`),
    ['module-start:outer', 'module-end:outer'],
  );
  t.is(r.transports[0].commands.length, 2, 'the inner module still probed and applied');
});

test('secrets are masked in every event, also when a command prints them encoded', async (t) => {
  const pw = secret('s3cr3t-value');
  const secrets = new SecretSet([pw]);
  const r = rig(
    ['a'],
    () => ({ code: 1, stderr: `bad password s3cr3t-value (${Buffer.from('s3cr3t-value').toString('base64')})\n` }),
    { secrets },
  );
  const m = defineModule<null, null, { changed: boolean }>({
    name: 'login',
    title: () => 'login',
    facts: async (host) => {
      await host.exec(sh`login ${pw}`);
      return null;
    },
    plan: () => ({ result: { changed: false } }),
  });
  await t.throwsAsync(m(r.hosts[0], null));
  const text = JSON.stringify(r.events);
  t.false(text.includes('s3cr3t-value'));
  t.false(text.includes(Buffer.from('s3cr3t-value').toString('base64')));
  t.regex(text, /bad password \*\*\* \(\*\*\*\)/);
});

test('handlers run once at the end of the phase, however often notified', async (t) => {
  const r = rig(['a', 'b'], () => '');
  const p = play(r);
  let runs = 0;
  await p.each('Notify', async (host) => {
    host.notify('restart', async () => void runs++);
    host.notify('restart', async () => void runs++);
    t.is(runs, 0, 'not during the phase');
  });
  t.is(runs, 2, 'once per host');
});

test('play.on stops the play when its host fails; the failure is reported, later phases never start', async (t) => {
  const r = rig(['a', 'b'], (h) => (h === 'a' ? { code: 1, stderr: 'boom' } : ''));
  const p = play(r);
  await t.throwsAsync(
    p.on('a', 'Init', (host) => host.exec(sh`init`, { readOnly: true })),
    { instanceOf: PlayStopped, message: '"Init" failed on a; later phases depend on it' },
  );
  t.truthy(r.events.find((e) => e.kind === 'host-failed' && e.host === 'a'));
  t.truthy(r.events.find((e) => e.kind === 'play-stopped'));
  t.deepEqual(
    p.hosts.map((h) => h.name),
    ['b'],
  );
});

test('a phase runs at most --forks hosts at once', async (t) => {
  const r = rig(['a', 'b', 'c', 'd', 'e', 'f'], () => ({ stdout: '', delayMs: 15 }));
  await play(r, 2).each('Slow', (host) => host.exec(sh`sleep`, { readOnly: true }));
  t.is(r.counter.max, 2);
  t.is(r.transports.filter((x) => x.commands.length === 1).length, 6);
});

test('a second copy of drover in the process (its own core/ files) still reports its modules', async (t) => {
  // A site's node_modules may hold another drover: a whole second set of module instances. Copy core/
  // inside the project (so its packages resolve) and define a module with that copy.
  const dir = mkdtempSync(path.join(ROOT, '.engine-copy-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(path.join(ROOT, 'core'), path.join(dir, 'core'), { recursive: true });
  const copy = (await import(
    pathToFileURL(path.join(dir, 'core', 'module.ts')).href
  )) as typeof import('../../../core/module.ts');
  t.not(copy.defineModule, defineModule);
  const other = copy.defineModule<null, null, { changed: boolean }>({
    name: 'other',
    title: () => 'other',
    facts: async () => null,
    plan: () => ({ result: { changed: false } }),
  });
  const r = rig(['a'], () => '');
  await other(r.hosts[0], null);
  t.like(
    r.events.find((e) => e.kind === 'module-end'),
    { kind: 'module-end', module: 'other', status: 'ok' },
  );
});

test('reconnect: a host that drops on purpose is reopened, retried until it answers; a changed host key is never retried', async (t) => {
  const events: RunEvent[] = [];
  const sink = { emit: (e: RunEvent) => void events.push(e), end: async () => undefined };
  let opens = 0;
  const first = new MemoryTransport(() => '');
  const h = new RunHost({
    name: 'a',
    vars: {},
    groups: [],
    check: false,
    events: sink,
    transport: async () => {
      opens++;
      if (opens === 1) return first;
      if (opens < 4) throw new UnreachableError('a', 'connection refused');
      return new MemoryTransport(() => 'back\n');
    },
  });
  await h.connect();
  await h.reconnect({ delayMs: 5 });
  t.true(first.closed);
  t.is(opens, 4);
  t.is((await h.exec(sh`echo`, { readOnly: true })).stdout, 'back\n');

  const down = new RunHost({
    name: 'b',
    vars: {},
    groups: [],
    check: false,
    events: sink,
    transport: async () => {
      throw new UnreachableError('b', 'no route');
    },
  });
  await t.throwsAsync(down.reconnect({ timeoutMs: 30, delayMs: 10 }), {
    instanceOf: UnreachableError,
    message: /did not come back within 0 s \(\d+ attempts\): no route/,
  });

  let keyTries = 0;
  const rekeyed = new RunHost({
    name: 'c',
    vars: {},
    groups: [],
    check: false,
    events: sink,
    transport: async () => {
      keyTries++;
      throw new HostKeyError('c', 'host key CHANGED');
    },
  });
  await t.throwsAsync(rekeyed.reconnect({ timeoutMs: 1000, delayMs: 5 }), { instanceOf: HostKeyError });
  t.is(keyTries, 1);
});

test('a command refused after Ctrl-C says so in one short line (never the whole script), in every output', async (t) => {
  const abort = new AbortController();
  const events: RunEvent[] = [];
  const h = new RunHost({
    name: 'a',
    vars: {},
    groups: [],
    check: false,
    events: { emit: (e) => void events.push(e), end: async () => undefined },
    signal: abort.signal,
    transport: async () => new MemoryTransport(() => ''),
  });
  abort.abort();
  const script = sh`set -e\ntmp=$(mktemp)\ncat >"$tmp"\n${'x'.repeat(200)}\nmv "$tmp" /etc/motd`;
  const e = await t.throwsAsync(h.exec(script));
  t.is(e!.message, 'interrupted before: set -e ...');
});
