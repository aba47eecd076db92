// `validate: 'CMD %s'` is documented as run without a shell (as Ansible does): its words are programs
// and arguments, never shell syntax. Run here through the real write script and a real sh.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { VALIDATE_FAILED, writeFileAtomic } from '../../../modules/shared/remote-file.ts';

const dir = mkdtempSync(join(tmpdir(), 'drover-validate-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

function write(path: string, content: string, validate: string, PATH = process.env.PATH) {
  const cmd = writeFileAtomic(path, { size: Buffer.byteLength(content), mode: '0644', validate }, `${path}.tmp`);
  return spawnSync('sh', ['-c', cmd.text], { input: content, encoding: 'utf8', env: { PATH } });
}

test('a leading NAME=value in validate is a program name, not an environment assignment', (t) => {
  const path = join(dir, 'sudoers');
  writeFileSync(path, 'old\n');
  // In a shell `LC_ALL=C grep -q ok FILE` would pass; without one there is no program `LC_ALL=C`.
  const r = write(path, 'ok\n', 'LC_ALL=C grep -q ok %s');
  t.is(r.status, VALIDATE_FAILED, r.stderr);
  t.regex(r.stderr, /LC_ALL=C: (command )?not found/);
  t.is(readFileSync(path, 'utf8'), 'old\n', 'the old file is untouched');
  t.false(existsSync(`${path}.tmp`), 'no temp file left');
});

test('a reserved word in validate is a program name, not shell syntax', (t) => {
  // A validator that happens to be called `if`, on the PATH: it records the file it was given.
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'if'), `#!/bin/sh\nprintf '%s' "$1" > ${dir}/if-ran\n`, { mode: 0o755 });
  const path = join(dir, 'hosts');
  writeFileSync(path, 'old\n');
  const r = write(path, 'new\n', 'if %s', `${bin}:${process.env.PATH}`);
  t.is(r.status, 0, r.stderr);
  t.is(readFileSync(join(dir, 'if-ran'), 'utf8'), `${path}.tmp`);
  t.is(readFileSync(path, 'utf8'), 'new\n');
});
