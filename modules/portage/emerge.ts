// emerge module: Gentoo packages installed (or removed) with their USE flags and keywords, idempotently.
import type { Host } from '../../core/host.ts';
import { defineModule, readOnlyHost, type HostReader, type Plan } from '../../core/module.ts';
import { ProbeFrame } from '../../core/probe-frame.ts';
import { sh } from '../../core/sh.ts';
import { runEmerge } from './emerge-run.ts';
import { parseProbe, probeScript, type EmergeFacts, type Probe } from './emerge-facts.ts';
import {
  checkInstalled,
  emergeRequest,
  flagsQueryFor,
  planEmerge,
  pretendFor,
  stillInstalled,
  versionsOf,
  type EmergeParams,
  type EmergeRequest,
  type EmergeResult,
  type EmergeSteps,
} from './emerge-plan.ts';
import { depsQueryFor } from './emerge-needs.ts';
import { syncChanged } from './emerge-pretend.ts';
import { makeDirectory, writeFile } from '../shared/remote-file.ts';

export type { EmergeParams, EmergeResult } from './emerge-plan.ts';

/** The probe, read-only (also run after the emerge, to check what it did). */
async function probeHost(host: Pick<HostReader, 'exec'>, r: EmergeRequest): Promise<Probe> {
  const frame = new ProbeFrame();
  const res = await host.exec(probeScript(frame, r.cps, r.configFile, r.extraKinds));
  return parseProbe(frame.parse(res.stdoutBytes), r.cps, r.configFile, r.extraKinds);
}

/**
 * Facts: one probe round trip; then, only when a package is to be built or removed, Portage's own plan
 * (`emerge --pretend`, read-only, with the config edits applied in a throwaway config root) in a second;
 * a third only when that plan leaves out a package whose USE is to change (how a rebuild would set its
 * flags: a profile mask shows there); one more only when a package.use line for a package not among the atoms is
 * to be written (Portage's view of that package). Answers are kept whole: the pure plan decides what they mean.
 */
async function emergeFacts(host: HostReader, params: EmergeParams): Promise<EmergeFacts> {
  const r = emergeRequest(params);
  const probe = await probeHost(host, r);
  const ask = pretendFor(r, probe, params.sync === true);
  const facts: EmergeFacts = { probe };
  if (ask) {
    const res = await host.exec(ask.command, { stdin: ask.stdin, allowFail: true });
    facts.pretend = { command: ask.shown, code: res.code, stdout: res.stdout, stderr: res.stderr };
    const more = flagsQueryFor(r, probe, facts.pretend);
    if (more) {
      const f = await host.exec(more.command, { stdin: more.stdin, allowFail: true });
      facts.flags = { command: more.shown, code: f.code, stdout: f.stdout, stderr: f.stderr };
    }
  }
  // USE lines for packages not among the atoms: asked about only when such a line is to be written (not under sync)
  const deps = params.sync === true ? undefined : depsQueryFor(r, probe);
  if (deps) {
    const d = await host.exec(deps.command, { stdin: deps.stdin, allowFail: true });
    facts.deps = { command: deps.shown, code: d.code, stdout: d.stdout, stderr: d.stderr };
  }
  return facts;
}

/** Makes the plan true: config writes (remote-file's atomic writer), the emerge, and a probe checking the outcome. */
async function applySteps(
  host: Host<unknown>,
  params: EmergeParams,
  steps: EmergeSteps,
): Promise<Partial<EmergeResult>> {
  const r = emergeRequest(params);
  const asReader = readOnlyHost(host);
  if (steps.kind === 'sync') {
    const out = await host.exec(sh`emerge --sync`, { progress: true });
    // "Nothing to sync... returning" / "already up to date": the repositories did not change.
    const synced = syncChanged(out.stdout);
    // Everything else is planned again against the synced tree (a nested call reports through this one).
    const rest = await emerge(host, { ...params, sync: false });
    const message = [synced ? 'sync the Portage tree' : undefined, rest.message].filter(Boolean).join('; ');
    return { ...rest, changed: synced || rest.changed, message: message || 'the Portage tree is already current' };
  }
  if (steps.kind === 'remove') {
    const out = await host.exec(steps.depclean, { progress: true });
    const after = await probeHost(asReader, r);
    const still = stillInstalled(after, r, steps.remove);
    if (still.length)
      throw new Error(`emerge --depclean kept ${still.join(' ')} (other packages need it):\n${out.stdout.trim()}`);
    // The plan's detail (what is kept and why) stays; depclean's own output is in the progress lines.
    return { versions: versionsOf(after, r) };
  }
  for (const w of steps.writes) {
    if (w.makeDir) await host.exec(makeDirectory(w.makeDir, { mode: '0755' }));
    await writeFile(host, w.target, w.content, { mode: w.mode, owner: w.owner, group: w.group });
  }
  if (steps.emerge) await runEmerge(host, steps.emerge);
  const after = await probeHost(asReader, r);
  checkInstalled(after, r, steps.expect);
  return { versions: versionsOf(after, r) };
}

/**
 * Installs (or removes) packages with their USE flags and keywords: one probe round trip when nothing
 * changes. Config lines go to `package.use/<configFile>` and `package.accept_keywords/<configFile>`
 * (or into those files when they are files), through remote-file's atomic writer: an existing file keeps
 * its mode and owner, a new one is 0644. Portage is asked first (`emerge --pretend` against the edited
 * config in a throwaway config root): a masked package, a REQUIRED_USE violation or an unknown package
 * fails with Portage's own words before anything is written. `update: true` also updates installed atoms
 * to the best visible version (`emerge --update --noreplace`), at the cost of that one read-only question per run.
 */
export const emerge = defineModule<EmergeParams, EmergeFacts, EmergeResult>({
  name: 'emerge',
  title: (p) => {
    const atoms = Array.isArray(p.atoms) ? p.atoms : [p.atoms];
    const use = Array.isArray(p.use) && p.use.length ? ` USE="${p.use.join(' ')}"` : '';
    return `emerge ${p.update === true ? '--update ' : ''}${atoms.join(' ')}${p.state === 'absent' ? ' (absent)' : ''}${use}`;
  },
  validate: (p) => void emergeRequest(p),
  facts: emergeFacts,
  plan: (p, f) => emergePlan(p, f),
});

/** The module's plan: the pure decision, with its steps as the apply. */
export function emergePlan(p: EmergeParams, f: EmergeFacts): Plan<EmergeResult> {
  const d = planEmerge(p, f);
  const steps = d.steps;
  return steps ? { result: d.result, apply: (host) => applySteps(host, p, steps) } : { result: d.result };
}
