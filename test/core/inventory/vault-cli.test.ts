// The vault flags end to end: `drover inventory` and `drover run --list-hosts` with --vault-id / --vault-password-file.
import test from 'ava';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { BIN, REPO } from '../../support/cli.ts';

/** drover's exit code and output (support/cli.ts's helper reads stdout as JSON lines; this prints one JSON document). */
async function drover(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO, env: { ...process.env, NO_COLOR: '1' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const [code] = await once(child, 'exit');
  return { code: code as number, stdout, stderr };
}

const D = 'test/fixtures/inventory/differential/vault';

test('drover inventory --vault-id / --vault-password-file decrypts; values print as ***; without a password: exit 1, file:line', async (t) => {
  const ok = await drover([
    'inventory',
    '-i',
    `${D}/hosts.yml`,
    '--vault-password-file',
    `${D}/pw-default`,
    '--vault-id',
    `prod@${D}/pw-prod`,
    '--host',
    'db1',
  ]);
  t.is(ok.code, 0, ok.stderr);
  const vars = JSON.parse(ok.stdout) as Record<string, unknown>;
  t.is(vars.db_password, '***');
  t.is(vars.replicas, 2);
  t.notRegex(ok.stdout + ok.stderr, /p@ss w0rd|repl-secret|hunter2/);
  const none = await drover(['inventory', '-i', `${D}/hosts.yml`, '--host', 'db1']);
  t.is(none.code, 1);
  t.regex(none.stderr, /vault\/hosts\.yml:4: !vault value: it is vault-encrypted and no vault password was given/);
  const listed = await drover([
    'run',
    'playbooks/hello.ts',
    '-i',
    `${D}/hosts.yml`,
    '--vault-password-file',
    `${D}/pw-default`,
    '--vault-id',
    `prod@${D}/pw-prod`,
    '--list-hosts',
  ]);
  t.is(listed.code, 0, listed.stderr);
  t.regex(listed.stdout, /hosts \(3\):\n\s+db1\n\s+db2\n\s+w1/);
});
