// A secret ansible_ssh_common_args (`!secret`, drover_secret_vars) never appears in an error: the error
// names the host, the var and its file:line, and says what is wrong without the value (issue 22).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { resolveConnection } from '../../../core/transport/connection.ts';
import { loadInventory } from '../../../core/inventory/index.ts';

const SECRET = 'hunter2-Pa55';

/** Loads a YAML inventory whose host web1 has `ansible_ssh_common_args: !secret <args>` on line 5. */
async function load(args: string, tag = '!secret ') {
  const dir = await mkdtemp(join(tmpdir(), 'drover-ssh-args-secret-'));
  try {
    const file = join(dir, 'hosts.yml');
    await writeFile(
      file,
      `all:\n  hosts:\n    web1:\n      ansible_host: 10.0.0.5\n      ansible_ssh_common_args: ${tag}${JSON.stringify(args)}\n`,
    );
    return { file, inv: await loadInventory(file).catch((e: Error) => e) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

for (const [args, why] of [
  [`-o 'ProxyCommand=sshpass -p ${SECRET}`, /cannot split \*\*\* into words/],
  [`${SECRET} -C`, /\*\*\* is not an ssh option/],
  [`-o ${SECRET}`, /-o \*\*\* is not "Keyword=Value"/],
  [`-W ${SECRET}:22`, /ssh option -W \*\*\* is not something drover does/],
  [`-l 'a\n${SECRET}'`, /ssh option -l \*\*\*: a value with a line break/],
] as const) {
  test(`a secret ansible_ssh_common_args is not echoed: ${why.source}`, async (t) => {
    const { file, inv } = await load(args);
    t.true(inv instanceof Error, 'refused');
    const msg = (inv as Error).message;
    t.false(msg.includes(SECRET), `the secret is in the message: ${msg}`);
    t.regex(msg, why);
    t.true(msg.startsWith(`${file}:5: host web1: ansible_ssh_common_args (secret: its value is not shown): `), msg);
  });
}

test('a plain ansible_ssh_common_args is still shown (it helps to see what was wrong)', async (t) => {
  const { inv } = await load('somehost -C', '');
  t.regex((inv as Error).message, /:5: host web1: ansible_ssh_common_args: "somehost" is not an ssh option/);
});

for (const [args, why] of [
  [
    `-o "RemoteCommand=tmux ${SECRET}"`,
    /ansible_ssh_common_args \(secret\): RemoteCommand \*\*\* — drover runs its own/,
  ],
  [
    `-o "User=x;${SECRET}"`,
    /ansible_ssh_common_args \(secret\): user "\*\*\*" for host "10\.0\.0\.5": it contains ";"/,
  ],
] as const) {
  test(`a secret ssh option refused at connection time is masked in that error too: ${why.source}`, async (t) => {
    const { inv } = await load(args);
    if (inv instanceof Error) return t.fail(inv.message);
    const host = inv.hosts[0];
    const e = t.throws(() => resolveConnection(host.name, host.connection, { sshConfigFile: '/dev/null' }));
    t.false(e!.message.includes(SECRET), e!.message);
    t.regex(e!.message, /hosts\.yml:5 ansible_ssh_common_args \(secret\)/);
    t.regex(e!.message, why);
  });
}
