// Writes a local file through a temp file and a rename: a concurrent reader sees the old or the new content, never half.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';

export function writeFileAtomicSync(file: string, data: string | Uint8Array, mode?: number): void {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(tmp, data, mode === undefined ? undefined : { mode });
  fs.renameSync(tmp, file);
}
