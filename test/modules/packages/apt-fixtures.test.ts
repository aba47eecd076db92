// apt planned from recorded probe answers (dpkg-query -W and apt-cache policy as Debian 12 prints them): no host.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { ProbeFormatError, ProbeFrame } from '../../../core/probe-frame.ts';
import { planFromAnswer, type Answer } from '../../../modules/kit.ts';
import {
  APT_SECTIONS,
  aptProbeCommand,
  parseAptFacts,
  parseDpkgQuery,
  parsePolicy,
} from '../../../modules/packages/apt-facts.ts';
import { checkPackages, packageCommand, planPackages } from '../../../modules/packages/apt-plan.ts';
import { apt } from '../../../modules/packages/apt.ts';

const fixture = (f: string) => readFileSync(new URL(`../../fixtures/apt/${f}`, import.meta.url), 'utf8');
// Recorded on a Debian 12 machine: bash installed (an older build than the candidate), cron known but not installed.
const POLICY = fixture('machine-policy.txt');
const DPKG = fixture('machine-dpkg-query.txt');
const NOW = 1_765_000_000;

const answer = (o: { dpkg?: string; policy?: string; lists?: number | null; have?: boolean } = {}): Answer => [
  ['have', '', o.have === false ? 1 : 0],
  ['dpkg', o.dpkg ?? DPKG],
  ['policy', o.policy ?? POLICY],
  ['now', `${NOW}\n`],
  o.lists === null ? ['lists', '', 1] : ['lists', `${o.lists ?? NOW - 60}\n`],
];
const facts = (o: Parameters<typeof answer>[0] = {}) => {
  const frame = new ProbeFrame();
  return parseAptFacts(frame.parse(frame.render(answer(o)), APT_SECTIONS));
};

test('recorded dpkg-query and apt-cache policy parse as dpkg and apt mean them', (t) => {
  t.deepEqual(parseDpkgQuery(DPKG), {
    bash: { status: 'i', version: '5.2.15-2+b8' },
    cron: { status: 'n', version: '' },
  });
  t.deepEqual(parsePolicy(POLICY), { bash: '5.2.15-2+b13', cron: '3.0pl1-162' });
  t.deepEqual(parsePolicy('vim-tiny:\n  Installed: (none)\n  Candidate: (none)\n  Version table:\n'), {});
  t.throws(() => parseDpkgQuery('bash ii 5.2\n'), {
    instanceOf: ProbeFormatError,
    message: /dpkg-query printed "bash ii 5\.2"/,
  });
});

test('present: installed is enough; missing is one apt-get install of them all', (t) => {
  t.deepEqual(planFromAnswer(apt, { names: 'bash' }, answer()).result, {
    changed: false,
    installed: [],
    removed: [],
    cacheUpdated: false,
  });
  const plan = planFromAnswer(apt, { names: ['bash', 'cron'] }, answer());
  t.deepEqual(plan.result, {
    changed: true,
    installed: ['cron=3.0pl1-162'],
    removed: [],
    cacheUpdated: false,
    message: 'install cron=3.0pl1-162',
  });
  t.is(
    packageCommand({ names: 'cron' }, ['cron'], []).display,
    'DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=120 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold --no-install-recommends -- cron',
  );
});

test('latest upgrades to the candidate; a pinned version installs (or downgrades to) exactly that', (t) => {
  const f = facts();
  t.deepEqual(planPackages({ names: ['bash', 'cron'], state: 'latest' }, f).install, ['bash', 'cron']);
  const pin = planPackages({ names: ['bash=5.2.15-2+b8', 'cron=3.0pl1-161'] }, f);
  t.deepEqual(pin.install, ['cron=3.0pl1-161']);
  t.regex(
    packageCommand({ names: [] as string[] }, pin.install, []).display,
    / --allow-downgrades -- 'cron=3\.0pl1-161'$/,
  );
});

test('absent: removed, or purged (config files left by an earlier remove included)', (t) => {
  const dpkg = 'bash\tii \t5.2.15-2+b8\ncron\trc \t3.0pl1-162\n';
  t.deepEqual(planPackages({ names: ['bash', 'cron'], state: 'absent' }, facts({ dpkg })).remove, ['bash']);
  const purge = planFromAnswer(apt, { names: ['bash', 'cron'], state: 'absent', purge: true }, answer({ dpkg }));
  t.like(purge.result, { changed: true, removed: ['bash', 'cron'], message: 'purge bash, cron' });
  t.regex(
    packageCommand({ names: [], purge: true }, [], ['bash', 'cron']).display,
    /apt-get purge -y .* -- bash cron$/,
  );
  t.false(planFromAnswer(apt, { names: 'cron', state: 'absent' }, answer()).result.changed);
});

test('the lists: updated when missing or older than cacheValidTime; unknown packages wait for the update', (t) => {
  const p = { names: ['drover-hello'], updateCache: true, cacheValidTime: 3600 };
  const stale = planFromAnswer(apt, p, answer({ lists: NOW - 7200, policy: '' }));
  t.like(stale.result, {
    changed: true,
    cacheUpdated: true,
    installed: [],
    message: 'update the package lists; install drover-hello (after the lists update)',
  });
  t.true(planFromAnswer(apt, p, answer({ lists: null, policy: '' })).result.cacheUpdated);
  // fresh lists: no update, so a package apt does not know is an error saying what to do
  t.throws(() => planFromAnswer(apt, p, answer({ lists: NOW - 60, policy: '' })), {
    message: /^no package drover-hello in the apt lists .*: add its source, or pass updateCache: true$/,
  });
  t.false(planFromAnswer(apt, { names: 'bash', updateCache: true, cacheValidTime: 3600 }, answer()).result.changed);
});

test('after apt-get: dpkg must agree', (t) => {
  const after = facts({ dpkg: 'cron\tiF \t3.0pl1-162\n' });
  t.throws(() => checkPackages({ names: 'cron' }, after, ['cron'], []), {
    message: 'apt-get succeeded but dpkg disagrees: cron is F 3.0pl1-162',
  });
  t.deepEqual(checkPackages({ names: 'cron' }, facts({ dpkg: 'cron\tii \t3.0pl1-162\n' }), ['cron'], []), [
    'cron=3.0pl1-162',
  ]);
});

test('not a Debian host; params checked before the host is touched', (t) => {
  t.throws(() => planFromAnswer(apt, { names: 'bash' }, answer({ have: false, dpkg: '', policy: '' })), {
    message: 'no dpkg-query/apt-get on this host: not a Debian-family system',
  });
  const bad: [Parameters<typeof apt>[1], RegExp][] = [
    [{ names: [] }, /^names must name at least one package/],
    [{ names: '--force-yes' }, /^names: "--force-yes" is not a Debian package name/],
    [{ names: 'Bash' }, /is not a Debian package name/],
    [{ names: 'a=b=c' }, /is not a Debian package name/],
    [{ names: 'ab=-1' }, /is not a Debian package name/],
    [{ names: ['ab', 'ab=1'] }, /^names: ab is given twice/],
    [{ names: 'ab=1', state: 'latest' }, /pins a version, which only state 'present' can honour/],
    [{ names: 'ab', cacheValidTime: 60 }, /^cacheValidTime needs updateCache: true/],
    [{ names: 'ab', state: 'installed' as 'present' }, /^state must be present, latest or absent/],
  ];
  for (const [p, message] of bad) t.throws(() => planFromAnswer(apt, p, answer()), { message }, JSON.stringify(p));
});

test('the probe run by dash on this machine (a Debian host): dpkg and apt as they are here', (t) => {
  let have = true;
  try {
    execFileSync('dpkg-query', ['--version']);
  } catch {
    have = false;
  }
  if (!have) return t.pass('not a Debian machine');
  const frame = new ProbeFrame();
  const f = parseAptFacts(
    frame.parse(
      execFileSync('dash', ['-c', aptProbeCommand(frame, ['dpkg', 'drover-no-such-pkg']).text]),
      APT_SECTIONS,
    ),
  );
  t.true(f.haveApt);
  t.is(f.dpkg.dpkg.status, 'i');
  t.false('drover-no-such-pkg' in f.dpkg);
  t.true(Math.abs(f.now - Date.now() / 1000) < 60);
});
