// drover side of bench/bigfile.ts: one big file to every host with sysfile. `bigfile_mode=content` reads the
// file into memory and passes the bytes (works with every drover version); `src` streams it from disk.
import { readFileSync } from 'node:fs';
import { playbook } from '../core/index.ts';
import { sysfile } from '../modules/files/sysfile.ts';

interface Vars {
  bigfile_src: string;
  bigfile_dest: string;
  bigfile_mode: 'content' | 'src';
}

export default playbook<Vars>({ name: 'big file', hosts: 'all' }, async (play) => {
  let bytes: Buffer | undefined;
  await play.each('big file', async (host) => {
    const v = host.vars;
    if (v.bigfile_mode === 'src') {
      // `src` exists from issue 17 on; the cast keeps this file compiling against older versions too
      await sysfile(host, { path: v.bigfile_dest, src: v.bigfile_src, mode: '0644', createParents: true } as Parameters<
        typeof sysfile
      >[1]);
    } else {
      bytes ??= readFileSync(v.bigfile_src);
      await sysfile(host, { path: v.bigfile_dest, content: bytes, mode: '0644', createParents: true });
    }
  });
});
