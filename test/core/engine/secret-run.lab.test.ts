// No secret shows in any output mode of a real run (CLI plain and --json, listr through runPlaybook), over real sshd on loopback.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { runPlaybook } from '../../../core/engine/runner.ts';
import { Secret } from '../../../core/secret.ts';
import { drover, recap, REPO } from '../../support/cli.ts';
import { startSshd, type Sshd } from '../../support/sshd.ts';

let sshd: Sshd;
const isRoot = process.getuid?.() === 0;
const serial = isRoot ? test.serial : test.skip;

test.before(async () => {
  if (isRoot) sshd = await startSshd();
});
test.after.always(async () => {
  await sshd?.stop();
});

/** A word that stands out in any output: random, with characters that URL and JSON encodings change. */
const fresh = (tag: string) => `${tag}-${randomBytes(9).toString('base64url')}/+!`;

/** A TS inventory for the loopback sshd; `extra` is TS source for more host vars. */
function tsInventory(extra = ''): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'drover-secret-inv-'));
  const file = path.join(dir, 'inventory.ts');
  writeFileSync(
    file,
    `import { inventory, secret } from 'drover';
export default inventory({
  hosts: {
    target: {
      ansible_host: '127.0.0.1', ansible_port: ${sshd.port}, ansible_user: 'root',
      ansible_ssh_private_key_file: ${JSON.stringify(sshd.keyFile)}, known_hosts_file: ${JSON.stringify(sshd.knownHostsFile)},
      ${extra}
    },
  },
});
`,
  );
  return file;
}

/** Runs the CLI with extra environment variables set for the child only (serial tests). */
async function run(args: string[], env: Record<string, string>) {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    return await drover(['run', ...args, '--no-typecheck']);
  } finally {
    for (const k of Object.keys(env)) if (saved[k] === undefined) delete process.env[k];
    Object.assign(process.env, saved);
  }
}

/** Output of one run in plain (with --diff) and in --json. */
async function bothModes(args: string[], env: Record<string, string>) {
  const plain = await run([...args, '--diff'], env);
  const json = await run([...args, '--json'], env);
  return { plain, json, all: plain.stdout + plain.stderr + json.stdout + json.stderr };
}

serial('a Secret in a command that succeeds: its output in the module message is masked (plain, JSON)', async (t) => {
  const literal = fresh('lit');
  const { plain, json, all } = await bothModes(['test/fixtures/secrets/echo.ts', '-i', tsInventory()], {
    DROVER_TEST_LITERAL: literal,
  });
  t.is(recap(json).target.changed, 4, json.stdout);
  t.regex(plain.stdout, /target \| changed \| command echo token=\*\*\*: token=\*\*\*/);
  t.false(all.includes(literal), all);
});

serial('a Secret printed by a command in base64 (any offset) or upper-case hex is masked (plain, JSON)', async (t) => {
  const literal = fresh('enc');
  const { json, all } = await bothModes(['test/fixtures/secrets/echo.ts', '-i', tsInventory()], {
    DROVER_TEST_LITERAL: literal,
  });
  t.is(json.code, 0, json.stdout + json.stderr);
  const b64 = Buffer.from(literal).toString('base64');
  const shifted = Buffer.from('xy' + literal).toString('base64');
  const hex = Buffer.from(literal).toString('hex').toUpperCase();
  for (const form of [b64.slice(0, -4), shifted.slice(4, -4), hex]) t.false(all.includes(form), `${form} in\n${all}`);
  const messages = json.events.filter((e) => e.kind === 'module-end').map((e) => e.message);
  // 'xy' fills two bytes of a 3-byte group: its 3rd base64 character mixes 'y' with the secret, so it goes too
  t.deepEqual(messages.slice(1, 4), ['***', 'eH***', '***']);
});

serial(
  'a become password from ansible_become_password_env echoed by a failing command is masked (plain, JSON)',
  async (t) => {
    const pw = fresh('become');
    const inv = tsInventory(`ansible_become: true, ansible_become_password_env: 'DROVER_TEST_SECRET_BECOME',`);
    const { plain, json, all } = await bothModes(['test/fixtures/secrets/echo.ts', '-i', inv], {
      DROVER_TEST_SECRET_BECOME: pw,
      DROVER_TEST_ECHO: pw,
    });
    t.is(json.code, 2, json.stdout + json.stderr);
    t.regex(plain.stdout, /target \| FAILED in phase "Echo": .*exit code 3[^]*sudo: bad password \*\*\*/);
    t.regex(plain.stdout, /echoed=\*\*\*/);
    t.false(all.includes(pw), all);
  },
);

serial(
  'a Secret in the inventory vars is masked wherever a command prints it, though no command holds it (plain, JSON)',
  async (t) => {
    const token = fresh('var');
    const inv = tsInventory(`api_token: secret(${JSON.stringify(token)}),`);
    const { plain, json, all } = await bothModes(['test/fixtures/secrets/echo.ts', '-i', inv], {});
    t.is(json.code, 2, json.stdout + json.stderr);
    t.regex(plain.stdout, /command cat: var=\*\*\*/);
    t.regex(plain.stdout, /sudo: bad password \*\*\*/);
    t.false(all.includes(token), all);
  },
);

/** An inventory file of another kind (INI, YAML) for the loopback sshd, with `vars` on the host. */
function fileInventory(kind: 'ini' | 'yml', vars: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'drover-secret-inv-'));
  const file = path.join(dir, `hosts.${kind}`);
  const conn = {
    ansible_host: '127.0.0.1',
    ansible_port: sshd.port,
    ansible_user: 'root',
    ansible_ssh_private_key_file: sshd.keyFile,
    known_hosts_file: sshd.knownHostsFile,
  };
  if (kind === 'ini')
    writeFileSync(
      file,
      `target ${Object.entries(conn)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')} ${vars}\n`,
    );
  else
    writeFileSync(
      file,
      `all:\n  hosts:\n    target:\n${Object.entries(conn)
        .map(([k, v]) => `      ${k}: ${JSON.stringify(v)}\n`)
        .join('')}${vars}`,
    );
  return file;
}

for (const [how, make] of [
  [
    'YAML !secret',
    (token: string) => ({
      inv: fileInventory('yml', `      api_token: !secret ${JSON.stringify(token)}\n`),
      extra: [],
    }),
  ],
  [
    'INI drover_secret_vars',
    (token: string) => ({ inv: fileInventory('ini', `api_token=${token} drover_secret_vars=api_token`), extra: [] }),
  ],
  [
    '-e drover_secret_vars',
    (token: string) => ({
      inv: fileInventory('ini', ''),
      extra: ['-e', `api_token=${token}`, '-e', 'drover_secret_vars=api_token'],
    }),
  ],
] as const) {
  serial(
    `a var marked secret by ${how} is a Secret end to end: masked wherever a command prints it (plain, JSON)`,
    async (t) => {
      const token = fresh('mark');
      const { inv, extra } = make(token);
      const { plain, json, all } = await bothModes(['test/fixtures/secrets/echo.ts', '-i', inv, ...extra], {});
      t.is(json.code, 2, json.stdout + json.stderr);
      t.regex(plain.stdout, /command cat: var=\*\*\*/);
      t.false(all.includes(token), all);
    },
  );
}

serial('the -K password echoed by a command is masked in the listr view (runPlaybook)', async (t) => {
  const pw = fresh('askpass');
  let out = '';
  const writes = { out: process.stdout.write, err: process.stderr.write };
  const saved = process.env.DROVER_TEST_ECHO;
  process.env.DROVER_TEST_ECHO = pw;
  // listr's fallback renderer writes to process.stdout and process.stderr itself
  const capture = ((chunk: string | Uint8Array) => ((out += String(chunk)), true)) as typeof process.stdout.write;
  process.stdout.write = capture;
  process.stderr.write = capture;
  let code: number;
  try {
    code = await runPlaybook({
      playbook: path.join(REPO, 'test/fixtures/secrets/echo.ts'),
      inventory: tsInventory(`ansible_become: true, ansible_become_password_env: 'prompt',`),
      renderer: 'listr',
      typecheck: false,
      becomePassword: new Secret(pw),
      write: (s) => void (out += s),
    });
  } finally {
    process.stdout.write = writes.out;
    process.stderr.write = writes.err;
    if (saved === undefined) delete process.env.DROVER_TEST_ECHO;
    else process.env.DROVER_TEST_ECHO = saved;
  }
  t.is(code, 2, out);
  t.regex(out, /echoed=\*\*\*/);
  t.regex(out, /sudo: bad password \*\*\*/);
  t.false(out.includes(pw), out);
});

serial(
  'sysfile takes Secrets: the file gets the real bytes, every channel shows only that the secret part changed',
  async (t) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'drover-secret-files-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const key = [
      '-----BEGIN TEST KEY-----',
      randomBytes(30).toString('base64'),
      randomBytes(30).toString('base64'),
      '-----END TEST KEY-----',
      '',
    ].join('\n');
    const inv = (pw: string) =>
      tsInventory(
        `dir: ${JSON.stringify(dir)}, db_password: secret(${JSON.stringify(pw)}), ssh_key: secret(${JSON.stringify(key)}),`,
      );
    const pw1 = fresh('db1');
    const first = await run(['test/fixtures/secrets/file.ts', '-i', inv(pw1), '--diff'], {});
    t.is(first.code, 0, first.stdout + first.stderr);
    t.is(readFileSync(path.join(dir, 'app.conf'), 'utf8'), `# app\nuser=app\npassword=${pw1}\nport=5432\n`);
    t.is(readFileSync(path.join(dir, 'id_test'), 'utf8'), key);
    t.is(readFileSync(path.join(dir, 'env'), 'utf8'), `TOKEN=${pw1}\n`);
    t.regex(
      readFileSync(path.join(dir, 'block.conf'), 'utf8'),
      new RegExp(`pass = ${pw1.replace(/[+/!]/g, '\\$&')}\n`),
    );
    t.regex(first.stdout, /^\+password=<secret>$/m);
    t.regex(first.stdout, /^\+TOKEN=<secret>$/m);
    t.regex(first.stdout, /^\+pass = <secret>$/m);
    t.regex(first.stdout, /^\+<secret>$/m, 'the key file');

    const again = await run(['test/fixtures/secrets/file.ts', '-i', inv(pw1), '--json'], {});
    t.is(recap(again).target.changed, 0, 'the same secret content is no change');

    const pw2 = fresh('db2');
    const plain = await run(['test/fixtures/secrets/file.ts', '-i', inv(pw2), '--diff'], {});
    t.is(plain.code, 0, plain.stdout + plain.stderr);
    t.is(readFileSync(path.join(dir, 'app.conf'), 'utf8'), `# app\nuser=app\npassword=${pw2}\nport=5432\n`);
    t.regex(plain.stdout, /^-password=<old secret>\n\+password=<secret>$/m);
    t.regex(plain.stdout, /^-TOKEN=<old secret>\n\+TOKEN=<secret>$/m);
    t.regex(plain.stdout, /^-pass = <old secret>\n\+pass = <secret>$/m);
    const pw3 = fresh('db3');
    // --json carries the diffs without --diff
    const json = await run(['test/fixtures/secrets/file.ts', '-i', inv(pw3), '--json'], {});
    t.is(recap(json).target.changed, 3, json.stdout);
    const diffs = json.events
      .filter((e) => e.kind === 'module-end')
      .flatMap((e) => (e.changes ?? []).map((c: { diff: string }) => c.diff));
    t.true(
      diffs.some((d: string) => d.includes('-password=<old secret>\n+password=<secret>')),
      diffs.join('\n'),
    );
    const all = first.stdout + first.stderr + again.stdout + plain.stdout + plain.stderr + json.stdout + json.stderr;
    for (const v of [pw1, pw2, pw3, ...key.split('\n').slice(1, 3)]) t.false(all.includes(v), `${v} shown:\n${all}`);
  },
);
