// A lone UTF-16 surrogate has no UTF-8 form: in a link target, a path, content or a line it would reach
// the host as U+FFFD and report `changed` on every run (issue 22). sysfile refuses it before touching
// the host, naming the parameter; run through the real module and a real sh on this machine.
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { secret, secretText } from '../../../core/secret.ts';
import { makeSymlink } from '../../../modules/shared/remote-file.ts';
import { sysfile, type SysfileParams } from '../../../modules/files/sysfile.ts';
import { localHost } from '../../support/host.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'drover-surrogate-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

const LONE = ['x\uD800y', 'x\uDC00', '\uDBFF'];

test('a link target with a lone surrogate is refused, naming target; nothing is created', async (t) => {
  const th = localHost();
  t.teardown(() => th.close());
  for (const target of LONE) {
    const link = path.join(dir, `link-${target.charCodeAt(target.length - 1)}`);
    const err = await t.throwsAsync(sysfile(th.host, { path: link, state: 'link', target }));
    t.regex(
      err!.message,
      new RegExp(`${link}: target holds a lone UTF-16 surrogate \\(\\\\u[0-9A-F]{4} at index \\d\\)`),
    );
    t.false(existsSync(link));
  }
  t.throws(() => makeSymlink('/tmp/l', 'a\uD800'), {
    message: /^link target holds a lone UTF-16 surrogate \(\\uD800 at index 1\)/,
  });
  // a well-formed pair is fine, and unchanged the second time
  const ok = path.join(dir, 'emoji');
  t.true((await sysfile(th.host, { path: ok, state: 'link', target: '/tmp/\uD83D\uDE00' })).changed);
  t.false((await sysfile(th.host, { path: ok, state: 'link', target: '/tmp/\uD83D\uDE00' })).changed);
});

test('content, line, block, blockName, validate, src, path with a lone surrogate: refused, naming the parameter, value not shown', async (t) => {
  const th = localHost();
  t.teardown(() => th.close());
  const f = path.join(dir, 'f.conf');
  const cases: [SysfileParams, RegExp][] = [
    [{ path: f, content: 'a\uD800' }, /f\.conf: content holds a lone UTF-16 surrogate \(\\uD800 at index 1\)/],
    [
      { path: f, content: secretText`pw=${secret('s3cr\uDC00t')}\n` },
      /f\.conf: content holds a lone UTF-16 surrogate \(\\uDC00 at index 7\)/,
    ],
    [{ path: f, content: () => 'from a function \uD800' }, /f\.conf: content holds a lone UTF-16 surrogate/],
    [{ path: f, line: 'k=\uD800', create: true }, /f\.conf: line holds a lone/],
    [{ path: f, blockName: 'b\uD800', block: 'x\n', create: true }, /f\.conf: blockName holds a lone/],
    [{ path: f, blockName: 'b', block: 'x\uDC00\n', create: true }, /f\.conf: block holds a lone/],
    [{ path: f, content: 'a\n', validate: 'grep -q \uD800 %s' }, /f\.conf: validate holds a lone/],
    [{ path: f, src: '/etc/host\uD800name' }, /f\.conf: src holds a lone/],
    [{ path: `${dir}/p\uD800`, content: 'a\n' }, /^.*path holds a lone UTF-16 surrogate \(\\uD800 at index \d+\)/],
  ];
  for (const [p, re] of cases) {
    const err = await t.throwsAsync(sysfile(th.host, p));
    t.regex(err!.message, re);
    t.false(err!.message.includes('s3cr'), 'a secret value is not shown');
  }
  t.deepEqual(
    readdirSync(dir).filter((n) => n.startsWith('f.conf') || n.startsWith('.f.conf') || n.startsWith('p')),
    [],
  );
});
