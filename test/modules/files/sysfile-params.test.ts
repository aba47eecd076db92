// sysfile parameter errors through the real module on this machine (local transport): each names the
// parameter at fault, and a huge pattern is quoted briefly, never whole.
import test from 'ava';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sysfile } from '../../../modules/files/sysfile.ts';
import { localHost, type TestHost } from '../../support/host.ts';

let dir = '';
let th: TestHost | undefined;
test.before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'drover-sysfile-params-'));
  th = localHost();
});
test.after.always(async () => {
  await th?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function file(name: string, content: string): Promise<string> {
  const f = path.join(dir, name);
  await writeFile(f, content);
  return f;
}

test('a NUL byte in validate: the error names validate and the file; the file is untouched', async (t) => {
  const f = await file('validate', 'a=1\n');
  const err = await t.throwsAsync(sysfile(th!.host, { path: f, line: 'b=2', validate: 'true\0 %s' }));
  t.regex(err!.message, new RegExp(`: ${f}: validate contains a NUL byte$`));
  t.is(await readFile(f, 'utf8'), 'a=1\n');
});

test('a NUL byte in path: the error names path', async (t) => {
  const err = await t.throwsAsync(sysfile(th!.host, { path: `${dir}/a\0b`, line: 'x', create: true }));
  t.regex(err!.message, /path contains a newline or NUL/);
});

test('NUL bytes in line and regexp are text like any other (as in Ansible): written and matched', async (t) => {
  const f = await file('nul', 'a\n');
  t.true((await sysfile(th!.host, { path: f, line: 'x\0y' })).changed);
  t.is(await readFile(f, 'latin1'), 'a\nx\0y\n');
  t.true((await sysfile(th!.host, { path: f, regexp: '^x\0', line: 'r' })).changed);
  t.is(await readFile(f, 'latin1'), 'a\nr\n');
});

test('a 100 KB invalid regexp: the error names regexp, quotes 60 characters, says the problem', async (t) => {
  const f = await file('huge', 'a\n');
  for (const [param, extra] of [
    ['regexp', { regexp: 'a'.repeat(100_000) + '(' }],
    ['insertAfter', { insertAfter: 'a'.repeat(100_000) }],
    ['insertBefore', { insertBefore: '['.repeat(100_000) }],
  ] as const) {
    const err = await t.throwsAsync(sysfile(th!.host, { path: f, line: 'x', ...extra }));
    t.regex(
      err!.message,
      new RegExp(`: ${param}: invalid regular expression "[a\\[]{60}"… \\(10000[01] characters\\): \\w`),
    );
    t.true(err!.message.length < 400, `${err!.message.length} characters: ${err!.message.slice(0, 300)}`);
  }
  t.is(await readFile(f, 'utf8'), 'a\n');
});
