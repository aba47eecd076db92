// Asks for a password on the terminal without echoing it (for -K, sudo's password).
import { UsageError } from '../errors.ts';

export async function askHidden(question: string): Promise<string> {
  const input = process.stdin;
  if (!input.isTTY) {
    // A pipe is fine too: the first line is the password (never echoed, never logged).
    let data = '';
    for await (const chunk of input) {
      data += chunk.toString();
      if (data.includes('\n')) break;
    }
    if (!data) throw new UsageError('-K: no password given on stdin');
    return data.split('\n')[0];
  }
  process.stderr.write(question);
  input.setRawMode(true);
  input.resume();
  let value = '';
  try {
    for await (const chunk of input) {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return value;
        if (ch === '\u0003') throw new UsageError('interrupted at the password prompt');
        if (ch === '\u007f') value = value.slice(0, -1);
        else value += ch;
      }
    }
    return value;
  } finally {
    input.setRawMode(false);
    input.pause();
    process.stderr.write('\n');
  }
}
