// Runs ava with its TAP reporter, shows readable progress, and writes the counts CI reads to a JSON file.
// Usage: node test/support/run-ava.mjs [--results FILE] [ava arguments...]   (FILE default: $DROVER_TEST_RESULTS)
// Why TAP: it is ava's machine-readable report; counting its `ok`/`not ok` lines does not depend on how the
// human-readable reporter indents (grepping that broke once). Only ava's stdout is parsed: test workers' own
// output goes to stderr, so a test printing "ok 1 - ..." cannot add to the counts.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

const args = process.argv.slice(2);
let resultsFile = process.env.DROVER_TEST_RESULTS;
const at = args.indexOf('--results');
if (at !== -1) {
  resultsFile = args[at + 1];
  if (!resultsFile) {
    console.error('run-ava: --results needs a file name');
    process.exit(2);
  }
  args.splice(at, 2);
}

// ava exports neither its CLI nor its package.json; the CLI sits next to its main entry point.
const avaCli = fileURLToPath(new URL('cli.mjs', import.meta.resolve('ava')));
const counts = { passed: 0, failed: 0, skipped: 0, todo: 0 };
/** ava's own closing lines (`# pass N`, `# fail N`, ...): a cross-check on the per-test lines. */
const summary = {};
const green = (s) => (process.stdout.isTTY ? `\x1b[32m${s}\x1b[39m` : s);
const red = (s) => (process.stdout.isTTY ? `\x1b[31m${s}\x1b[39m` : s);

const child = spawn(process.execPath, [avaCli, '--tap', ...args], { stdio: ['inherit', 'pipe', 'inherit'] });
let inFailure = false;
for await (const line of createInterface({ input: child.stdout })) {
  const m = /^(ok|not ok) \d+ - (.*?)(?: # (SKIP|TODO))?$/.exec(line);
  if (m) {
    const [, status, title, directive] = m;
    inFailure = false;
    if (directive === 'SKIP') {
      counts.skipped++;
      console.log(`  - ${title} (skipped)`);
    } else if (directive === 'TODO') {
      counts.todo++;
      console.log(`  - ${title} (todo)`);
    } else if (status === 'ok') {
      counts.passed++;
      console.log(`  ${green('✔')} ${title}`);
    } else {
      counts.failed++;
      inFailure = true;
      console.log(`  ${red('✘')} ${title}`);
    }
    continue;
  }
  const s = /^# (tests|pass|skip|fail) (\d+)$/.exec(line);
  if (s) {
    summary[s[1]] = Number(s[2]);
    continue;
  }
  // The failure's YAML block (assertion, diff, location) and t.log comments; the TAP frame lines are dropped.
  if (inFailure && line.startsWith('  ')) console.log(`    ${line.slice(2)}`);
  else if (line.startsWith('# ')) console.log(`  ${line.slice(2)}`);
}
const [code, signal] = await new Promise((resolve) => child.on('close', (c, sig) => resolve([c, sig])));

// ava's `# fail` also counts todo tests and crashed workers; a crash is also a `not ok` line, so the larger wins.
const avaFailed = (summary.fail ?? 0) - counts.todo;
if (avaFailed > counts.failed) counts.failed = avaFailed;
// ava exiting non-zero with nothing failed (bad configuration, a crash before any report) still counts as one.
if ((code !== 0 || signal) && counts.failed === 0) counts.failed = 1;
const result = { ...counts, exitCode: code, signal };
console.log(`\n${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped, ${counts.todo} todo`);
if (resultsFile) writeFileSync(resultsFile, `${JSON.stringify(result)}\n`);
process.exit(counts.failed > 0 ? 1 : (code ?? 1));
