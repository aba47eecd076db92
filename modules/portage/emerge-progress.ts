// Where a running emerge is, from its own output lines: "(12 of 57) dev-lang/ghc-9.2.8 compile" (pure, stateful per run).

/**
 * What Portage prints (emerge's scheduler, ebuild.sh's phase functions), colours stripped:
 *   >>> Emerging (12 of 57) dev-lang/ghc-9.2.8::gentoo        (also "Emerging binary", "Fetching")
 *   >>> Unpacking source...  >>> Preparing source in ...  >>> Configuring source in ...
 *   >>> Compiling source in ...  >>> Test phase: ...  >>> Install dev-lang/ghc-9.2.8 into ...
 *   >>> Installing (12 of 57) dev-lang/ghc-9.2.8::gentoo       (the merge to the live system)
 *   >>> Merging dev-lang/ghc-9.2.8 to /  >>> Jobs: 3 of 57 complete, 2 running
 * (test/fixtures/portage/real-slow-build.out is real Portage 3.0.82 output.)
 * The package line sets the current package; a phase line names what it does now.
 */
const PACKAGE = /^>>> (Emerging(?: binary)?|Fetching|Installing|Unmerging) \((\d+) of (\d+)\) ([^\s:]+)/;
const PHASES: readonly [RegExp, string][] = [
  [/^>>> Downloading /, 'fetch'],
  [/^>>> Unpacking source/, 'unpack'],
  [/^>>> Preparing source/, 'prepare'],
  [/^>>> Configuring source/, 'configure'],
  [/^>>> Compiling source/, 'compile'],
  [/^>>> Test phase/, 'test'],
  [/^>>> Install \S+ into /, 'install'],
  [/^>>> Merging \S+ to /, 'merge'],
];
const JOBS = /^>>> Jobs: (\d+) of (\d+) complete(?:, (\d+) running)?/;

const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;

/** A fresh reader for one emerge run: call it with each output line; it returns the new step when it changed. */
export function emergeProgress(): (line: string) => string | undefined {
  let pkg: string | undefined;
  let last: string | undefined;
  return (raw) => {
    const line = raw.replace(ANSI, '').trim();
    let step: string | undefined;
    const p = PACKAGE.exec(line);
    if (p) {
      pkg = `(${p[2]} of ${p[3]}) ${p[4]}`;
      const verb: Record<string, string> = { Fetching: ' fetch', Installing: ' merge', Unmerging: ' unmerge' };
      step = `${pkg}${verb[p[1]] ?? ''}`;
    } else if (pkg) {
      const phase = PHASES.find(([re]) => re.test(line));
      if (phase) step = `${pkg} ${phase[1]}`;
    }
    const j = step ? undefined : JOBS.exec(line);
    if (j && !pkg) step = `${j[1]} of ${j[2]} done${j[3] ? `, ${j[3]} running` : ''}`;
    if (!step || step === last) return undefined;
    last = step;
    return step;
  };
}
