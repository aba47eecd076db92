// sysfile `src` and the content snapshots behind big files (issue 17), over the local transport.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { sysfile } from '../../../modules/files/sysfile.ts';
import { digestOf, localFile, snapshotBytes } from '../../../modules/shared/local-source.ts';
import { countExecs, localHost } from '../../support/host.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'drover-src-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

test('localFile: absolute regular files only, errors name the param; the hash follows changes', (t) => {
  t.throws(() => localFile('rel/x', '/etc/x'), { message: '/etc/x: src must be an absolute local path, got "rel/x"' });
  t.throws(() => localFile(path.join(dir, 'missing'), '/etc/x'), {
    message: `/etc/x: cannot read src ${dir}/missing: ENOENT`,
  });
  t.throws(() => localFile(dir, '/etc/x'), { message: `/etc/x: src ${dir} is not a regular file` });
  const f = path.join(dir, 'a.bin');
  writeFileSync(f, 'one');
  t.is(localFile(f).sha256, sha(Buffer.from('one')));
  writeFileSync(f, 'two');
  // same size; a different mtime (set explicitly: the two writes may share a timestamp)
  utimesSync(f, new Date(), new Date(Date.now() + 5000));
  t.deepEqual(localFile(f), { kind: 'local-file', path: f, size: 3, sha256: sha(Buffer.from('two')) });
});

test('snapshotBytes: one copy and one hash for the same bytes; changed bytes get a new snapshot', (t) => {
  const mine = randomBytes(100_000);
  const a = snapshotBytes(mine);
  t.is(snapshotBytes(mine), a);
  t.not(a, mine);
  t.is(digestOf(a), sha(mine));
  mine[5] ^= 1;
  const b = snapshotBytes(mine);
  t.not(b, a);
  t.is(digestOf(b), sha(mine));
  t.is(digestOf(a), sha(Buffer.from(a)), 'the old snapshot kept its own bytes');
});

test('sysfile src over the local transport: exact bytes, a rerun is one round trip, bad params fail first', async (t) => {
  const { host, close } = localHost();
  t.teardown(close);
  const data = randomBytes(3_000_000);
  for (let i = 0; i < 256; i++) data[i] = i;
  const src = path.join(dir, 'src.bin');
  writeFileSync(src, data);
  const dest = path.join(dir, 'out', 'dest.bin');
  const r = await sysfile(host, { path: dest, src, mode: '0600', createParents: true });
  t.true(r.changed);
  t.deepEqual(r.changes, [
    { path: dest, before: null, after: `(content of ${src}, 3000000 bytes, sha256 ${sha(data).slice(0, 12)})\n` },
  ]);
  t.true(readFileSync(dest).equals(data));
  t.is(statSync(dest).mode & 0o777, 0o600);
  t.deepEqual(readdirSync(path.dirname(dest)), ['dest.bin']);
  const n = countExecs(host);
  t.false((await sysfile(host, { path: dest, src, mode: '0600' })).changed);
  t.is(n.n, 1);
  await t.throwsAsync(sysfile(host, { path: dest, src, content: 'x' } as never), {
    message: new RegExp(`${dest}: give content or src, not both`),
  });
  await t.throwsAsync(sysfile(host, { path: dest, src: 'relative.bin' }), {
    message: new RegExp(`${dest}: src must be an absolute local path`),
  });
  t.is(n.n, 1);
});
