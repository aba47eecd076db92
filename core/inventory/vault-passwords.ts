// The vault keyring from the command line: --vault-password-file, --ask-vault-pass, --vault-id [ID@]FILE|prompt.
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../errors.ts';
import { Secret } from '../secret.ts';
import type { VaultPassword } from './vault.ts';

export interface VaultOptions {
  /** --vault-password-file FILE (repeatable): id `default`, as in Ansible. */
  passwordFiles?: readonly string[];
  /** --ask-vault-pass: prompt once, id `default`. */
  ask?: boolean;
  /** --vault-id [ID@]FILE or [ID@]prompt (repeatable). */
  ids?: readonly string[];
}

/** A password file's content, stripped as Ansible strips it; an executable file (a script Ansible would run) is refused. */
function readPasswordFile(file: string, cwd: string): Secret {
  const path = resolve(cwd, file);
  let text: string;
  try {
    const st = statSync(path);
    if (st.isFile() && (st.mode & 0o111) !== 0)
      throw new UsageError(
        `vault password file ${file} is executable: Ansible would run it as a script, drover runs no password scripts; give its output instead (--vault-password-file <(${file}))`,
      );
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(
      `cannot read vault password file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  const password = text.trim();
  if (!password) throw new UsageError(`vault password file ${file} is empty`);
  return new Secret(password);
}

/**
 * The vault passwords the options give, in order (the order Ansible tries them after the one whose id
 * matches). `ask` is called for --ask-vault-pass and each `ID@prompt`, with the prompt text.
 */
export async function vaultKeyring(
  o: VaultOptions,
  ask: (prompt: string) => Promise<string>,
  cwd = process.cwd(),
): Promise<VaultPassword[]> {
  const out: VaultPassword[] = [];
  for (const id of o.ids ?? []) {
    const at = id.indexOf('@');
    const label = at > 0 ? id.slice(0, at) : 'default';
    const source = at > 0 ? id.slice(at + 1) : id;
    if (!source) throw new UsageError(`--vault-id ${id}: expected [ID@]FILE or [ID@]prompt`);
    if (source === 'prompt' || source === 'prompt_ask_vault_pass') {
      const pw = await ask(label === 'default' ? 'Vault password: ' : `Vault password (${label}): `);
      if (!pw) throw new UsageError(`--vault-id ${id}: empty vault password`);
      out.push({ id: label, password: new Secret(pw), source: 'prompt' });
    } else out.push({ id: label, password: readPasswordFile(source, cwd), source });
  }
  for (const file of o.passwordFiles ?? [])
    out.push({ id: 'default', password: readPasswordFile(file, cwd), source: file });
  if (o.ask) {
    const pw = await ask('Vault password: ');
    if (!pw) throw new UsageError('--ask-vault-pass: empty vault password');
    out.push({ id: 'default', password: new Secret(pw), source: 'prompt' });
  }
  return out;
}
