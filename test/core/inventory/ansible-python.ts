// The Python interpreter that runs `ansible` (from its #! line), for tests that ask ansible-core or its PyYAML directly.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Throws a clear message when ansible-core is not installed (CI installs it in .ci/run). */
export function ansiblePython(): string {
  let path: string;
  try {
    path = execFileSync('sh', ['-c', 'command -v ansible'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(
      'ansible-core is not installed (no `ansible` on PATH): this test compares drover with it. .ci/run installs it; locally: apt-get install ansible-core',
    );
  }
  const first = readFileSync(path, 'utf8').split('\n')[0];
  const m = /^#!\s*(\S+)(?:\s+(\S+))?/.exec(first);
  if (!m) throw new Error(`cannot tell which Python runs ${path} (first line: ${first})`);
  return m[1].endsWith('/env') && m[2] ? m[2] : m[1];
}
