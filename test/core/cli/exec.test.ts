// `drover exec PATTERN -- CMD` on local hosts: the pattern selects, each host's output is reported (JSON detail), a failing command fails its host (exit 2), secrets are masked, --check runs nothing.
import test from 'ava';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { drover } from '../../support/cli.ts';

function inventory(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'drover-exec-'));
  const file = path.join(dir, 'hosts.ini');
  writeFileSync(
    file,
    'a1 ansible_connection=local\na2 ansible_connection=local\nb1 ansible_connection=local ansible_become_password_env=DROVER_EXEC_TEST_PW\n[web]\na1\na2\n',
  );
  return file;
}

function exec(args: string[]) {
  return drover(['exec', ...args], { env: { DROVER_EXEC_TEST_PW: 'pw-0f9e8d7c' } });
}

test('drover exec: the pattern selects the hosts, each one reports its output, the recap counts it', async (t) => {
  const inv = inventory();
  const r = await exec(['web', '-i', inv, '--json', '--', 'echo', 'hello;', 'echo', '$((6*7))']);
  t.is(r.code, 0, r.stderr);
  const ends = r.events.filter((e) => e.kind === 'module-end');
  t.deepEqual(ends.map((e) => e.host).sort(), ['a1', 'a2']);
  for (const e of ends) t.like(e, { status: 'changed', detail: 'hello\n42', message: 'rc=0 >> 42' });
  t.deepEqual(Object.keys(r.events.find((e) => e.kind === 'recap')?.stats ?? {}).sort(), ['a1', 'a2']);
});

test('drover exec: a failing command fails its host (exit 2); secrets in the output are masked; --check runs nothing', async (t) => {
  const inv = inventory();
  const failed = await exec(['b1', '-i', inv, '--json', '--', 'echo $DROVER_EXEC_TEST_PW; exit 3']);
  t.is(failed.code, 2, failed.stderr);
  t.notRegex(failed.stdout, /pw-0f9e8d7c/);
  t.regex(failed.stdout, /exit 3'\\n\*\*\*"/, 'the host printed the secret; the event shows ***');
  t.regex(failed.stdout, /exit code 3/);
  const dir = path.dirname(inv);
  const check = await exec(['all', '-i', inv, '--check', '--', `touch ${dir}/ran`]);
  t.is(check.code, 0, check.stderr);
  t.false(existsSync(path.join(dir, 'ran')));
  t.regex(check.stdout, /would run: touch/);
  const usage = await exec(['all', '-i', inv]);
  t.is(usage.code, 1);
  t.regex(usage.stderr, /missing the command after --/);
});
