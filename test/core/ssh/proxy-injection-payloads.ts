// Hostile host and user names for the ProxyCommand / ProxyJump injection tests (CVE-2023-51385 and
// friends), a program that records the argv a ProxyCommand gives it, and what OpenSSH's `ssh -G` says.
import { spawnSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Payload {
  /** The payload class, for messages. */
  cls: string;
  value: string;
  /** Whether it is one argument on an ssh_config line (no space, line break or NUL: config syntax would split it, as OpenSSH's does). */
  configable: boolean;
  /** A legitimate user name (`alice@corp.example`-like): the user routes accept it. */
  validUser?: boolean;
  /** Legitimate ProxyJump list syntax (`a,b`, `u@h`): the jump-list routes read it as jumps. */
  jumpSyntax?: boolean;
  /** A %-token: HostName and ProxyJump values are templates where OpenSSH expands them (`HostName %h.example`). */
  tokenSyntax?: boolean;
}

/** Hostile values; `c` is the canary file a successful injection would create. */
export function payloads(c: string): Payload[] {
  const list: [string, string][] = [
    ['$(…)', `x$(touch ${c})`],
    ['backticks', `x\`touch ${c}\``],
    [';', `x;touch ${c}`],
    ['|', `x|touch ${c}`],
    ['&', `x&touch ${c}`],
    ['&&', `x&&touch ${c}`],
    ['>', `x>${c}`],
    ['>>', `x>>${c}`],
    ['<', `x<${c}`],
    ['newline', `x\ntouch ${c}`],
    ['CR', `x\rtouch`],
    ['single quote', `x'$(touch ${c})'`],
    ['double quote', `x"$(touch ${c})"`],
    ['space', `x -oProxyCommand=touch`],
    ['tab', `x\ttouch`],
    ['leading -', `-oProxyCommand=touch${c}`],
    ['NUL', `x\0;touch ${c}`],
    ['ESC (OSC 52)', 'x\x1b]52;c;aGk=\x07'],
    ['DEL', 'x\x7f'],
    ['${IFS}', `x\${IFS}touch\${IFS}${c}`],
    ['brace', `x{a,b}`],
    ['comma', 'a,b'],
    ['%-token', 'x%h'],
    ['%%', 'x%%y'],
    ['glob *', 'x*'],
    ['glob ?', 'x?'],
    ['tilde', '~root'],
    ['hash', 'x#y'],
    ['bang', 'x!y'],
    ['slash', '../../etc/x'],
    ['at sign', 'u@h'],
    ['equals', 'x=y'],
    ['unicode letter', 'é.example'],
    ['unicode RLO', 'x\u202ey'],
    ['fullwidth semicolon', `x\uff1btouch`],
    ['U+2028', 'x\u2028y'],
    ['backslash', 'x\\y'],
  ];
  return list.map(([cls, value]) => ({
    cls,
    value,
    configable: !/[\s\0]/.test(value),
    ...(cls === 'at sign' ? { validUser: true, jumpSyntax: true } : cls === 'comma' ? { jumpSyntax: true } : {}),
    ...(cls.startsWith('%') ? { tokenSyntax: true } : {}),
  }));
}

/** Names both OpenSSH and drover accept, substituted as they are. */
export const VALID_HOSTS = [
  'web1',
  'web-1.example.org',
  'Web1.Example.ORG',
  'a_b',
  'host.',
  '10.0.0.1',
  '::1',
  'fe80::1%eth0',
  '[::1]',
];
export const VALID_USERS = ['root', 'deploy', 'svc_ci', 'alice@corp.example', 'a.b-c'];

/** An executable that writes its argv (one per line) to `<dir>/argv` and fails: a stand-in ProxyCommand program. */
export function argvRecorder(dir: string): { program: string; argvFile: string } {
  const program = join(dir, 'record-argv');
  const argvFile = join(dir, 'argv');
  writeFileSync(
    program,
    `#!/bin/sh\nprintf '%s\\n' "$@" > '${argvFile}'\necho 'no route (test stand-in)' >&2\nexit 1\n`,
  );
  chmodSync(program, 0o755);
  return { program, argvFile };
}

export interface OpensshAnswer {
  refused: boolean;
  /** `ssh -G` output keys (lowercase) → value, when accepted. */
  G: Map<string, string>;
  stderr: string;
}

/** `ssh -G -F cfg ARGS…`: whether OpenSSH refuses, and what it resolved (ssh -G never connects). */
export function sshG(cfg: string, args: string[]): OpensshAnswer {
  const r = spawnSync('ssh', ['-G', '-F', cfg, ...args], { encoding: 'utf8', timeout: 10_000 });
  const G = new Map<string, string>();
  for (const line of r.stdout.split('\n')) {
    const i = line.indexOf(' ');
    if (i > 0 && !G.has(line.slice(0, i))) G.set(line.slice(0, i), line.slice(i + 1));
  }
  return { refused: r.status !== 0, G, stderr: r.stderr };
}

/** The argv /bin/sh makes of a command line (how a ProxyCommand's words reach its program), run in `cwd` (an empty directory: no glob matches). */
export function shArgv(command: string, cwd: string): string[] {
  const r = spawnSync('/bin/sh', ['-c', `set -- ${command}; printf '%s\\0' "$@"`], { encoding: 'utf8', cwd });
  if (r.status !== 0) throw new Error(`sh could not parse ${JSON.stringify(command)}: ${r.stderr}`);
  return r.stdout.split('\0').slice(0, -1);
}
