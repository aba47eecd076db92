// The emerge progress reader on real Portage 3.0.82 output (lab-slow's build) and on the formats of big runs.
import { readFileSync } from 'node:fs';
import test from 'ava';
import { emergeProgress } from '../../../modules/portage/emerge-progress.ts';

const steps = (text: string) => {
  const read = emergeProgress();
  return text.split('\n').flatMap((l) => read(l) ?? []);
};

test('real output of one build: the package, then each phase it enters, once each', (t) => {
  const out = readFileSync('test/fixtures/portage/real-slow-build.out', 'utf8');
  t.deepEqual(steps(out), [
    '(1 of 1) app-misc/lab-slow-1.0',
    '(1 of 1) app-misc/lab-slow-1.0 unpack',
    '(1 of 1) app-misc/lab-slow-1.0 prepare',
    '(1 of 1) app-misc/lab-slow-1.0 configure',
    '(1 of 1) app-misc/lab-slow-1.0 compile',
    '(1 of 1) app-misc/lab-slow-1.0 test',
    '(1 of 1) app-misc/lab-slow-1.0 install',
    '(1 of 1) app-misc/lab-slow-1.0 merge',
  ]);
});

test('a long run: numbering, binaries, colours, parallel jobs; nothing before the first package', (t) => {
  const out = [
    'lab-slow: compiling step 1 of 3',
    '>>> Compiling source in /nowhere ...',
    '>>> Jobs: 0 of 57 complete, 1 running',
    '>>> Emerging (\x1b[32;01m12\x1b[0m of \x1b[32;01m57\x1b[0m) \x1b[32;01mdev-lang/ghc-9.2.8\x1b[39;49;00m::gentoo',
    '>>> Compiling source in /var/tmp/portage/dev-lang/ghc-9.2.8/work/ghc-9.2.8 ...',
    'ghc: [ 1 of 99] Compiling GHC.Base',
    '>>> Emerging binary (13 of 57) dev-haskell/text-2.0.2::gentoo',
    '>>> Fetching (14 of 57) dev-haskell/cabal-3.6.3.0::gentoo',
  ].join('\n');
  t.deepEqual(steps(out), [
    '0 of 57 done, 1 running',
    '(12 of 57) dev-lang/ghc-9.2.8',
    '(12 of 57) dev-lang/ghc-9.2.8 compile',
    '(13 of 57) dev-haskell/text-2.0.2',
    '(14 of 57) dev-haskell/cabal-3.6.3.0 fetch',
  ]);
});
