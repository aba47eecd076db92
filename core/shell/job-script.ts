// The sh text that runs a command detached from the session (a "job"): it outlives the connection and is re-attached by key.
import { quote } from '../sh.ts';

/**
 * Why this shape (docs/connections.md "Long commands"):
 *
 * - A job lives in `~/.drover/jobs/<key>/` (mode 0700, on disk: it survives the session, and a reboot is seen
 *   by the boot id it recorded): `o`, `e` (its stdout/stderr), `p` (its pid), `b` (the boot id when it started),
 *   `s` (its exit status: one small write; a reader that catches it empty reads it again a second later).
 * - `mkdir` of that directory is the lock (see jobPrepare): the first caller starts the command, any later one (the same run
 *   after a reconnect, a rerun, another run at the same moment) finds it and waits for it instead of starting a
 *   second copy; each waiter marks itself (`w.<run>`) and the last to collect the result removes it. The key is a hash
 *   (jobKey in job.ts): it names the command without holding any of its text.
 * - The command runs in `sh -c` under `setsid` (its own session and process group), with SIGHUP ignored and
 *   its output only in files, so a dropped link or a killed session shell does not touch it. Its text and
 *   its functions reach it in the environment (never in argv: `ps` shows argv to everyone, and the text may
 *   hold a secret), and are unset before it runs.
 * - The session shell waits for it as it waits for any command, and frames `o`/`e` and the status as usual:
 *   a command that ends quickly costs one write in and one frame out, as before. Only when it still runs
 *   after a second does a helper print `<tag> j <pid> start <dir>` (the pid and the directory, for Ctrl-C
 *   and link-loss messages); re-attaching prints `<tag> j <pid> attach <dir>` at once.
 * - The directory is removed once its files are copied, before the frame's last marker: a result is never
 *   handed over twice (a frame lost on the way reads as `gone` at the next attach, never as a second run). A finished job
 *   a new call finds is not its result: once its waiters had 3 s to collect it, it is removed and the command starts afresh.
 *
 * The job state (`drover_jk`) ends in the frame's state word: empty (the status file was read), `died` (the
 * job ended without writing a status: killed), `reboot` (the boot id changed since it started), `gone` (no
 * such job to re-attach), `nodir` (the job directory could not be made: the command did not run).
 */

export interface JobFrame {
  /** 32 hex digits (jobKey): names the job directory. */
  key: string;
  /**
   * 16 hex digits naming the drover run that asks (one per RunHost): each run waiting for a job marks itself
   * in its directory (`w.<run>`), and the last one to collect the result removes it (see jobPrepare, jobDone).
   */
  run: string;
  /** Only wait for an existing job (after a reconnect): never start the command. */
  attachOnly?: boolean;
  /** Definitions of the shell functions the command calls: evaluated in the job's own shell first. */
  definitions?: string;
}

/** Sets `drover_j` (the job directory) and makes sure the jobs directory exists (a fork only the first time). */
function jobDir(key: string): string {
  if (!/^[0-9a-f]{32}$/.test(key)) throw new Error(`job key must be 32 hex digits, got ${JSON.stringify(key)}`);
  return (
    `drover_j="\${HOME:-/nonexistent}/.drover/jobs/${key}"; drover_jk=; drover_p=; drover_w=; drover_s=; ` +
    `[ -d "\${drover_j%/*}" ] || mkdir -p -m 700 -- "\${drover_j%/*}" 2>/dev/null`
  );
}

/** Run by the job's `sh -c` ($1: its directory). */
const JOB_BODY =
  `trap '' HUP; drover_d=$1; printf '%s\\n' "$$" >"$drover_d/p"; ` +
  `drover_c=$drover_cmd; drover_f=$drover_defs; unset drover_cmd drover_defs; ` +
  `{ [ -z "$drover_f" ] || eval "$drover_f"; } 2>>"$drover_d/e"; ` +
  `( eval "$drover_c" ) >>"$drover_d/o" 2>>"$drover_d/e"; ` +
  // One write of a few bytes (no `mv`: a process less per command); a reader that finds it empty reads again.
  `printf '%s\\n' "$?" >"$drover_d/s"`;

const readBoot = (v: string) => `${v}=; { read -r ${v} </proc/sys/kernel/random/boot_id; } 2>/dev/null`;

/**
 * The part of a framed command that decides start or attach (sets `drover_jl`: 1 = start it) and creates
 * the output files of a new job. Runs before the live copy starts (the files must exist for `tail -f`).
 */
export function jobPrepare(o: JobFrame): string {
  if (!/^[0-9a-f]{16}$/.test(o.run)) throw new Error(`job run id must be 16 hex digits, got ${JSON.stringify(o.run)}`);
  const parts = [jobDir(o.key)];
  // Every run that waits for the job marks itself (`w.<run>`); the last one to copy the result removes the
  // directory (jobDone). So runs waiting for one job at once (a rerun that adopted it, two live runs of the
  // same command at the same moment) each get the result: none takes it away from another.
  const own = `: >"$drover_j/w.${o.run}"`;
  if (o.attachOnly) {
    parts.push(`drover_jl=; if [ -d "$drover_j" ]; then ${own}; else drover_jk=gone; fi`);
    return parts.join('; ');
  }
  const nap = `drover_t=$((drover_t + 1)); sleep 0.1 2>/dev/null || sleep 1`;
  parts.push(
    // A job that has FINISHED is not a new call's result: the host may have changed since (a rerun found
    // "success" for an emerge whose package had been removed meanwhile). Its waiters (live runs copying it
    // now) get 3 s to collect it, then it goes (waiters that never came back: Ctrl-C, a budget that ran out)
    // and the command runs afresh. A job still running is adopted below (never twice).
    `drover_t=0; while [ -f "$drover_j/s" ] && [ $drover_t -lt 30 ]; do ${nap}; done; [ ! -f "$drover_j/s" ] || rm -rf -- "$drover_j" 2>/dev/null`,
    // mkdir is the lock: the first caller starts the command; a caller that finds the directory (a rerun
    // after a cut or Ctrl-C, or a run at the same time) waits for the job already there. An adopter joins
    // once the creator wrote b (its last file), and only while b is still there after it marked itself (a
    // directory being removed is not joined: try again). A directory with no b for 2 s is what a removal
    // cut short left (nothing writes b later): it goes, once, and mkdir is tried again.
    `drover_jl=; drover_t=0; while :; do if mkdir -m 700 -- "$drover_j" 2>/dev/null; then drover_jl=1; : >"$drover_j/o"; : >"$drover_j/e"; ${own}; ` +
      `${readBoot('drover_b')}; printf '%s\\n' "$drover_b" >"$drover_j/b"; break; ` +
      `elif [ -f "$drover_j/b" ] && { ${own}; } 2>/dev/null; then [ -f "$drover_j/b" ] && break; rm -f -- "$drover_j/w.${o.run}"; ` +
      `elif [ $drover_t -ge 40 ]; then drover_jk=nodir; break; ` +
      `elif [ $drover_t -eq 20 ]; then rm -rf -- "$drover_j" 2>/dev/null; fi; ${nap}; done`,
  );
  return parts.join('; ');
}

/**
 * Starts the job (drover_jl=1) or waits for the one already there, then sets `drover_s` and `drover_jk`.
 * `stdinSource`: the here-doc pipeline feeding the command's stdin (`base64 -d <<... |`), or empty.
 */
export function jobRun(command: string, tag: string, o: JobFrame, stdinSource: string): string {
  const env = `drover_cmd=${quote(command)} drover_defs=${quote(o.definitions ?? '')}`;
  const start =
    `{ command -v setsid >/dev/null 2>&1 && drover_ss=setsid || drover_ss=; }; ` +
    `${stdinSource ? `${stdinSource} ` : ''}${env} $drover_ss sh -c ${quote(JOB_BODY)} drover-job "$drover_j"${stdinSource ? '' : ' </dev/null'} & drover_p=$!; ` +
    // The pid and directory only for a job that outlives its first second: a quick one stays one frame.
    `( sleep 1 >/dev/null 2>&1; kill -0 "$drover_p" 2>/dev/null && printf '%s j %s start %s\\n' ${tag} "$drover_p" "$drover_j" ) & drover_h=$!; ` +
    `wait "$drover_p"; drover_w=$?; kill "$drover_h" 2>/dev/null; wait "$drover_h" 2>/dev/null`;
  const attach =
    // Just made by another caller: give it a moment to write its pid.
    `drover_n=0; while ! { read -r drover_p <"$drover_j/p"; } 2>/dev/null && ! [ -f "$drover_j/s" ] && [ $drover_n -lt 5 ]; do sleep 1; drover_n=$((drover_n + 1)); done; ` +
    `printf '%s j %s attach %s\\n' ${tag} "\${drover_p:-0}" "$drover_j"; ` +
    `${readBoot('drover_b')}; drover_ob=; { read -r drover_ob <"$drover_j/b"; } 2>/dev/null; ` +
    `if [ "$drover_b" != "$drover_ob" ]; then drover_jk=reboot; ` +
    `else while ! [ -f "$drover_j/s" ] && [ -n "$drover_p" ] && kill -0 "$drover_p" 2>/dev/null; do sleep 1; done; fi`;
  const status =
    `if [ -z "$drover_jk" ] || [ "$drover_jk" = reboot ]; then ` +
    `if { read -r drover_s <"$drover_j/s"; } 2>/dev/null; then [ -n "$drover_s" ] || { sleep 1; read -r drover_s <"$drover_j/s"; } 2>/dev/null; elif [ -z "$drover_jk" ]; then drover_jk=died; drover_s=\${drover_w:-255}; fi; fi; ` +
    `case $drover_s in '' | *[!0-9]*) drover_s=255 ;; esac`;
  const run = o.attachOnly
    ? `if [ -z "$drover_jk" ]; then ${attach}; fi`
    : `if [ -n "$drover_jl" ]; then ${start}; elif [ -z "$drover_jk" ]; then ${attach}; fi`;
  return `${run}; ${status}`;
}

/**
 * Once the job's files are copied into the frame: this run's mark goes, and the directory with it when no
 * other run waits for the job (each waiter copies before it unmarks; the last one removes it).
 */
export function jobDone(run: string): string {
  if (!/^[0-9a-f]{16}$/.test(run)) throw new Error(`job run id must be 16 hex digits, got ${JSON.stringify(run)}`);
  return (
    `rm -f -- "$drover_j/w.${run}"; drover_x=; for drover_f in "$drover_j"/w.*; do [ -e "$drover_f" ] && drover_x=1; done; ` +
    `[ -n "$drover_x" ] || rm -rf -- "$drover_j" 2>/dev/null`
  );
}

/** The state words a job adds to the frame's end marker. */
export const JOB_STATES = ['died', 'reboot', 'gone', 'nodir'] as const;
export type JobState = (typeof JOB_STATES)[number];

/** A job's pid and directory on the host, and whether this call started it or found it running. */
export interface JobInfo {
  pid: number;
  how: 'start' | 'attach';
  dir: string;
}

/** `j <pid> <start|attach> <dir>` (see job-script.ts). */
export function parseJobMarker(arg: string): JobInfo {
  const m = /^j (\d{1,10}) (start|attach) (\/.*)$/.exec(arg);
  if (!m) throw new Error(`malformed job marker from the remote shell: ${JSON.stringify(arg.slice(0, 120))}`);
  return { pid: Number(m[1]), how: m[2] as JobInfo['how'], dir: m[3] };
}

/** Why a job's frame is not a result (its state word), or undefined when it is an ordinary frame. */
export function jobFailure(state: string, code: number, dir: string): string | undefined {
  switch (state) {
    case 'died':
      return `the command ended without writing its exit status (killed, or its shell died; wait status ${code}); its output was in ${dir}`;
    case 'reboot':
      return `the host rebooted while drover was away (its boot id changed): the command's end is unknown, never taken as success; its output was in ${dir}`;
    case 'gone':
      return `the command was no longer on the host when drover re-attached (${dir} is gone): its result is lost`;
    case 'nodir':
      return `cannot create the job directory ${dir} on the host (is $HOME writable?): the command did not run`;
    default:
      return undefined;
  }
}
