// remote-file's probe: the real drover_probe function run by dash and bash on real files, parsed back.
// Hostile content (the old `@drover-file`/`@end` markers, base64-looking lines, binary, a forged section)
// must come back byte for byte; anything the probe did not frame must be refused.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ProbeFormatError, ProbeFrame } from '../../../core/probe-frame.ts';
import type { ShellCommand } from '../../../core/sh.ts';
import {
  checkOwnership,
  chownSpec,
  fileSections,
  probeCall,
  probePath,
  readFileProbe,
  type ProbeOptions,
} from '../../../modules/shared/remote-file.ts';
import { planSysfile } from '../../../modules/files/sysfile-plan.ts';
import { localHost } from '../../support/host.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'drover-probe-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

function put(name: string, content: string | Buffer): string {
  const p = path.join(dir, name);
  writeFileSync(p, content);
  return p;
}

/** Runs probe commands as the host would: the function definitions first, then the text. */
function run(shell: string, cmd: ShellCommand): Buffer {
  return execFileSync(shell, ['-c', [...cmd.functions.map((f) => f.definition), cmd.text].join('\n')]);
}

function probeOne(shell: string, p: string, opts: ProbeOptions = {}) {
  const f = new ProbeFrame();
  const out = run(shell, probeCall(f, 'x', p, opts));
  return { f, out, st: readFileProbe(f.parse(out, fileSections('x')), 'x', p) };
}

const hostile: [string, Buffer][] = [
  ['old markers', Buffer.from('@drover-file\n@state absent\n@end\n@content\nQUJD\n')],
  ['base64-looking lines and no final newline', Buffer.from('QUJD\nREVG')],
  ['binary with NUL and 0xff', Buffer.from([0, 0xff, 0x0a, 0x40, 0x0a, 0x00, 0x40])],
  ['a forged section of another call', Buffer.from(`@${'ab'.repeat(12)} x\nabsent\n@${'ab'.repeat(12)} x rc=0\n`)],
  ['empty', Buffer.alloc(0)],
];

for (const shell of ['dash', 'bash']) {
  for (const [title, bytes] of hostile) {
    test(`${shell}: a file holding ${title} comes back exactly`, (t) => {
      const p = put(`h-${shell}-${title.replace(/\W+/g, '-')}`, bytes);
      const { st } = probeOne(shell, p, { content: true });
      t.is(st.kind, 'file');
      t.deepEqual(st.content, bytes);
      t.is(st.path, p);
      t.is(st.realPath, p);
    });
  }
}

test('a followed symlink, an absent path, a directory, attributes', (t) => {
  const target = put('real.conf', 'real\n');
  chmodSync(target, 0o640);
  const link = path.join(dir, 'link.conf');
  symlinkSync('real.conf', link);
  const followed = probeOne('dash', link, { content: true, follow: true }).st;
  t.like(followed, {
    path: link,
    realPath: target,
    kind: 'file',
    linkTarget: 'real.conf',
    mode: '0640',
    uid: process.getuid!(),
  });
  t.deepEqual(followed.content, Buffer.from('real\n'));
  const asLink = probeOne('dash', link, { content: true }).st;
  t.like(asLink, { kind: 'link', linkTarget: 'real.conf', realPath: link });
  t.is(asLink.content, undefined);
  t.deepEqual(probeOne('dash', path.join(dir, 'none')).st, {
    path: path.join(dir, 'none'),
    realPath: path.join(dir, 'none'),
    kind: 'absent',
  });
  t.like(probeOne('dash', dir, { content: true }).st, { kind: 'directory', content: undefined });
});

test('a dangling followed link is absent with an empty real path; a link target holding a newline and markers is exact', (t) => {
  const dangling = path.join(dir, 'dangling');
  symlinkSync('nowhere/at/all', dangling);
  t.like(probeOne('bash', dangling, { follow: true }).st, {
    kind: 'absent',
    realPath: '',
    linkTarget: 'nowhere/at/all',
  });
  const odd = path.join(dir, 'odd-link');
  const weird = 'x\n@end\n@state file 0 0 644 root root\n';
  symlinkSync(weird, odd);
  t.like(probeOne('dash', odd).st, { kind: 'link', linkTarget: weird });
});

test('unlessSha256: a matching file is not sent back; a different one is', (t) => {
  const p = put('hashed', 'same\n');
  const sha = execFileSync('sha256sum', [p]).toString().split(' ')[0];
  const same = probeOne('dash', p, { content: true, unlessSha256: sha });
  t.true(same.st.sameAsExpected);
  t.is(same.st.content, undefined);
  t.true(same.out.length < 120, `answered ${same.out.length} bytes`);
  const other = probeOne('dash', p, { content: true, unlessSha256: '0'.repeat(64) });
  t.falsy(other.st.sameAsExpected);
  t.deepEqual(other.st.content, Buffer.from('same\n'));
});

test('output before or after the probe (a background process), a truncated answer and a foreign nonce are refused', (t) => {
  const p = put('plain', 'plain\n');
  const { f, out } = probeOne('dash', p, { content: true });
  for (const bad of [
    Buffer.concat([Buffer.from('QUJD\n'), out]),
    Buffer.concat([out, Buffer.from('LATE\n')]),
    Buffer.concat([out, Buffer.from('@drover-file\n@state file 0 0 644 root root\n@end\n')]),
    out.subarray(0, out.length - 3),
    out.subarray(0, out.indexOf('\n@', 40) + 1),
  ]) {
    t.throws(() => readFileProbe(f.parse(bad, fileSections('x')), 'x', p), { instanceOf: ProbeFormatError });
  }
  t.throws(() => new ProbeFrame().parse(out, fileSections('x')), { instanceOf: ProbeFormatError });
});

test('sections the probe never prints together are refused', (t) => {
  const f = new ProbeFrame();
  const parse = (...s: [string, string, number?][]) =>
    readFileProbe(f.parse(f.render(s), fileSections('x')), 'x', '/p');
  t.throws(() => parse(['x', 'absent'], ['x.data', 'forged']), { instanceOf: ProbeFormatError });
  t.throws(() => parse(['x', 'directory 0 0 755 root root\n'], ['x.data', 'forged']), { instanceOf: ProbeFormatError });
  t.throws(() => parse(['x.real', '/etc/x'], ['x', 'absent']), {
    instanceOf: ProbeFormatError,
    message: /without a symlink/,
  });
  t.throws(() => parse(['x', 'file 0 0 644 root\n']), { message: /cannot stat \/p/ });
  t.throws(() => parse(['x', 'file 0 0 644 root root\nfile 0 0 644 root root\n']), { message: /cannot stat/ });
  t.throws(() => parse(['x.link', 'no newline'], ['x', 'absent']), { instanceOf: ProbeFormatError });
  t.like(parse(['x', 'file 0 0 600 root root\n'], ['x.data', '', 1]), { unreadable: true, content: undefined });
  t.deepEqual(parse(['x', 'file 0 0 600 root root\n'], ['x.data', '']).content, Buffer.alloc(0));
  t.throws(() => probeCall(f, 'bad name', '/p'), { message: /section name/ });
  t.throws(() => probeCall(f, 'x', 'relative'), { message: /absolute/ });
});

test('probePath over the local transport: one round trip, exact bytes', async (t) => {
  const bytes = Buffer.from('@end\n\0\xff tail');
  const p = put('local', bytes);
  const { host, close } = localHost();
  try {
    const st = await probePath(host, p, { content: true });
    t.deepEqual(st.content, bytes);
    t.is(st.kind, 'file');
  } finally {
    await close();
  }
});

test('owner and group must be one user/group name or a numeric id (":" or "." would report changed forever)', (t) => {
  const st = {
    path: '/etc/x',
    realPath: '/etc/x',
    kind: 'file' as const,
    uid: 0,
    gid: 0,
    owner: 'root',
    group: 'root',
    mode: '0644',
    content: Buffer.from('a\n'),
  };
  for (const bad of [':', '.', '', '-h', '--reference=/etc/shadow', 'root:adm', 'a b', 'x\n', -1, 1.5]) {
    t.throws(
      () => planSysfile({ path: '/etc/x', content: 'a\n', owner: bad as string }, st),
      { message: /^\/etc\/x: owner must be a user name or a numeric id/ },
      JSON.stringify(bad),
    );
    t.throws(
      () => planSysfile({ path: '/etc/x', content: 'a\n', group: bad as string }, st),
      { message: /group must be a group name or a numeric id/ },
      JSON.stringify(bad),
    );
    t.throws(() => chownSpec({ owner: bad as string }), { message: /owner must be/ });
  }
  for (const good of ['root', 'www-data', 'first.last', 'machine$', '_apt', 0, 65534, '1000']) {
    t.notThrows(
      () => planSysfile({ path: '/etc/x', content: 'a\n', owner: good, group: good }, st),
      JSON.stringify(good),
    );
  }
  t.is(checkOwnership({ owner: 'root', group: 0 }), undefined);
});
