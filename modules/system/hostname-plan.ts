// hostname's decisions (pure): the contents of /etc/hostname, /etc/conf.d/hostname and /etc/hosts, whether the live name changes, and the name check.
import type { FileChange } from '../../core/events.ts';
import type { Result } from '../../core/module.ts';
import { checkDnsName, isDnsName } from '../shared/dns-name.ts';
import { lineInFile, splitLinesKeepEnds } from '../shared/file-edit.ts';
import type { HostnameFacts, LiveNames } from './hostname-facts.ts';
import { planTextFile, type TextFilePlan } from '../shared/text-file-plan.ts';

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

/** Params checked before the host is touched. */
export function validateHostname(p: HostnameParams): void {
  checkDnsName(p.name, 'name');
  for (const [addr, names] of Object.entries(p.hosts ?? {})) {
    if (!/^[0-9A-Fa-f.:]+$/.test(addr)) throw new Error(`hosts key ${JSON.stringify(addr)} is not an IP address`);
    if (!Array.isArray(names) || !names.length || names.some((n) => !isDnsName(n)))
      throw new Error(`hosts[${addr}] must be a non-empty list of host names`);
  }
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
    else if (keep.length > 0)
      out.push(`${addr}\t${keep.join(' ')}${hash >= 0 ? ' ' + body.slice(hash) : ''}${eol || '\n'}`);
  }
  let text = out.join('');
  for (const [addr, names] of wanted) {
    if (done.has(addr)) continue;
    if (text && !text.endsWith('\n')) text += '\n';
    text += `${addr}\t${names.join(' ')}\n`;
  }
  return text;
}

/** Throws saying what each printed unless `hostname -f` is `name` and getent found an address. */
export function verifyNames(name: string, f: Pick<LiveNames, 'fqdn' | 'addresses'>): void {
  if (f.fqdn !== name || f.addresses.length === 0) {
    throw new Error(
      `the names do not agree: \`hostname -f\` printed ${JSON.stringify(f.fqdn)}, ` +
        `\`getent ahosts ${name}\` gave ${f.addresses.length ? f.addresses.join(' ') : 'nothing'} ` +
        `(add the FQDN to /etc/hosts with the hosts param, or fix DNS)`,
    );
  }
}

/** hostname's whole decision: the report, the files to write, and whether `hostname NAME` runs. */
export interface HostnamePlan {
  result: HostnameResult;
  files: TextFilePlan[];
  /** The live name differs: `hostname NAME` runs after the files are written. */
  setLive: boolean;
}

export function planHostname(p: HostnameParams, f: HostnameFacts): HostnamePlan {
  const [etcHostname, confd, hosts] = f.files;
  const files: (TextFilePlan | undefined)[] = [
    planTextFile('/etc/hostname', etcHostname, () => ({ text: `${p.name}\n` })),
  ];
  // /etc/conf.d/hostname only means something with OpenRC (or when it already exists). OpenRC ≥ 0.22
  // reads /etc/hostname first; this is its fallback, kept in step.
  if (f.names.openrc || confd.kind !== 'absent') {
    files.push(
      planTextFile(
        '/etc/conf.d/hostname',
        confd,
        (before) => {
          const r = lineInFile(before, { line: `hostname="${p.name}"`, regexp: '^\\s*hostname=' });
          return r.changed
            ? { text: r.content, message: before === null ? `created (${r.message})` : r.message }
            : { text: before };
        },
        { createParents: true },
      ),
    );
  }
  if (p.hosts) {
    const entries = p.hosts;
    files.push(planTextFile('/etc/hosts', hosts, (before) => ({ text: editEtcHosts(before ?? '', entries) })));
  }
  const changedFiles = files.filter((x): x is TextFilePlan => x !== undefined);
  const setLive = f.names.live !== p.name;
  const messages = changedFiles.map((x) => `${x.path}: ${x.message}`);
  if (setLive) messages.push(`live name ${f.names.live} → ${p.name}`);
  const changed = changedFiles.length > 0 || setLive;
  const result: HostnameResult = { changed, changes: changedFiles.map((x) => x.change) };
  if (!setLive) {
    result.fqdn = f.names.fqdn;
    result.addresses = f.names.addresses;
  }
  if (messages.length) result.message = messages.join('; ');
  // Nothing to change: the names must agree now. After a change the apply step checks (never in --check).
  if (!changed && p.verify !== false) verifyNames(p.name, f.names);
  return { result, files: changedFiles, setLive };
}
