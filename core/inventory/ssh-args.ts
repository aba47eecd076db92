// ansible_ssh_common_args / ansible_ssh_extra_args, read as the ssh command line Ansible passes them to:
// what changes where, as whom or how drover connects becomes an ssh option (`-o K=V`, `-J` → ProxyJump,
// `-l` → User, `-p` → Port, `-i` → IdentityFile, `-4`/`-6` → AddressFamily) judged by the same directive
// table as ssh_config (honoured, or refused before connecting); `-F FILE` is the host's ssh config file.
// Flags that change nothing about the connection (-v, -C, -T, -A, ...) are ignored; anything drover
// cannot do (-W, -N, -G, ...) is an error: never a silently different connection.
import { shlexSplit } from './ini-values.ts';

export interface SshArgs {
  options: { keyword: string; value: string }[];
  configFile?: string;
}

/** ssh flags without an argument that change nothing drover does (verbosity, tty, compression, forwarding). */
const IGNORED_FLAGS = new Set([...'AaCgKkntqTtvXxYy']);
/** ssh flags whose argument changes nothing drover does: log file, escape char, forwardings, control socket. */
const IGNORED_WITH_ARG = new Set([...'EeDLRS']);
/** ssh flags with an argument that are ssh_config options. */
const AS_OPTION: Record<string, string> = {
  J: 'ProxyJump',
  l: 'User',
  p: 'Port',
  i: 'IdentityFile',
  b: 'BindAddress',
  B: 'BindInterface',
  c: 'Ciphers',
  m: 'MACs',
  w: 'TunnelDevice',
};
/** Flags with an argument ssh knows (ssh.c getopt string), for the error on the others. */
const TAKES_ARG = new Set([...'bcDeEFiIJlLmoOpPQRSwWB']);

/** Splits `-o Keyword=Value` / `-o "Keyword Value"` as OpenSSH's process_config_line reads it. */
function optionText(text: string, show: (s: string) => string): { keyword: string; value: string } {
  const m = /^\s*([A-Za-z0-9]+)\s*(?:=\s*|\s+)(.*?)\s*$/s.exec(text);
  if (!m || m[2] === '') throw new Error(`-o ${show(text)} is not "Keyword=Value"`);
  return { keyword: m[1], value: m[2] };
}

/**
 * A flag's argument as one ssh_config argument: drover reads `-l USER` as the config line `User=USER`,
 * so a value with spaces or quotes is quoted (argv_split syntax) or it would silently lose its tail.
 */
function configArg(v: string): string {
  return /[\s"'\\#]/.test(v) ? `"${v.replace(/[\\"]/g, '\\$&')}"` : v;
}

/** How a part of a secret value appears in an error: not at all (only the flag letters are shown). */
const MASKED = () => '***';

/**
 * Parses one var's value (a shell-quoted ssh argument list); throws an Error saying what is wrong.
 * With `secret`, no part of the value but a flag letter is in the message (a vaulted value may hold a password).
 */
export function parseSshArgs(text: string, opts: { secret?: boolean } = {}): SshArgs {
  const show = opts.secret ? MASKED : (s: string) => JSON.stringify(s);
  let words: string[];
  try {
    words = shlexSplit(text);
  } catch (e) {
    throw new Error(`cannot split ${show(text)} into words: ${(e as Error).message}`);
  }
  const out: SshArgs = { options: [] };
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (!w.startsWith('-') || w === '-')
      throw new Error(`${show(w)} is not an ssh option (a host or command here would change what ssh connects to)`);
    // getopt: flags cluster (`-tt`, `-Ao Key=V`); a flag taking an argument takes the rest of the word or the next one.
    for (let j = 1; j < w.length; j++) {
      const f = w[j];
      if (f === '4' || f === '6') {
        out.options.push({ keyword: 'AddressFamily', value: f === '4' ? 'inet' : 'inet6' });
        continue;
      }
      if (IGNORED_FLAGS.has(f)) continue;
      if (!TAKES_ARG.has(f))
        throw new Error(`ssh option -${f} is not something drover does (it connects and runs its own shell)`);
      let arg = w.slice(j + 1);
      if (arg === '') {
        if (i + 1 >= words.length) throw new Error(`ssh option -${f} needs an argument`);
        arg = words[++i];
      }
      // Each value becomes an ssh_config line, which ends at a line break: the rest would be dropped or read as another line.
      if (/[\0\n\r]/.test(arg))
        throw new Error(`ssh option -${f} ${show(arg)}: a value with a line break or NUL is no ssh option value`);
      if (f === 'o') out.options.push(optionText(arg, show));
      else if (f === 'F') out.configFile = arg;
      else if (AS_OPTION[f]) out.options.push({ keyword: AS_OPTION[f], value: configArg(arg) });
      else if (!IGNORED_WITH_ARG.has(f))
        throw new Error(`ssh option -${f} ${opts.secret ? MASKED() : arg} is not something drover does`);
      break;
    }
  }
  return out;
}
