// Issue 26 on recorded real Portage 3.0.82 output (test/fixtures/portage/SOURCES.md): failed builds and fetches explained,
// updates Portage skips, the world update's summary, and USE_EXPAND flags read from Portage's plan.
import test from 'ava';
import { readFileSync } from 'node:fs';
import type { EmergeFacts, Probe } from '../../../modules/portage/emerge-facts.ts';
import {
  emergeFailureMessage,
  logLines,
  parseEmergeFailures,
  readableLog,
  skippedUpdates,
} from '../../../modules/portage/emerge-failure.ts';
import { planEmerge } from '../../../modules/portage/emerge-plan.ts';
import { parseDepclean } from '../../../modules/portage/emerge-pretend.ts';
import { planWorld, summaryLine } from '../../../modules/portage/emerge-world.ts';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/portage/${name}`, import.meta.url), 'utf8');
const CMD = 'emerge --quiet --noreplace -- app-misc/lab-fail';

test('a build that dies: package, repository, phase, die message and the log path, once (emerge repeats them)', (t) => {
  const f = parseEmergeFailures(fixture('real-build-fail.out'));
  t.deepEqual(f, [
    {
      cpv: 'app-misc/lab-fail-1.0',
      repo: 'drover-lab',
      phase: 'compile',
      message: ['lab-fail: compile failed on purpose (drover lab)'],
      log: '/var/tmp/portage/app-misc/lab-fail-1.0/temp/build.log',
      files: [],
    },
  ]);
});

test("the message: what failed first, then the log's lines before die's block, colours removed", (t) => {
  const out = fixture('real-build-fail.out');
  const m = emergeFailureMessage(CMD, 1, out, parseEmergeFailures(out), {
    path: '/var/tmp/portage/app-misc/lab-fail-1.0/temp/build.log',
    text: fixture('real-build-fail.log'),
  });
  t.is(
    m,
    [
      `${CMD} exited 1: app-misc/lab-fail-1.0::drover-lab failed in the compile phase: lab-fail: compile failed on purpose (drover lab)`,
      'build log /var/tmp/portage/app-misc/lab-fail-1.0/temp/build.log (last lines):',
      '   * Package:    app-misc/lab-fail-1.0:0',
      '   * Repository: drover-lab',
      '   * Maintainer: drover-lab@example.org',
      '   * USE:',
      '   * FEATURES:   preserve-libs userpriv',
      '  x86_64-pc-linux-gnu-gcc -O2 -pipe -c lab-fail.c -o lab-fail.o',
      "  lab-fail.c:12:5: error: 'undeclared_thing' undeclared (first use in this function)",
      '  lab-fail: api token lab-secret-4f2a9c0d in the build output',
    ].join('\n'),
  );
  // eslint-disable-next-line no-control-regex
  t.notRegex(m, /\x1b/);
  t.is(logLines('a\nb\nc', 2).join(' '), 'b c', 'no die block: the last lines');
  // without the log (unreadable): its path
  t.regex(
    emergeFailureMessage(CMD, 1, out, parseEmergeFailures(out)),
    /^build log: \/var\/tmp\/portage\/.*build\.log$/m,
  );
});

test('a fetch failure names the package and the file (real emerge --quiet prints no phase for it)', (t) => {
  const out = fixture('real-fetch-fail.out');
  const f = parseEmergeFailures(out);
  t.like(f[0], { cpv: 'app-misc/lab-fetch-1.0', phase: 'fetch', files: ['lab-fetch-1.0.tar.gz'] });
  t.is(
    emergeFailureMessage('emerge --quiet --noreplace -- app-misc/lab-fetch', 1, out, f).split('\n')[0],
    'emerge --quiet --noreplace -- app-misc/lab-fetch exited 1: fetching app-misc/lab-fetch-1.0 failed: cannot download lab-fetch-1.0.tar.gz',
  );
});

test('an unrecognised failure: exit code and the output tail; log paths drover will not read', (t) => {
  t.is(emergeFailureMessage('emerge x', 2, 'a\n\nb\n', []), 'emerge x exited 2:\na\nb');
  t.is(readableLog('relative/build.log'), undefined);
  t.is(readableLog('/var/tmp/../etc/shadow'), undefined);
  t.is(readableLog('/var/tmp/x\x1b[2Jy'), undefined);
  t.is(readableLog('/var/tmp/portage/a/b/temp/build.log'), '/var/tmp/portage/a/b/temp/build.log');
});

test('an update Portage skips for a slot-operator conflict is found in its stderr, whole', (t) => {
  const s = skippedUpdates(fixture('real-update-skipped.out') + fixture('real-update-skipped.err'));
  t.truthy(s);
  t.regex(
    s!,
    /^WARNING: One or more updates\/rebuilds have been skipped due to a dependency conflict:\n\napp-misc\/lab-sub:0\n\n/,
  );
  t.regex(s!, /<app-misc\/lab-sub-2:0\/1= required by \(app-misc\/lab-pin-1\.0:0\/0::drover-lab, installed\)/);
  t.is(skippedUpdates(fixture('real-update-socat.out')), undefined);
});

test('world update: summarised from the plan; a skipped update refused; nothing to merge is no change', (t) => {
  const ans = (name: string, err = '') => ({
    pretend: {
      command: 'emerge --pretend --verbose --update --deep --newuse @world',
      code: 0,
      stdout: fixture(name),
      stderr: err,
    },
  });
  const d = planWorld(ans('real-world-socat.out'));
  t.true(d.run);
  t.is(d.result.message, 'update @world: 1 upgrade');
  t.is(
    d.result.detail,
    '^ net-misc/socat 1.7.4.4::drover-lab -> 1.8.0.0 (update)\nTotal: 1 package (1 upgrade), Size of downloads: 0 KiB',
  );
  t.throws(() => planWorld(ans('real-world-skipped.out', fixture('real-world-skipped.err'))), {
    message:
      /^emerge --pretend --verbose --update --deep --newuse @world: Portage skips updates \(resolve the conflict first\):\nWARNING: One or more updates/,
  });
  const none = planWorld(ans('real-update-current.out'));
  t.false(none.run);
  t.false(none.result.changed);
  t.is(
    summaryLine({ upgrades: 2, downgrades: 0, rebuilds: 1, new: 1, removals: 0 }),
    '2 upgrades, 1 rebuild, 1 new package',
  );
  t.throws(
    () => planWorld({ pretend: { ...ans('real-masked.out').pretend, code: 1, stderr: fixture('real-masked.err') } }),
    {
      message: /exited 1:\n!!! All ebuilds that could satisfy/,
    },
  );
});

test('USE_EXPAND flags are found in their group (PYTHON_TARGETS="python3_12 -python3_13"), in either spelling', (t) => {
  const probe: Probe = {
    locations: {
      '/etc/portage/package.use': { kind: 'dir', path: '/etc/portage/package.use', files: [] },
      '/etc/portage/package.accept_keywords': {
        kind: 'file',
        path: '/etc/portage/package.accept_keywords',
        content: '',
      },
      '/etc/portage/package.keywords': { kind: 'absent', path: '/etc/portage/package.keywords' },
    },
    installed: {},
    world: [],
    hasEmerge: true,
    managed: Object.fromEntries(
      (
        [
          ['/etc/portage/package.use', 'directory'],
          ['/etc/portage/package.use/drover', 'absent'],
          ['/etc/portage/package.accept_keywords', 'file'],
          ['/etc/portage/package.accept_keywords/drover', 'absent'],
        ] as const
      ).map(([path, kind]) => [
        path,
        {
          path,
          realPath: path,
          kind,
          ...(kind === 'absent' ? {} : { uid: 0, gid: 0, mode: kind === 'file' ? '0644' : '0755' }),
        },
      ]),
    ),
  };
  const facts: EmergeFacts = {
    probe,
    pretend: { command: 'emerge --pretend', code: 0, stdout: fixture('real-use-expand.out'), stderr: '' },
  };
  for (const use of [['python_targets_python3_12'], ['PYTHON_TARGETS: python3_12']]) {
    const d = planEmerge({ atoms: 'dev-python/lab-py', use }, facts);
    t.is(d.result.message, 'install dev-python/lab-py; edit /etc/portage/package.use/drover');
    t.regex(d.result.changes![0].after!, /^dev-python\/lab-py python_targets_python3_12$/m);
  }
  t.throws(() => planEmerge({ atoms: 'dev-python/lab-py', use: ['python_targets_python3_14'] }, facts), {
    message:
      /USE flag "python_targets_python3_14" is not in IUSE of dev-python\/lab-py-1\.0 \(emerge shows: python_targets_python3_12 python_targets_python3_13\)/,
  });
});

test('mixed removal (real): the needed package is kept with its slot-operator reason, the other selected', (t) => {
  const d = parseDepclean(fixture('real-depclean-pin.out'));
  t.deepEqual(d.selected, ['net-misc/socat-1.7.4.4']);
  t.deepEqual(d.kept, [
    {
      cpv: 'app-misc/lab-sub-1.0',
      by: ['app-misc/lab-pin-1.0 requires <app-misc/lab-sub-2:0/1=, <app-misc/lab-sub-2:='],
    },
  ]);
  t.is(d.toRemove, 1);
});
