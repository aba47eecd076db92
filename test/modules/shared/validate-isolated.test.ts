// A validate function's command runs isolated from the write script (issue 22, item 3): its variables,
// `exit`, traps and functions cannot steer the write, its output is the error, and no temp file is ever
// left behind. The real generated script run by real dash and bash on real files.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { secret, secretText } from '../../../core/secret.ts';
import { sh, type ShellCommand } from '../../../core/sh.ts';
import { VALIDATE_FAILED, writeFileAtomic, type Validate } from '../../../modules/shared/remote-file.ts';
import { sysfile } from '../../../modules/files/sysfile.ts';
import { localHost } from '../../support/host.ts';

const root = mkdtempSync(join(tmpdir(), 'drover-validate-iso-'));
test.after.always(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
/** A fresh directory holding `target` (old content) and `victim` (a file a leaking variable could hit). */
function fresh(): { d: string; target: string; victim: string } {
  const d = join(root, `d${++n}`);
  mkdirSync(d);
  const target = join(d, 'target');
  const victim = join(d, 'victim');
  writeFileSync(target, 'old\n');
  writeFileSync(victim, 'victim\n');
  return { d, target, victim };
}

/** Runs the write script as the host does: function definitions first, then the text; `content` on stdin. */
function run(shell: string, cmd: ShellCommand, content: string, PATH = process.env.PATH) {
  const script = [...cmd.functions.map((f) => f.definition), cmd.text].join('\n');
  return spawnSync(shell, [...(shell === 'bash' ? ['--norc'] : []), '-c', script], {
    input: content,
    encoding: 'utf8',
    env: { PATH },
  });
}

function write(shell: string, path: string, content: string, validate: Validate, PATH?: string) {
  return run(shell, writeFileAtomic(path, { size: Buffer.byteLength(content), mode: '0644', validate }), content, PATH);
}

/** Names left in `d` besides `keep`: a `.NAME.drover-*` temp file shows here. */
function leftovers(d: string, keep = ['target', 'victim']): string[] {
  return readdirSync(d).filter((f) => !keep.includes(f));
}

// Every name the write script (and drover_sha256) uses, plus the shell's own state a validator may change.
const clobber = (victim: string, tmp: string) => sh`V=${victim}; grep -q newer ${tmp} || exit 1
p=$V; d=$V; t=$V; n=1; made=; got=1; h=0; drover_h=0; drover_t=false; f=$V; tmp=$V
fail() { :; }; mv() { command cp -- "$1" "$V"; }; rm() { :; }; trap - HUP INT TERM PIPE EXIT
umask 000; cd /; IFS=/; PATH=/nonexistent; set -e`;

for (const shell of ['dash', 'bash']) {
  test(`${shell}: a validator setting the script's variables and functions cannot redirect the write`, (t) => {
    const { d, target, victim } = fresh();
    // The reported case: a loop variable `p` in the validator.
    const loop = write(shell, target, 'new\n', (tmp) => sh`for p in ${victim}; do grep -q new ${tmp}; done`);
    t.is(loop.status, 0, loop.stderr);
    t.is(readFileSync(target, 'utf8'), 'new\n');
    t.is(readFileSync(victim, 'utf8'), 'victim\n', "the file named by the validator's $p is untouched");
    t.deepEqual(leftovers(d), []);
    // All of them at once, pointing at the victim; the validator then succeeds.
    const all = write(shell, target, 'newer\n', (tmp) => clobber(victim, tmp));
    t.is(all.status, 0, all.stderr);
    t.is(readFileSync(target, 'utf8'), 'newer\n');
    t.is(readFileSync(victim, 'utf8'), 'victim\n');
    t.is((statSync(target).mode & 0o777).toString(8), '644', "the validator's umask and chmod state do not leak");
    t.deepEqual(leftovers(d), []);
  });

  test(`${shell}: \`exit 0\` in a validator accepts the content: the file is written`, (t) => {
    const { d, target } = fresh();
    const r = write(shell, target, 'new\n', () => sh`exit 0`);
    t.is(r.status, 0, r.stderr);
    t.is(readFileSync(target, 'utf8'), 'new\n');
    t.deepEqual(leftovers(d), []);
  });

  test(`${shell}: \`exit 1\` in a validator is a rejection with its output; old file untouched, no temp file`, (t) => {
    const { d, target } = fresh();
    const r = write(
      shell,
      target,
      'bad\n',
      (tmp) => sh`echo "on stdout: checking" ${tmp}; echo 'on stderr: line 1: syntax error' >&2; exit 1`,
    );
    t.is(r.status, VALIDATE_FAILED, r.stderr);
    t.regex(r.stderr, /on stdout: checking .*\.target\.drover-/);
    t.regex(r.stderr, /on stderr: line 1: syntax error/);
    t.regex(r.stderr, /drover: validate command exited 1$/m);
    t.is(readFileSync(target, 'utf8'), 'old\n');
    t.deepEqual(leftovers(d), []);
  });

  test(`${shell}: a killed validator, a syntax error, a validator reading stdin: rejections, no temp file`, (t) => {
    const { d, target } = fresh();
    // the validator's own (sub)shell killed by SIGKILL
    const killed = write(shell, target, 'new\n', () => sh`kill -9 $(exec sh -c 'echo $PPID'); echo survived`);
    t.is(killed.status, VALIDATE_FAILED, killed.stderr);
    t.regex(killed.stderr, /validate command exited 137/);
    t.notRegex(killed.stderr, /^survived$/m);
    // stdin is closed: the validator reads nothing (neither the content nor the session's next command)
    const reads = write(shell, target, 'new\n', () => sh`if read -r x; then echo "read: $x" >&2; exit 1; fi; exit 4`);
    t.is(reads.status, VALIDATE_FAILED, reads.stderr);
    t.regex(reads.stderr, /validate command exited 4/);
    // a syntax error: the whole script is refused before it runs (nothing is created)
    const syntax = write(shell, target, 'new\n', () => sh`if true; then echo unfinished`);
    t.is(syntax.status, 2, syntax.stderr);
    t.regex(syntax.stderr, /syntax error|unexpected/);
    t.is(readFileSync(target, 'utf8'), 'old\n');
    t.deepEqual(leftovers(d), []);
  });

  test(`${shell}: the write script killed (TERM) while the validator runs: no temp file`, async (t) => {
    const { d, target } = fresh();
    const cmd = writeFileAtomic(target, {
      size: 4,
      mode: '0600',
      validate: (tmp) => sh`touch ${d}/validating; sleep 1; grep -q new ${tmp}`,
    });
    const child = spawn(shell, [...(shell === 'bash' ? ['--norc'] : []), '-c', cmd.text], {
      stdio: ['pipe', 'ignore', 'pipe'],
      detached: true,
    });
    child.stdin.end('new\n');
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const done = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    while (!existsSync(join(d, 'validating'))) await new Promise((r) => setTimeout(r, 10));
    t.true(
      readdirSync(d).some((f) => f.startsWith('.target.drover-')),
      'the temp file exists while validating',
    );
    // the whole process group, as a hang-up of the session reaches it ('close': every holder of stderr gone)
    process.kill(-child.pid!, 'SIGTERM');
    await done;
    t.notRegex(stderr, /validate command exited/);
    t.is(readFileSync(target, 'utf8'), 'old\n');
    t.deepEqual(leftovers(d, ['target', 'victim', 'validating']), []);
  });

  test(`${shell}: a failing write or rename leaves the old file and no temp file`, (t) => {
    const { d, target } = fresh();
    const bin = join(d, 'bin');
    mkdirSync(bin);
    // `mv` that fails (as a rename on a broken filesystem would), `cat` that writes part and fails
    writeFileSync(join(bin, 'mv'), '#!/bin/sh\necho "mv: cannot move: Input/output error" >&2; exit 1\n', {
      mode: 0o755,
    });
    const mvFails = write(shell, target, 'new\n', (tmp) => sh`grep -q new ${tmp}`, `${bin}:${process.env.PATH}`);
    t.is(mvFails.status, 1, mvFails.stderr);
    t.regex(mvFails.stderr, /cannot rename/);
    t.is(readFileSync(target, 'utf8'), 'old\n');
    t.deepEqual(leftovers(d, ['target', 'victim', 'bin']), []);
    rmSync(join(bin, 'mv'));
    writeFileSync(join(bin, 'cat'), '#!/bin/sh\nprintf x; exit 1\n', { mode: 0o755 });
    const catFails = write(shell, target, 'new\n', (tmp) => sh`grep -q new ${tmp}`, `${bin}:${process.env.PATH}`);
    t.is(catFails.status, 1, catFails.stderr);
    t.regex(catFails.stderr, /cannot write temporary file/);
    t.is(readFileSync(target, 'utf8'), 'old\n');
    t.deepEqual(leftovers(d, ['target', 'victim', 'bin']), []);
  });
}

test('the temp file is created 0600 (nobody else reads secret content) and gets its final mode only before validate', (t) => {
  const { d, target } = fresh();
  chmodSync(d, 0o755);
  // a `cat` that reports the mode of the file it writes into (the temp file, just created), then copies
  const bin = join(d, 'bin');
  mkdirSync(bin);
  writeFileSync(
    join(bin, 'cat'),
    `#!/bin/sh\necho "created $(stat -L -c %a /proc/$$/fd/1)" >&2; exec ${spawnSync('sh', ['-c', 'command -v cat'], { encoding: 'utf8' }).stdout.trim()} "$@"\n`,
    { mode: 0o755 },
  );
  const r = write('dash', target, 'pw\n', (tmp) => sh`stat -c 'validating %a' ${tmp}`, `${bin}:${process.env.PATH}`);
  t.is(r.status, 0, r.stderr);
  t.regex(r.stderr, /created 600\n(.|\n)*validating 644\n/);
  t.is((statSync(target).mode & 0o777).toString(8), '644');
});

test('sysfile end to end (local sh): a rejection names the validator, shows its output masked, leaves nothing', async (t) => {
  const { d, target, victim } = fresh();
  const pw = `pw-${randomBytes(6).toString('hex')}`;
  const th = localHost();
  t.teardown(() => th.close());
  const err = await t.throwsAsync(
    sysfile(th.host, {
      path: target,
      content: secretText`password=${secret(pw)}\n`,
      validate: (tmp) => sh`p=${victim}; echo "bad line: $(cat ${tmp})"; exit 1`,
    }),
  );
  t.regex(err!.message, /validate rejected the new content of .*target \(exit 1\)/);
  t.regex(err!.message, /bad line: password=\*\*\*/);
  t.false(err!.message.includes(pw));
  t.false(JSON.stringify(th.events).includes(pw));
  t.is(readFileSync(target, 'utf8'), 'old\n');
  t.is(readFileSync(victim, 'utf8'), 'victim\n');
  t.deepEqual(leftovers(d), []);
  const ok = await sysfile(th.host, {
    path: target,
    content: 'fine\n',
    validate: (tmp) => sh`for p in ${victim}; do exit 0; done; grep -q fine ${tmp}`,
  });
  t.true(ok.changed);
  t.is(readFileSync(target, 'utf8'), 'fine\n');
  t.is(readFileSync(victim, 'utf8'), 'victim\n');
  t.deepEqual(leftovers(d), []);
});
