// The contract between a host and the thing that runs its commands (SSH shell, local shell).
import { UnreachableError } from '../errors.ts';
import type { ShellFunction } from '../sh.ts';
import type { JobInfo } from '../shell/job-script.ts';

/** What one command produced, byte for byte. */
export interface RawResult {
  code: number;
  stdout: Buffer;
  stderr: Buffer;
}

/**
 * Input streamed to a command as the host reads it (big files): never held whole in memory, sent raw on
 * the shell's channel (no base64), read on the host by `head -c size` (see ssh/framing.ts).
 */
export interface StreamedStdin {
  /** Exact byte count the command gets: a source giving fewer is padded with zeros, more is cut (the run then rejects). */
  size: number;
  /** The bytes in order; called once, when the host is ready to read them. */
  read(): AsyncIterable<Uint8Array>;
}

export function isStreamedStdin(v: unknown): v is StreamedStdin {
  return (
    typeof v === 'object' &&
    v !== null &&
    !(v instanceof Uint8Array) &&
    typeof (v as StreamedStdin).read === 'function' &&
    typeof (v as StreamedStdin).size === 'number'
  );
}

/** How one command runs: its stdin, live output, and the shell functions it calls. */
export interface CommandOptions {
  /**
   * The command's stdin (file content); without it the command reads /dev/null. Small Buffers travel in
   * the command text (one write); big ones and StreamedStdin are streamed raw after the command started.
   */
  stdin?: Buffer | StreamedStdin;
  /**
   * Progress of long commands: called with output while the command runs (copied by `tail -f` from its
   * output files), then with whatever that copy had not reached when the command ended. In all, exactly
   * the result's bytes, never a framing byte. Without GNU tail, all of it comes at the end.
   */
  onOutput?: (chunk: Buffer, stream: 'stdout' | 'stderr') => void;
  /** Functions the script calls: defined in the session's shell before it runs, unless already defined there. */
  functions?: readonly ShellFunction[];
  /**
   * Run it as a job that outlives the connection (core/shell/job-script.ts), named by `key` (jobKey): a
   * job already running under that key is waited for, never started twice. `attachOnly`: only wait for
   * it (after a reconnect). Not with a StreamedStdin.
   */
  job?: { key: string; run: string; attachOnly?: boolean };
  /** With `job`: its pid and directory on the host, once known (after a second, or at once when re-attaching). */
  onJob?: (job: JobInfo) => void;
}

/**
 * The connection went while this command was in flight (it had been sent): a job may still run on the
 * host and be re-attached. A command queued behind it, or one sent on a dead connection, gets a plain
 * UnreachableError.
 */
export class CutOffError extends UnreachableError {
  constructor(lost: UnreachableError) {
    super(lost.host, lost.message, { cause: lost });
  }
}

/**
 * Runs sh command text on one host. Commands on one transport run one at a time, in order,
 * in a fresh subshell each (no `cd` or variable leaks between them), and each one's stdout/stderr is
 * only its own (a background process it leaves cannot write into a later command's output).
 * A lost connection, or a shell that died, rejects the pending and all later calls with an UnreachableError;
 * output that could not be stored whole on the host (no space) rejects that call with an Error.
 */
export interface Transport {
  readonly kind: 'ssh' | 'local';
  run(script: string, options?: CommandOptions): Promise<RawResult>;
  close(): Promise<void>;
  /**
   * Drops the connection now without waiting for the command in flight (Ctrl-C while a job runs: the job
   * keeps running on the host); pending and later runs reject.
   */
  drop?(why: string): void;
}

/** How to reach one host: resolved from the inventory (and ~/.ssh/config) before connecting. */
export interface ConnectionSpec {
  /** 'local' runs commands on this machine without SSH. */
  kind: 'ssh' | 'local';
  /** Address or DNS name to connect to (after ~/.ssh/config HostName). */
  address: string;
  port: number;
  user: string;
  /** Private key files to try, in order (inventory key first, then ~/.ssh/config IdentityFile). */
  keyFiles: string[];
  /** Use ssh-agent when SSH_AUTH_SOCK is set. */
  agent: boolean;
  /** Run the shell through sudo. */
  become: boolean;
  /** Name of an environment variable holding the sudo password, or 'prompt'. Without it: `sudo -n`. */
  becomePassword?: { env: string } | { prompt: true };
  /** Seconds to wait for the TCP connect + handshake. */
  connectTimeout: number;
  /**
   * How the connection is carried instead of a direct TCP connect (ssh_config ProxyJump / ProxyCommand):
   * through an SSH connection to another host (itself a full spec, possibly jumping further), or
   * through a local command's stdin/stdout.
   */
  via?: { jump: ConnectionSpec; at: string } | { command: string; at: string };
  /** ssh_config HostKeyAlias: the name host keys are verified and recorded under (no port). */
  hostKeyAlias?: string;
  /** ssh_config UserKnownHostsFile (already expanded): used when the inventory names no known_hosts_file. */
  knownHostsFiles?: string[];
  /** ssh_config StrictHostKeyChecking accept-new: unknown keys of this host are recorded. */
  acceptNewHostKeys?: boolean;
}

/** How host keys are checked. */
export interface HostKeyPolicy {
  /** known_hosts files to read; the first one is where new keys are recorded. */
  knownHostsFiles: string[];
  /** Record unknown keys instead of refusing them (a CHANGED key is still refused). */
  acceptNew: boolean;
}
