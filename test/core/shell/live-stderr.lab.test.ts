// Issue 22: a progress command's stderr comes live (not only at the end), in order, once, and only to its own command.
import { spawn } from 'node:child_process';
import test from 'ava';
import { openLocalTransport } from '../../../core/transport/local-transport.ts';
import { sh } from '../../../core/sh.ts';
import { LiveErrReader } from '../../../core/shell/frame-reader.ts';
import { endTag } from '../../../core/shell/framing.ts';
import { ShellSession } from '../../../core/shell/shell-session.ts';
import type { Transport } from '../../../core/transport/transport.ts';
import { localHost } from '../../support/host.ts';
import { openTransportTo, startSshd, type Sshd } from '../../support/sshd.ts';
import { withTimeout } from './hostile.ts';

const NONCE = '0123456789abcdef0123456789abcdef';
const tag = endTag(NONCE);

test('LiveErrReader: complaints outside the markers, live stderr between them, in any chunking', (t) => {
  const stream = Buffer.from(
    `sh: cannot create x\n${tag} b\nerr ${tag.slice(0, 20)} one\nerr two${tag} l\nlate complaint\n`,
  );
  for (const size of [1, 3, 7, 64, stream.length]) {
    const r = new LiveErrReader(NONCE);
    const live: Buffer[] = [];
    const other: Buffer[] = [];
    for (let at = 0; at < stream.length; at += size) {
      const p = r.feed(stream.subarray(at, at + size));
      live.push(p.live);
      other.push(p.other);
    }
    t.true(r.done);
    t.is(Buffer.concat(live).toString(), `err ${tag.slice(0, 20)} one\nerr two`, `chunks of ${size}`);
    t.is(Buffer.concat(other).toString(), 'sh: cannot create x\nlate complaint\n', `chunks of ${size}`);
  }
  const bad = new LiveErrReader(NONCE);
  t.throws(() => bad.feed(Buffer.from(`${tag} l\n`)), { message: /where "b" was due on stderr/ });
});

/** A command whose stderr line comes 1.5 s before it ends: that line must be handed out well before the result. */
async function stderrComesLive(t: import('ava').ExecutionContext, tr: Transport): Promise<void> {
  const seen: { stream: string; text: string; at: number }[] = [];
  const t0 = Date.now();
  const r = await withTimeout(
    tr.run('echo err-one >&2; sleep 1.5; echo err-two >&2; echo out', {
      onOutput: (c, s) => void seen.push({ stream: s, text: c.toString(), at: Date.now() - t0 }),
    }),
    20_000,
    'live stderr',
  );
  const done = Date.now() - t0;
  t.is(r.stderr.toString(), 'err-one\nerr-two\n');
  t.is(r.stdout.toString(), 'out\n');
  const first = seen.find((s) => s.stream === 'stderr' && s.text.includes('err-one'));
  t.truthy(first, `live chunks: ${JSON.stringify(seen)}`);
  t.true(first!.at < done - 700, `"err-one" came at ${first?.at} ms, the result at ${done} ms`);
  // Every byte once, in order, on its own stream.
  t.is(
    seen
      .filter((s) => s.stream === 'stderr')
      .map((s) => s.text)
      .join(''),
    'err-one\nerr-two\n',
  );
  t.is(
    seen
      .filter((s) => s.stream === 'stdout')
      .map((s) => s.text)
      .join(''),
    'out\n',
  );
}

/** Progress commands back to back: each one's live stderr is exactly its own (the frame may arrive before the stderr copy). */
async function noMisattribution(t: import('ava').ExecutionContext, tr: Transport): Promise<void> {
  for (let i = 0; i < 40; i++) {
    const streamed: Buffer[] = [];
    const cmd =
      i % 2
        ? `printf 'e${i}-%s\\n' 1 2 3 >&2`
        : `head -c 20000 /dev/zero | tr '\\0' ${String.fromCharCode(97 + (i % 26))} >&2`;
    const r = await withTimeout(
      tr.run(cmd, { onOutput: (c, s) => void (s === 'stderr' && streamed.push(Buffer.from(c))) }),
      10_000,
      `run ${i}`,
    );
    t.true(
      Buffer.concat(streamed).equals(r.stderr),
      `run ${i}: streamed stderr (${Buffer.concat(streamed).length} bytes) = its result (${r.stderr.length} bytes)`,
    );
  }
}

test('local transport: live stderr', async (t) => {
  const tr = await openLocalTransport();
  t.teardown(() => tr.close());
  await stderrComesLive(t, tr);
  await noMisattribution(t, tr);
});

for (const shell of ['dash', 'bash']) {
  test(`${shell}: live stderr`, async (t) => {
    const child = spawn(shell, ['-c', `echo T; echo T >&2; exec ${shell}`], { detached: true });
    const session = new ShellSession('test', `local ${shell}`, child, () => child.kill('SIGKILL'));
    await session.start({ token: 'T', timeoutMs: 10_000 });
    t.teardown(() => session.close());
    const tr: Transport = { kind: 'local', run: (s, o) => session.run(s, o), close: () => session.close() };
    await stderrComesLive(t, tr);
    await noMisattribution(t, tr);
  });
}

let sshd: Sshd | undefined;
test.after.always(() => sshd?.stop());

test('ssh to a loopback sshd: live stderr', async (t) => {
  sshd = await startSshd();
  const tr = await openTransportTo(sshd);
  t.teardown(() => tr.close());
  await stderrComesLive(t, tr);
  await noMisattribution(t, tr);
});

test('command progress: a stderr line is a progress event while the command still runs', async (t) => {
  const h = localHost();
  t.teardown(() => h.close());
  const progress = () => h.events.filter((e) => e.kind === 'module-progress').map((e) => (e as { line: string }).line);
  const run = h.host.exec(sh`echo warming up >&2; sleep 2; echo ready`, { progress: true });
  await new Promise((r) => setTimeout(r, 1200));
  t.deepEqual(progress(), ['warming up'], 'the stderr line came while the command slept');
  const r = await run;
  t.is(r.stderr, 'warming up\n');
  t.deepEqual(progress(), ['warming up', 'ready'], 'each line once');
});

test('command progress: a line never mixes stdout and stderr', async (t) => {
  const h = localHost();
  t.teardown(() => h.close());
  await h.host.exec(sh`printf 'half'; sleep 0.5; echo err >&2; sleep 0.5; echo ' done'`, { progress: true });
  const lines = h.events.filter((e) => e.kind === 'module-progress').map((e) => (e as { line: string }).line);
  t.deepEqual(lines, ['err', 'half done']);
});
