// The lab's tarball sources for a clone without ../shared: the pinned release downloaded, verified and cached, from a
// loopback HTTP server serving the ../shared tarballs (this machine cannot reach the upstream URLs).
import test from 'ava';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  netifrcTarball,
  portageTarball,
  projectRoot,
  resolveTarball,
  tarballCacheDir,
} from '../../lab/portage-sources.ts';

const shared = (spec: typeof portageTarball) => path.resolve(projectRoot, spec.defaultRel);
const have = existsSync(shared(portageTarball)) && existsSync(shared(netifrcTarball));
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A loopback server: path → bytes; counts the requests. */
async function serve(files: Record<string, Buffer>): Promise<{ server: Server; base: string; hits: () => number }> {
  let n = 0;
  const server = createServer((req, res) => {
    n++;
    const body = files[req.url ?? ''];
    if (!body) {
      res.writeHead(404).end('no such file');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/gzip' }).end(body);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits: () => n };
}

/** A clone with no ../shared beside it, and its own cache dir. */
function clone(): { root: string; env: NodeJS.ProcessEnv; cache: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'drover-sources-'));
  const root = path.join(dir, 'drover') + path.sep;
  mkdirSync(root);
  const cache = path.join(dir, 'cache');
  return { root, env: { DROVER_LAB_TARBALLS: cache }, cache };
}

const maybe = have ? test : test.skip;

maybe('the pins are the sha256 of the ../shared tarballs and of their tar streams', (t) => {
  for (const spec of [portageTarball, netifrcTarball]) {
    const bytes = readFileSync(shared(spec));
    t.is(sha(bytes), spec.sha256, spec.what);
    t.is(sha(gunzipSync(bytes)), spec.tarSha256, spec.what);
  }
});

maybe('without ../shared the pinned release is downloaded once, verified, and cached', async (t) => {
  // served re-compressed (another gzip, as an upstream server's would be): the tar stream pin accepts it
  const recompressed = gzipSync(gunzipSync(readFileSync(shared(portageTarball))), { level: 1 });
  t.not(sha(recompressed), portageTarball.sha256);
  const { server, base, hits } = await serve({ '/portage-3.0.82.tar.gz': recompressed });
  t.teardown(() => server.close());
  const spec = { ...portageTarball, url: `${base}/portage-3.0.82.tar.gz` };
  const c = clone();
  const r = await resolveTarball(spec, c.env, c.root);
  t.is(r.source, spec.url);
  t.is(path.dirname(r.file), c.cache);
  t.true(readFileSync(r.file).equals(recompressed));
  t.is(r.sha256, sha(recompressed));
  t.is(hits(), 1);
  // the second time from the cache
  const again = await resolveTarball(spec, c.env, c.root);
  t.is(again.file, r.file);
  t.is(hits(), 1);
  t.deepEqual(readdirSync(c.cache), [path.basename(r.file)]);
});

maybe('a download with another sha256 is refused with both hashes, and nothing is left in the cache', async (t) => {
  const { server, base } = await serve({ '/portage-3.0.82.tar.gz': readFileSync(shared(netifrcTarball)) });
  t.teardown(() => server.close());
  const spec = { ...portageTarball, url: `${base}/portage-3.0.82.tar.gz` };
  const c = clone();
  const err = await t.throwsAsync(resolveTarball(spec, c.env, c.root));
  t.is(
    err!.message,
    `drover lab: ${spec.url} is not Portage 3.0.82: sha256 ${netifrcTarball.sha256}, expected ${portageTarball.sha256}; ` +
      `nothing was cached (set DROVER_LAB_PORTAGE_SHA256 for another release) (its tar stream: sha256 ${netifrcTarball.tarSha256}, expected ${portageTarball.tarSha256})`,
  );
  t.deepEqual(existsSync(c.cache) ? readdirSync(c.cache) : [], []);
});

test('neither ../shared nor the URL: one line saying what was tried and what to set', async (t) => {
  const { server, base } = await serve({});
  const c = clone();
  const missing = { ...portageTarball, url: `${base}/portage-3.0.82.tar.gz` };
  const e404 = await t.throwsAsync(resolveTarball(missing, c.env, c.root));
  t.is(
    e404!.message,
    `drover lab: Portage 3.0.82: no offline copy at ${path.resolve(c.root, portageTarball.defaultRel)} and cannot download ${missing.url} (HTTP 404); ` +
      'fetch its release .tar.gz on a machine that can and set DROVER_LAB_PORTAGE=PATH (or a reachable URL)',
  );
  await new Promise((ok) => server.close(ok));
  const down = await t.throwsAsync(resolveTarball(missing, c.env, c.root));
  t.regex(
    down!.message,
    /^drover lab: Portage 3\.0\.82: no offline copy at .* and cannot download http:\/\/127\.0\.0\.1:\d+\/portage-3\.0\.82\.tar\.gz \(fetch failed: connect ECONNREFUSED [^)]*\); fetch its release/,
  );
  t.notRegex(down!.message, /\n/);
  t.deepEqual(existsSync(c.cache) ? readdirSync(c.cache) : [], []);
});

test("the cache is the user's: DROVER_LAB_TARBALLS, else XDG_CACHE_HOME, else ~/.cache", (t) => {
  t.is(tarballCacheDir({ DROVER_LAB_TARBALLS: '/x/t' }), '/x/t');
  t.is(tarballCacheDir({ XDG_CACHE_HOME: '/home/u/.c' }), '/home/u/.c/drover/lab-tarballs');
  t.regex(tarballCacheDir({}), /\/\.cache\/drover\/lab-tarballs$/);
});
