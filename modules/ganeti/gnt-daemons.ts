// gnt.daemons: do this node's Ganeti daemons predate Ganeti's installation (an update they have not picked up)? Restart them then, or always, or only report.
import { defineModule, probe, type Apply, type Plan, type Result } from '../../core/module.ts';
import { ProbeFormatError, type ProbeFrame, type ProbeSections } from '../../core/probe-frame.ts';
import { sh, ShellCommand } from '../../core/sh.ts';

/** Params of {@link gnt.daemons} (runs on any node). */
export interface DaemonsParams {
  /** 'if-stale' (default): restart when Ganeti was installed or updated after the node daemon started, or it is not running. 'always'. 'never': report only. */
  restart?: 'if-stale' | 'always' | 'never';
}

export interface DaemonsResult extends Result {
  /** ganeti-noded runs (its pid file names a live process). */
  running: boolean;
  /** Ganeti was installed or updated after the node daemon started: the daemons run older code than installed. */
  stale: boolean;
  /** The package record that says so (the evidence), when stale. */
  newer?: string;
}

export interface DaemonsFacts {
  running: boolean;
  newer?: string;
  init: 'openrc' | 'systemd' | 'none';
}

/** Written by ganeti-noded when it starts: its mtime is the daemon's start. */
const PIDFILE = '/var/run/ganeti/ganeti-noded.pid';
/**
 * The package manager's record of Ganeti, rewritten whenever it installs or updates the package:
 * Portage's CONTENTS under /var/db/pkg, dpkg's ganeti*.list. Not the code files' times: package managers
 * keep build-time mtimes, and ctimes move for reasons other than an update (an overlay's copy-up when a
 * daemon starts, a chmod).
 */
const PKG_DIRS = ['/var/db/pkg/app-emulation', '/var/lib/dpkg/info'];

function build(_p: DaemonsParams, frame: ProbeFrame): ShellCommand {
  return ShellCommand.join([
    frame.section(
      'running',
      sh`if test -s ${PIDFILE} && kill -0 "$(cat ${PIDFILE})" 2>/dev/null; then printf yes; else printf no; fi`,
    ),
    frame.section(
      'newer',
      sh`if test -e ${PIDFILE}; then for d in ${PKG_DIRS}; do test -d "$d" && find "$d" -maxdepth 2 '(' -path '*/app-emulation/ganeti-[0-9]*/CONTENTS' -o -name 'ganeti*.list' ')' -newer ${PIDFILE} -print 2>/dev/null; done | head -n 1; fi`,
    ),
    frame.section(
      'init',
      sh`if command -v rc-service >/dev/null 2>&1; then printf openrc; elif command -v systemctl >/dev/null 2>&1; then printf systemd; else printf none; fi`,
    ),
  ]);
}

function parse(s: ProbeSections): DaemonsFacts {
  const running = s.text('running');
  const init = s.text('init');
  if (running !== 'yes' && running !== 'no')
    throw new ProbeFormatError(`gnt.daemons: running is ${JSON.stringify(running)}`);
  if (init !== 'openrc' && init !== 'systemd' && init !== 'none')
    throw new ProbeFormatError(`gnt.daemons: init is ${JSON.stringify(init)}`);
  const newer = s.text('newer').trim();
  if (newer.includes('\n')) throw new ProbeFormatError(`gnt.daemons: newer holds more than one path`);
  return { running: running === 'yes', newer: newer || undefined, init };
}

const RESTART = { openrc: sh`rc-service ganeti restart`, systemd: sh`systemctl restart ganeti.target` } as const;

/** The whole decision (pure). */
export function daemonsPlan(p: DaemonsParams, f: DaemonsFacts): Plan<DaemonsResult> {
  const stale = f.newer !== undefined;
  const state = { running: f.running, stale, newer: f.newer };
  const why = !f.running
    ? 'ganeti-noded is not running'
    : stale
      ? `Ganeti was installed after the daemons started (${f.newer})`
      : 'the daemons run the installed code';
  const mode = p.restart ?? 'if-stale';
  const act = mode === 'always' || (mode === 'if-stale' && (stale || !f.running));
  if (!act) return { result: { changed: false, ...state, message: why } };
  if (f.init === 'none')
    throw new Error('neither rc-service (OpenRC) nor systemctl found: drover cannot restart the Ganeti daemons here');
  const cmd = RESTART[f.init];
  const reason = f.running && !stale ? 'restart: always' : why;
  return {
    result: { changed: true, ...state, message: `restart (${reason})`, detail: cmd.display },
    apply: restart(cmd, reason),
  };
}

function restart(cmd: ShellCommand, why: string): Apply<DaemonsResult> {
  return async (host) => {
    await host.exec(cmd, { progress: true });
    return { running: true, stale: false, newer: undefined, message: `restarted (${why})` };
  };
}

export const daemons = defineModule<DaemonsParams, DaemonsFacts, DaemonsResult>({
  name: 'gnt.daemons',
  title: (p) => `gnt daemons${p.restart === 'never' ? '' : ` restart ${p.restart ?? 'if-stale'}`}`,
  validate: (p) => {
    if (p.restart !== undefined && !['if-stale', 'always', 'never'].includes(p.restart))
      throw new Error(`restart ${JSON.stringify(p.restart)} must be 'if-stale', 'always' or 'never'`);
  },
  facts: probe(build, parse, () => ['running', 'newer', 'init']),
  plan: daemonsPlan,
});
