// hostname: the FQDN in /etc/hostname and /etc/conf.d/hostname (OpenRC), applied live, /etc/hosts entries, then checked.
import { defineModule, type Result } from '../core/module.ts';
import type { FileChange } from '../core/events.ts';
import { ProbeFormatError, ProbeFrame, type ProbeSections } from '../core/probe-frame.ts';
import { sh, ShellCommand } from '../core/sh.ts';
import { applyPlan, planSysfile, type Plan, type SysfileParams } from './sysfile.ts';
import { checkDnsName, isDnsName } from './dns-name.ts';
import { splitLinesKeepEnds } from './file-edit.ts';
import { fileSections, probeCall, readFileProbe } from './remote-file.ts';

export interface HostnameParams {
  /** The FQDN: 'node1.example.org'. `hostname` will print exactly this. */
  name: string;
  /**
   * /etc/hosts entries, address → names ({ '10.88.0.10': ['node1.example.org', 'node1'] }). Each address
   * gets exactly one line with these names; the names are taken off any other line (so a Debian-style
   * `127.0.1.1 node1.example.org node1` line disappears); other lines stay as they are.
   */
  hosts?: Record<string, readonly string[]>;
  /**
   * After the change (and on every run): `hostname -f` must print `name` and `getent ahosts name` must
   * answer, else the call fails saying what each printed. Default true. Not checked in --check when
   * something would still change.
   */
  verify?: boolean;
}

export interface HostnameResult extends Result {
  changes: FileChange[];
  /** What `hostname -f` printed (after the change). */
  fqdn?: string;
  /** Addresses `getent ahosts name` gave. */
  addresses?: string[];
}



/**
 * Rewrites /etc/hosts text (pure): each address in `entries` ends up on exactly one line (its first
 * line, rewritten in place, or appended), its names removed from all other lines; lines left with no
 * name are dropped; comments and unrelated lines are kept byte for byte.
 */
export function editEtcHosts(content: string, entries: Record<string, readonly string[]>): string {
  const wanted = new Map(Object.entries(entries).map(([a, names]) => [a, [...names]]));
  const allNames = new Set([...wanted.values()].flat());
  const done = new Set<string>();
  const out: string[] = [];
  for (const raw of splitLinesKeepEnds(content)) {
    const eol = raw.endsWith('\n') ? '\n' : '';
    const body = raw.slice(0, raw.length - eol.length);
    const hash = body.indexOf('#');
    const data = hash >= 0 ? body.slice(0, hash) : body;
    const fields = data.trim().split(/\s+/).filter(Boolean);
    if (fields.length < 2) {
      out.push(raw);
      continue;
    }
    const [addr, ...names] = fields;
    const want = wanted.get(addr);
    if (want) {
      if (done.has(addr)) continue; // a second line for the same address: its names are on the first one now
      done.add(addr);
      out.push(names.join(' ') === want.join(' ') ? raw : `${addr}\t${want.join(' ')}${eol || '\n'}`);
      continue;
    }
    const keep = names.filter((n) => !allNames.has(n));
    if (keep.length === names.length) out.push(raw);
    else if (keep.length > 0) out.push(`${addr}\t${keep.join(' ')}${hash >= 0 ? ' ' + body.slice(hash) : ''}${eol || '\n'}`);
  }
  let text = out.join('');
  for (const [addr, names] of wanted) {
    if (done.has(addr)) continue;
    if (text && !text.endsWith('\n')) text += '\n';
    text += `${addr}\t${names.join(' ')}\n`;
  }
  return text;
}

/** The sections verifyProbe prints. */
export const VERIFY_SECTIONS = ['live', 'fqdn', 'getent', 'openrc'] as const;

// `getent ahosts` (getaddrinfo, as Ganeti resolves) rather than `getent hosts`: the latter asks for an
// IPv6 address first and falls through to DNS even when /etc/hosts has the IPv4 one (20 s per call
// with an unreachable resolver).
/**
 * Sections of `frame`: live (`hostname`), fqdn (`hostname -f`; rc 2 when not asked), getent (one address
 * a line), openrc (rc 0 when OpenRC is the init). Each value in its own section: a name read from the
 * host cannot pass for another fact.
 */
export function verifyProbe(frame: ProbeFrame, name: string): ShellCommand {
  checkDnsName(name, 'hostname: name');
  // Resolution is only asked when the live name is already right: a name not yet in /etc/hosts would
  // wait for DNS, and after a change the apply step asks again anyway.
  return ShellCommand.join([
    sh`l=$(hostname)`,
    frame.section('live', sh`printf '%s' "$l"`),
    frame.section('fqdn', sh`if [ "$l" = ${name} ]; then hostname -f 2>/dev/null; else (exit 2); fi`),
    frame.section('getent', sh`if [ "$l" = ${name} ]; then getent ahosts ${name} | awk '!seen[$1]++ {print $1}'; fi`),
    frame.section('openrc', sh`command -v rc-service >/dev/null 2>&1 || [ -x /sbin/openrc-run ]`),
  ]);
}

/** Facts from verifyProbe's sections (strict). */
export function parseFacts(s: ProbeSections): { live: string; fqdn: string; addresses: string[]; openrc: boolean } {
  const fqdn = s.get('fqdn');
  const line = (text: string, what: string) => {
    if (text !== '' && !/^[^\n]*\n$/.test(text)) throw new ProbeFormatError(`hostname: ${what} printed more than one line: ${JSON.stringify(text.slice(0, 80))}`);
    return text.replace(/\n$/, '');
  };
  const addresses = s.text('getent').split('\n').filter(Boolean);
  if (addresses.some((a) => !/^[0-9A-Fa-f.:]+$/.test(a))) throw new ProbeFormatError(`hostname: getent printed ${JSON.stringify(s.text('getent').slice(0, 80))}`);
  return {
    live: s.text('live'),
    fqdn: fqdn.status === 0 ? line(fqdn.text, 'hostname -f') : '',
    addresses,
    openrc: s.status('openrc') === 0,
  };
}

function verifyOrThrow(name: string, host: string, f: { fqdn: string; addresses: string[] }): void {
  if (f.fqdn !== name || f.addresses.length === 0) {
    throw new Error(
      `hostname ${name} on ${host}: the names do not agree: \`hostname -f\` printed ${JSON.stringify(f.fqdn)}, ` +
        `\`getent ahosts ${name}\` gave ${f.addresses.length ? f.addresses.join(' ') : 'nothing'} ` +
        `(add the FQDN to /etc/hosts with the hosts param, or fix DNS)`,
    );
  }
}

/**
 * Sets the host name (OpenRC: /etc/hostname wins since OpenRC 0.22, /etc/conf.d/hostname is the
 * fallback — both are written) and applies it live with `hostname NAME`. One round trip when nothing
 * changes; the file edits are sysfile's (atomic, owner/mode kept) and reported together here.
 *
 * @example
 * await hostname(host, { name: 'node1.example.org', hosts: { '10.1.0.11': ['node1.example.org', 'node1'] } })
 */
export const hostname = defineModule<HostnameParams, HostnameResult>({
  name: 'hostname',
  title: (p) => `hostname ${p.name}`,
  run: async (host, p) => {
    checkDnsName(p.name, 'hostname: name');
    for (const [addr, names] of Object.entries(p.hosts ?? {})) {
      if (!/^[0-9A-Fa-f.:]+$/.test(addr)) throw new Error(`hostname: hosts key ${JSON.stringify(addr)} is not an IP address`);
      if (!names.length || names.some((n) => !isDnsName(n))) throw new Error(`hostname: hosts[${addr}] must be a non-empty list of host names`);
    }
    const files: { path: string; params: SysfileParams }[] = [
      { path: '/etc/hostname', params: { path: '/etc/hostname', content: `${p.name}\n` } },
      { path: '/etc/conf.d/hostname', params: { path: '/etc/conf.d/hostname', line: `hostname="${p.name}"`, regexp: '^\\s*hostname=', create: true, createParents: true } },
    ];
    const frame = new ProbeFrame();
    const paths = [...files.map((f) => f.path), '/etc/hosts'];
    const probe = ShellCommand.join([...paths.map((path, i) => probeCall(frame, `f${i}`, path, { content: true, follow: true })), verifyProbe(frame, p.name)]);
    const r = await host.exec(probe, { readOnly: true });
    const sections = frame.parse(r.stdoutBytes, [...paths.flatMap((_, i) => fileSections(`f${i}`)), ...VERIFY_SECTIONS]);
    const states = paths.map((path, i) => readFileProbe(sections, `f${i}`, path));
    const facts = parseFacts(sections);

    const plans: Plan[] = [];
    plans.push(planSysfile(files[0].params, states[0]));
    // /etc/conf.d/hostname only means something with OpenRC (or when it already exists)
    if (facts.openrc || states[1].kind !== 'absent') plans.push(planSysfile(files[1].params, states[1]));
    if (p.hosts) {
      const hostsText = states[2].content?.toString('utf8') ?? '';
      plans.push(planSysfile({ path: '/etc/hosts', content: editEtcHosts(hostsText, p.hosts) }, states[2]));
    }
    const fileChanges = plans.filter((pl) => pl.action.kind !== 'none');
    const applyLive = facts.live !== p.name;
    const messages = fileChanges.map((pl) => `${pl.path}: ${pl.messages.join(', ')}`);
    if (applyLive) messages.push(`live name ${facts.live} → ${p.name}`);
    const changed = fileChanges.length > 0 || applyLive;
    const result: HostnameResult = { changed, changes: fileChanges.flatMap((pl) => pl.changes) };
    if (!applyLive) {
      result.fqdn = facts.fqdn;
      result.addresses = facts.addresses;
    }
    if (messages.length) result.message = messages.join('; ');
    if (!changed) {
      if (p.verify !== false) verifyOrThrow(p.name, host.name, facts);
      return result;
    }
    if (host.check) return result;
    for (const pl of fileChanges) await applyPlan(host, pl);
    const frame2 = new ProbeFrame();
    // a failing `hostname NAME` stops here: its exit code and stderr make the CommandError
    const after = await host.exec(ShellCommand.join([applyLive ? sh`hostname ${p.name} >&2 || exit` : sh`:`, verifyProbe(frame2, p.name)]));
    const f2 = parseFacts(frame2.parse(after.stdoutBytes, VERIFY_SECTIONS));
    result.fqdn = f2.fqdn;
    result.addresses = f2.addresses;
    if (p.verify !== false) verifyOrThrow(p.name, host.name, f2);
    return result;
  },
});

export default hostname;
