// sysfile against a real lab host (gentoo profile): every mode twice, --check, validate, backup, owner/mode, hostile bytes, full disk.
import test from 'ava';
import { createHash } from 'node:crypto';
import { sh, type ShellCommand } from '../../../core/sh.ts';
import type { RunHost } from '../../../core/host.ts';
import { sysfile } from '../../../modules/files/sysfile.ts';
import { writeFileAtomic } from '../../../modules/shared/remote-file.ts';
import { unifiedDiff } from '../../../core/render/diff.ts';
import { labHost, labSerialTest, useLab } from '../../support/lab.ts';
import { labExec } from '../../../lab/index.ts';
import type { TestHost } from '../../support/host.ts';

const lab = useLab(test, { name: 'sysfile', hosts: 1, profile: 'gentoo' });
const labTest = labSerialTest(test);

let th: TestHost | undefined;
let checkTh: TestHost | undefined;
test.after.always(async () => {
  await th?.close();
  await checkTh?.close();
});
function h(): RunHost<Record<string, unknown>> {
  th ??= labHost(lab(), 0);
  return th.host;
}
function checkHost(): RunHost<Record<string, unknown>> {
  checkTh ??= labHost(lab(), 0, { check: true });
  return checkTh.host;
}
async function run(cmd: ShellCommand): Promise<string> {
  return (await h().exec(cmd)).stdout;
}
async function bytesOf(path: string): Promise<Buffer> {
  return (await h().exec(sh`cat -- ${path}`)).stdoutBytes;
}
async function statOf(path: string): Promise<string> {
  return (await run(sh`stat -c '%U:%G %a' -- ${path}`)).trim();
}
const sha1 = (b: Buffer | string) => createHash('sha1').update(b).digest('hex');
let n = 0;
async function freshDir(): Promise<string> {
  const d = `/root/sysfile-t${++n}`;
  await run(sh`rm -rf -- ${d} && mkdir -p -- ${d}`);
  return d;
}
/** Counts host.exec round trips during fn. */
async function countExecs<T>(
  host: RunHost<Record<string, unknown>>,
  fn: () => Promise<T>,
): Promise<{ value: T; calls: number }> {
  const orig = host.exec.bind(host);
  let calls = 0;
  host.exec = (c, o) => {
    calls++;
    return orig(c, o);
  };
  try {
    return { value: await fn(), calls };
  } finally {
    host.exec = orig;
  }
}

labTest(
  'content: create, run again (one round trip, changed:false), --check shows the diff and changes nothing',
  async (t) => {
    const d = await freshDir();
    const path = `${d}/app.conf`;
    const r1 = await sysfile(h(), { path, content: 'a=1\n' });
    t.true(r1.changed);
    t.deepEqual(r1.changes, [{ path, before: null, after: 'a=1\n' }]);
    t.is(await statOf(path), 'root:root 644');
    const { value: r2, calls } = await countExecs(h(), () => sysfile(h(), { path, content: 'a=1\n' }));
    t.false(r2.changed);
    t.deepEqual(r2.changes, []);
    t.is(calls, 1);
    const r3 = await sysfile(checkHost(), { path, content: 'a=2\n' });
    t.true(r3.changed);
    t.deepEqual(r3.changes, [{ path, before: 'a=1\n', after: 'a=2\n' }]);
    t.is((await bytesOf(path)).toString(), 'a=1\n');
    // content as a function of host vars
    const th2 = labHost(lab(), 0, { vars: { port: 8080 } });
    try {
      const r4 = await sysfile(th2.host, { path, content: (v) => `port=${v.port}\n` });
      t.is(r4.message, 'content changed');
      t.is((await bytesOf(path)).toString(), 'port=8080\n');
    } finally {
      await th2.close();
    }
  },
);

labTest('no final newline: kept exactly, no spurious diff; lineinfile adds one before appending', async (t) => {
  const d = await freshDir();
  const path = `${d}/nonl`;
  await sysfile(h(), { path, content: 'a\nb' });
  t.deepEqual(await bytesOf(path), Buffer.from('a\nb'));
  t.false((await sysfile(h(), { path, content: 'a\nb' })).changed);
  const r = await sysfile(h(), { path, line: 'c' });
  t.true(r.changed);
  t.deepEqual(await bytesOf(path), Buffer.from('a\nb\nc\n'));
  t.false((await sysfile(h(), { path, line: 'c' })).changed);
  // an empty file: created, then unchanged; emptied from content
  const empty = `${d}/empty`;
  t.true((await sysfile(h(), { path: empty, content: '' })).changed);
  t.is((await run(sh`wc -c < ${empty}`)).trim(), '0');
  t.false((await sysfile(h(), { path: empty, content: '' })).changed);
  t.deepEqual((await sysfile(h(), { path, content: '' })).changes, [{ path, before: 'a\nb\nc\n', after: '' }]);
  t.deepEqual(await bytesOf(path), Buffer.alloc(0));
});

labTest(
  'line mode: regexp replace, insertAfter, absent; each twice; --check reports and changes nothing',
  async (t) => {
    const d = await freshDir();
    const path = `${d}/sshd_config`;
    await sysfile(h(), { path, content: '# sshd\nPort 22\nPermitRootLogin yes\n' });
    const p1 = { path, regexp: '^PermitRootLogin', line: 'PermitRootLogin prohibit-password' };
    const c = await sysfile(checkHost(), p1);
    t.true(c.changed);
    t.is(c.changes[0].after, '# sshd\nPort 22\nPermitRootLogin prohibit-password\n');
    t.is(
      (await bytesOf(path)).toString(),
      '# sshd\nPort 22\nPermitRootLogin prohibit-password\n'.replace('prohibit-password', 'yes'),
    );
    t.is((await sysfile(h(), p1)).message, 'line replaced');
    t.false((await sysfile(h(), p1)).changed);
    const p2 = { path, line: 'AddressFamily inet', insertAfter: '^Port ' };
    t.is((await sysfile(h(), p2)).message, 'line added');
    t.false((await sysfile(h(), p2)).changed);
    const p3 = { path, regexp: '^#', state: 'absent' as const };
    t.is((await sysfile(h(), p3)).message, '1 line(s) removed');
    t.false((await sysfile(h(), p3)).changed);
    t.is((await bytesOf(path)).toString(), 'Port 22\nAddressFamily inet\nPermitRootLogin prohibit-password\n');
    await t.throwsAsync(sysfile(h(), { path: `${d}/missing`, line: 'x' }), {
      message: /does not exist \(set create: true/,
    });
    t.true((await sysfile(h(), { path: `${d}/missing`, line: 'x', create: true })).changed);
  },
);

labTest('block mode: insert, replace as a unit, remove; each twice', async (t) => {
  const d = await freshDir();
  const path = `${d}/lvm.conf`;
  await sysfile(h(), { path, content: 'devices {\n}\n' });
  const p = {
    path,
    blockName: 'ganeti',
    block: 'global_filter = [ "r|/dev/drbd.*|", "a|.*|" ]\n',
    insertBefore: 'BOF',
  };
  t.is((await sysfile(h(), p)).message, 'Block inserted');
  t.false((await sysfile(h(), p)).changed);
  const p2 = { ...p, block: 'x = 1\n' };
  t.true((await sysfile(h(), p2)).changed);
  t.is((await bytesOf(path)).toString(), '# BEGIN drover ganeti\nx = 1\n# END drover ganeti\ndevices {\n}\n');
  const gone = { path, blockName: 'ganeti', state: 'absent' as const };
  t.is((await sysfile(h(), gone)).message, 'Block removed');
  t.false((await sysfile(h(), gone)).changed);
  t.is((await bytesOf(path)).toString(), 'devices {\n}\n');
});

labTest('owner and mode: kept on edit when not given, set when given, attribute-only change says so', async (t) => {
  const d = await freshDir();
  const path = `${d}/secret`;
  await run(sh`printf 'k=v\\n' > ${path} && chown nobody:nogroup ${path} && chmod 0640 ${path}`);
  await sysfile(h(), { path, line: 'k2=v2' });
  t.is(await statOf(path), 'nobody:nogroup 640');
  const r = await sysfile(h(), { path, line: 'k2=v2', mode: '0600', owner: 'root' });
  t.true(r.changed);
  t.is(r.message, 'owner nobody → root, mode 0640 → 0600');
  t.deepEqual(r.changes, []);
  t.is(await statOf(path), 'root:nogroup 600');
  t.false((await sysfile(h(), { path, line: 'k2=v2', mode: 0o600, owner: 0 })).changed);
  const r2 = await sysfile(h(), { path, content: 'new\n', group: 'root' });
  t.is(r2.message, 'content changed, group nogroup → root');
  t.is(await statOf(path), 'root:root 600');
});

labTest('validate: failure leaves the old file untouched and no temp file; success replaces', async (t) => {
  const d = await freshDir();
  const path = `${d}/sudoers`;
  await sysfile(h(), { path, content: 'ok\n' });
  const err = await t.throwsAsync(
    sysfile(h(), {
      path,
      content: 'bad\n',
      validate: `sh -c 'grep -q ok "$1" || { echo "syntax error near bad" >&2; exit 1; }' x %s`,
    }),
  );
  t.regex(err!.message, /validate rejected the new content/);
  t.regex(err!.message, /syntax error near bad/);
  t.is((await bytesOf(path)).toString(), 'ok\n');
  t.is((await run(sh`ls -A -- ${d}`)).trim(), 'sudoers');
  const r = await sysfile(h(), { path, content: 'ok too\n', validate: 'grep -q ok %s' });
  t.true(r.changed);
  t.is((await bytesOf(path)).toString(), 'ok too\n');
  await t.throwsAsync(sysfile(h(), { path, content: 'x\n', validate: 'true' }), {
    message: /validate must contain %s/,
  });
});

labTest(
  'validate function over ssh: its variables and exit stay in its own subshell, its output is the error',
  async (t) => {
    const d = await freshDir();
    const path = `${d}/target`;
    const victim = `${d}/victim`;
    await run(sh`printf 'old\\n' > ${path} && printf 'victim\\n' > ${victim}`);
    // a loop variable named like the write script's target, then `exit 0`: the content is accepted and lands at `path`
    const r = await sysfile(h(), {
      path,
      content: 'new\n',
      validate: (tmp) => sh`for p in ${victim}; do grep -q new ${tmp}; done; t=${victim}; exit 0`,
    });
    t.true(r.changed);
    t.is((await bytesOf(path)).toString(), 'new\n');
    t.is((await bytesOf(victim)).toString(), 'victim\n');
    // `exit 1`: "validate rejected" with the exit code and the validator's output; nothing left behind
    const err = await t.throwsAsync(
      sysfile(h(), {
        path,
        content: 'bad\n',
        validate: (tmp) => sh`p=${victim}; echo "rejecting $(cat ${tmp})"; exit 1`,
      }),
    );
    t.regex(
      err!.message,
      /validate rejected the new content of .*\/target \(exit 1\); the old file is untouched:\nrejecting bad$/,
    );
    t.is((await bytesOf(path)).toString(), 'new\n');
    t.is((await bytesOf(victim)).toString(), 'victim\n');
    t.is((await run(sh`ls -A -- ${d}`)).trim(), 'target\nvictim');
  },
);

labTest('backup: a timestamped copy of the old content, path in the result', async (t) => {
  const d = await freshDir();
  const path = `${d}/hosts`;
  await sysfile(h(), { path, content: 'old\n' });
  const r = await sysfile(h(), { path, content: 'new\n', backup: true });
  t.regex(r.backupPath!, /\/hosts\.drover-\d{8}T\d{6}\.\d{3}~$/);
  t.is((await bytesOf(r.backupPath!)).toString(), 'old\n');
  t.is((await bytesOf(path)).toString(), 'new\n');
  t.is((await sysfile(h(), { path, content: 'new\n', backup: true })).backupPath, undefined);
});

labTest('hostile content round-trips byte for byte: quotes, $(), backslashes, NUL, long lines, 5 MB', async (t) => {
  const d = await freshDir();
  const hostile =
    `it's "quoted" \`uname\` $(touch ${d}/pwned) $HOME \\ \\n '\\'' %s %%\n\ttab\r\ncrlf\n` +
    'x'.repeat(200_000) +
    '\nend';
  const p1 = `${d}/hostile`;
  t.true((await sysfile(h(), { path: p1, content: hostile })).changed);
  t.deepEqual(await bytesOf(p1), Buffer.from(hostile, 'utf8'));
  t.false((await sysfile(h(), { path: p1, content: hostile })).changed);
  t.is((await run(sh`ls -- ${d}`)).trim(), 'hostile');
  const big = Buffer.alloc(5 * 1024 * 1024);
  for (let i = 0; i < big.length; i++) big[i] = (i * 131 + (i >> 9)) & 0xff; // every byte value, NUL included
  const p2 = `${d}/big.bin`;
  const r = await sysfile(h(), { path: p2, content: big });
  t.true(r.changed);
  t.regex(r.changes[0].after!, /binary content, 5242880 bytes/);
  t.is((await run(sh`sha1sum < ${p2}`)).split(' ')[0], sha1(big));
  // the no-op probe sends a hash, not the 5 MB back
  const orig = h().exec.bind(h());
  let answered = -1;
  h().exec = async (c, o) => {
    const res = await orig(c, o);
    answered = res.stdoutBytes.length;
    return res;
  };
  try {
    t.false((await sysfile(h(), { path: p2, content: big })).changed);
  } finally {
    h().exec = orig;
  }
  t.true(answered > 0 && answered < 200, `probe answered ${answered} bytes`);
});

labTest('a full filesystem leaves the old file intact and no temp file behind', async (t) => {
  const d = await freshDir();
  const mnt = `${d}/small`;
  await run(sh`mkdir -p ${mnt} && mount -t tmpfs -o size=256k tmpfs ${mnt}`);
  t.teardown(async () => void (await h().exec(sh`umount ${mnt}`, { allowFail: true })));
  const path = `${mnt}/data`;
  await sysfile(h(), { path, content: 'precious\n' });
  const err = await t.throwsAsync(sysfile(h(), { path, content: Buffer.alloc(1024 * 1024, 0x61) }));
  t.regex(err!.message, /old file is untouched/);
  t.is((await bytesOf(path)).toString(), 'precious\n');
  t.is((await run(sh`ls -A -- ${mnt}`)).trim(), 'data');
});

labTest('a short stdin (as from a dropped connection) never replaces the file', async (t) => {
  const d = await freshDir();
  const path = `${d}/f`;
  await sysfile(h(), { path, content: 'old\n' });
  const r = await h().exec(writeFileAtomic(path, { size: 100, mode: '0644' }), { stdin: 'only part', allowFail: true });
  t.not(r.code, 0);
  t.regex(r.stderr, /received 9 of 100 bytes/);
  t.is((await bytesOf(path)).toString(), 'old\n');
  t.is((await run(sh`ls -A -- ${d}`)).trim(), 'f');
});

labTest(
  'a connection killed during a write leaves the old file or the complete new one, and no temp file',
  async (t) => {
    const d = await freshDir();
    const path = `${d}/f`;
    await sysfile(h(), { path, content: 'old\n' });
    // A separate connection: its sshd session is killed (by exact PID) while the temp file is being written.
    const victim = labHost(lab(), 0);
    t.teardown(() => victim.close());
    const watcher = labExec(lab(), lab().hosts[0].name, [
      'sh',
      '-c',
      `d=${d}; i=0
while [ $i -lt 3000 ]; do t=$(ls -A "$d" | grep -F .drover- | head -1); [ -n "$t" ] && break; i=$((i+1)); sleep 0.01; done
[ -n "$t" ] || { echo "no temp file seen"; exit 1; }
p=; for f in /proc/[0-9]*/fd/*; do case "$(readlink "$f" 2>/dev/null)" in *"$d/$t") p=\${f#/proc/}; p=\${p%%/*}; break;; esac; done
[ -n "$p" ] || { echo "too late: the write had finished"; exit 3; }
while [ -n "$p" ] && [ "$p" != 1 ] && [ "$(cat /proc/$p/comm)" != sshd ]; do p=$(cut -d' ' -f4 /proc/$p/stat); done
[ "$(cat /proc/$p/comm)" = sshd ] || { echo "no sshd ancestor"; exit 1; }
kill -9 "$p"; echo "killed $p"`,
    ]);
    const big = Buffer.alloc(40 * 1024 * 1024, 0x62);
    const write = sysfile(victim.host, { path, content: big });
    const w = await watcher;
    if (w.code === 3) {
      t.log(w.stdout.trim());
      await write; // the kill came too late: the write completed normally
    } else {
      t.is(w.code, 0, w.stdout + w.stderr);
      await t.throwsAsync(write);
    }
    // the remote shell notices the hang-up / short input and removes its temp file
    let left = '';
    for (let i = 0; i < 50; i++) {
      left = (await run(sh`ls -A -- ${d}`)).trim();
      if (left === 'f') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    t.is(left, 'f');
    // Depending on how much of stdin had reached the host when the session died, the script either saw a
    // short input (old file kept) or had everything and finished (new file complete): never anything else.
    const now = sha1(await bytesOf(path));
    t.true(
      now === sha1('old\n') || now === sha1(big),
      `file is neither the old nor the complete new content (sha1 ${now})`,
    );
    t.log(now === sha1('old\n') ? 'outcome: old file kept' : 'outcome: new file complete');
  },
);

labTest('directory, link, absent: each twice; a symlink is followed for edits', async (t) => {
  const d = await freshDir();
  const dir = `${d}/a/b`;
  t.true((await sysfile(h(), { path: dir, state: 'directory', mode: '0750' })).changed);
  t.false((await sysfile(h(), { path: dir, state: 'directory', mode: '0750' })).changed);
  t.is(await statOf(dir), 'root:root 750');
  const target = `${d}/real.conf`;
  await sysfile(h(), { path: target, content: 'r\n' });
  const link = `${d}/link.conf`;
  const l1 = await sysfile(h(), { path: link, state: 'link', target });
  t.deepEqual(l1.changes, [{ path: link, before: null, after: `symlink -> ${target}\n` }]);
  t.false((await sysfile(h(), { path: link, state: 'link', target })).changed);
  const e = await sysfile(h(), { path: link, line: 'via link' });
  t.is(e.path, target);
  t.is((await bytesOf(target)).toString(), 'r\nvia link\n');
  t.is((await run(sh`readlink ${link}`)).trim(), target);
  await t.throwsAsync(sysfile(h(), { path: target, state: 'link', target: '/etc/hostname' }), {
    message: /force: true/,
  });
  const a1 = await sysfile(h(), { path: target, state: 'absent' });
  t.deepEqual(a1.changes, [{ path: target, before: 'r\nvia link\n', after: null }]);
  t.false((await sysfile(h(), { path: target, state: 'absent' })).changed);
  await t.throwsAsync(sysfile(h(), { path: `${d}/a`, state: 'absent' }), { message: /recursive: true/ });
  t.true((await sysfile(h(), { path: `${d}/a`, state: 'absent', recursive: true })).changed);
  t.is((await run(sh`ls -A -- ${d}`)).trim(), 'link.conf');
});

labTest('--check emits a module-end event whose changes render as the expected unified diff', async (t) => {
  const d = await freshDir();
  const path = `${d}/diffme`;
  await sysfile(h(), { path, content: 'one\ntwo\nthree' });
  const before = checkTh ? checkTh.events.length : 0;
  checkHost();
  const r = await sysfile(checkHost(), { path, regexp: '^two$', line: '2' });
  t.true(r.changed);
  const ev = checkTh!.events.slice(before).find((e) => e.kind === 'module-end');
  t.truthy(ev);
  if (ev?.kind !== 'module-end') return;
  t.is(ev.status, 'changed');
  t.is(ev.title, `sysfile ${path}`);
  t.is(ev.message, 'line replaced');
  const diff = unifiedDiff(ev.changes![0]);
  t.is(
    diff,
    `--- ${path}\t(before)\n+++ ${path}\t(after)\n@@ -1,3 +1,3 @@\n one\n-two\n+2\n three\n\\ No newline at end of file\n`,
  );
  t.is((await bytesOf(path)).toString(), 'one\ntwo\nthree');
});

labTest('bad params fail before touching the host, naming the path', async (t) => {
  await t.throwsAsync(sysfile(h(), { path: 'relative' } as never), { message: /must be absolute/ });
  await t.throwsAsync(sysfile(h(), { path: '/tmp/x' } as never), { message: /: \/tmp\/x: say what to manage/ });
  await t.throwsAsync(sysfile(h(), { path: '/tmp/x', content: 'a', mode: '0999' }), { message: /mode must be octal/ });
});
