// `drover lab ...`: up/down/status/ssh/cut/heal/delay/disk on the command line; errors are one line and exit 1.
import { spawn } from 'node:child_process';
import { labDelay, labUndelay } from './delay.ts';
import { isRunning } from './down.ts';
import { labCut, labDisk, labDown, labHeal, labUp } from './index.ts';
import { hostIndex } from './plan.ts';
import { ensureLabTools } from './install-tools.ts';
import { delayTools, labUnavailableReason } from './preflight.ts';
import { listInstances, readRecord } from './state.ts';
import { runProgram } from './run.ts';
import { labProfiles, type LabProfile, type LabRecord, type LabState } from './types.ts';

const help: Record<string, string> = {
  lab: `Usage: drover lab <command> [--name NAME] ...
Real test hosts on this machine (root, Linux): network namespaces + overlay roots + OpenSSH.

Commands:
  up [N] [--profile PROFILE]               start N hosts node1.example.org ... (default 3, base)
  down                                     remove everything the lab made
  status                                   show labs and their hosts
  ssh nodeI [CMD...]                       ssh to a host as root (interactive without CMD)
  cut nodeI | heal nodeI                   make a host unreachable / reachable again
  delay nodeI MS [JITTER] [LOSS%]          add latency (ms), jitter (ms), loss; "delay nodeI off" removes it
  disk nodeI SIZE [--device vdb]           attach a loop-backed block device (e.g. 1G) as /dev/vdb
Every command takes --name NAME (default: lab) and --help.`,
  up: `Usage: drover lab up [N] [--profile base|debian|gentoo|ganeti|gentoo-real|ganeti-real] [--name NAME]
Starts N hosts (default 3) node1.example.org ... with sshd, per-host SSH host keys (ed25519, RSA) and
root access by a generated key. Writes an inventory, known_hosts and ssh_config under /run/drover/lab/NAME.
Profiles: base (sshd), debian (+ systemd as init, cron), gentoo (+ OpenRC, LVM metadata-only, real Portage 3.0.82 and netifrc 0.7.14),
ganeti (+ Ganeti 3.0.2); gentoo-real, ganeti-real: the same as gentoo, ganeti (DROVER_LAB_PORTAGE and
DROVER_LAB_NETIFRC: path or URL of the release .tar.gz; else ../shared/... beside the project; else the
pinned upstream release, downloaded once, sha256-checked, cached).
Layers are built once (debootstrap + apt, minutes) and cached under /var/cache/drover/lab.`,
  down: `Usage: drover lab down [--name NAME]
Kills the lab's processes and removes its namespaces, links, loop devices and files. Safe to run twice.`,
  status: `Usage: drover lab status [--name NAME]
Shows each lab (or the named one): profile, subnet, hosts with address and whether they run.`,
  ssh: `Usage: drover lab ssh nodeI [CMD...] [--name NAME before nodeI]
Runs ssh with the lab's ssh_config, key and known_hosts. Without CMD: an interactive shell.`,
  cut: `Usage: drover lab cut nodeI [--name NAME]
Sets the host's link down: connections to it time out until \`drover lab heal nodeI\`.`,
  heal: `Usage: drover lab heal nodeI [--name NAME]
Sets the host's link up again after \`drover lab cut\`.`,
  delay: `Usage: drover lab delay nodeI MS [JITTER_MS] [LOSS%] [--name NAME]
Delays packets both ways by MS (± JITTER_MS) and drops LOSS% of them (user space; the kernel has no netem).
\`drover lab delay nodeI 0\` or \`drover lab delay nodeI off\` removes the delay.`,
  disk: `Usage: drover lab disk nodeI SIZE [--device vdb] [--name NAME]
Creates a sparse file of SIZE (e.g. 1G, 512M), attaches it to a loop device and makes it /dev/DEVICE
inside the host. Removed by \`drover lab down\`.`,
};

interface Parsed {
  positional: string[];
  name: string;
  /** --name was given (status then shows only that lab) */
  named: boolean;
  profile?: string;
  device?: string;
  help: boolean;
}

/** Parses options; for `ssh`, everything after the node is the remote command, untouched. */
export function parseLabArgs(sub: string, args: readonly string[]): Parsed {
  const p: Parsed = { positional: [], name: 'lab', named: false, help: false };
  const valueOf = (i: number, opt: string) => {
    const v = args[i + 1];
    if (v === undefined || v.startsWith('--')) throw new Error(`${opt} needs a value`);
    return v;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (sub === 'ssh' && p.positional.length >= 1) {
      p.positional.push(...args.slice(i));
      break;
    }
    if (a === '--help' || a === '-h') p.help = true;
    else if (a === '--name') [p.name, p.named] = [valueOf(i++, a), true];
    else if (a.startsWith('--name=')) [p.name, p.named] = [a.slice(7), true];
    else if (a === '--profile' && sub === 'up') p.profile = valueOf(i++, a);
    else if (a.startsWith('--profile=') && sub === 'up') p.profile = a.slice(10);
    else if (a === '--device' && sub === 'disk') p.device = valueOf(i++, a);
    else if (a.startsWith('--device=') && sub === 'disk') p.device = a.slice(9);
    else if (a.startsWith('--')) throw new Error(`unknown option ${a} for drover lab ${sub}`);
    else p.positional.push(a);
  }
  return p;
}

function expectArgs(sub: string, p: Parsed, min: number, max: number): void {
  if (p.positional.length < min || p.positional.length > max)
    throw new Error(`wrong number of arguments for drover lab ${sub} (see drover lab ${sub} --help)`);
}

function mustBeUp(name: string): LabRecord {
  const rec = readRecord(name);
  if (!rec) throw new Error(`lab ${name} is not up (start it with \`drover lab up --name ${name}\`)`);
  return rec;
}

/** What `up` prints: where things are and how to use them. */
export function describeLab(s: LabState): string {
  const lines = [`lab ${s.name}: ${s.hosts.length} ${s.profile} host(s) on ${s.subnet} (bridge ${s.bridge})`];
  for (const h of s.hosts) lines.push(`  ${h.short.padEnd(7)} ${h.name.padEnd(20)} ${h.address}`);
  if (s.cluster)
    lines.push(`  cluster ${s.cluster.name.padEnd(20)} ${s.cluster.address} (free until the cluster is initialised)`);
  const nameOpt = s.name === 'lab' ? '' : ` --name ${s.name}`;
  lines.push(
    '',
    `inventory:   ${s.inventoryFile}`,
    `known_hosts: ${s.knownHostsFile}`,
    `ssh_config:  ${s.sshConfigFile}`,
    `root key:    ${s.keyFile}`,
    '',
    `  drover lab ssh${nameOpt} node1            # or: ssh -F ${s.sshConfigFile} node1`,
    `  drover run PLAYBOOK.ts -i ${s.inventoryFile}`,
    `  drover lab down${nameOpt}`,
  );
  return lines.join('\n');
}

async function status(name: string | undefined): Promise<string> {
  const names = name ? [name] : listInstances();
  if (!names.length) return 'no labs are up';
  const out: string[] = [];
  const links = (await runProgram(['ip', '-o', 'link', 'show'])).stdout;
  for (const n of names) {
    const rec = readRecord(n);
    if (!rec) {
      out.push(`lab ${n}: not up`);
      continue;
    }
    const health =
      rec.phase !== 'up'
        ? 'starting or crashed (run `drover lab down` to clean up)'
        : isRunning(rec)
          ? 'running'
          : 'some hosts died';
    out.push(
      `lab ${n}: ${rec.hosts.length} ${rec.profile} host(s) on ${rec.subnet}, ${health}; state ${rec.dir}/state.json`,
    );
    for (const h of rec.hosts) {
      const alive = rec.hostStartTimes[h.name] !== undefined && isRunning({ ...rec, hosts: [h] });
      const linkDown = new RegExp(`^\\d+: ${h.veth}@[^:]*: <[^>]*>`, 'm').exec(links)?.[0].match(/[<,]UP[,>]/) === null;
      const disks = rec.disks.filter((d) => d.host === h.name).map((d) => `${d.device}=${d.loop ?? '?'}`);
      out.push(
        `  ${h.short.padEnd(7)} ${h.address.padEnd(13)} ${alive ? 'up' : 'down'}${linkDown ? ', cut' : ''}${disks.length ? `, disks ${disks.join(' ')}` : ''}  pid ${h.pid}`,
      );
    }
  }
  return out.join('\n');
}

function runSsh(rec: LabRecord, node: string, command: string[]): Promise<number> {
  const h = rec.hosts[hostIndex(rec, node)];
  const argv = ['-F', rec.sshConfigFile, ...(command.length ? [] : ['-t']), h.short, ...command];
  return new Promise((resolve, reject) => {
    const child = spawn('ssh', argv, { stdio: 'inherit' });
    child.on('error', (err) => reject(new Error(`cannot run ssh: ${err.message}`)));
    child.on('close', (code) => resolve(code ?? 255));
  });
}

function parseNumber(what: string, v: string | undefined, def?: number): number {
  if (v === undefined && def !== undefined) return def;
  const n = Number(String(v).replace(/%$/, ''));
  if (v === undefined || !Number.isFinite(n) || n < 0)
    throw new Error(`bad ${what} ${JSON.stringify(v)}: use a number >= 0`);
  return n;
}

async function dispatch(sub: string, p: Parsed, log: (s: string) => void): Promise<number> {
  switch (sub) {
    case 'up': {
      expectArgs(sub, p, 0, 1);
      const hosts = p.positional[0] === undefined ? 3 : Number(p.positional[0]);
      if (p.positional[0] !== undefined && !/^\d+$/.test(p.positional[0]))
        throw new Error(`bad host count ${JSON.stringify(p.positional[0])}: use a number`);
      const profile = (p.profile ?? 'base') as LabProfile;
      if (!labProfiles.includes(profile))
        throw new Error(`bad profile ${JSON.stringify(p.profile)}: use ${labProfiles.join(', ')}`);
      const t0 = Date.now();
      const s = await labUp({ name: p.name, hosts, profile });
      log(describeLab(s));
      log(`\nup in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      return 0;
    }
    case 'down':
      expectArgs(sub, p, 0, 0);
      await labDown(p.name);
      log(`lab ${p.name} is down`);
      return 0;
    case 'status':
      expectArgs(sub, p, 0, 0);
      log(await status(p.named ? p.name : undefined));
      return 0;
    case 'ssh':
      expectArgs(sub, p, 1, Infinity);
      return runSsh(mustBeUp(p.name), p.positional[0], p.positional.slice(1));
    case 'cut':
    case 'heal': {
      expectArgs(sub, p, 1, 1);
      mustBeUp(p.name);
      await (sub === 'cut' ? labCut : labHeal)(p.name, p.positional[0]);
      log(`${p.positional[0]}: ${sub === 'cut' ? 'cut off (unreachable)' : 'reachable again'}`);
      return 0;
    }
    case 'delay': {
      expectArgs(sub, p, 2, 4);
      const [node, ms, jitter, loss] = p.positional;
      if (ms === 'off' || Number(ms) === 0) {
        const rec = mustBeUp(p.name);
        hostIndex(rec, node);
        await labUndelay(rec, node);
        log(`${node}: no delay`);
        return 0;
      }
      const msN = parseNumber('delay', ms);
      const jitterN = parseNumber('jitter', jitter, 0);
      const lossN = parseNumber('loss', loss, 0);
      if (lossN > 100) throw new Error(`bad loss ${JSON.stringify(loss)}: use 0 to 100`);
      // Its tools first (installed when missing, as `drover demo` does): a machine without iptables learns that, not a lab detail.
      await ensureLabTools('the delay', delayTools, log);
      const rec = mustBeUp(p.name);
      hostIndex(rec, node);
      await labDelay(rec, node, msN, jitterN, lossN, log);
      log(`${node}: delay ${msN} ms ± ${jitterN} ms, loss ${lossN}% each way`);
      return 0;
    }
    case 'disk': {
      expectArgs(sub, p, 2, 2);
      mustBeUp(p.name);
      const dev = await labDisk(p.name, p.positional[0], p.positional[1], { device: p.device });
      log(`${p.positional[0]}: ${dev} (${p.positional[1]})`);
      return 0;
    }
    default:
      throw new Error(`unknown lab command ${JSON.stringify(sub)} (see drover lab --help)`);
  }
}

/** `drover lab ARGV...`: returns the exit code. */
export async function labCommand(
  argv: string[],
  io: { out?: (s: string) => void; err?: (s: string) => void } = {},
): Promise<number> {
  const out = io.out ?? ((s: string) => process.stdout.write(s + '\n'));
  const err = io.err ?? ((s: string) => process.stderr.write(s + '\n'));
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    out(help.lab);
    return sub === undefined ? 1 : 0;
  }
  try {
    if (!help[sub]) throw new Error(`unknown lab command ${JSON.stringify(sub)} (see drover lab --help)`);
    const p = parseLabArgs(sub, rest);
    if (p.help) {
      out(help[sub]);
      return 0;
    }
    const why = labUnavailableReason(
      sub === 'ssh'
        ? ['ssh']
        : sub === 'disk'
          ? ['losetup', 'nsenter', 'truncate']
          : ['ip', 'nsenter', 'unshare', 'flock', 'ssh-keygen'],
    );
    if (why) throw new Error(why);
    return await dispatch(sub, p, out);
  } catch (e) {
    err(`drover lab ${sub}: ${(e as Error).message.split('\n')[0]}`);
    const more = (e as Error).message.split('\n').slice(1).join('\n');
    if (more && process.env.DROVER_DEBUG) err(more);
    return 1;
  }
}
