// Checks shared by user, group and authorizedKey: account names, ids and passwd fields as shadow's tools take them.

/**
 * A user or group name useradd/groupadd accept on Debian and Gentoo alike (shadow 4.13): letters, digits,
 * `_.-`, a trailing `$` for machine accounts, at most 32 characters. Not all digits (chown and `id`
 * would read it as an id), never a leading `-` (an option) or a `:` (passwd's separator).
 */
const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,30}\$?$/;

export function checkAccountName(name: unknown, what: string): void {
  if (typeof name !== 'string' || !NAME.test(name) || /^\d+$/.test(name))
    throw new Error(
      `${what}: not a user/group name: ${JSON.stringify(name)} (letters, digits, _ . -, a trailing $; not all digits; at most 32)`,
    );
}

/** An id useradd/groupadd take: 0 to 2^32-2 (2^32-1 is (uid_t)-1, "no change" to chown). */
export function checkId(id: unknown, what: string): void {
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > 4294967294)
    throw new Error(`${what}: an integer id from 0 to 4294967294, got ${JSON.stringify(id)}`);
}

/** A passwd field: one line without `:` (the field separator) and without NUL. */
export function checkField(value: unknown, what: string): void {
  if (typeof value !== 'string' || /[:\n\0]/.test(value))
    throw new Error(`${what}: one line without ':' (passwd's separator), got ${JSON.stringify(value)}`);
}

/** An absolute path for a passwd field (home, shell). */
export function checkAbsolute(value: unknown, what: string): void {
  checkField(value, what);
  if (!(value as string).startsWith('/') || (value as string).includes('//') || /\/\.\.?(\/|$)/.test(value as string))
    throw new Error(`${what}: an absolute path without . or .. parts, got ${JSON.stringify(value)}`);
}
