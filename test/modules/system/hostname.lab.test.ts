// hostname against a lab host (gentoo profile, OpenRC): files, live name, /etc/hosts lines, verification; twice and --check.
import test from 'ava';
import { sh } from '../../../core/sh.ts';
import type { RunHost } from '../../../core/host.ts';
import { parseVerify, verifyProbe, VERIFY_SECTIONS } from '../../../modules/system/hostname-facts.ts';
import { editEtcHosts } from '../../../modules/system/hostname-plan.ts';
import { hostname } from '../../../modules/system/hostname.ts';
import { execFileSync, spawnSync } from 'node:child_process';
import { ProbeFormatError, ProbeFrame } from '../../../core/probe-frame.ts';
import { localHost } from '../../support/host.ts';
import { labHostOpener, labSerialTest, useLab } from '../../support/lab.ts';

const lab = useLab(test, { name: 'hostnm', hosts: 1, profile: 'gentoo' });
const labTest = labSerialTest(test);

const openHost = labHostOpener(test, lab);
const host = (opts: { check?: boolean } = {}) => openHost(opts).host;
let main: RunHost<Record<string, unknown>> | undefined;
const h = () => (main ??= host());
const out = async (c: ReturnType<typeof sh>) => (await h().exec(c)).stdout;

test('editEtcHosts: one line per address, names moved off other lines, 127.0.1.1 alias dropped, rest kept', (t) => {
  const before =
    '127.0.0.1\tlocalhost\n127.0.1.1\tnode1.example.org node1\n# comment\n10.0.0.5 old.example.org node1 # note\n::1 localhost ip6-localhost\n';
  const after = editEtcHosts(before, {
    '10.0.0.11': ['node1.example.org', 'node1'],
    '10.0.0.99': ['cluster.example.org'],
  });
  t.is(
    after,
    '127.0.0.1\tlocalhost\n# comment\n10.0.0.5\told.example.org # note\n::1 localhost ip6-localhost\n10.0.0.11\tnode1.example.org node1\n10.0.0.99\tcluster.example.org\n',
  );
  t.is(
    editEtcHosts(after, { '10.0.0.11': ['node1.example.org', 'node1'], '10.0.0.99': ['cluster.example.org'] }),
    after,
  );
  t.is(editEtcHosts('10.0.0.11 a\n10.0.0.11 b\n', { '10.0.0.11': ['c'] }), '10.0.0.11\tc\n');
  t.is(editEtcHosts('x y', { '1.2.3.4': ['z'] }), 'x y\n1.2.3.4\tz\n');
});

/** Runs the verify probe in dash inside a new UTS namespace whose kernel host name is `live` (any bytes, as sethostname allows). */
function probeWithLiveName(live: string, name: string): { frame: ProbeFrame; out: Buffer } {
  const frame = new ProbeFrame();
  const py = 'import os, socket, sys; socket.sethostname(sys.argv[1]); os.execvp("dash", ["dash", "-c", sys.argv[2]])';
  const out = execFileSync('unshare', ['--uts', 'python3', '-c', py, live, verifyProbe(frame, name).text]);
  return { frame, out };
}
const canUnshare = spawnSync('unshare', ['--uts', 'true']).status === 0;

test('a live host name holding newlines and old key=value lines cannot forge fqdn or openrc', (t) => {
  if (!canUnshare) return t.pass('no unshare --uts here');
  const forged = 'x\nfqdn=node1.example.org\ngetent=10.0.0.1\nopenrc=1';
  const { frame, out } = probeWithLiveName(forged, 'node1.example.org');
  const f = parseVerify(frame.parse(out, VERIFY_SECTIONS));
  t.is(f.live, forged);
  t.is(f.fqdn, '');
  t.deepEqual(f.addresses, []);
  const right = probeWithLiveName('localhost', 'localhost');
  const g = parseVerify(right.frame.parse(right.out, VERIFY_SECTIONS));
  t.is(g.live, 'localhost');
  t.true(g.addresses.includes('127.0.0.1'), g.addresses.join(' '));
});

test('verify answers: unframed, truncated or multi-line values are refused', (t) => {
  const frame = new ProbeFrame();
  const good = frame.render([
    ['live', 'n1'],
    ['fqdn', 'n1.example.org\n'],
    ['getent', '10.0.0.1\n'],
    ['openrc', '', 1],
  ]);
  t.deepEqual(parseVerify(frame.parse(good, VERIFY_SECTIONS)), {
    live: 'n1',
    fqdn: 'n1.example.org',
    addresses: ['10.0.0.1'],
    openrc: false,
  });
  for (const bad of [
    Buffer.concat([Buffer.from('live=n1.example.org\n'), good]),
    Buffer.concat([good, Buffer.from('openrc=1\n')]),
    good.subarray(0, good.length - 4),
  ]) {
    t.throws(() => parseVerify(frame.parse(bad, VERIFY_SECTIONS)), { instanceOf: ProbeFormatError });
  }
  const twoLines = frame.render([
    ['live', 'n1'],
    ['fqdn', 'a\nb\n'],
    ['getent', ''],
    ['openrc', ''],
  ]);
  t.throws(() => parseVerify(frame.parse(twoLines, VERIFY_SECTIONS)), {
    instanceOf: ProbeFormatError,
    message: /more than one line/,
  });
  const notAnAddress = frame.render([
    ['live', 'n1'],
    ['fqdn', '', 2],
    ['getent', '10.0.0.1\nopenrc=1\n'],
    ['openrc', '', 1],
  ]);
  t.throws(() => parseVerify(frame.parse(notAnAddress, VERIFY_SECTIONS)), { instanceOf: ProbeFormatError });
});

test('names starting with a dash or holding spaces are refused before touching the host', async (t) => {
  for (const bad of ['-h', '--help', 'a b', 'x\nfqdn=y', '']) {
    await t.throwsAsync(
      hostname(localHost({ check: true }).host, { name: bad }),
      { message: /is not a valid host name/ },
      JSON.stringify(bad),
    );
  }
});

labTest('no change when the name is already right: one round trip, changed:false, verified', async (t) => {
  const name = lab().hosts[0].name;
  // first call converges the files the lab may not have written (/etc/conf.d/hostname)
  const t0 = Date.now();
  await hostname(h(), { name });
  t.log(`first call ${Date.now() - t0} ms`);
  const orig = h().exec.bind(h());
  let calls = 0;
  h().exec = (c, o) => (calls++, orig(c, o));
  try {
    const r = await hostname(h(), { name });
    t.false(r.changed);
    t.is(r.fqdn, name);
    t.true(r.addresses!.length > 0);
    t.is(calls, 1);
  } finally {
    h().exec = orig;
  }
});

labTest('rename with /etc/hosts entries: --check first, then apply, then again unchanged', async (t) => {
  const addr = lab().hosts[0].address;
  const oldName = lab().hosts[0].name;
  await h().exec(sh`printf '127.0.1.1\tnodex.example.org nodex\n' >> /etc/hosts`);
  const p = {
    name: 'nodex.example.org',
    hosts: { [addr]: ['nodex.example.org', 'nodex', oldName, lab().hosts[0].short] },
  };
  const hostsBefore = await out(sh`cat /etc/hosts`);
  const c = await hostname(host({ check: true }), p);
  t.true(c.changed);
  t.true(c.changes.some((x) => x.path === '/etc/hostname' && x.after === 'nodex.example.org\n'));
  t.is((await out(sh`hostname`)).trim(), oldName);
  t.is(await out(sh`cat /etc/hosts`), hostsBefore);

  const r = await hostname(h(), p);
  t.true(r.changed);
  t.regex(r.message!, /live name .* → nodex\.example\.org/);
  t.is((await out(sh`hostname`)).trim(), 'nodex.example.org');
  t.is((await out(sh`hostname -f`)).trim(), 'nodex.example.org');
  t.is(await out(sh`cat /etc/hostname`), 'nodex.example.org\n');
  t.regex(await out(sh`cat /etc/conf.d/hostname`), /^hostname="nodex\.example\.org"$/m);
  const hosts = await out(sh`cat /etc/hosts`);
  t.notRegex(hosts, /^127\.0\.1\.1/m);
  t.regex(hosts, new RegExp(`^${addr.replace(/\./g, '\\.')}\\tnodex\\.example\\.org nodex `, 'm'));
  t.is(r.fqdn, 'nodex.example.org');
  t.deepEqual(r.addresses, [addr]);

  const again = await hostname(h(), p);
  t.false(again.changed);
  t.deepEqual(again.changes, []);

  // back to the lab's own name: the canonical (first) name on the address's line must be the FQDN again
  t.true((await hostname(h(), { name: oldName, hosts: { [addr]: [oldName, lab().hosts[0].short] } })).changed);
  t.is((await out(sh`hostname`)).trim(), oldName);
});

labTest('verification failure says what hostname -f and getent printed', async (t) => {
  const addr = lab().hosts[0].address;
  const { name: oldName, short } = lab().hosts[0];
  // the address's first name (the canonical one `hostname -f` prints) is not the name being set
  const err = await t.throwsAsync(
    hostname(h(), { name: 'nodey.example.org', hosts: { [addr]: ['alias.example.org', 'nodey.example.org'] } }),
  );
  // The host is named once, by the wrapper: `hostname failed on HOST (file:line): the names do not agree: ...`
  t.regex(
    err!.message,
    /^hostname failed on \S+ \([^)]*\): the names do not agree: `hostname -f` printed "alias\.example\.org"/,
  );
  t.regex(err!.message, new RegExp(`getent ahosts nodey\\.example\\.org\` gave ${addr.replace(/\./g, '\\.')}`));
  await hostname(h(), { name: oldName, hosts: { [addr]: [oldName, short] } });
  t.is((await out(sh`hostname -f`)).trim(), oldName);
  await t.throwsAsync(hostname(h(), { name: 'bad name' }), { message: /not a valid host name/ });
});
