// The state every gnt call probes first (installed? initialised? master?) and its answer, as ProbeFrame sections.
import { ProbeFormatError, type ProbeFrame, type ProbeSections } from '../core/probe-frame.ts';
import { sh, ShellCommand } from '../core/sh.ts';

export const CONFIG = '/var/lib/ganeti/config.data';

export type ProbeState = 'not-installed' | 'none' | 'broken' | 'not-master' | 'up';
const STATES: readonly string[] = ['not-installed', 'none', 'broken', 'not-master', 'up'];

/** The sections gntProbe prints, always all of them. */
export const GNT_SECTIONS = ['state', 'master', 'self', 'why', 'out'] as const;

export interface Probed {
  state: ProbeState;
  /** The master's name (`gnt-cluster getmaster`), empty before it answered. */
  master: string;
  /** This host's name as Ganeti knows it (the master's when this is the master). */
  self: string;
  /** With state broken: the command that failed. */
  why: string;
  /** The output of `then` (or of the command that failed), exactly. */
  out: string;
  /** The exit status `then` left in $rc (gnt-cluster verify's). */
  rc: number;
}

/**
 * Sections of `frame`: state (one of ProbeState), master, self, why (the command that failed when
 * broken), out (what `then` captured in $out; its status is $rc). `then` runs only on the master of a
 * cluster; it sets `out` (and `rc`), or `st=broken` with `why` when its command fails. Every value is
 * in its own section: output of Ganeti or a host name cannot pass for another one.
 */
export function gntProbe(frame: ProbeFrame, then: ShellCommand): ShellCommand {
  return ShellCommand.join([
    sh`st=up gm= self= why= out= rc=0
if ! command -v gnt-cluster >/dev/null 2>&1; then st=not-installed
elif ! test -e ${CONFIG}; then st=none
elif ! gm=$(gnt-cluster getmaster 2>&1); then st=broken why='gnt-cluster getmaster' out=$gm gm=
else
  self=$(hostname)
  if test "$gm" != "$self" && test "$gm" != "$(hostname -f 2>/dev/null)"; then st=not-master
  else
    self=$gm
${then}
  fi
fi`,
    frame.section('state', sh`printf '%s' "$st"`),
    frame.section('master', sh`printf '%s' "$gm"`),
    frame.section('self', sh`printf '%s' "$self"`),
    frame.section('why', sh`printf '%s' "$why"`),
    frame.section('out', sh`printf '%s' "$out"; (exit "$rc")`),
  ]);
}

/** A `then` for gntProbe: `cmd`'s output in $out; when it fails the cluster counts as broken (`why` names it). */
export function captureOrBroken(cmd: ShellCommand, why: string): ShellCommand {
  return sh`if ! out=$(${cmd} 2>&1); then st=broken why=${why}; fi`;
}

/** A `then` for gntProbe: `cmd`'s output in $out and its exit status in $rc (a failure is an answer). */
export function captureWithStatus(cmd: ShellCommand): ShellCommand {
  return sh`out=$(${cmd} 2>&1); rc=$?`;
}

/** The probe's answer (strict: an unknown state or a multi-line name is a ProbeFormatError). */
export function readGntProbe(s: ProbeSections): Probed {
  const state = s.text('state');
  if (!STATES.includes(state)) throw new ProbeFormatError(`gnt: unknown cluster state ${JSON.stringify(state.slice(0, 80))}`);
  const oneLine = (name: string) => {
    const v = s.text(name);
    if (v.includes('\n')) throw new ProbeFormatError(`gnt: ${name} holds a newline: ${JSON.stringify(v.slice(0, 120))}`);
    return v;
  };
  return { state: state as ProbeState, master: oneLine('master'), self: oneLine('self'), why: oneLine('why'), out: s.text('out'), rc: s.status('out') };
}
