// A host where the output directory cannot be made: the error carries the shell's reason even when it comes late.
import test from 'ava';
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { UnreachableError } from '../../../core/errors.ts';
import { ShellSession } from '../../../core/shell/shell-session.ts';

/** A shell whose three streams the test drives: what the session writes, and what the "host" answers when. */
function fakeShell() {
  const streams = { stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough() };
  let written = '';
  streams.stdin.on('data', (c: Buffer) => (written += c.toString('utf8')));
  return { streams, written: () => written };
}

test("mktemp's reason on stderr arrives after the failed answer on stdout: it is still in the error", async (t) => {
  const sh = fakeShell();
  const session = new ShellSession('test', 'fake', sh.streams, () => undefined);
  const started = session.start({ token: 'T', timeoutMs: 5000 });
  sh.streams.stdout.write('T\n');
  sh.streams.stderr.write('T\n');
  // The session sends its init script, whose answer line starts with the end tag it holds.
  for (let i = 0; i < 100 && !/:drover-end:[0-9a-f]+/.test(sh.written()); i++) await sleep(10);
  const tag = /:drover-end:[0-9a-f]+/.exec(sh.written())?.[0];
  t.truthy(tag, sh.written());
  sh.streams.stdout.write(`${tag} i 1 \n`);
  // The two streams are separate pipes (channels over SSH): stderr's words come a moment later.
  await sleep(100);
  sh.streams.stderr.write(
    "mktemp: failed to create directory via template '/tmp/drover.XXXXXXXX': Read-only file system\n",
  );
  const e = await t.throwsAsync(started, { instanceOf: UnreachableError });
  t.regex(
    e!.message,
    /^fake: cannot create a private directory for command output \(tried \/dev\/shm, \$TMPDIR, \/tmp\) before it was ready\nmktemp: .*Read-only file system/,
  );
});
