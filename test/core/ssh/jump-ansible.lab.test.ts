// An Ansible inventory using `ansible_ssh_common_args='-F FILE -o ProxyJump=…'`, unchanged, run by drover
// and by ansible-playbook: both reach the host behind the jump host, and both lose exactly that host
// when the jump host is gone (a host with the same address but no ProxyJump stays reachable) — so both
// really went through it.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { drover, recap } from '../../support/cli.ts';
import { startSshd, type Sshd } from '../../support/sshd.ts';

let b1: Sshd;
let target: Sshd;
const dir = mkdtempSync(join(tmpdir(), 'drover-jump-ansible-'));
let inventory: string;

test.before(async () => {
  [b1, target] = await Promise.all([startSshd(), startSshd()]);
  // b1's key and known_hosts outlive it (stopping an sshd removes its directory): only the refused connection may fail.
  const b1Key = join(dir, 'b1_key');
  copyFileSync(b1.keyFile, b1Key);
  const cfg = join(dir, 'ssh_config');
  writeFileSync(
    cfg,
    [
      'Host b1',
      '  HostName 127.0.0.1',
      `  Port ${b1.port}`,
      '  User root',
      `  IdentityFile ${b1Key}`,
      `  UserKnownHostsFile ${b1.knownHostsFile}`,
      'Host 127.0.0.1',
      `  UserKnownHostsFile ${target.knownHostsFile}`,
      'Host *',
      '  BatchMode yes',
      '',
    ].join('\n'),
  );
  inventory = join(dir, 'hosts.ini');
  const common = `ansible_host=127.0.0.1 ansible_port=${target.port} ansible_user=root ansible_ssh_private_key_file=${target.keyFile}`;
  writeFileSync(
    inventory,
    [
      '[behind]',
      `t1 ${common}`,
      '[behind:vars]',
      `ansible_ssh_common_args='-F ${cfg} -o ProxyJump=b1'`,
      '[direct]',
      `t2 ${common} ansible_ssh_common_args='-F ${cfg}'`,
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'play.yml'), '- hosts: all\n  gather_facts: false\n  tasks:\n    - raw: "true"\n');
});
test.after.always(async () => {
  await Promise.all([b1?.stop(), target?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

/** ansible-playbook's recap: host → unreachable count. */
function ansible(): { code: number | null; unreachable: Record<string, number>; out: string } {
  const r = spawnSync('ansible-playbook', ['-i', inventory, join(dir, 'play.yml')], {
    encoding: 'utf8',
    timeout: 120_000,
    env: {
      ...process.env,
      ANSIBLE_NOCOLOR: '1',
      ANSIBLE_SSH_CONTROL_PATH_DIR: join(dir, 'cp'),
      ANSIBLE_SSH_ARGS: '-o ControlMaster=no',
    },
  });
  const unreachable: Record<string, number> = {};
  for (const m of r.stdout.matchAll(/^(\S+)\s+: ok=\d+\s+changed=\d+\s+unreachable=(\d+)/gm))
    unreachable[m[1]] = Number(m[2]);
  return { code: r.status, unreachable, out: r.stdout + r.stderr };
}

async function droverRun() {
  const r = await drover(['run', 'test/fixtures/ssh-config/playbook.ts', '-i', inventory, '--json']);
  const stats = recap(r);
  return {
    code: r.code,
    unreachable: { t1: stats.t1.unreachable, t2: stats.t2.unreachable },
    out: r.stdout + r.stderr,
  };
}

test.serial('the same inventory: drover and ansible-playbook reach t1 through b1 and t2 directly', async (t) => {
  const a = ansible();
  t.is(a.code, 0, a.out);
  t.deepEqual(a.unreachable, { t1: 0, t2: 0 }, a.out);
  const d = await droverRun();
  t.is(d.code, 0, d.out);
  t.deepEqual(d.unreachable, { t1: 0, t2: 0 }, d.out);
});

test.serial('without the jump host both lose t1 only (exit 4): both went through it', async (t) => {
  await b1.stop();
  const a = ansible();
  t.is(a.code, 4, a.out);
  t.deepEqual(a.unreachable, { t1: 1, t2: 0 }, a.out);
  const d = await droverRun();
  t.is(d.code, 4, d.out);
  t.deepEqual(d.unreachable, { t1: 1, t2: 0 }, d.out);
  t.regex(
    d.out,
    new RegExp(
      `cannot connect to root@127\\.0\\.0\\.1:${target.port} via root@127\\.0\\.0\\.1:${b1.port}: cannot connect to root@127\\.0\\.0\\.1:${b1.port}: connection refused`,
    ),
  );
});
