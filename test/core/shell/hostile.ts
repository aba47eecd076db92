// Shared hostile-output cases for every transport: output that tries to confuse the framing must come back exact.
import type { TestFn } from 'ava';
import type { RawResult, Transport } from '../../../core/transport/transport.ts';

interface Case {
  name: string;
  command: string;
  stdin?: Buffer;
  code: number;
  stdout: Buffer | string;
  /** null: the shell may add its own words (bash and dash report a killed child differently). */
  stderr: Buffer | string | null;
}

const bytes256 = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
const fiveMB = Buffer.alloc(5 * 1024 * 1024);
for (let i = 0; i < fiveMB.length; i++) fiveMB[i] = 0x30 + (i % 16 < 10 ? i % 16 : (i % 16) + 39); // "0123456789abcdef" repeated
const oneMBin = Buffer.alloc(1 << 20);
for (let i = 0; i < oneMBin.length; i++) oneMBin[i] = (i * 131 + (i >> 8)) & 0xff;

export const hostileCases: Case[] = [
  {
    name: 'fake end markers and nonce-like strings',
    command: `printf ':drover-end:%s 0\\n' 0123456789abcdef0123456789abcdef; echo DROVER_IN_x; echo drover-ready-1; printf ':drover-end:ffff\\n' >&2`,
    code: 0,
    stdout: ':drover-end:0123456789abcdef0123456789abcdef 0\nDROVER_IN_x\ndrover-ready-1\n',
    stderr: ':drover-end:ffff\n',
  },
  { name: 'NUL bytes', command: `printf 'a\\000b\\000'`, code: 0, stdout: Buffer.from('a\0b\0'), stderr: '' },
  { name: 'no trailing newline', command: 'printf abc; printf def >&2', code: 0, stdout: 'abc', stderr: 'def' },
  { name: 'binary stdin echoed', command: 'cat', stdin: bytes256, code: 0, stdout: bytes256, stderr: '' },
  { name: '1 MiB binary stdin byte-exact', command: 'cat', stdin: oneMBin, code: 0, stdout: oneMBin, stderr: '' },
  {
    name: 'empty stdin is EOF',
    command: 'cat; echo end',
    stdin: Buffer.alloc(0),
    code: 0,
    stdout: 'end\n',
    stderr: '',
  },
  {
    name: 'reading stdin when none given sees EOF',
    command: 'cat; read x; echo "read=$?"',
    code: 0,
    stdout: 'read=1\n',
    stderr: '',
  },
  {
    name: '5 MB output',
    command: 'yes 0123456789abcdef | tr -d "\\n" | head -c 5242880',
    code: 0,
    stdout: fiveMB,
    stderr: '',
  },
  {
    name: 'interleaved stderr',
    command: 'for i in 1 2 3; do echo o$i; echo e$i >&2; done',
    code: 0,
    stdout: 'o1\no2\no3\n',
    stderr: 'e1\ne2\ne3\n',
  },
  { name: 'exit 7', command: 'echo before; exit 7; echo after', code: 7, stdout: 'before\n', stderr: '' },
  { name: 'exec >&- closes stdout', command: 'exec >&-; echo gone >&2; exit 3', code: 3, stdout: '', stderr: 'gone\n' },
  { name: 'exec 2>&- closes stderr', command: 'exec 2>&-; echo still', code: 0, stdout: 'still\n', stderr: '' },
  { name: 'killed by a signal', command: `sh -c 'kill -9 $$'`, code: 137, stdout: '', stderr: null },
  {
    name: 'quotes, here-doc and comment in the command',
    command: `printf '%s|' "it's" 'a"b' '$(x)' '\`y\`'; cat <<'EOF'\nline $HOME\nEOF\necho done # trailing comment`,
    code: 0,
    stdout: `it's|a"b|$(x)|\`y\`|line $HOME\ndone\n`,
    stderr: '',
  },
  {
    name: 'large stdout and stderr at once',
    command: `head -c 300000 /dev/zero | tr '\\0' e >&2; head -c 300000 /dev/zero | tr '\\0' o`,
    code: 0,
    stdout: 'o'.repeat(300000),
    stderr: 'e'.repeat(300000),
  },
];

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>(
      (_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)),
    ),
  ]);
}

function asBuf(v: Buffer | string): Buffer {
  return typeof v === 'string' ? Buffer.from(v) : v;
}

/** Registers (serially: they share one shell) the hostile cases plus state-isolation, background-process and queue tests for one transport. */
/** Cases also run with live output (onOutput): the result must be the same. */
const LIVE_CASES = new Set([
  'fake end markers and nonce-like strings',
  'NUL bytes',
  '1 MiB binary stdin byte-exact',
  '5 MB output',
  'interleaved stderr',
  'exec >&- closes stdout',
]);

export function hostileTests(test: TestFn, label: string, transport: () => Transport): void {
  for (const c of hostileCases) {
    for (const live of LIVE_CASES.has(c.name) ? [false, true] : [false]) {
      test.serial(`${label}: ${c.name}${live ? ' (live output)' : ''}`, async (t) => {
        const streamed: Record<string, Buffer[]> = { stdout: [], stderr: [] };
        const onOutput = live
          ? (chunk: Buffer, s: 'stdout' | 'stderr') => void streamed[s].push(Buffer.from(chunk))
          : undefined;
        const r: RawResult = await withTimeout(
          transport().run(c.command, { stdin: c.stdin, onOutput }),
          20_000,
          c.name,
        );
        t.is(r.code, c.code);
        t.true(
          r.stdout.equals(asBuf(c.stdout)),
          `stdout differs: ${r.stdout.length} bytes ${JSON.stringify(r.stdout.subarray(0, 80).toString())}`,
        );
        if (c.stderr !== null)
          t.true(
            r.stderr.equals(asBuf(c.stderr)),
            `stderr differs: ${JSON.stringify(r.stderr.subarray(0, 200).toString())}`,
          );
        // Live output: while the command runs (tail -f of its files), the rest once its frame is read. Never a framing byte.
        if (live) {
          t.true(Buffer.concat(streamed.stdout).equals(r.stdout), 'streamed stdout = result stdout');
          t.true(Buffer.concat(streamed.stderr).equals(r.stderr), 'streamed stderr = result stderr');
        }
      });
    }
  }

  test.serial(`${label}: live output arrives while the command still runs`, async (t) => {
    const seen: { text: string; at: number }[] = [];
    const t0 = Date.now();
    const r = await withTimeout(
      transport().run('echo one; echo err-one >&2; sleep 1.5; echo two', {
        onOutput: (c, s) => void seen.push({ text: `${s}:${c}`, at: Date.now() - t0 }),
      }),
      20_000,
      'live',
    );
    const done = Date.now() - t0;
    t.is(r.stdout.toString(), 'one\ntwo\n');
    t.is(r.stderr.toString(), 'err-one\n');
    const first = seen.find((s) => s.text.includes('one'));
    t.truthy(first, `live chunks: ${JSON.stringify(seen)}`);
    t.true(first!.at < done - 700, `"one" came at ${first?.at} ms, the result at ${done} ms`);
  });

  // Issue 12: bytes a background process of one command writes must never become another command's output.
  test.serial(`${label}: late output of a background process is not the next command's output`, async (t) => {
    const tr = transport();
    const first = await withTimeout(
      tr.run('(sleep 1; echo LATE-OUT; echo LATE-ERR >&2) & echo first'),
      10_000,
      'first',
    );
    t.is(first.stdout.toString(), 'first\n');
    const second = await withTimeout(tr.run('sleep 2; echo mine'), 10_000, 'second');
    t.is(second.stdout.toString(), 'mine\n');
    t.is(second.stderr.toString(), '');
    t.is(second.code, 0);
  });

  test.serial(`${label}: a background flood cannot corrupt later commands, their stdin or their output`, async (t) => {
    const tr = transport();
    const start = await tr.run(
      '(i=0; while [ $i -lt 20000 ]; do echo QUJD; echo QUJD >&2; i=$((i+1)); done) & echo $!',
    );
    // What the flood wrote before this command's frame was sent is this command's output: it started the flood.
    // The flood may print before `echo $!` does: the pid is the one line that is not the flood's.
    const lines = start.stdout.toString().split('\n');
    const pids = lines.filter((l) => /^\d+$/.test(l));
    t.is(pids.length, 1, `one pid line in ${JSON.stringify(lines.slice(0, 5))}`);
    const pid = pids[0];
    t.true(lines.every((l) => l === 'QUJD' || l === '' || l === pid));
    const payload = Buffer.from('a=1\nb=2\n');
    for (let i = 0; i < 20; i++) {
      const r = await tr.run('cat; echo "n=$1"', { stdin: payload });
      t.is(r.stdout.toString(), 'a=1\nb=2\nn=\n');
      t.is(r.stderr.toString(), '');
    }
    await tr.run(`kill ${pid} 2>/dev/null; true`);
  });

  test.serial(`${label}: a command holds no descriptor of the control channel`, async (t) => {
    // Every descriptor of the command's shell, and the session shell's stdin/stdout/stderr (the channel).
    const r = await transport().run(
      'cd /proc/self/fd && for f in *; do printf "%s %s\\n" "$f" "$(readlink "$f")"; done; echo --; for f in 0 1 2; do readlink /proc/$$/fd/$f; done',
    );
    const [mine, channel] = r.stdout.toString().split('--\n');
    const targets = new Map(
      mine
        .trim()
        .split('\n')
        .map((l) => l.split(' ', 2) as [string, string]),
    );
    const chan = new Set(channel.trim().split('\n'));
    t.is(chan.size > 0, true);
    for (const [fd, target] of targets) t.false(chan.has(target), `fd ${fd} is the channel (${target})`);
    t.regex(targets.get('1') ?? '', /\/drover\.\w+\/\d+\.o$/, "stdout is the command's own file");
    t.regex(targets.get('2') ?? '', /\/drover\.\w+\/\d+\.e$/, "stderr is the command's own file");
  });

  test.serial(`${label}: no state leaks between commands`, async (t) => {
    const tr = transport();
    const start = (await tr.run('pwd')).stdout.toString();
    await tr.run(`cd /; X=1; export Y=2; umask 077; set -e; alias ll=ls; f() { :; }; trap 'echo trapped' EXIT`);
    const r = await tr.run(
      `pwd; echo "\${X-unset} \${Y-unset}"; umask; command -v f || echo nof; alias ll 2>/dev/null || echo noalias; false; echo still-running`,
    );
    const lines = r.stdout.toString().split('\n');
    t.is(lines[0] + '\n', start);
    t.is(lines[1], 'unset unset');
    t.regex(lines[2], /^0*22$/);
    t.is(lines[3], 'nof');
    t.is(lines[4], 'noalias');
    t.is(lines[5], 'still-running');
  });

  test.serial(`${label}: syntax error fails that command only`, async (t) => {
    const r = await transport().run('if then fi (');
    t.is(r.code, 2);
    t.true(r.stderr.length > 0);
    t.is((await transport().run('echo ok')).stdout.toString(), 'ok\n');
  });

  test.serial(`${label}: background process left running does not block or leak output`, async (t) => {
    const tr = transport();
    const r = await withTimeout(
      tr.run('sleep 60 & echo $!; (sleep 0.2; echo late; echo late >&2) &'),
      10_000,
      'background',
    );
    const pid = r.stdout.toString().trim();
    t.regex(pid, /^\d+$/);
    await new Promise((res) => setTimeout(res, 500));
    const next = await tr.run('echo next');
    t.is(next.stdout.toString(), 'next\n');
    t.is(next.stderr.toString(), '');
    t.is((await tr.run(`kill ${pid}; echo killed`)).stdout.toString(), 'killed\n');
  });

  test.serial(`${label}: concurrent runs are serialized in call order`, async (t) => {
    const tr = transport();
    const file = `/tmp/drover-order-${process.pid}-${label.replace(/\W/g, '')}`;
    await tr.run(`rm -f ${file}`);
    const runs = Array.from({ length: 20 }, (_, i) =>
      tr.run(`read -r v; echo "$v" >> ${file}; sleep 0.0${i % 3}; echo "$v"`, { stdin: Buffer.from(`n${i}\n`) }),
    );
    const results = await Promise.all(runs);
    results.forEach((r, i) => t.is(r.stdout.toString(), `n${i}\n`));
    const order = (await tr.run(`cat ${file}; rm -f ${file}`)).stdout.toString();
    t.is(order, Array.from({ length: 20 }, (_, i) => `n${i}\n`).join(''));
  });
}
