// Secrets in file bodies: reveal them at the write, and show a diff that says a secret part changed without its value.
import type { FileChange } from '../../core/events.ts';
import { isSecret, SecretSet, SecretText, type Secret } from '../../core/secret.ts';

/** A text param that may hold secrets: plain, a whole Secret, or a secretText`...` mixing both. */
export type MaybeSecretText = string | Secret | SecretText;

/** The SecretText a value stands for, or undefined for plain text and bytes. */
export function asSecretText(v: unknown): SecretText | undefined {
  if (v instanceof SecretText) return v.secrets.length ? v : undefined;
  if (isSecret(v)) return new SecretText([v]);
  return undefined;
}

/** Plain text of a text param (the real value of its secrets). */
export function revealText<T>(v: T | Secret | SecretText): T | string {
  return v instanceof SecretText || isSecret(v) ? v.reveal() : v;
}

/**
 * Runs `fn` (a plan over revealed secret texts); an error it throws, and the errors that caused it, have
 * `texts`' values masked (***): a backrefs template quoted in an error may hold one, and a plan error
 * comes before the module has written anything (or registered the secrets with the run).
 */
export function maskingSecrets<T>(texts: readonly SecretText[], fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    const set = new SecretSet(texts);
    for (let e: unknown = err, depth = 0; e instanceof Error && depth < 20; e = e.cause, depth++) {
      e.message = set.redact(e.message);
      if (e.stack) e.stack = set.redact(e.stack);
    }
    throw err;
  }
}

/** Text around a secret on its line: a line of the old file that starts and ends so held the old value. */
interface Slot {
  prefix: string;
  suffix: string;
}

function slotsOf(texts: readonly SecretText[]): Slot[] {
  const slots: Slot[] = [];
  for (const t of texts) {
    t.parts.forEach((p, i) => {
      if (typeof p === 'string') return;
      const before = t.parts[i - 1];
      const after = t.parts[i + 1];
      const prefix = typeof before === 'string' ? before.slice(before.lastIndexOf('\n') + 1) : '';
      const suffix = typeof after === 'string' ? after.split('\n')[0] : '';
      if (p.reveal().includes('\n')) {
        // a multi-line secret: its first, middle and last lines each fill a line slot of their own
        slots.push({ prefix, suffix: '' }, { prefix: '', suffix: '' }, { prefix: '', suffix });
      } else {
        slots.push({ prefix, suffix });
      }
    });
  }
  // the most telling context first
  return slots.sort((a, b) => b.prefix.length + b.suffix.length - (a.prefix.length + a.suffix.length));
}

export const OLD_SECRET = '<old secret>';

/**
 * A FileChange safe to show for a file whose new content holds `texts`' secrets. In both sides each
 * secret value becomes `<secret>` (`<secret 1>`, `<secret 2>`... when there are several), so unchanged
 * secret lines stay unchanged in the diff. A line of the old content that the new one no longer has
 * and that fits around a secret (`password=` ... ``) had the old value there: that part becomes
 * `<old secret>`, so the diff shows that the secret changed (`-password=<old secret>` /
 * `+password=<secret>`) and neither value. A secret filling whole lines (a key) has no context to
 * fit, so every removed line is masked. Bytes on the host are not affected: this is display only.
 */
export function maskFileChange(change: FileChange, texts: readonly SecretText[]): FileChange {
  const distinct = [...new Set(texts.flatMap((t) => t.secrets.map((s) => s.reveal())).filter((v) => v.length > 0))];
  if (distinct.length === 0) return change;
  const label = new Map(distinct.map((v, i) => [v, distinct.length === 1 ? '<secret>' : `<secret ${i + 1}>`]));
  const longestFirst = [...distinct].sort((a, b) => b.length - a.length);
  // a value's final newline stays text: a key file reads `<secret>` plus its newline, not "no newline at end"
  const known = (s: string) =>
    longestFirst.reduce((out, v) => out.split(v).join(label.get(v) + (v.endsWith('\n') ? '\n' : '')), s);
  const after = change.after === null ? null : known(change.after);
  if (change.before === null) return { ...change, after };
  // whole values first (a multi-line secret spans lines), then what is left line by line
  const kept = new Set((after ?? '').split('\n'));
  const labels = new Set(label.values());
  const slots = slotsOf(texts);
  const before = known(change.before)
    .split('\n')
    .map((line) => {
      if (kept.has(line)) return line;
      for (const { prefix, suffix } of slots) {
        const fits = line.length > prefix.length + suffix.length && line.startsWith(prefix) && line.endsWith(suffix);
        if (!fits) continue;
        const middle = line.slice(prefix.length, line.length - suffix.length);
        return prefix + (labels.has(middle) ? middle : OLD_SECRET) + suffix;
      }
      return line;
    })
    // an old multi-line value shows as one line: not even its line count
    .filter((line, i, all) => !(line === OLD_SECRET && all[i - 1] === OLD_SECRET))
    .join('\n');
  return { ...change, before, after };
}
