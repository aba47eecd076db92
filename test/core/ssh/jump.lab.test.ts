// ProxyJump / ProxyCommand / HostKeyAlias / UserKnownHostsFile for real: three OpenSSH servers on
// loopback (two jump hosts b1, b2 and a target), one ssh_config read by drover and by OpenSSH's ssh.
// That the jump host really carries the connection is shown by cutting it (the hosts behind it drop,
// a direct one does not) and by counting its TCP connections (one, shared).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { hostKeyPolicyFor, openTransport, resolveConnection } from '../../../core/transport/connection.ts';
import { HostKeyError, UnreachableError } from '../../../core/errors.ts';
import { openJumpCount } from '../../../core/ssh/jump.ts';
import type { InventoryConnection } from '../../../core/inventory/model.ts';
import type { Transport } from '../../../core/transport/transport.ts';
import { startSshd, type Sshd } from '../../support/sshd.ts';

let b1: Sshd;
let b2: Sshd;
let target: Sshd;
const dir = mkdtempSync(join(tmpdir(), 'drover-jump-'));
let cfg: string;

/** One Host block: the server's address, key and known_hosts, plus extra lines. */
const block = (name: string, s: Sshd, ...extra: string[]) =>
  [
    `Host ${name}`,
    '  HostName 127.0.0.1',
    `  Port ${s.port}`,
    '  User root',
    `  IdentityFile ${s.keyFile}`,
    `  UserKnownHostsFile ${s.knownHostsFile}`,
    ...extra.map((l) => `  ${l}`),
    '',
  ].join('\n');

test.before(async () => {
  [b1, b2, target] = await Promise.all([startSshd(), startSshd(), startSshd()]);
  cfg = join(dir, 'ssh_config');
  writeFileSync(
    cfg,
    [
      block('b1', b1),
      block('b2', b2, 'ProxyJump b1'),
      block('direct', target),
      block('one', target, 'ProxyJump b1'),
      block('two', target, 'ProxyJump b2'),
      block('chain', target, 'ProxyJump b1,b2'),
      block('pc', target, `ProxyCommand ssh -F ${cfg} -W %h:%p b1`),
      'Host *\n  BatchMode yes\n',
    ].join('\n'),
  );
});
test.after.always(async () => {
  await Promise.all([b1?.stop(), b2?.stop(), target?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

const open = (name: string, inv: InventoryConnection = {}, file = cfg): Promise<Transport> => {
  const { spec, policy } = hostKeyPolicyFor(resolveConnection(name, inv, { sshConfigFile: file }), undefined, false);
  return openTransport(spec, policy, { name });
};

/** The server port the shell's connection arrived on: which sshd it is. */
async function serverPort(t: Transport): Promise<number> {
  const r = await t.run('set -- $SSH_CONNECTION; echo $4');
  return Number(r.stdout.toString().trim());
}

/** Established TCP connections to a server port (ss), i.e. SSH connections to that sshd. */
function connectionsTo(port: number): number {
  const out = execFileSync('ss', ['-Htn', 'state', 'established', `( dport = :${port} )`], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.trim()).length;
}

/** What OpenSSH's own ssh does with the same config: the server port it reaches. */
function opensshServerPort(host: string): number {
  const r = spawnSync('ssh', ['-F', cfg, host, 'set -- $SSH_CONNECTION; echo $4'], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (r.status !== 0) throw new Error(`ssh -F ${cfg} ${host}: exit ${r.status}: ${r.stderr}`);
  return Number(r.stdout.trim());
}

test.serial('one jump, two jumps, a chain and a ProxyCommand reach the target as OpenSSH does', async (t) => {
  for (const name of ['one', 'two', 'chain', 'pc']) {
    const tr = await open(name);
    try {
      t.is(await serverPort(tr), target.port, name);
      t.is(opensshServerPort(name), target.port, `ssh -F ${name}`);
    } finally {
      await tr.close();
    }
  }
  t.is(openJumpCount(), 0, 'jump connections close with the last host behind them');
});

test.serial('hosts behind a jump host share one connection to it', async (t) => {
  const before = connectionsTo(b1.port);
  const trs = await Promise.all(['one', 'one', 'two', 'chain'].map((n) => open(n)));
  try {
    for (const tr of trs) t.is(await serverPort(tr), target.port);
    // `one` twice and `chain` (b1 then b2 reached through b1) and `two` (b2 via its own ProxyJump b1): one b1 connection, one b2.
    t.is(connectionsTo(b1.port) - before, 1, 'one TCP connection to b1');
    t.is(openJumpCount(), 2, 'b1, and b2 through b1');
  } finally {
    await Promise.all(trs.map((tr) => tr.close()));
  }
  t.is(openJumpCount(), 0);
});

test.serial('a jump host that drops fails exactly the hosts behind it', async (t) => {
  const behind = await open('one');
  const direct = await open('direct');
  try {
    b1.killSessions();
    const e = await t.throwsAsync(behind.run('echo hi'), { instanceOf: UnreachableError });
    t.regex(e!.message, new RegExp(`jump host root@127\\.0\\.0\\.1:${b1.port}`));
    t.is((await direct.run('echo still')).stdout.toString(), 'still\n');
    // The dropped jump connection is forgotten: the host reconnects through a new one.
    const again = await open('one');
    t.is(await serverPort(again), target.port);
    await again.close();
  } finally {
    await behind.close();
    await direct.close();
  }
});

test.serial('a changed jump host key is refused, naming the jump host; hosts not behind it connect', async (t) => {
  const other = join(dir, 'other_key');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
  const otherPub = readFileSync(other + '.pub', 'utf8')
    .split(' ')
    .slice(0, 2)
    .join(' ');
  const kh = join(dir, 'changed_b1');
  writeFileSync(kh, `[127.0.0.1]:${b1.port} ${otherPub}\n`);
  const changed = join(dir, 'changed_config');
  writeFileSync(
    changed,
    [
      block('b1', b1).replace(b1.knownHostsFile, kh),
      block('one', target, 'ProxyJump b1'),
      block('direct', target),
    ].join('\n'),
  );
  const e = await t.throwsAsync(open('one', {}, changed), { instanceOf: HostKeyError });
  t.is(e!.host, 'one');
  t.regex(e!.message, new RegExp(`host key CHANGED for 127\\.0\\.0\\.1:${b1.port}`));
  t.true(e!.message.includes(`${kh}:1`));
  t.is(openJumpCount(), 0, 'a failed jump connection is not kept');
  const direct = await open('direct', {}, changed);
  t.is(await serverPort(direct), target.port);
  await direct.close();
});

test.serial('the target behind a jump host is verified too: its unknown key is refused', async (t) => {
  const empty = join(dir, 'empty_known_hosts');
  writeFileSync(empty, '');
  const c = join(dir, 'unknown_target_config');
  writeFileSync(
    c,
    [block('b1', b1), block('one', target, 'ProxyJump b1').replace(target.knownHostsFile, empty)].join('\n'),
  );
  const e = await t.throwsAsync(open('one', {}, c), { instanceOf: HostKeyError });
  t.regex(e!.message, new RegExp(`host key for 127\\.0\\.0\\.1:${target.port} is unknown`));
});

test.serial('HostKeyAlias: keys looked up and recorded under the alias, without the port', async (t) => {
  const kh = join(dir, 'alias_known_hosts');
  writeFileSync(kh, `node-alias ${target.hostKeyPub[0]}\n`);
  const c = join(dir, 'alias_config');
  writeFileSync(c, block('aliased', target, 'HostKeyAlias node-alias').replace(target.knownHostsFile, kh));
  const tr = await open('aliased', {}, c);
  t.is(await serverPort(tr), target.port);
  await tr.close();
  // OpenSSH agrees on where the key is looked up.
  t.is(spawnSync('ssh', ['-F', c, 'aliased', 'true'], { encoding: 'utf8' }).status, 0);
  // Recorded (accept-new) under the alias too.
  const fresh = join(dir, 'alias_fresh');
  writeFileSync(fresh, '');
  const c2 = join(dir, 'alias_config2');
  writeFileSync(
    c2,
    block('aliased', target, 'HostKeyAlias other-alias', 'StrictHostKeyChecking accept-new').replace(
      target.knownHostsFile,
      fresh,
    ),
  );
  const tr2 = await open('aliased', {}, c2);
  await tr2.close();
  t.is(readFileSync(fresh, 'utf8'), `other-alias ${target.hostKeyPub[0]}\n`);
});

test.serial('a ProxyCommand that fails is unreachable with its exit code and stderr', async (t) => {
  const c = join(dir, 'pc_fail_config');
  writeFileSync(c, block('pcfail', target, 'ProxyCommand sh -c "echo no-such-bastion >&2; exit 3"'));
  const e = await t.throwsAsync(open('pcfail', {}, c), { instanceOf: UnreachableError });
  t.regex(e!.message, /ProxyCommand \(.*pc_fail_config:7\) exited with code 3; stderr: no-such-bastion/);
});

test.serial('ansible_ssh_common_args -J / -o ProxyJump reach the target through the jump host', async (t) => {
  const c = join(dir, 'plain_config');
  writeFileSync(c, [block('b1', b1), block('tgt', target)].join('\n'));
  for (const keyword of ['ProxyJump']) {
    const tr = await open(
      'tgt',
      { sshOptions: [{ keyword, value: 'b1', at: 'inventory.ini:2 ansible_ssh_common_args' }] },
      c,
    );
    t.is(await serverPort(tr), target.port);
    t.is(connectionsTo(b1.port), 1, 'connected through b1');
    await tr.close();
  }
});
