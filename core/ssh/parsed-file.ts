// Reuses a file's parse while the file is unchanged (same mtime, size and inode).
// Why: a run's connections start in parallel and read the same key and known_hosts files; parsing
// them once per connection was measurable at 20-50 hosts (bench/analysis.md). A changed file (an
// appended known_hosts line) is read again.
import { readFile, stat } from 'node:fs/promises';

export function parsedFileCache<T>(parse: (data: Buffer, file: string) => T): (file: string) => Promise<T> {
  const cache = new Map<string, { stamp: string; value: T }>();
  return async (file) => {
    const st = await stat(file);
    const stamp = `${st.mtimeMs}:${st.size}:${st.ino}`;
    const hit = cache.get(file);
    if (hit?.stamp === stamp) return hit.value;
    const value = parse(await readFile(file), file);
    cache.set(file, { stamp, value });
    return value;
  };
}
