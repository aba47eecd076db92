// Command line: parses argv, dispatches to run/check/list/inventory/lab/demo, maps errors to exit codes.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { Interrupted, UsageError } from '../errors.ts';
import { Secret } from '../secret.ts';
import { askHidden } from './prompt.ts';
import { safeText } from '../render/terminal-safe.ts';

// Commands import what they need when they run: --help, --version and `lab` do not pay for the
// runner, ssh2, yaml and the renderers (module loading through tsx is most of drover's start-up).

const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

const HELP: Record<string, string> = {
  main: `drover ${VERSION} — typed TypeScript playbooks over SSH

Usage: drover <command> [options]

Commands:
  run PLAYBOOK -i INVENTORY   run a playbook across the inventory's hosts
  exec PATTERN -i INV -- CMD  run one shell command on the hosts PATTERN selects (ad hoc)
  check PLAYBOOK [-i INV]     type-check a playbook (and its required vars against INV) without touching hosts
  list PLAYBOOK [-i INV]      show a playbook's phases and module calls, from its source
  inventory -i INVENTORY      show the inventory as JSON (--host NAME: one host's merged vars)
  lab up|down|status|ssh|cut|heal|delay|disk
                              local test hosts in network namespaces (root, Linux)
  demo                        bring up the 3-node Ganeti lab and run playbooks/ganeti.ts on it

Run "drover <command> --help" for a command's options.`,
  run: `Usage: drover run PLAYBOOK -i INVENTORY [options]

Options:
  -i, --inventory INV        inventory: a .ts/.yml/.ini file, a directory, or a comma list "a,b,"
      --check                dry run: change nothing, report what would change (with --diff: how)
      --diff                 show a unified diff of every file changed or that would change
  -l, --limit PATTERN        only hosts matching PATTERN (group, web*, a:b, a:&b, a:!b)
      --list-hosts           print the hosts the play would run on (in order), run nothing
      --phase NAME           run only this phase (repeatable); the others are skipped, and a run whose
                             phases need a value a skipped phase produces is refused before any host
      --start-at NAME        skip the phases before NAME (same check)
  -f, --forks N              hosts worked on in parallel (default 10)
  -e, --extra-vars K=V       set a var (JSON values are typed: -e port=22 -e 'flags=["a"]'); repeatable; wins over all
      --json                 one JSON event per line on stdout
      --accept-new-host-keys record the key of a host not yet in known_hosts (a changed key is always refused)
  -K, --ask-become-pass      ask for the sudo password once (hosts with ansible_become)
      --vault-password-file F  vault password in file F, for !vault values and encrypted vars files (repeatable)
      --ask-vault-pass       ask for the vault password once
      --vault-id [ID@]F      a vault password for vault id ID, from file F or "prompt" (repeatable)
      --no-typecheck         skip the ts-morph type check
      --detach               every changing command runs as a job that outlives the connection (re-attached
                             after a drop, never started twice); by default only module applies do
      --no-detach            no jobs: every command dies with its connection (host var drover_detach wins)
      --reattach-budget D    how long a host may stay unreachable while a job runs on it (default 5m; 90s, 10m, 1h)
  -v, --verbose              show module progress lines and timings
  -h, --help                 this help

Ctrl-C: a rolling batch and the commands in flight finish, nothing new starts, then the recap. A job (a
module's change) still running 5 s later (DROVER_INTERRUPT_GRACE_MS=ms) is left running on its host: the
recap names it (pid, output path) and a rerun re-attaches to it. Ctrl-C again: stop at once.

Exit codes: 0 all ok, 2 a host failed, 4 a host was unreachable, 1 usage/playbook error (no host touched), 130 interrupted.`,
  exec: `Usage: drover exec PATTERN -i INVENTORY [options] -- CMD...

Runs CMD (with sh -c) on every host PATTERN selects (group, web*, a:b, a:&b, a:!b), in parallel,
with the inventory's connections, the run's recap, exit codes, --json events and secret masking.
Each host's output is the module's detail (shown with -v as it comes, whole in --json).

Options:
  -i, --inventory INV        inventory (as for run)
  -f, --forks N              hosts at once (default 10)
  -e, --extra-vars K=V       set a var (repeatable)
      --check                run nothing, say what would run
      --json                 one JSON event per line on stdout
      --accept-new-host-keys record the key of a host not yet in known_hosts
  -K, --ask-become-pass      ask for the sudo password once
  -v, --verbose              each output line as it comes`,
  check: `Usage: drover check PLAYBOOK [-i INVENTORY] [-l PATTERN] [-e K=V]

Type-checks PLAYBOOK and everything it imports (cached by content). With -i, also loads the
inventory, selects the hosts and checks every var the playbook's types require. Touches no host.`,
  list: `Usage: drover list PLAYBOOK [-i INVENTORY [-l PATTERN]]

Prints the playbook's phases and the module calls in each, with file:line, read from the source
(nothing runs). Calls inside if/?:/&&/loops are marked (conditional). A phase whose result later
phases read is marked with the variable and its readers (--phase/--start-at must keep it).
With -i (and -l), a rolling phase with literal options shows its batches for the selected hosts.`,
  inventory: `Usage: drover inventory -i INVENTORY [-l PATTERN] [--host PATTERN] [--playbook-dir DIR]

Prints the inventory as JSON in ansible-inventory --list shape (with -l: only the hosts PATTERN
selects), or with --host the merged vars of the one host PATTERN selects, as written (templates not
rendered, as ansible-inventory prints them). Secret values, vault-decrypted ones included, print as ***.
--playbook-dir DIR: read DIR's group_vars/ and host_vars/ too, as drover run reads the playbook's
(each wins over the inventory's of its level), as ansible-inventory --playbook-dir does.
--vault-password-file, --ask-vault-pass and --vault-id as for drover run (also for check and list).`,
};

type Opts = ParseArgsConfig['options'];

// Ansible's vault flags (core/inventory/vault-passwords.ts), for every command that reads an inventory.
const VAULT_OPTIONS = {
  'vault-password-file': { type: 'string', multiple: true },
  'ask-vault-pass': { type: 'boolean' },
  'vault-id': { type: 'string', multiple: true },
} satisfies Opts;

async function vaultOf(v: { 'vault-password-file'?: string[]; 'ask-vault-pass'?: boolean; 'vault-id'?: string[] }) {
  const { vaultKeyring } = await import('../inventory/vault-passwords.ts');
  return vaultKeyring(
    { passwordFiles: v['vault-password-file'], ask: v['ask-vault-pass'], ids: v['vault-id'] },
    askHidden,
  );
}

const RUN_OPTIONS = {
  ...VAULT_OPTIONS,
  inventory: { type: 'string', short: 'i' },
  check: { type: 'boolean' },
  diff: { type: 'boolean' },
  limit: { type: 'string', short: 'l' },
  'list-hosts': { type: 'boolean' },
  phase: { type: 'string', multiple: true },
  'start-at': { type: 'string' },
  forks: { type: 'string', short: 'f' },
  'extra-vars': { type: 'string', short: 'e', multiple: true },
  json: { type: 'boolean' },
  'accept-new-host-keys': { type: 'boolean' },
  'ask-become-pass': { type: 'boolean', short: 'K' },
  'no-typecheck': { type: 'boolean' },
  'reattach-budget': { type: 'string' },
  detach: { type: 'boolean' },
  'no-detach': { type: 'boolean' },
  verbose: { type: 'boolean', short: 'v' },
  help: { type: 'boolean', short: 'h' },
} satisfies Opts;

function parse<O extends Opts>(command: string, args: string[], options: O, positionals: number) {
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const m = /'(-[^']+)'/.exec(e.message);
    if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION')
      throw new UsageError(`drover ${command}: unknown option ${m?.[1] ?? ''} (see drover ${command} --help)`);
    throw new UsageError(`drover ${command}: ${e.message.split('\n')[0]}`);
  }
  if (parsed.positionals.length > positionals) {
    throw new UsageError(
      `drover ${command}: unexpected argument ${parsed.positionals[positionals]} (see drover ${command} --help)`,
    );
  }
  return parsed;
}

function needFile(command: string, what: string, file: string | undefined): string {
  if (!file) throw new UsageError(`drover ${command}: missing ${what} (see drover ${command} --help)`);
  return file;
}

async function cmdRun(args: string[], sigint: Sigint): Promise<number> {
  const { values: v, positionals } = parse('run', args, RUN_OPTIONS, 1);
  if (v.help) return help('run');
  const playbook = needFile('run', 'PLAYBOOK', positionals[0]);
  const inventory = needFile('run', '-i INVENTORY', v.inventory);
  const forks = v.forks === undefined ? 10 : Number(v.forks);
  if (!Number.isInteger(forks) || forks < 1)
    throw new UsageError(`drover run: --forks must be a whole number >= 1, got ${v.forks}`);
  let reattachBudgetMs: number | undefined;
  if (v['reattach-budget'] !== undefined) {
    const { parseDuration } = await import('../transport/long-command.ts');
    try {
      reattachBudgetMs = parseDuration(v['reattach-budget'], 'drover run: --reattach-budget');
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  const { parseExtraVars } = await import('../inventory/extra-vars.ts');
  if (v['list-hosts'])
    return listHosts({
      playbook,
      inventory,
      limit: v.limit,
      extraVars: parseExtraVars(v['extra-vars'] ?? []),
      json: v.json,
      vault: await vaultOf(v),
    });
  const becomePassword = v['ask-become-pass'] ? new Secret(await askHidden('BECOME password: ')) : undefined;
  const { runPlaybook } = await import('../engine/runner.ts');
  return runPlaybook({
    playbook,
    inventory,
    vault: await vaultOf(v),
    check: v.check,
    diff: v.diff,
    limit: v.limit,
    phases: v.phase,
    startAt: v['start-at'],
    forks,
    extraVars: parseExtraVars(v['extra-vars'] ?? []),
    acceptNewHostKeys: v['accept-new-host-keys'],
    typecheck: !v['no-typecheck'],
    verbose: v.verbose,
    renderer: v.json ? 'json' : undefined,
    becomePassword,
    reattachBudgetMs,
    detach: detachOption(v.detach, v['no-detach']),
    askBecomePassword: async () => new Secret(await askHidden('BECOME password: ')),
    signal: sigint.signal,
    stopNow: sigint.now,
  });
}

/** --detach (true), --no-detach (false), neither (undefined: module applies only); both is a usage error. */
function detachOption(on: boolean | undefined, off: boolean | undefined): boolean | undefined {
  if (on && off) throw new UsageError('drover run: --detach and --no-detach contradict each other: give one');
  return on ? true : off ? false : undefined;
}

/** `drover exec PATTERN -- CMD`: the ad-hoc command as a one-phase run of core/cli/exec-playbook.ts, limited to PATTERN. */
async function cmdExec(args: string[], sigint: Sigint): Promise<number> {
  const dash = args.indexOf('--');
  const { values: v, positionals } = parse(
    'exec',
    dash < 0 ? args : args.slice(0, dash),
    {
      inventory: { type: 'string', short: 'i' },
      forks: { type: 'string', short: 'f' },
      'extra-vars': { type: 'string', short: 'e', multiple: true },
      check: { type: 'boolean' },
      json: { type: 'boolean' },
      'accept-new-host-keys': { type: 'boolean' },
      'ask-become-pass': { type: 'boolean', short: 'K' },
      verbose: { type: 'boolean', short: 'v' },
      help: { type: 'boolean', short: 'h' },
    },
    1,
  );
  if (v.help) return help('exec');
  const pattern = needFile('exec', 'PATTERN', positionals[0]);
  const inventory = needFile('exec', '-i INVENTORY', v.inventory);
  const command = dash < 0 ? '' : args.slice(dash + 1).join(' ');
  if (!command.trim())
    throw new UsageError('drover exec: missing the command after -- (drover exec PATTERN -i INV -- CMD)');
  const forks = v.forks === undefined ? 10 : Number(v.forks);
  if (!Number.isInteger(forks) || forks < 1)
    throw new UsageError(`drover exec: --forks must be a whole number >= 1, got ${v.forks}`);
  const { parseExtraVars } = await import('../inventory/extra-vars.ts');
  const { EXEC_VAR } = await import('./exec-playbook.ts');
  const becomePassword = v['ask-become-pass'] ? new Secret(await askHidden('BECOME password: ')) : undefined;
  const { runPlaybook } = await import('../engine/runner.ts');
  return runPlaybook({
    playbook: fileURLToPath(new URL('./exec-playbook.ts', import.meta.url)),
    inventory,
    limit: pattern,
    check: v.check,
    forks,
    extraVars: { ...parseExtraVars(v['extra-vars'] ?? []), [EXEC_VAR]: command },
    acceptNewHostKeys: v['accept-new-host-keys'],
    typecheck: false,
    verbose: v.verbose,
    renderer: v.json ? 'json' : undefined,
    becomePassword,
    askBecomePassword: async () => new Secret(await askHidden('BECOME password: ')),
    signal: sigint.signal,
    stopNow: sigint.now,
  });
}

async function cmdCheck(args: string[]): Promise<number> {
  const { values: v, positionals } = parse(
    'check',
    args,
    {
      ...VAULT_OPTIONS,
      inventory: { type: 'string', short: 'i' },
      limit: { type: 'string', short: 'l' },
      'extra-vars': { type: 'string', short: 'e', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
    1,
  );
  if (v.help) return help('check');
  const playbook = needFile('check', 'PLAYBOOK', positionals[0]);
  const { typecheckPlaybook, formatDiagnostic } = await import('../typecheck/index.ts');
  const started = performance.now();
  const tc = await typecheckPlaybook(path.resolve(playbook), {});
  if (!tc.ok)
    throw new UsageError(`type errors in ${playbook}:\n\n` + tc.diagnostics.map(formatDiagnostic).join('\n\n'));
  const ms = Math.round(performance.now() - started);
  process.stdout.write(`${playbook}: types ok (${tc.cached ? 'cached' : 'checked'}, ${ms} ms)\n`);
  if (v.inventory) {
    // A TypeScript inventory is code too: its types (inventory<NodeVars & ClusterVars>) are checked like the playbook's.
    const tsInventory = typescriptInventory(v.inventory);
    if (tsInventory) {
      // The playbook checker also asks for a playbook default export (DROVER…): an inventory has none.
      const errors = (await typecheckPlaybook(tsInventory.file, {})).diagnostics.filter(
        (d) => d.category === 'error' && !d.code.startsWith('DROVER'),
      );
      if (errors.length)
        throw new UsageError(
          `type errors in the inventory ${tsInventory.shown}:\n\n` + errors.map(formatDiagnostic).join('\n\n'),
        );
    }
    const { parseExtraVars } = await import('../inventory/extra-vars.ts');
    const { prepareRun } = await import('../engine/runner.ts');
    const { hosts, unmatched } = await prepareRun({
      playbook,
      inventory: v.inventory,
      limit: v.limit,
      extraVars: parseExtraVars(v['extra-vars'] ?? []),
      vault: await vaultOf(v),
    });
    warnUnmatched(unmatched);
    process.stdout.write(`${v.inventory}: ${hosts.length} host(s) selected, every required var present\n`);
  }
  return 0;
}

/** The .ts file of a TypeScript inventory (a .ts/.mts file, or a directory's index.ts), else undefined. */
function typescriptInventory(source: string): { file: string; shown: string } | undefined {
  if (/\.m?ts$/.test(source) && existsSync(source)) return { file: path.resolve(source), shown: source };
  const index = path.join(source, 'index.ts');
  return existsSync(index) ? { file: path.resolve(index), shown: index } : undefined;
}

async function cmdList(args: string[]): Promise<number> {
  const { values: v, positionals } = parse(
    'list',
    args,
    {
      ...VAULT_OPTIONS,
      inventory: { type: 'string', short: 'i' },
      limit: { type: 'string', short: 'l' },
      help: { type: 'boolean', short: 'h' },
    },
    1,
  );
  if (v.help) return help('list');
  const playbook = needFile('list', 'PLAYBOOK', positionals[0]);
  const { outlinePlaybook, formatOutline } = await import('../typecheck/index.ts');
  let hosts: string[] | undefined;
  if (v.inventory) {
    const { prepareRun } = await import('../engine/runner.ts');
    const prepared = await prepareRun({
      playbook,
      inventory: v.inventory,
      limit: v.limit,
      typecheck: false,
      vault: await vaultOf(v),
    });
    warnUnmatched(prepared.unmatched);
    hosts = prepared.hosts.map((h) => h.name);
  }
  process.stdout.write(formatOutline(outlinePlaybook(path.resolve(playbook)), { hosts }) + '\n');
  return 0;
}

/** Ansible's wording, on stderr: a term of a pattern or --limit that named no group and no host. */
function warnUnmatched(terms: readonly string[]): void {
  for (const t of terms)
    process.stderr.write(`drover: warning: Could not match supplied host pattern, ignoring: ${t}\n`);
}

/** `drover run --list-hosts`: the hosts the play would run on, in order (like ansible-playbook --list-hosts); touches nothing. */
async function listHosts(o: {
  playbook: string;
  inventory: string;
  limit?: string;
  extraVars: Record<string, unknown>;
  json?: boolean;
  vault: import('../inventory/index.ts').VaultKeyring;
}): Promise<number> {
  const { prepareRun } = await import('../engine/runner.ts');
  // No type check: only the play's `hosts` pattern is needed (required vars are checked by run and check).
  const { book, hosts, unmatched } = await prepareRun({ ...o, typecheck: false });
  warnUnmatched(unmatched);
  const names = hosts.map((h) => h.name);
  if (o.json) {
    process.stdout.write(
      JSON.stringify({
        playbook: o.playbook,
        play: book.meta.name,
        pattern: book.meta.hosts,
        limit: o.limit ?? null,
        hosts: names,
        unmatched,
      }) + '\n',
    );
    return 0;
  }
  const lines = [
    `playbook: ${o.playbook}`,
    '',
    `  play: ${book.meta.name}`,
    `    pattern: ${book.meta.hosts}${o.limit ? ` (--limit ${o.limit})` : ''}`,
    `    hosts (${names.length}):`,
    ...names.map((n) => `      ${n}`),
  ];
  process.stdout.write(lines.join('\n') + '\n');
  return 0;
}

async function cmdInventory(args: string[]): Promise<number> {
  const { values: v } = parse(
    'inventory',
    args,
    {
      ...VAULT_OPTIONS,
      inventory: { type: 'string', short: 'i' },
      host: { type: 'string' },
      limit: { type: 'string', short: 'l' },
      'playbook-dir': { type: 'string' },
      list: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    0,
  );
  if (v.help) return help('inventory');
  const source = needFile('inventory', '-i INVENTORY', v.inventory);
  if (v.host && v.limit)
    throw new UsageError('drover inventory: --host and -l/--limit do not go together (--host takes a pattern itself)');
  const { loadInventory, selectHostsReport, playbookDirWarning } = await import('../inventory/index.ts');
  const { inventoryJson, hostJson, inventoryText } = await import('../inventory/describe.ts');
  // As ansible-inventory: a --playbook-dir that is not a directory is a warning, and adds no vars.
  const dirWarning =
    v['playbook-dir'] === undefined ? undefined : await playbookDirWarning(v['playbook-dir'], process.cwd());
  if (dirWarning) process.stderr.write(`drover: warning: ${dirWarning}\n`);
  const inv = await loadInventory(source, {
    cwd: process.cwd(),
    vault: await vaultOf(v),
    playbookDir: v['playbook-dir'],
  });
  let out: unknown;
  if (v.host) out = hostJson(inv, v.host);
  else if (v.limit !== undefined) {
    const { hosts, unmatched } = selectHostsReport(inv, 'all', v.limit, { cwd: process.cwd() });
    warnUnmatched(unmatched);
    out = inventoryJson(inv, hosts);
  } else out = inventoryJson(inv);
  // Secret values print as *** (Secret.toJSON): the output may be pasted anywhere.
  process.stdout.write(inventoryText(out) + '\n');
  return 0;
}

function help(topic: string): number {
  process.stdout.write(HELP[topic] + '\n');
  return 0;
}

interface Sigint {
  /** The first Ctrl-C. */
  signal: AbortSignal;
  /** The second. */
  now: AbortSignal;
  dispose: () => void;
}

/**
 * Ctrl-C once: a rolling batch in flight finishes (or rolls back), other hosts stop after their command
 * in flight, cleanups run, recap, exit 130 (core/engine/interrupt.ts). Twice: stop at once, the recap
 * says what is left. A third Ctrl-C exits without a recap.
 */
function interruptOnSigint(): Sigint {
  const first = new AbortController();
  const second = new AbortController();
  const onSigint = () => {
    if (second.signal.aborted) process.exit(130);
    if (first.signal.aborted) {
      process.stderr.write('\nStopping at once: the recap says what is left (Ctrl-C again to exit without it)\n');
      second.abort();
      return;
    }
    process.stderr.write(
      '\nInterrupted: finishing the batch or commands in flight, then cleanups (Ctrl-C again to stop at once)\n',
    );
    first.abort();
  };
  process.on('SIGINT', onSigint);
  return { signal: first.signal, now: second.signal, dispose: () => process.off('SIGINT', onSigint) };
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const sigint = interruptOnSigint();
  try {
    switch (command) {
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        return help('main');
      case '--version':
      case '-V':
        process.stdout.write(VERSION + '\n');
        return 0;
      case 'run': {
        const code = await cmdRun(rest, sigint);
        // Stopped at once: a command may still hold its connection open; the recap is out, so leave.
        if (sigint.now.aborted) setTimeout(() => process.exit(code), 1000).unref();
        return code;
      }
      case 'exec':
        return await cmdExec(rest, sigint);
      case 'check':
        return await cmdCheck(rest);
      case 'list':
        return await cmdList(rest);
      case 'inventory':
        return await cmdInventory(rest);
      case 'lab': {
        const { labCommand } = await import('../../lab/cli.ts');
        return await labCommand(rest);
      }
      case 'demo': {
        const { runDemo } = await import('../../lab/demo.ts');
        return await runDemo(rest);
      }
      default:
        throw new UsageError(`drover: unknown command ${command} (see drover --help)`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`drover: ${safeText(err.message.replace(/^drover:? /, ''))}\n`);
      return 1;
    }
    if (err instanceof Interrupted) {
      process.stderr.write(`drover: ${safeText(err.message)}; no host was contacted\n`);
      return 130;
    }
    // Anything else is a bug or an environment problem, still one clear message and exit 1.
    const e = err as Error;
    process.stderr.write(`drover: ${safeText(e?.message ?? String(err))}\n`);
    if (process.env.DROVER_DEBUG) process.stderr.write(`${e?.stack}\n`);
    return 1;
  } finally {
    sigint.dispose();
  }
}
