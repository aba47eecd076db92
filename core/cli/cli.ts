// Command line: parses argv, dispatches to run/check/list/inventory/lab/demo, maps errors to exit codes.
import { readFileSync } from 'node:fs';
import path from 'node:path';
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
      --no-typecheck         skip the ts-morph type check
  -v, --verbose              show module progress lines and timings
  -h, --help                 this help

Exit codes: 0 all ok, 2 a host failed, 4 a host was unreachable, 1 usage/playbook error (no host touched), 130 interrupted.`,
  check: `Usage: drover check PLAYBOOK [-i INVENTORY] [-l PATTERN] [-e K=V]

Type-checks PLAYBOOK and everything it imports (cached by content). With -i, also loads the
inventory, selects the hosts and checks every var the playbook's types require. Touches no host.`,
  list: `Usage: drover list PLAYBOOK [-i INVENTORY [-l PATTERN]]

Prints the playbook's phases and the module calls in each, with file:line, read from the source
(nothing runs). Calls inside if/?:/&&/loops are marked (conditional). A phase whose result later
phases read is marked with the variable and its readers (--phase/--start-at must keep it).
With -i (and -l), a rolling phase with literal options shows its batches for the selected hosts.`,
  inventory: `Usage: drover inventory -i INVENTORY [-l PATTERN] [--host PATTERN]

Prints the inventory as JSON in ansible-inventory --list shape (with -l: only the hosts PATTERN
selects), or with --host the merged vars of the one host PATTERN selects. Secret values print as ***.`,
};

type Opts = ParseArgsConfig['options'];

const RUN_OPTIONS = {
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

async function cmdRun(args: string[], signal: AbortSignal): Promise<number> {
  const { values: v, positionals } = parse('run', args, RUN_OPTIONS, 1);
  if (v.help) return help('run');
  const playbook = needFile('run', 'PLAYBOOK', positionals[0]);
  const inventory = needFile('run', '-i INVENTORY', v.inventory);
  const forks = v.forks === undefined ? 10 : Number(v.forks);
  if (!Number.isInteger(forks) || forks < 1)
    throw new UsageError(`drover run: --forks must be a whole number >= 1, got ${v.forks}`);
  const { parseExtraVars } = await import('../inventory/extra-vars.ts');
  if (v['list-hosts'])
    return listHosts({
      playbook,
      inventory,
      limit: v.limit,
      extraVars: parseExtraVars(v['extra-vars'] ?? []),
      json: v.json,
    });
  const becomePassword = v['ask-become-pass'] ? new Secret(await askHidden('BECOME password: ')) : undefined;
  const { runPlaybook } = await import('../engine/runner.ts');
  return runPlaybook({
    playbook,
    inventory,
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
    askBecomePassword: async () => new Secret(await askHidden('BECOME password: ')),
    signal,
  });
}

async function cmdCheck(args: string[]): Promise<number> {
  const { values: v, positionals } = parse(
    'check',
    args,
    {
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
    const { parseExtraVars } = await import('../inventory/extra-vars.ts');
    const { prepareRun } = await import('../engine/runner.ts');
    const { hosts, unmatched } = await prepareRun({
      playbook,
      inventory: v.inventory,
      limit: v.limit,
      extraVars: parseExtraVars(v['extra-vars'] ?? []),
    });
    warnUnmatched(unmatched);
    process.stdout.write(`${v.inventory}: ${hosts.length} host(s) selected, every required var present\n`);
  }
  return 0;
}

async function cmdList(args: string[]): Promise<number> {
  const { values: v, positionals } = parse(
    'list',
    args,
    {
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
    const prepared = await prepareRun({ playbook, inventory: v.inventory, limit: v.limit, typecheck: false });
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
      inventory: { type: 'string', short: 'i' },
      host: { type: 'string' },
      limit: { type: 'string', short: 'l' },
      list: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    0,
  );
  if (v.help) return help('inventory');
  const source = needFile('inventory', '-i INVENTORY', v.inventory);
  if (v.host && v.limit)
    throw new UsageError('drover inventory: --host and -l/--limit do not go together (--host takes a pattern itself)');
  const { loadInventory, selectHostsReport } = await import('../inventory/index.ts');
  const { inventoryJson, hostJson } = await import('../inventory/describe.ts');
  const inv = await loadInventory(source, { cwd: process.cwd() });
  let out: unknown;
  if (v.host) out = hostJson(inv, v.host);
  else if (v.limit !== undefined) {
    const { hosts, unmatched } = selectHostsReport(inv, 'all', v.limit, { cwd: process.cwd() });
    warnUnmatched(unmatched);
    out = inventoryJson(inv, hosts);
  } else out = inventoryJson(inv);
  // Secret values print as *** (Secret.toJSON): the output may be pasted anywhere.
  process.stdout.write(JSON.stringify(out, null, 2) + '\n');
  return 0;
}

function help(topic: string): number {
  process.stdout.write(HELP[topic] + '\n');
  return 0;
}

/** Ctrl-C once: stop starting work, finish what is in flight, recap, exit 130. Twice: exit now. */
function interruptOnSigint(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write('\nInterrupted: finishing commands in flight (Ctrl-C again to quit at once)\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  return { signal: controller.signal, dispose: () => process.off('SIGINT', onSigint) };
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
      case 'run':
        return await cmdRun(rest, sigint.signal);
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
