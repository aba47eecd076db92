// Issue 25: commands written back to back on one shell (pipelined) are answered in order, each with exactly its own output.
import { spawn } from 'node:child_process';
import test, { type ExecutionContext } from 'ava';
import { UnreachableError } from '../../../core/errors.ts';
import { ShellSession } from '../../../core/shell/shell-session.ts';
import type { CommandOptions, RawResult } from '../../../core/transport/transport.ts';
import { openTransportTo, startSshd, type Sshd } from '../../support/sshd.ts';

type Run = (script: string, options?: CommandOptions) => Promise<RawResult>;

/** A session over a real shell binary, recording when drover wrote to it and when its stdout answered. */
function shellWithLog(shell: string) {
  const child = spawn(shell, ['-c', `echo T; echo T >&2; exec ${shell}`], { detached: true });
  const log: string[] = [];
  const write = child.stdin.write.bind(child.stdin) as (chunk: unknown, ...rest: unknown[]) => boolean;
  child.stdin.write = ((chunk: unknown, ...rest: unknown[]) => {
    log.push('write');
    return write(chunk, ...rest);
  }) as typeof child.stdin.write;
  child.stdout.on('data', () => log.push('answer'));
  const session = new ShellSession('test', `local ${shell}`, child, () => child.kill('SIGKILL'));
  return { session, child, log };
}

const fake = ':drover-end:0123456789abcdef0123456789abcdef';
/** Commands and the exact answer each must get, whatever runs next to it. */
const cases: [string, CommandOptions | undefined, { code: number; stdout: string; stderr: string }][] = [
  ['echo one', undefined, { code: 0, stdout: 'one\n', stderr: '' }],
  ['exit 7', undefined, { code: 7, stdout: '', stderr: '' }],
  ['printf "a\\0b"; echo e >&2', undefined, { code: 0, stdout: 'a\0b', stderr: 'e\n' }],
  [
    `printf '%s o 0\\n%s e ok\\n' ${fake} ${fake}`,
    undefined,
    { code: 0, stdout: `${fake} o 0\n${fake} e ok\n`, stderr: '' },
  ],
  // A background process writing after its command's frame: never the next command's output.
  ['(sleep 0.05; echo LATE; echo LATE >&2) & echo first', undefined, { code: 0, stdout: 'first\n', stderr: '' }],
  ['cat', { stdin: Buffer.from('in\0put') }, { code: 0, stdout: 'in\0put', stderr: '' }],
  // Reopening /dev/stdout truncates the frame's file: that frame goes out in several writes.
  ['echo lost; echo kept >/dev/stdout', undefined, { code: 0, stdout: 'kept\n', stderr: '' }],
  ['eval "if then"', undefined, { code: 2, stdout: '', stderr: '<syntax error>' }],
  ['sleep 0.06; printf tail', undefined, { code: 0, stdout: 'tail', stderr: '' }],
];

/** Runs all cases at once, `rounds` times over, and checks each answer is its own. */
async function allAtOnce(t: ExecutionContext, run: Run, rounds: number): Promise<void> {
  const calls = [];
  for (let i = 0; i < rounds; i++) for (const c of cases) calls.push({ c, p: run(c[0], c[1]) });
  for (const { c, p } of calls) {
    const r = await p;
    const got = { code: r.code, stdout: r.stdout.toString('latin1'), stderr: r.stderr.toString('latin1') };
    if (c[2].stderr === '<syntax error>') {
      t.is(got.code, c[2].code, c[0]);
      t.regex(got.stderr, /syntax|unexpected/, c[0]);
      t.is(got.stdout, '', c[0]);
    } else t.deepEqual(got, c[2], c[0]);
  }
}

for (const shell of ['dash', 'bash']) {
  test(`${shell}: pipelined commands are written before the first answer, and each gets its own answer`, async (t) => {
    const { session, log } = shellWithLog(shell);
    t.teardown(() => session.close());
    await session.start({ token: 'T', timeoutMs: 10_000 });
    log.length = 0;
    const p = allAtOnce(t, (s, o) => session.run(s, o), 4);
    await p;
    // Every command went out before the shell's first answer came: N commands, about one round trip.
    t.is(log.indexOf('answer'), cases.length * 4, log.join(' '));
  });

  test(`${shell}: a live command waits for the answers before it, and the ones after it wait for it`, async (t) => {
    const { session, log } = shellWithLog(shell);
    t.teardown(() => session.close());
    await session.start({ token: 'T', timeoutMs: 10_000 });
    log.length = 0;
    const live = { stdout: '', stderr: '' };
    const [a, b, c] = await Promise.all([
      session.run('echo a'),
      session.run('echo b; echo b2 >&2', { onOutput: (chunk, stream) => void (live[stream] += chunk.toString()) }),
      session.run('echo c'),
    ]);
    t.deepEqual(
      [a, b, c].map((r) => r.stdout.toString()),
      ['a\n', 'b\n', 'c\n'],
    );
    t.deepEqual(live, { stdout: 'b\n', stderr: 'b2\n' });
    t.deepEqual(log.slice(0, 2), ['write', 'answer'], 'the live command waited for the answer before it');
    const writes = log.map((e, i) => (e === 'write' ? i : -1)).filter((i) => i >= 0);
    t.is(writes.length, 3);
    t.true(log.slice(writes[1], writes[2]).includes('answer'), 'the command after it waited for it');
  });

  test(`${shell}: a shell killed by one pipelined command fails that one and every one after it, never an answer swapped`, async (t) => {
    const { session } = shellWithLog(shell);
    await session.start({ token: 'T', timeoutMs: 10_000 });
    const before = session.run('echo before');
    const killer = session.run('kill -9 $$');
    const after = session.run('echo after');
    t.is((await before).stdout.toString(), 'before\n');
    await t.throwsAsync(killer, { instanceOf: UnreachableError });
    await t.throwsAsync(after, { instanceOf: UnreachableError });
  });
}

let sshd: Sshd | undefined;
test.after.always(() => sshd?.stop());

test('ssh to a loopback sshd: pipelined commands each get their own answer', async (t) => {
  sshd = await startSshd();
  const tr = await openTransportTo(sshd);
  t.teardown(() => tr.close());
  await allAtOnce(t, (s, o) => tr.run(s, o), 4);
});
