// Host entries as Ansible writes them: `name:port`, `[v6::addr]:port`, and ranges like www[01:50] or db-[a:f].
import { controlCharProblem } from './model.ts';

const ASCII_LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/**
 * Splits `host:port` (or `[host]:port`) like Ansible's parse_address: a trailing `:NN` is a port
 * unless the colon belongs to a [x:y] range; bare IPv6 addresses (several colons, no brackets) keep
 * their colons. Returns the host part (ranges not yet expanded) and the port, if any.
 */
export function splitPort(entry: string): { host: string; port?: number } {
  const bracketed = /^\[(.+)\]:([0-9]+)$/.exec(entry);
  if (bracketed) return { host: bracketed[1], port: Number(bracketed[2]) };
  const m = /^((?:[^:[\]]|\[[^\]]*\])*):([0-9]+)$/.exec(entry);
  if (m) return { host: m[1], port: Number(m[2]) };
  return { host: entry };
}

/**
 * Expands [begin:end] and [begin:end:step] ranges (numeric, zero-padded when begin is, or single
 * letters), left to right, as Ansible does: `www[01:03].x` → www01.x www02.x www03.x.
 * Throws with a message saying what is wrong with a malformed range.
 */
export function expandRanges(pattern: string): string[] {
  const open = pattern.indexOf('[');
  if (open < 0) {
    if (pattern.includes(']')) throw new Error(`unmatched ']' in host pattern '${pattern}'`);
    return [pattern];
  }
  const close = pattern.indexOf(']', open);
  if (close < 0) throw new Error(`unclosed '[' in host pattern '${pattern}'`);
  const head = pattern.slice(0, open);
  const tail = pattern.slice(close + 1);
  const bounds = pattern.slice(open + 1, close).split(':');
  if (bounds.length !== 2 && bounds.length !== 3)
    throw new Error(`host range [${bounds.join(':')}] must be begin:end or begin:end:step`);
  const begin = bounds[0] || '0';
  const end = bounds[1];
  if (!end) throw new Error(`host range [${bounds.join(':')}] must specify an end value`);
  const stepText = bounds[2] ?? '1';
  if (!/^[0-9]+$/.test(stepText) || Number(stepText) < 1)
    throw new Error(`host range step must be a positive integer, got '${stepText}'`);
  const step = Number(stepText);
  let items: string[];
  const bi = begin.length === 1 ? ASCII_LETTERS.indexOf(begin) : -1;
  const ei = end.length === 1 ? ASCII_LETTERS.indexOf(end) : -1;
  if (bi >= 0 && ei >= 0) {
    if (bi > ei) throw new Error(`host range [${begin}:${end}] must have begin <= end`);
    items = [];
    for (let i = bi; i <= ei; i += step) items.push(ASCII_LETTERS[i]);
  } else {
    if (!/^[0-9]+$/.test(begin) || !/^[0-9]+$/.test(end)) {
      throw new Error(`host range [${bounds.join(':')}] must be numbers or single letters`);
    }
    const padded = begin.length > 1 && begin.startsWith('0');
    if (padded && begin.length !== end.length)
      throw new Error(`host range [${begin}:${end}] must have begin and end of equal length when zero-padded`);
    const b = Number(begin);
    const e = Number(end);
    if (b > e) throw new Error(`host range [${begin}:${end}] must have begin <= end`);
    if ((e - b) / step > 100_000) throw new Error(`host range [${begin}:${end}] is too large`);
    items = [];
    for (let i = b; i <= e; i += step) items.push(padded ? String(i).padStart(begin.length, '0') : String(i));
  }
  return items.flatMap((item) => expandRanges(head + item + tail));
}

/** One inventory host entry (`web[1:3]:2222`) → host names and the port they share. */
export function expandHostEntry(entry: string): { names: string[]; port?: number } {
  // Before any other check: those errors quote the entry, and a newline in it would print as a line of its own.
  const problem = controlCharProblem('host', entry);
  if (problem) throw new Error(problem);
  const { host, port } = splitPort(entry);
  if (!host) throw new Error(`empty host name in '${entry}'`);
  if (host.endsWith(':') && port === undefined && !host.includes('::')) {
    throw new Error(`invalid host '${entry}': a trailing ':' is reserved for a port`);
  }
  return { names: expandRanges(host), port };
}

// Ansible's parse_address patterns (ansible/parsing/utils/addresses.py), used by split_host_pattern:
// a whole pattern that reads as one address (`2001:db8::1`, `h1:2222`, `web[1:3]`) is one term,
// not a colon-separated list.
const NUMERIC_RANGE = String.raw`\[(?:[0-9]+:[0-9]+)(?::[0-9]+)?\]`;
const HEX_RANGE = String.raw`\[(?:[0-9a-f]+:[0-9a-f]+)(?::[0-9]+)?\]`;
const ALNUM_RANGE = String.raw`\[(?:[a-z]:[a-z]|[0-9]+:[0-9]+)(?::[0-9]+)?\]`;
const V6 = `(?:[0-9a-f]{1,4}|${HEX_RANGE})`;
const V4 = `(?:[01]?[0-9]{1,2}|2[0-4][0-9]|25[0-5]|${NUMERIC_RANGE})`;
const LABEL = String.raw`(?:[\p{L}\p{N}_]|${ALNUM_RANGE})(?:[\p{L}\p{N}_-]|${ALNUM_RANGE})*(?<![_-])`;
const BRACKETED_HOSTPORT = /^\[(.+)\]:([0-9]+)$/;
const HOSTPORT = /^((?:[^:[\]]|\[[^\]]*\])*):([0-9]+)$/;
const IPV4 = new RegExp(`^(?:${V4}\\.){3}${V4}$`, 'i');
// As in Ansible, only the last alternative is anchored at the end (its `^...$` wraps no group):
// the others need only match a prefix.
const IPV6 = new RegExp(
  '^(?:' +
    [
      `(?:${V6}:){7}${V6}`,
      `(?:${V6}:){1,6}:`,
      `(?:${V6}:)(?::${V6}){1,6}`,
      `(?:${V6}:){2}(?::${V6}){1,5}`,
      `(?:${V6}:){3}(?::${V6}){1,4}`,
      `(?:${V6}:){4}(?::${V6}){1,3}`,
      `(?:${V6}:){5}(?::${V6}){1,2}`,
      `(?:${V6}:){6}(?::${V6})`,
      `:(?::${V6}){1,6}`,
      `${V6}?::`,
      `(?:0:){6}(?:${V6}\\.){3}${V6}`,
      `::(?:ffff:)?(?:${V6}\\.){3}${V6}`,
      `(?:0:){5}ffff:(?:${V6}\\.){3}${V6}$`,
    ].join('|') +
    ')',
  'i',
);
const HOSTNAME = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`, 'iu');

/** Whether Ansible's parse_address(text, allow_ranges=True) accepts `text` (a host, IP or range, with an optional port). */
export function isAnsibleAddress(text: string): boolean {
  let address = text;
  for (const re of [BRACKETED_HOSTPORT, HOSTPORT]) {
    const m = re.exec(address);
    if (m) address = m[1];
  }
  return IPV4.test(address) || IPV6.test(address) || HOSTNAME.test(address);
}
