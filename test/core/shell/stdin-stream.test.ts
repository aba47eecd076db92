// Big stdin payloads streamed raw on the shell's channel (issue 17): exact bytes, the shell stays in step
// whatever the command does with its input, a failing source rejects the run, small payloads stay inline.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { frameCommand } from '../../../core/shell/framing.ts';
import { ShellSession } from '../../../core/shell/shell-session.ts';
import { STREAM_MIN_BYTES } from '../../../core/shell/stdin-stream.ts';
import type { StreamedStdin } from '../../../core/transport/transport.ts';

async function startShell(shell: string): Promise<ShellSession> {
  const child = spawn(shell, ['-c', `echo T; echo T >&2; exec ${shell}`], { detached: true });
  const session = new ShellSession('test', `local ${shell}`, child, () => child.kill('SIGKILL'));
  await session.start({ token: 'T', timeoutMs: 10_000 });
  return session;
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Every byte value, then random bytes: 3 MB. */
function payload(size = 3_000_000): Buffer {
  const b = randomBytes(size);
  for (let i = 0; i < 256; i++) b[i] = i;
  return b;
}

/** A source handing out `b` in uneven pieces, optionally failing or stopping after `cut` bytes. */
function source(b: Buffer, o: { size?: number; cut?: number; fail?: boolean } = {}): StreamedStdin {
  return {
    size: o.size ?? b.length,
    async *read() {
      const end = o.cut ?? b.length;
      for (let at = 0; at < end; at += 77_777) yield b.subarray(at, Math.min(at + 77_777, end));
      if (o.fail) throw new Error('disk went away');
    },
  };
}

test('frameCommand: a streamed payload is read by head -c after the r marker; no here-doc', (t) => {
  const text = frameCommand('cat', 'ab'.repeat(16), { seq: 1, streamSize: 1234 });
  t.regex(
    text,
    /if head -c 0 <\/dev\/null >\/dev\/null 2>&1; then printf '%s r\\n' :drover-end:(ab){16}; head -c 1234 \| \{ \( eval cat \) /,
  );
  t.regex(text, /cat >\/dev\/null; exit \$drover_s; \}/);
  t.notRegex(text, /DROVER_IN_/);
  t.throws(() => frameCommand('cat', 'ab'.repeat(16), { seq: 1, streamSize: 1, stdin: Buffer.from('x') }));
});

for (const shell of ['dash', 'bash']) {
  test(`${shell}: a 3 MB buffer with every byte value arrives exact, streamed; a small one inline`, async (t) => {
    const s = await startShell(shell);
    t.teardown(() => s.close());
    const b = payload();
    t.is((await s.run('sha256sum', { stdin: b })).stdout.toString(), `${sha(b)}  -\n`);
    t.is((await s.run('wc -c', { stdin: b })).stdout.toString().trim(), String(b.length));
    const small = payload(STREAM_MIN_BYTES);
    t.is((await s.run('sha256sum', { stdin: small })).stdout.toString(), `${sha(small)}  -\n`);
    t.is((await s.run('echo next')).stdout.toString(), 'next\n');
  });

  test(`${shell}: a command that reads none or part of its input leaves no payload byte for the shell to run`, async (t) => {
    const s = await startShell(shell);
    t.teardown(() => s.close());
    const dir = mkdtempSync(path.join(tmpdir(), 'drover-stream-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const marker = path.join(dir, 'ran');
    // Payload that is a script: if any of it reached the shell, the marker would appear.
    const evil = Buffer.from(`\ntouch ${marker}\n`.repeat(200_000));
    t.is((await s.run('echo early; exit 3', { stdin: evil })).code, 3);
    t.is((await s.run('head -c 10 >/dev/null; echo part', { stdin: evil })).stdout.toString(), 'part\n');
    t.is((await s.run('echo still in step')).stdout.toString(), 'still in step\n');
    t.false(existsSync(marker));
  });

  test(`${shell}: a source that fails, ends early or is too long rejects the run; the shell goes on`, async (t) => {
    const s = await startShell(shell);
    t.teardown(() => s.close());
    const b = payload(1_000_000);
    const dir = mkdtempSync(path.join(tmpdir(), 'drover-stream-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const f = path.join(dir, 'got');
    let e = await t.throwsAsync(s.run(`cat > '${f}'`, { stdin: source(b, { cut: 400_000, fail: true }) }));
    t.regex(
      e!.message,
      /local \S+: the command's input was not sent whole \(reading the input failed: disk went away\); the command ran with exit code 0/,
    );
    // padded with zeros to the announced size: the shell stayed in step
    t.is(readFileSync(f).length, b.length);
    e = await t.throwsAsync(s.run('cat >/dev/null', { stdin: source(b, { cut: 10 }) }));
    t.regex(e!.message, /the input ended after 10 of 1000000 bytes/);
    e = await t.throwsAsync(s.run('cat >/dev/null', { stdin: source(b, { size: 500_000 }) }));
    t.regex(e!.message, /longer than the 500000 bytes announced/);
    t.is((await s.run('echo fine')).stdout.toString(), 'fine\n');
  });
}

for (const shell of ['dash', 'bash']) {
  test(`${shell}: without a working head -c nothing is sent and the command does not run`, async (t) => {
    const s = await startShell(shell);
    t.teardown(() => s.close());
    const dir = mkdtempSync(path.join(tmpdir(), 'drover-stream-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const marker = path.join(dir, 'ran');
    const evil = Buffer.from(`\ntouch ${marker}\n`.repeat(20_000));
    // a session function named head shadows the command (as a host without `head -c` would behave)
    const broken = { name: 'head', definition: 'head() {\nreturn 1\n}' };
    const e = await t.throwsAsync(s.run(`touch '${marker}.cmd'`, { stdin: evil, functions: [broken] }));
    t.regex(
      e!.message,
      /the command's input was not sent whole \(the host did not ask for it: no `head -c` there\?\); the command did not run/,
    );
    t.is((await s.run('echo in step')).stdout.toString(), 'in step\n');
    t.false(existsSync(marker));
    t.false(existsSync(`${marker}.cmd`));
  });
}
