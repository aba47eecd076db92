// An inventory value must never run code on the control machine (issue 22 item 1, CVE-2023-51385 and
// friends): hostile host and user names through ProxyCommand, ProxyJump (jump host and jump user),
// ssh_config_file and ansible_ssh_common_args, each tried as a run would (inventory file → resolution →
// open). A canary file must not appear and the ProxyCommand program must not even start. Where OpenSSH
// has the same check, its `ssh -G` decision for the same config is compared.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { hostKeyPolicyFor, openTransport, resolveConnection } from '../../../core/transport/connection.ts';
import { loadInventory } from '../../../core/inventory/index.ts';
import { quote } from '../../../core/sh.ts';
import { startSshd, type Sshd } from '../../support/sshd.ts';
import {
  argvRecorder,
  type Payload,
  payloads,
  shArgv,
  sshG,
  VALID_HOSTS,
  VALID_USERS,
} from './proxy-injection-payloads.ts';

const dir = mkdtempSync(join(tmpdir(), 'drover-h22a-'));
const empty = mkdtempSync(join(tmpdir(), 'drover-h22a-empty-'));
const canary = join(dir, 'canary');
const { program: rec, argvFile } = argvRecorder(dir);
let sshd: Sshd;

test.before(async () => {
  sshd = await startSshd();
});
test.after.always(async () => {
  await sshd?.stop();
  rmSync(dir, { recursive: true, force: true });
  rmSync(empty, { recursive: true, force: true });
});

/** The ssh_config every route uses: the real key and known_hosts (so a connection gets as far as the proxy), and a ProxyCommand with every token. */
function config(head: string, proxyCommand = true): string {
  const file = join(dir, 'ssh_config');
  const lines = [
    'Host *',
    `  IdentityFile ${sshd.keyFile}`,
    `  UserKnownHostsFile ${sshd.knownHostsFile}`,
    '  ConnectTimeout 5',
  ];
  if (proxyCommand) lines.push(`  ProxyCommand ${rec} %r %h %p %n`);
  writeFileSync(file, `${head}${lines.join('\n')}\n`);
  return file;
}

/** YAML double-quoted text for any string (JSON with everything outside printable ASCII escaped). */
const yq = (s: string) =>
  JSON.stringify(s).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

interface Outcome {
  stage: 'inventory' | 'resolve' | 'open';
  message: string;
  ran: boolean;
  canary: boolean;
}

/** Tries host `name` with `vars` as `drover run` would; reports where it stopped and whether anything ran. */
async function attempt(name: string, vars: Record<string, string>): Promise<Outcome> {
  rmSync(canary, { force: true });
  rmSync(argvFile, { force: true });
  const inv = join(dir, 'inventory.yml');
  writeFileSync(
    inv,
    `all:\n  hosts:\n    ${yq(name)}:\n${Object.entries(vars)
      .map(([k, v]) => `      ${k}: ${yq(v)}\n`)
      .join('')}`,
  );
  const done = (stage: Outcome['stage'], e: unknown): Outcome => ({
    stage,
    message: e ? (e as Error).message : '',
    ran: existsSync(argvFile),
    canary: existsSync(canary),
  });
  let hosts;
  try {
    hosts = (await loadInventory(inv)).hosts;
  } catch (e) {
    return done('inventory', e);
  }
  let resolved;
  try {
    resolved = hostKeyPolicyFor(resolveConnection(hosts[0].name, hosts[0].connection), hosts[0].knownHostsFile, false);
  } catch (e) {
    return done('resolve', e);
  }
  let error: unknown = new Error('connected');
  try {
    await (await openTransport(resolved.spec, resolved.policy, { name: hosts[0].name })).close();
  } catch (e) {
    error = e;
  }
  // Whatever the shell started has finished by now (the recorder exits at once).
  await new Promise((r) => setTimeout(r, 200));
  return done('open', error);
}

interface Route {
  name: string;
  /** Inventory host name, vars and the config's head lines for a value. */
  build(v: string, cfg: (head: string, pc?: boolean) => string): { host: string; vars: Record<string, string> };
  /** Only values that are one ssh_config argument. */
  configOnly?: boolean;
  /** The value is a user name (a legitimate one like `u@h` is accepted). */
  user?: boolean;
  /** The value is a ProxyJump list (`a,b` and `u@h` are jump syntax, not one host; tokens are expanded). */
  jumpList?: boolean;
  /** The value is a template whose %-tokens are expanded (HostName). */
  template?: boolean;
  /** The ssh command line (after -G -F cfg) that gives OpenSSH the same value, where OpenSSH checks it. */
  openssh?: (v: string) => string[];
  /** Whether drover's first check of this route is OpenSSH's own: it then refuses saying so exactly when ssh -G refuses. */
  parity?: boolean;
}

const routes: Route[] = [
  {
    name: 'ansible_host (ssh_config_file with ProxyCommand)',
    build: (v, cfg) => ({ host: 'web1', vars: { ansible_host: v, ssh_config_file: cfg('') } }),
    openssh: (v) => ['--', v],
    parity: true,
  },
  // The inventory loader refuses some names (control characters) itself, first.
  {
    name: 'inventory host name',
    build: (v, cfg) => ({ host: v, vars: { ssh_config_file: cfg('') } }),
    openssh: (v) => ['--', v],
  },
  {
    name: 'ansible_user (%r)',
    user: true,
    build: (v, cfg) => ({ host: 'web1', vars: { ansible_user: v, ssh_config_file: cfg('') } }),
    openssh: (v) => ['-l', v, 'web1'],
    parity: true,
  },
  {
    name: '-l in ansible_ssh_common_args (%r)',
    user: true,
    build: (v, cfg) => ({
      host: 'web1',
      vars: { ansible_ssh_common_args: `-l ${quote(v)}`, ssh_config_file: cfg('') },
    }),
    openssh: (v) => ['-l', v, 'web1'],
  },
  // OpenSSH accepts any `-o HostName=` (a gap): drover refuses what reaches %h.
  {
    name: '-o HostName= in ansible_ssh_common_args (%h)',
    template: true,
    build: (v, cfg) => ({
      host: 'web1',
      vars: { ansible_ssh_common_args: `-o ${quote(`HostName=${v}`)}`, ssh_config_file: cfg('') },
    }),
    openssh: (v) => ['-o', `HostName=${v}`, 'web1'],
  },
  {
    name: '-o ProxyCommand= in ansible_ssh_common_args, ansible_host',
    build: (v, cfg) => ({
      host: 'web1',
      vars: {
        ansible_host: v,
        ansible_ssh_common_args: `-o ${quote(`ProxyCommand=${rec} %h %p`)}`,
        ssh_config_file: cfg('', false),
      },
    }),
    openssh: (v) => ['-o', `ProxyCommand=${rec} %h %p`, '--', v],
  },
  {
    name: '-J host in ansible_ssh_common_args (the jump host reaches its ProxyCommand)',
    jumpList: true,
    build: (v, cfg) => ({
      host: 'web1',
      vars: { ansible_ssh_common_args: `-J ${quote(v)}`, ssh_config_file: cfg('') },
    }),
    openssh: (v) => ['-J', v, 'web1'],
  },
  {
    name: '-J user@gw in ansible_ssh_common_args (jump user)',
    jumpList: true,
    user: true,
    build: (v, cfg) => ({
      host: 'web1',
      vars: { ansible_ssh_common_args: `-J ${quote(`${v}@gw`)}`, ssh_config_file: cfg('') },
    }),
    openssh: (v) => ['-J', `${v}@gw`, 'web1'],
  },
  {
    name: 'ssh_proxy_jump var (jump host)',
    jumpList: true,
    build: (v, cfg) => ({ host: 'web1', vars: { ssh_proxy_jump: v, ssh_config_file: cfg('') } }),
    openssh: (v) => ['-J', v, 'web1'],
  },
  // OpenSSH does not check a ProxyJump from ssh_config and runs `ssh -l USER …` with its jump user (its gap).
  {
    name: 'ssh_config ProxyJump USER@gw',
    configOnly: true,
    jumpList: true,
    user: true,
    build: (v, cfg) => ({ host: 'web1', vars: { ssh_config_file: cfg(`Host web1\n  ProxyJump ${v}@gw\n`) } }),
    openssh: () => ['web1'],
  },
  {
    name: 'ssh_config ProxyJump j-%h with a hostile host',
    build: (v, cfg) => ({
      host: 'web1',
      vars: { ansible_host: v, ssh_config_file: cfg('Host *\n  ProxyJump j-%h\n') },
    }),
    openssh: (v) => ['--', v],
  },
];

for (const route of routes) {
  test.serial(
    `hostile values through ${route.name}: refused before anything runs; never laxer than OpenSSH`,
    async (t) => {
      const stricter: string[] = [];
      for (const p of payloads(canary) as Payload[]) {
        if (
          (route.configOnly && !p.configable) ||
          (route.user && p.validUser) ||
          (route.jumpList && p.jumpSyntax) ||
          ((route.jumpList || route.template) && p.tokenSyntax)
        )
          continue;
        let cfgFile = '';
        const { host, vars } = route.build(p.value, (head, pc) => (cfgFile = config(head, pc)));
        const o = await attempt(host, vars);
        const what = `${p.cls} ${JSON.stringify(p.value)}`;
        t.false(o.canary, `${what}: the canary was created (code ran on the control machine)`);
        t.false(o.ran, `${what}: the ProxyCommand ran (${o.stage}: ${o.message})`);
        t.not(o.stage, 'open', `${what}: not refused before connecting: ${o.message}`);
        // No raw control character or non-ASCII text of the value is echoed by drover's checks (the message is safe to print).
        if (o.stage === 'resolve' || /ssh accepts/.test(o.message))
          t.notRegex(
            o.message,
            /[\x00-\x08\x0b-\x1f\x7f\u2028\u202e\uff1b]/,
            `${what}: message echoes raw control characters`,
          );
        if (!route.openssh || p.value.includes('\0')) continue;
        const ssh = sshG(cfgFile, route.openssh(p.value));
        if (!ssh.refused) stricter.push(p.cls);
        const saysOpenssh = /OpenSSH refuses it too/.test(o.message);
        if (route.parity)
          t.is(
            saysOpenssh,
            ssh.refused,
            `${what}: drover's OpenSSH check disagrees with ssh -G (${ssh.stderr.trim() || 'accepted'}; drover: ${o.message})`,
          );
        else if (saysOpenssh) t.true(ssh.refused, `${what}: drover says OpenSSH refuses it, ssh -G accepts it`);
      }
      t.log(`refused by drover, accepted by ssh -G: ${stricter.join(', ') || 'none'}`);
    },
  );
}

test.serial('valid names still work: the ProxyCommand gets what ssh -G resolves, word for word', async (t) => {
  const cases = [
    ...VALID_HOSTS.map((h) => ({ host: h, user: 'root' })),
    ...VALID_USERS.map((u) => ({ host: 'web1', user: u })),
  ];
  for (const c of cases) {
    const cfg = config('');
    const o = await attempt('web1', { ansible_host: c.host, ansible_user: c.user, ssh_config_file: cfg });
    t.is(o.stage, 'open', `${c.user}@${c.host}: ${o.message}`);
    t.false(o.canary);
    const got = readFileSync(argvFile, 'utf8').split('\n').slice(0, -1);
    const ssh = sshG(cfg, ['-l', c.user, '--', c.host]);
    t.false(ssh.refused, `ssh -G refused ${c.user}@${c.host}: ${ssh.stderr}`);
    const g = (k: string) => ssh.G.get(k)!;
    // ssh -G prints the ProxyCommand unexpanded; OpenSSH substitutes raw, then /bin/sh splits the words.
    const expanded = g('proxycommand').replace(
      /%([%hprn])/g,
      (_m, k: string) => ({ '%': '%', h: g('hostname'), p: g('port'), r: g('user'), n: c.host })[k]!,
    );
    t.deepEqual(got, shArgv(expanded, empty).slice(1), `${c.user}@${c.host}`);
  }
});

test.serial('the refusal names the host, where the value came from and the directive file:line', async (t) => {
  const cfg = config('');
  const inv = await attempt('web1', { ansible_host: 'x$(id)', ssh_config_file: cfg });
  t.is(inv.stage, 'inventory');
  t.regex(
    inv.message,
    /inventory\.yml:4: host web1: ansible_host "x\$\(id\)" is not a host name ssh accepts: it contains "\$" \(OpenSSH refuses it too\)/,
  );
  const glob = await attempt('web1', { ansible_host: 'x*', ssh_config_file: cfg });
  t.is(glob.stage, 'resolve');
  t.regex(
    glob.message,
    /ssh_config:5: ProxyCommand for host "x\*": %h would be "x\*" \(the name looked up: the inventory host's ansible_host, or its name\): it contains "\*"/,
  );
  const user = await attempt('web1', { ansible_ssh_common_args: "-l 'a b'", ssh_config_file: cfg });
  t.regex(
    user.message,
    /ProxyCommand for host "web1": %r would be "a b" \(.*inventory\.yml:4 ansible_ssh_common_args\): it contains " "/,
  );
  const jump = await attempt('web1', { ssh_config_file: config('Host web1\n  ProxyJump o;id@gw\n') });
  t.regex(jump.message, /ssh_config:2: ProxyJump for host "web1": jump user "o;id" in "o;id@gw": it contains ";"/);
});

test.serial(
  'without a ProxyCommand, what OpenSSH accepts is accepted (a `*` or `%h` in a name is no shell text there)',
  async (t) => {
    for (const host of ['x*', 'x%h', 'é.example']) {
      const o = await attempt('web1', { ansible_host: host, ssh_config_file: config('', false) });
      t.is(o.stage, 'open', `${host}: ${o.message}`);
      t.false(sshG(config('', false), ['--', host]).refused);
    }
  },
);

test.serial('a hostile ssh_config_file value is a path, never shell text', async (t) => {
  const o = await attempt('web1', { ansible_host: '127.0.0.1', ssh_config_file: `$(touch ${canary})` });
  t.false(o.canary);
  t.not(o.stage, 'open');
});

test.serial(
  'end to end: a real ProxyCommand on loopback still connects (name with "_" and "-", as ssh does)',
  async (t) => {
    const nc = join(dir, 'nc.cjs');
    writeFileSync(
      nc,
      `const s = require('net').connect(Number(process.argv[3]), process.argv[2]);\nprocess.stdin.pipe(s); s.pipe(process.stdout);\ns.on('error', (e) => { console.error(String(e)); process.exit(1); });\n`,
    );
    const cfg = config(
      `Host e2e_node-1.example\n  HostName 127.0.0.1\n  Port ${sshd.port}\n  User root\n  ProxyCommand ${process.execPath} ${nc} %h %p\n`,
    );
    const { spec, policy } = hostKeyPolicyFor(
      resolveConnection('e2e_node-1.example', {}, { sshConfigFile: cfg }),
      undefined,
      false,
    );
    t.like(spec.via, { command: `${process.execPath} ${nc} 127.0.0.1 ${sshd.port}` });
    const tr = await openTransport(spec, policy, { name: 'e2e_node-1.example' });
    try {
      t.is((await tr.run('echo through-proxy')).stdout.toString(), 'through-proxy\n');
    } finally {
      await tr.close();
    }
    const { spawnSync } = await import('node:child_process');
    const ssh = spawnSync('ssh', ['-F', cfg, '-o', 'BatchMode=yes', 'e2e_node-1.example', 'echo through-proxy'], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    t.is(ssh.stdout, 'through-proxy\n', `OpenSSH with the same config: ${ssh.stderr}`);
  },
);
