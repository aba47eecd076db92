// Issue 17 over SSH to a real lab host: big files are streamed (sysfile `src` and big content), written
// byte-exact, a rerun sends nothing back, --check sends nothing, and a link cut mid-transfer leaves the
// old file and (once the host notices) no temp file.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, openSync, closeSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { UnreachableError } from '../../../core/errors.ts';
import type { ExecOptions } from '../../../core/host.ts';
import { labCut, labExec, labHeal } from '../../../lab/index.ts';
import { sh } from '../../../core/sh.ts';
import type { StreamedStdin } from '../../../core/transport/transport.ts';
import { writeFileAtomic } from '../../../modules/shared/remote-file.ts';
import { sysfile } from '../../../modules/files/sysfile.ts';
import { BIN, REPO } from '../../support/cli.ts';
import { labHostOpener, labSerialTest, useLab } from '../../support/lab.ts';

const lab = useLab(test, { name: 'bigft', hosts: 1, profile: 'base' });
const labTest = labSerialTest(test);
const open = labHostOpener(test, lab);
const dir = mkdtempSync(path.join(tmpdir(), 'drover-bigfile-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** 20 MB: every byte value in order, then random bytes. */
function bigBinary(): Buffer {
  const b = randomBytes(20 * 1024 * 1024);
  for (let i = 0; i < 256 * 4; i++) b[i] = i & 0xff;
  return b;
}

async function onHost(cmd: string): Promise<string> {
  const l = lab();
  const r = await labExec(l, l.hosts[0].name, ['sh', '-c', cmd]);
  return r.stdout;
}

/** Counts round trips, the bytes they sent as stdin and the bytes they got back. */
function meter(host: ReturnType<typeof open>['host']) {
  const m = { execs: 0, stdinBytes: 0, stdoutBytes: 0 };
  const orig = host.exec.bind(host);
  host.exec = async (cmd, o?: ExecOptions) => {
    m.execs++;
    const s = o?.stdin;
    if (s !== undefined)
      m.stdinBytes +=
        typeof s === 'string' ? Buffer.byteLength(s) : s instanceof Uint8Array ? s.length : 'size' in s ? s.size : 1;
    const r = await orig(cmd, o);
    m.stdoutBytes += r.stdoutBytes.length + r.stderr.length;
    return r;
  };
  return m;
}

labTest(
  'a 20 MB binary file from src: every byte exact; a rerun is one small round trip; --check sends nothing',
  async (t) => {
    const data = bigBinary();
    const src = path.join(dir, 'big.bin');
    writeFileSync(src, data);
    const dest = '/root/bigfile/big.bin';
    const { host } = open();
    const first = await sysfile(host, { path: dest, src, mode: '0640', createParents: true });
    t.true(first.changed);
    t.is(
      await onHost(`sha256sum < ${dest}; stat -c %a ${dest}; ls -A /root/bigfile`),
      `${sha(data)}  -\n640\nbig.bin\n`,
    );

    const m = meter(host);
    const again = await sysfile(host, { path: dest, src, mode: '0640' });
    t.false(again.changed);
    t.is(m.execs, 1);
    t.true(m.stdoutBytes < 1024, `the rerun got ${m.stdoutBytes} bytes back`);
    t.is(m.stdinBytes, 0);

    // different content, in --check: the probe compares hashes only, nothing is sent either way
    data[12345] ^= 0xff;
    writeFileSync(src, data);
    const checkHost = open({ check: true }).host;
    const mc = meter(checkHost);
    const would = await sysfile(checkHost, { path: dest, src, mode: '0640' });
    t.true(would.changed);
    t.is(mc.execs, 1);
    t.is(mc.stdinBytes, 0);
    t.true(mc.stdoutBytes < 1024, `--check got ${mc.stdoutBytes} bytes back`);
    t.not((await onHost(`sha256sum < ${dest}`)).slice(0, 64), sha(data));

    // big content given as bytes streams too, byte-exact
    const bytesDest = '/root/bigfile/bytes.bin';
    t.true((await sysfile(host, { path: bytesDest, content: data, mode: '0600' })).changed);
    t.is(await onHost(`sha256sum < ${bytesDest}`), `${sha(data)}  -\n`);
  },
);

labTest('bytes that differ from the announced sha256 are refused: temp file removed, old file kept', async (t) => {
  const { host } = open();
  const dest = '/root/bigfile/checked.conf';
  await host.exec(sh`mkdir -p /root/bigfile && printf 'old\n' > ${dest}`);
  const data = randomBytes(300_000);
  const r = await host.exec(writeFileAtomic(dest, { size: data.length, sha256: 'a'.repeat(64), mode: '0644' }), {
    stdin: data,
    allowFail: true,
  });
  t.is(r.code, 1);
  t.regex(r.stderr, /drover: the received bytes differ from the ones sent \(sha256 [0-9a-f]{64}, expected a{64}\)/);
  t.is(await onHost(`cat ${dest}; ls -A /root/bigfile | grep -c drover- || :`), 'old\n0\n');
});

labTest('a link cut mid-transfer: the host is unreachable, the old file stays, the temp file goes', async (t) => {
  t.timeout(240_000);
  const l = lab();
  const { host } = open();
  const dest = '/root/bigfile/cut.bin';
  await host.exec(sh`mkdir -p /root/bigfile && rm -f /root/bigfile/.cut.bin.drover-* && printf 'old\n' > ${dest}`);
  const data = bigBinary();
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const half = 8 * 1024 * 1024;
  const input: StreamedStdin = {
    size: data.length,
    async *read() {
      yield data.subarray(0, half);
      await gate;
      yield data.subarray(half);
    },
  };
  const writing = host.exec(writeFileAtomic(dest, { size: data.length, sha256: sha(data), mode: '0644' }), {
    stdin: input,
    allowFail: true,
  });
  writing.catch(() => undefined);
  // wait until the temp file holds the first half: the transfer is under way
  const deadline = Date.now() + 30_000;
  for (;;) {
    const size = Number((await onHost(`cat /root/bigfile/.cut.bin.drover-* 2>/dev/null | wc -c`)).trim());
    if (size >= half) break;
    if (Date.now() > deadline) return t.fail(`the temp file never got the first half (${size} bytes)`);
    await new Promise((r) => setTimeout(r, 100));
  }
  await labCut(l.name, l.hosts[0].name);
  try {
    release();
    const e = await t.throwsAsync(writing, { instanceOf: UnreachableError });
    t.log(e?.message);
  } finally {
    await labHeal(l.name, l.hosts[0].name);
  }
  t.is(await onHost(`cat ${dest}`), 'old\n');
  // The host's sshd learns of the dead connection when its retransmission meets our reset: the shell's
  // stdin ends, head stops short, the size check fails and the temp file is removed.
  const gone = Date.now() + 120_000;
  let left = '';
  while (Date.now() < gone) {
    left = (await onHost(`ls -A /root/bigfile | grep drover- || :`)).trim();
    if (!left) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  t.is(left, '', 'temp file left behind');
  t.is(await onHost(`cat ${dest}`), 'old\n');
});

labTest('drover killed mid-transfer (Ctrl-C twice): the old file stays, the temp file goes at once', async (t) => {
  t.timeout(180_000);
  const l = lab();
  const dest = '/root/bigfile/killed.bin';
  await onHost(`mkdir -p /root/bigfile && rm -f /root/bigfile/.killed.bin.drover-* && printf 'old\\n' > ${dest}`);
  // 400 MB of random bytes: long enough to be caught mid-way on a loaded machine
  const src = path.join(dir, 'killed.bin');
  const fd = openSync(src, 'w');
  for (let i = 0; i < 400; i++) writeSync(fd, randomBytes(1 << 20));
  closeSync(fd);
  t.teardown(() => rmSync(src, { force: true }));
  const child = spawn(
    process.execPath,
    [
      BIN,
      'run',
      path.join(REPO, 'test/fixtures/playbooks/bigfile-src.ts'),
      '-i',
      path.join(l.dir, 'inventory.yml'),
      '--no-typecheck',
      '-e',
      `src=${src}`,
      '-e',
      `dest=${dest}`,
      '-l',
      l.hosts[0].name,
    ],
    { cwd: REPO, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  t.teardown(() => void (child.exitCode === null && child.kill('SIGKILL')));
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const deadline = Date.now() + 60_000;
  for (;;) {
    const size = Number((await onHost(`cat /root/bigfile/.killed.bin.drover-* 2>/dev/null | wc -c`)).trim());
    if (size > 0) break;
    if (child.exitCode !== null || Date.now() > deadline)
      return t.fail(`no temp file appeared (exit ${child.exitCode}):\n${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  await exited;
  let left = 'not checked';
  const gone = Date.now() + 10_000;
  while (Date.now() < gone) {
    left = (await onHost(`ls -A /root/bigfile | grep killed || :`)).trim();
    if (left === 'killed.bin') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  t.is(left, 'killed.bin', 'temp file left behind');
  t.is(await onHost(`cat ${dest}`), 'old\n');
});
