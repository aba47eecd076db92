// sysfile's validate: a command template run on the new content before it replaces the old, split into words (no shell).
import { sh, type ShellCommand } from '../../core/sh.ts';

/** Splits a command template like a POSIX shell would split words (quotes, backslashes); no expansions. */
export function splitWords(cmd: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  for (let i = 0; i < cmd.length; i++) {
    const c = cmd[i];
    if (c === "'") {
      const j = cmd.indexOf("'", i + 1);
      if (j < 0) throw new Error(`unterminated ' in ${JSON.stringify(cmd)}`);
      cur += cmd.slice(i + 1, j);
      i = j;
      inWord = true;
    } else if (c === '"') {
      inWord = true;
      for (i++; i < cmd.length && cmd[i] !== '"'; i++) {
        if (cmd[i] === '\\' && i + 1 < cmd.length && '"\\$`'.includes(cmd[i + 1])) i++;
        cur += cmd[i];
      }
      if (i >= cmd.length) throw new Error(`unterminated " in ${JSON.stringify(cmd)}`);
    } else if (c === '\\' && i + 1 < cmd.length) {
      cur += cmd[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

/**
 * A validate command run on the new content before it replaces the old: a template with `%s` for the
 * temporary file ('visudo -cf %s'), split into words and run without a shell (as Ansible does), or a
 * function building the command from the temp path. Either runs in a subshell of its own with stdin
 * closed: its variables, `exit`, traps and functions never reach the write; its exit code and output
 * are the error when it rejects the content (see writeFileAtomic).
 */
export type Validate = string | ((tmpPath: string) => ShellCommand);

/**
 * Refuses a validate template that names no temp file or splits into no words (a pure check, before any
 * host is touched); `where` (the file) starts the message.
 */
export function checkValidate(v: Validate, where?: string): void {
  if (typeof v === 'function') return;
  const at = where === undefined ? '' : `${where}: `;
  if (!v.includes('%s')) throw new Error(`${at}validate must contain %s: ${v}`);
  if (splitWords(v).length === 0) throw new Error(`${at}validate is empty`);
}

export function validateCommand(v: Validate, tmp: string): ShellCommand {
  if (typeof v === 'function') return v(tmp);
  checkValidate(v);
  return sh`${splitWords(v).map((w) => w.split('%s').join(tmp))}`;
}
