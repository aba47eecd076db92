// drover's ssh_config resolution against OpenSSH's own: `ssh -G` prints what ssh computes for a host
// without connecting. The fixtures (test/fixtures/ssh-config) are the user's ~/.ssh and /etc/ssh: ssh
// runs in a private mount namespace where /etc/passwd gives root a temporary home whose .ssh links to
// the fixtures, and /etc/ssh is the fixture system config — so relative Includes resolve as they would.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, readFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import test from 'ava';
import { parseConfigText } from '../../../core/ssh/ssh-config-syntax.ts';
import {
  connectionTokens,
  expandPath,
  resolveSshConfig,
  type SshConfigEnv,
  type SshConfigResolution,
  type SshConfigSources,
} from '../../../core/ssh/ssh-config.ts';

const FIXTURES = resolve(import.meta.dirname, '../../fixtures/ssh-config');
const FIELDS = [
  'hostname',
  'user',
  'port',
  'identityfile',
  'proxyjump',
  'proxycommand',
  'hostkeyalias',
  'userknownhostsfile',
  'stricthostkeychecking',
] as const;
type View = Record<(typeof FIELDS)[number], string>;

// Mode "default": `ssh HOST` reads ~/.ssh/config then /etc/ssh/ssh_config; mode "F": `ssh -F other.conf HOST`.
// `user`/`port`: given as `ssh -l USER -p PORT` (drover: the inventory's ansible_user/ansible_port).
// `jump`: given as `ssh -J JUMP` (how ssh reaches the last hop of a chain; drover: a ProxyJump option before the files).
const ROWS: { mode: 'default' | 'F'; host: string; user?: string; port?: number; jump?: string }[] = [
  ...[
    'web1',
    'web2',
    'web9',
    'alias',
    'ALIAS3',
    'real.example.org',
    'db1',
    'db2',
    'foo.internal',
    'jumpnone-1',
    'pc-1',
    'pcnone-1',
    'pj-1',
    'kh',
    'alias2',
    'sys-1',
    'other',
  ].map((host) => ({ mode: 'default' as const, host })),
  ...['a', 'b', 'CaseHost', 'casehost', 'x.corp', 'secret.corp', 'ip6', 'eq', 'final-is-false', 'other'].map(
    (host) => ({ mode: 'F' as const, host }),
  ),
  { mode: 'default', host: 'other', user: 'webuser' },
  { mode: 'default', host: 'web2', user: 'someone', port: 4242 },
  { mode: 'F', host: 'x.corp', user: 'corp', port: 2200 },
  { mode: 'F', host: 'other', user: 'corp' },
  // The hops of `chain-1` (ProxyJump ops@bastion:2222,b2) as ssh resolves them: b2 with -J ops@bastion:2222, bastion with -l/-p.
  { mode: 'default', host: 'chain-1' },
  { mode: 'default', host: 'b2', jump: 'ops@bastion:2222' },
  { mode: 'default', host: 'bastion', user: 'ops', port: 2222 },
  { mode: 'default', host: 'outer' },
];

// What ssh -G prints for options nobody set.
const DEFAULT_IDS = ['id_rsa', 'id_ecdsa', 'id_ecdsa_sk', 'id_ed25519', 'id_ed25519_sk', 'id_xmss', 'id_dsa'].map(
  (k) => `~/.ssh/${k}`,
);

function sshView(res: SshConfigResolution, env: SshConfigEnv): View {
  const get = (k: string) => res.settings.get(k);
  const one = (k: string) => get(k)?.[0]?.args[0];
  const notNone = (v: string | undefined) => (v === undefined || v.toLowerCase() === 'none' ? '' : v);
  const tokens = connectionTokens(res, env);
  const khf = get('userknownhostsfile')?.[0]?.args ?? ['~/.ssh/known_hosts', '~/.ssh/known_hosts2'];
  const strict = (one('stricthostkeychecking') ?? 'ask').toLowerCase();
  return {
    hostname: res.host,
    user: one('user') ?? env.localUser,
    port: one('port') ?? '22',
    identityfile: (get('identityfile')?.map((s) => s.args[0]) ?? DEFAULT_IDS).join(' | '),
    proxyjump: notNone(one('proxyjump')),
    proxycommand: notNone(one('proxycommand')),
    hostkeyalias: one('hostkeyalias') ?? '',
    userknownhostsfile: khf.map((f) => expandPath(f, tokens, env, 'UserKnownHostsFile')).join(' '),
    stricthostkeychecking: /^(yes|true)$/.test(strict) ? 'true' : /^(no|false|off)$/.test(strict) ? 'false' : strict,
  };
}

function parseSshG(out: string): View {
  const v: Record<string, string[]> = {};
  for (const line of out.split('\n')) {
    const m = /^(\S+) (.*)$/.exec(line);
    if (m && (FIELDS as readonly string[]).includes(m[1])) (v[m[1]] ??= []).push(m[2]);
  }
  const view = {} as View;
  for (const f of FIELDS) view[f] = (v[f] ?? []).join(f === 'identityfile' ? ' | ' : ' ');
  return view;
}

test('resolution agrees with `ssh -G` for every fixture host', (t) => {
  if (process.getuid?.() !== 0) return t.fail('needs root: ssh runs in a private mount namespace (unshare -m)');
  const dir = mkdtempSync(join(tmpdir(), 'drover-sshg-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const home = join(dir, 'home');
  mkdirSync(home);
  symlinkSync(join(FIXTURES, 'dot-ssh'), join(home, '.ssh'));
  const passwd = readFileSync('/etc/passwd', 'utf8').replace(
    /^root:([^:]*):0:0:([^:]*):[^:]*:/m,
    `root:$1:0:0:$2:${home}:`,
  );
  writeFileSync(join(dir, 'passwd'), passwd);

  // One namespace for all rows: each row is 4 arguments (mode host user port), never part of the shell text.
  const script = `mount --make-rprivate / && mount --bind "$P" /etc/passwd && mount --bind "$E" /etc/ssh || exit 99
    row() {
      mode=$1 host=$2 user=$3 port=$4 jump=$5
      set -- -G
      [ "$mode" = F ] && set -- "$@" -F "$HOME/.ssh/other.conf"
      [ -n "$user" ] && set -- "$@" -l "$user"
      [ -n "$port" ] && set -- "$@" -p "$port"
      [ -n "$jump" ] && set -- "$@" -J "$jump"
      echo "@@@BEGIN $mode $host"; ssh "$@" -- "$host" 2>&1; echo "@@@END rc $?"
    }
    while [ $# -gt 0 ]; do row "$1" "$2" "$3" "$4" "$5"; shift 5; done`;
  const r = spawnSync(
    'unshare',
    [
      '-m',
      'sh',
      '-c',
      script,
      'sh',
      ...ROWS.flatMap((row) => [
        row.mode,
        row.host,
        row.user ?? '',
        row.port === undefined ? '' : String(row.port),
        row.jump ?? '',
      ]),
    ],
    {
      encoding: 'utf8',
      env: { ...process.env, HOME: home, P: join(dir, 'passwd'), E: join(FIXTURES, 'etc-ssh') },
    },
  );
  t.is(r.status, 0, r.stderr + r.stdout);
  const blocks = r.stdout.split(/^@@@BEGIN /m).slice(1);
  t.is(blocks.length, ROWS.length, r.stdout.slice(0, 2000));

  const env: SshConfigEnv = { home, localUser: 'root', uid: 0, localHost: hostname() };
  ROWS.forEach((row, i) => {
    const block = blocks[i];
    t.true(block.startsWith(`${row.mode} ${row.host}\n`), block.slice(0, 200));
    t.regex(block, /@@@END rc 0\s*$/, `ssh -G ${row.host} failed:\n${block}`);
    const options = row.jump ? parseConfigText(`ProxyJump=${row.jump}`, '(-J)') : [];
    const preset = { user: row.user, port: row.port, options };
    const src: SshConfigSources =
      row.mode === 'F'
        ? { userFile: join(home, '.ssh', 'other.conf'), env, preset }
        : {
            userFile: join(home, '.ssh', 'config'),
            systemFile: join(FIXTURES, 'etc-ssh', 'ssh_config'),
            systemDir: join(FIXTURES, 'etc-ssh'),
            env,
            preset,
          };
    const ours = sshView(resolveSshConfig(row.host, src), env);
    t.deepEqual(ours, parseSshG(block), `${row.mode} ${row.host} ${row.user ?? ''} ${row.port ?? ''}`);
  });
});
