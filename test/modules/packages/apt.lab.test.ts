// apt with real apt 2.6 and dpkg on a Debian lab host, against a local repository built there with dpkg-deb (no network).
import test from 'ava';
import { sh } from '../../../core/sh.ts';
import type { RunHost } from '../../../core/host.ts';
import { apt } from '../../../modules/packages/apt.ts';
import { buildAptRepo, SOURCES_LINE } from '../../support/apt-repo.ts';
import { labHostOpener, labSerialTest, useLab } from '../../support/lab.ts';

const lab = useLab(test, { name: 'apt', hosts: 1, profile: 'base' });
const labTest = labSerialTest(test);
const openHost = labHostOpener(test, lab);
let main: RunHost<Record<string, unknown>> | undefined;
const h = () => (main ??= openHost().host);

/** dpkg's view: "STATUS VERSION" of each package. */
const dpkg = async (...names: string[]) =>
  (
    await h().exec(sh`dpkg-query -W -f ${'${Package} ${db:Status-Abbrev}${Version}\n'} -- ${names}`, {
      allowFail: true,
    })
  ).stdout;

labTest('a local repository: drover-lib 1.0 and drover-hello 1.0 (depends on it), the only apt source', async (t) => {
  await h().exec(sh`rm -f /etc/apt/sources.list.d/* && printf '%s' ${SOURCES_LINE} >/etc/apt/sources.list`);
  await h().exec(
    buildAptRepo([
      { name: 'drover-lib', version: '1.0' },
      { name: 'drover-hello', version: '1.0', depends: 'drover-lib (>= 1.0)' },
    ]),
  );
  t.regex((await h().exec(sh`cat /srv/drover-apt/Packages`)).stdout, /^Package: drover-hello\n/m);
});

labTest('--check with stale lists: would update and install, changes nothing', async (t) => {
  const r = await apt(openHost({ check: true }).host, {
    names: 'drover-hello',
    updateCache: true,
    cacheValidTime: 3600,
  });
  t.like(r, {
    changed: true,
    cacheUpdated: true,
    message: 'update the package lists; install drover-hello (after the lists update)',
  });
  t.is(await dpkg('drover-hello'), '');
  t.is((await h().exec(sh`ls /var/lib/apt/lists | grep -c _Packages`, { allowFail: true })).stdout, '0\n');
});

labTest('present: lists updated, installed with its dependency; then nothing to do', async (t) => {
  const p = { names: ['drover-hello'], updateCache: true, cacheValidTime: 3600 };
  const r = await apt(h(), p);
  t.like(r, { changed: true, cacheUpdated: true, installed: ['drover-hello=1.0'], removed: [] });
  t.is(await dpkg('drover-hello', 'drover-lib'), 'drover-hello ii 1.0\ndrover-lib ii 1.0\n');
  t.is((await h().exec(sh`cat /usr/share/doc/drover-hello/drover-test`)).stdout, '1.0\n');
  t.deepEqual(await apt(h(), p), { changed: false, installed: [], removed: [], cacheUpdated: false });
});

labTest('a newer version in the repository: present keeps 1.0, latest upgrades; twice', async (t) => {
  await h().exec(buildAptRepo([{ name: 'drover-hello', version: '1.1', depends: 'drover-lib (>= 1.0)' }]));
  // an update alone is a change (as in Ansible), and installs nothing: 1.0 is present
  t.like(await apt(h(), { names: 'drover-hello', updateCache: true }), {
    changed: true,
    cacheUpdated: true,
    installed: [],
  });
  t.false((await apt(h(), { names: 'drover-hello' })).changed);
  const up = await apt(h(), { names: 'drover-hello', state: 'latest' });
  t.like(up, { changed: true, installed: ['drover-hello=1.1'] });
  t.is(await dpkg('drover-hello'), 'drover-hello ii 1.1\n');
  t.false((await apt(h(), { names: 'drover-hello', state: 'latest' })).changed);
});

labTest('a pinned version: downgrade to exactly it; twice', async (t) => {
  const r = await apt(h(), { names: 'drover-hello=1.0' });
  t.like(r, { changed: true, installed: ['drover-hello=1.0'] });
  t.is(await dpkg('drover-hello'), 'drover-hello ii 1.0\n');
  t.false((await apt(h(), { names: 'drover-hello=1.0' })).changed);
});

labTest('absent with purge: removed; twice; an unknown package is an error', async (t) => {
  const r = await apt(h(), { names: ['drover-hello', 'drover-lib'], state: 'absent', purge: true });
  t.like(r, { changed: true, removed: ['drover-hello', 'drover-lib'] });
  // purged: dpkg forgets them
  t.is(await dpkg('drover-hello', 'drover-lib'), '');
  t.false((await apt(h(), { names: ['drover-hello', 'drover-lib'], state: 'absent', purge: true })).changed);
  await t.throwsAsync(apt(h(), { names: 'drover-nope' }), {
    message: /^apt failed on node1\.example\.org .*no package drover-nope in the apt lists/,
  });
});
