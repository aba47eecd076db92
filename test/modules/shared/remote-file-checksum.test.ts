// The host-side sha256 of remote-file (probe and write script): `openssl dgst -sha256 -r` when openssl
// is on the PATH (it uses the CPU's SHA instructions; coreutils' sha256sum does not), else sha256sum.
// Run under real dash and bash with PATHs that hold openssl, lack it, or hold a broken one: a hash that
// cannot be computed must fail the write (no rename, no temp file left) and the probe (an error, never
// "same" nor a silent "changed").
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ProbeFrame } from '../../../core/probe-frame.ts';
import type { ShellCommand } from '../../../core/sh.ts';
import {
  fileSections,
  HASH_WITH_OPENSSL_BYTES,
  probeCall,
  readFileProbe,
  writeFileAtomic,
  type ProbeOptions,
} from '../../../modules/shared/remote-file.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'drover-sha-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/** Absolute path of a program on this machine's PATH. */
function which(name: string): string {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${name} is not installed here`);
  return r.stdout.trim();
}

// The tools the probe and the write script call, without openssl.
const TOOLS = ['cat', 'wc', 'tr', 'chmod', 'chown', 'sync', 'mv', 'rm', 'mkdir', 'stat', 'readlink', 'cp', 'ln'];

/** A bin directory with TOOLS, a logging sha256sum, and `openssl` as given (absent, logging the real one, or a fake). */
function binDir(name: string, openssl: 'absent' | 'real' | string): { PATH: string; log: string } {
  const bin = path.join(dir, `bin-${name}`);
  const log = path.join(dir, `log-${name}`);
  mkdirSync(bin);
  for (const t of TOOLS) symlinkSync(which(t), path.join(bin, t));
  const script = (file: string, body: string) => {
    writeFileSync(path.join(bin, file), `#!${which('sh')}\n${body}\n`);
    chmodSync(path.join(bin, file), 0o755);
  };
  script('sha256sum', `echo sha256sum >> '${log}'; exec '${which('sha256sum')}' "$@"`);
  if (openssl === 'real') script('openssl', `echo openssl >> '${log}'; exec '${which('openssl')}' "$@"`);
  else if (openssl !== 'absent') script('openssl', `echo openssl >> '${log}'; ${openssl}`);
  return { PATH: bin, log };
}

const envs = {
  openssl: binDir('openssl', 'real'),
  'no openssl': binDir('none', 'absent'),
  'an openssl exiting 1': binDir('exit1', 'cat >/dev/null; echo "openssl: boom" >&2; exit 1'),
  'an openssl printing garbage': binDir('garbage', 'cat >/dev/null; echo "SHA2-256(stdin)= not-a-hash"'),
  'an openssl printing a short hash': binDir('short', `cat >/dev/null; echo '${'a'.repeat(63)} *stdin'`),
  'an openssl printing nothing': binDir('nothing', 'cat >/dev/null'),
};
type Env = keyof typeof envs;
const broken: Env[] = [
  'an openssl exiting 1',
  'an openssl printing garbage',
  'an openssl printing a short hash',
  'an openssl printing nothing',
];

/** Runs a command as the host's session does: its function definitions first, then its text. */
function run(shell: string, env: Env, cmd: ShellCommand, input?: Buffer) {
  const text = [...cmd.functions.map((f) => f.definition), cmd.text].join('\n');
  return spawnSync(which(shell), ['-c', text], { input, env: { PATH: envs[env].PATH }, encoding: 'buffer' });
}

function used(env: Env): string[] {
  const log = envs[env].log;
  if (!existsSync(log)) return [];
  const lines = readFileSync(log, 'utf8').trim().split('\n');
  rmSync(log);
  return lines;
}

let n = 0;
function freshDir(): string {
  const d = path.join(dir, `w${n++}`);
  mkdirSync(d);
  return d;
}

/** Big enough for the host to prefer openssl (HASH_WITH_OPENSSL_BYTES and up). */
const BIG = Buffer.alloc(HASH_WITH_OPENSSL_BYTES + 3, 'x');

for (const shell of ['dash', 'bash']) {
  for (const env of ['openssl', 'no openssl'] as Env[]) {
    const bigTool = env === 'openssl' ? 'openssl' : 'sha256sum';
    test.serial(`${shell}, ${env}: a big write checks the sha256 with ${bigTool} and renames`, (t) => {
      const d = freshDir();
      const p = path.join(d, 'big.bin');
      writeFileSync(p, 'old\n');
      const r = run(
        shell,
        env,
        writeFileAtomic(p, { size: BIG.length, sha256: sha(BIG), mode: '0644' }, path.join(d, '.tmp')),
        BIG,
      );
      t.is(r.status, 0, r.stderr.toString());
      t.deepEqual(readFileSync(p), BIG);
      t.deepEqual(readdirSync(d), ['big.bin'], 'no temp file left');
      t.deepEqual(used(env), [bigTool]);
    });

    test.serial(
      `${shell}, ${env}: a small write checks with sha256sum (openssl's start-up costs more than it saves)`,
      (t) => {
        const d = freshDir();
        const p = path.join(d, 'small');
        writeFileSync(p, 'old\n');
        const data = Buffer.from('new content\n\0\xff');
        const r = run(
          shell,
          env,
          writeFileAtomic(p, { size: data.length, sha256: sha(data), mode: '0644' }, path.join(d, '.tmp')),
          data,
        );
        t.is(r.status, 0, r.stderr.toString());
        t.deepEqual(readFileSync(p), data);
        t.deepEqual(used(env), ['sha256sum']);
      },
    );

    test.serial(`${shell}, ${env}: bytes that differ from the sha256 are refused, the old file kept`, (t) => {
      const d = freshDir();
      const p = path.join(d, 'f');
      writeFileSync(p, 'old\n');
      const sent = Buffer.concat([BIG.subarray(1), Buffer.from('y')]);
      const r = run(
        shell,
        env,
        writeFileAtomic(p, { size: BIG.length, sha256: sha(BIG), mode: '0644' }, path.join(d, '.tmp')),
        sent,
      );
      t.is(r.status, 1);
      t.regex(
        r.stderr.toString(),
        new RegExp(`received bytes differ from the ones sent \\(sha256 ${sha(sent)}, expected ${sha(BIG)}\\)`),
      );
      t.is(readFileSync(p, 'utf8'), 'old\n');
      t.deepEqual(readdirSync(d), ['f']);
      t.deepEqual(used(env), [bigTool]);
    });

    test.serial(
      `${shell}, ${env}: the probe answers same, different, and hash-only (big-file path, ${bigTool}) different`,
      (t) => {
        const p = path.join(freshDir(), 'f');
        writeFileSync(p, 'same\n');
        t.true(probe(shell, env, p, { content: true, unlessSha256: sha('same\n') }).sameAsExpected);
        const other = probe(shell, env, p, { content: true, unlessSha256: sha('other\n') });
        t.falsy(other.sameAsExpected);
        t.deepEqual(other.content, Buffer.from('same\n'));
        const hashOnly = probe(shell, env, p, { content: true, unlessSha256: sha('other\n'), hashOnly: true });
        t.falsy(hashOnly.sameAsExpected);
        t.is(hashOnly.content, undefined);
        t.true(probe(shell, env, p, { content: true, unlessSha256: sha('same\n'), hashOnly: true }).sameAsExpected);
        t.deepEqual(used(env), ['sha256sum', 'sha256sum', bigTool, bigTool]);
      },
    );
  }

  for (const env of broken) {
    test.serial(`${shell}, ${env}: a big write fails before the rename and removes its temp file`, (t) => {
      const d = freshDir();
      const p = path.join(d, 'f');
      writeFileSync(p, 'old\n');
      const r = run(
        shell,
        env,
        writeFileAtomic(p, { size: BIG.length, sha256: sha(BIG), mode: '0644' }, path.join(d, '.tmp')),
        BIG,
      );
      t.is(r.status, 1);
      t.regex(
        r.stderr.toString(),
        /drover: openssl dgst -sha256 -r (failed|printed no SHA-256)\ndrover: cannot compute the sha256 of /,
      );
      t.is(readFileSync(p, 'utf8'), 'old\n', 'the old file is untouched');
      t.deepEqual(readdirSync(d), ['f'], 'no temp file left');
      t.deepEqual(used(env), ['openssl'], 'no fallback to sha256sum: stdin was read');
    });

    test.serial(`${shell}, ${env}: a hash-only probe is an error, neither "same" nor "changed"`, (t) => {
      const p = path.join(freshDir(), 'f');
      writeFileSync(p, 'same\n');
      t.throws(() => probe(shell, env, p, { content: true, unlessSha256: sha('same\n'), hashOnly: true }), {
        message: `cannot compute the sha256 of ${p} on the host (sha256sum or openssl dgst -sha256 failed)`,
      });
      // small files are hashed with sha256sum: the broken openssl is not in their way
      t.true(probe(shell, env, p, { content: true, unlessSha256: sha('same\n') }).sameAsExpected);
      // without a hash to compare, nothing is hashed: the content comes back as before
      t.deepEqual(probe(shell, env, p, { content: true }).content, Buffer.from('same\n'));
      t.deepEqual(used(env), ['openssl', 'sha256sum']);
    });
  }
}

for (const shell of ['dash', 'bash']) {
  test.serial(`${shell}: with no sha256sum, openssl hashes small files too`, (t) => {
    const { PATH } = envs.openssl;
    const bin = path.join(dir, `bin-nosum-${shell}`);
    mkdirSync(bin);
    for (const f of readdirSync(PATH)) if (f !== 'sha256sum') symlinkSync(path.join(PATH, f), path.join(bin, f));
    const p = path.join(freshDir(), 'f');
    writeFileSync(p, 'same\n');
    const f = new ProbeFrame();
    const cmd = probeCall(f, 'x', p, { content: true, unlessSha256: sha('same\n') });
    const r = spawnSync(which(shell), ['-c', [...cmd.functions.map((x) => x.definition), cmd.text].join('\n')], {
      env: { PATH: bin },
      encoding: 'buffer',
    });
    t.is(r.status, 0, r.stderr.toString());
    t.true(readFileProbe(f.parse(r.stdout, fileSections('x')), 'x', p).sameAsExpected);
    t.deepEqual(used('openssl'), ['openssl']);
  });
}

function probe(shell: string, env: Env, p: string, opts: ProbeOptions) {
  const f = new ProbeFrame();
  const r = run(shell, env, probeCall(f, 'x', p, opts));
  if (r.status !== 0) throw new Error(`the probe's shell exited ${r.status}: ${r.stderr}`);
  return readFileProbe(f.parse(r.stdout, fileSections('x')), 'x', p);
}
