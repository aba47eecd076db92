// A hostile host (escape sequences, CR overwrites, forged ✔ lines, 8-bit CSI, bidi overrides in its output,
// file content and errors) run as localhost through the CLI: plain lines and a real terminal show them escaped.
import test from 'ava';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { BIN, drover, REPO } from '../../support/cli.ts';
import { hasTmux, startPty, TERMINAL_ENV } from '../../support/pty.ts';

const PLAYBOOK = 'test/fixtures/playbooks/hostile-output.ts';
const args = (dir: string) => ['run', PLAYBOOK, '-i', 'localhost,', '-e', `dir=${dir}`, '--diff', '--no-typecheck'];
const workDir = () => mkdtempSync(path.join(tmpdir(), 'drover-hostile-'));

/** What the host sent that a terminal would obey: OSC 52 / OSC 0, its cursor moves, BEL, C1 CSI, bidi override, a CR before the forgery. */
const HOST_SEQUENCES: [string, RegExp][] = [
  ['OSC 52 clipboard write', /\u001b\]52;/],
  ['OSC 0 title', /\u001b\]0;/],
  ['clear screen', /\u001b\[2J/],
  ['cursor up 2', /\u001b\[2A/],
  ['BEL', /\u0007/],
  ['8-bit CSI', /\u009b/],
  ['bidi override', /\u202e/],
  ['CR overwrite', /\rFORGED-BY-CR/],
];

/** The escaped forms every view shows instead. */
const SHOWN = [
  /osc52 \\x1b\]52;c;SGFja2Vk\\x07 end/,
  /title \\x1b\]0;pwned-title\\x07 end/,
  /moves \\x1b\[2A\\x1b\[2J end/,
  /overwritten\\x0dFORGED-BY-CR/,
  /c1 \\x9b31mred end/,
  /bidi \\u202eemordnilap end/,
];

test('plain output (a pipe) shows the host output escaped, and no forged line at column 0', async (t) => {
  const r = await drover(args(workDir()));
  t.is(r.code, 2, r.stderr);
  const out = r.stdout + r.stderr;
  for (const [what, re] of HOST_SEQUENCES) t.notRegex(out, re, what);
  // No control character at all but newlines: NO_COLOR is set, so drover adds none either.
  // eslint-disable-next-line no-control-regex
  t.notRegex(out.replace(/\t\(after\)/g, ''), /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
  for (const re of SHOWN) t.regex(out, re);
  t.notRegex(out, /^ {0,2}✔ localhost {2}9 ok$/m, 'the forged ✔ line is indented under its host line');
  t.notRegex(out, /^localhost \| ok \| forged plain line$/m, 'the forged plain line is not at column 0');
  t.regex(out, /^ {2}localhost \| ok \| forged plain line$/m);
  t.regex(out, /^\+moves \\x1b\[2A\\x1b\[2J end$/m, 'the diff shows the file content escaped');
});

const hasScript = (() => {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

// util-linux `script` gives the run a real pty and records every byte written to it: the listr2 view, raw.
(hasScript ? test : test.skip)('on a terminal (listr2), none of the host’s sequences reach the pty', async (t) => {
  const dir = workDir();
  const log = path.join(dir, 'tty.raw');
  const quoted = [process.execPath, BIN, ...args(dir)].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const env: Record<string, string> = { ...(process.env as Record<string, string>), TERM: 'xterm-256color' };
  for (const k of Object.keys(TERMINAL_ENV)) delete env[k];
  await promisify(execFile)('script', ['-qfec', `stty cols 110 rows 40; ${quoted}`, log], { cwd: REPO, env }).catch(
    (e: { code?: number }) => {
      if (e.code !== 2) throw e;
    },
  );
  const raw = readFileSync(log, 'utf8');
  t.regex(raw, /\u001b\[2K/, 'listr2 drew the task list (not plain lines)');
  for (const [what, re] of HOST_SEQUENCES) t.notRegex(raw, re, what);
  for (const re of SHOWN) t.regex(raw, re);
});

(hasTmux() ? test.serial : test.serial.skip)(
  'on a terminal the screen shows the escapes and the forged ✔ line stays indented under the host',
  async (t) => {
    const pty = await startPty(t, [process.execPath, BIN, ...args(workDir())], { cwd: REPO, env: TERMINAL_ENV });
    t.is(await pty.exitCode(), 2, await pty.screen());
    const screen = await pty.screen();
    t.log(screen);
    t.regex(screen, /^ {2}✖ localhost {2}0 ok, 2 changed$/m);
    t.regex(screen, /osc52 \\x1b\]52;c;SGFja2Vk\\x07 end/);
    t.regex(screen, /overwritten\\x0dFORGED-BY-CR/);
    t.notRegex(screen, /^ {0,2}✔ localhost {2}9 ok$/m, 'no forged host line where drover draws its own');
    t.notRegex(screen, /^FORGED-BY-CR/m);
    t.regex(screen, /^localhost : ok=0 changed=2 unreachable=0 failed=1 skipped=0$/m);
  },
);
