// Ansible Vault (format 1.1 / 1.2, AES256) decryption with node:crypto, and the keyring of vault passwords.
import { createDecipheriv, createHmac, pbkdf2Sync, timingSafeEqual } from 'node:crypto';
import type { Secret } from '../secret.ts';

/** One vault password, with the vault id (label) it was given for: `default` without one, as in Ansible. */
export interface VaultPassword {
  id: string;
  password: Secret;
  /** Where it came from (a file, `prompt`), for errors; never the password itself. */
  source: string;
}

/** The vault passwords of a run (--vault-password-file, --ask-vault-pass, --vault-id). */
export type VaultKeyring = readonly VaultPassword[];

const HEADER = '$ANSIBLE_VAULT;';

/** Whether text is vault ciphertext (a whole encrypted file, or the body of a `!vault` value). */
export function isVaultText(text: string): boolean {
  return text.trimStart().startsWith(HEADER);
}

/** Thrown when ciphertext cannot be decrypted; the message never holds a password or plaintext. */
export class VaultError extends Error {
  override name = 'VaultError';
}

interface Envelope {
  version: string;
  id?: string;
  salt: Buffer;
  hmac: Buffer;
  ciphertext: Buffer;
}

const HEX = /^[0-9a-fA-F]*$/;

function unhex(text: string, what: string): Buffer {
  if (text.length % 2 !== 0 || !HEX.test(text)) throw new VaultError(`malformed vault data: ${what} is not hex`);
  return Buffer.from(text, 'hex');
}

/** Splits `$ANSIBLE_VAULT;1.1;AES256` / `$ANSIBLE_VAULT;1.2;AES256;ID` and its hexlified body (parse_vaulttext_envelope). */
function parseEnvelope(text: string): Envelope {
  const lines = text.trim().split(/\r?\n/);
  const header = lines[0].trim().split(';');
  const [, version, cipher, id] = header;
  if (version !== '1.1' && version !== '1.2')
    throw new VaultError(`unsupported vault format ${version ?? '?'} (drover reads 1.1 and 1.2)`);
  if (cipher?.trim() !== 'AES256')
    throw new VaultError(`unsupported vault cipher ${cipher ?? '?'} (Ansible and drover know AES256 only)`);
  const body = unhex(lines.slice(1).join('').replace(/\s/g, ''), 'the body').toString('latin1');
  const parts = body.split('\n');
  if (parts.length !== 3) throw new VaultError('malformed vault data: expected salt, HMAC and ciphertext');
  return {
    version,
    id: version === '1.2' ? id?.trim() : undefined,
    salt: unhex(parts[0], 'the salt'),
    hmac: unhex(parts[1], 'the HMAC'),
    ciphertext: unhex(parts[2], 'the ciphertext'),
  };
}

/** VaultAES256: PBKDF2-SHA256 (10000 rounds) → 32-byte AES key, 32-byte HMAC key, 16-byte CTR IV. */
function decryptWith(env: Envelope, password: string): Buffer | undefined {
  const derived = pbkdf2Sync(Buffer.from(password, 'utf8'), env.salt, 10000, 80, 'sha256');
  const key = derived.subarray(0, 32);
  const hmacKey = derived.subarray(32, 64);
  const iv = derived.subarray(64, 80);
  const mac = createHmac('sha256', hmacKey).update(env.ciphertext).digest();
  if (mac.length !== env.hmac.length || !timingSafeEqual(mac, env.hmac)) return undefined;
  const decipher = createDecipheriv('aes-256-ctr', key, iv);
  const padded = Buffer.concat([decipher.update(env.ciphertext), decipher.final()]);
  // PKCS#7 padding to the AES block size, as Ansible adds it.
  const pad = padded[padded.length - 1];
  if (!pad || pad > 16 || pad > padded.length) throw new VaultError('malformed vault data: bad padding');
  return padded.subarray(0, padded.length - pad);
}

/**
 * Decrypts vault text with the keyring, as Ansible's VaultLib does: the password whose id matches the
 * envelope's (1.2) is tried first, then every other one. Throws a VaultError naming the vault id and the
 * password sources tried when none fits, or when there is no password at all.
 */
export function decryptVault(text: string, keyring: VaultKeyring): string {
  if (keyring.length === 0) {
    // The header alone names the vault id: no password means nothing else needs reading.
    const [, version, , id] = text.trim().split(/\r?\n/)[0].split(';');
    throw new VaultError(
      `it is vault-encrypted${version === '1.2' && id ? ` (vault id ${id.trim()})` : ''} and no vault password was given: use --vault-password-file FILE, --ask-vault-pass or --vault-id [ID@]FILE`,
    );
  }
  const env = parseEnvelope(text);
  const ordered = [...keyring.filter((k) => k.id === env.id), ...keyring.filter((k) => k.id !== env.id)];
  for (const k of ordered) {
    const plain = decryptWith(env, k.password.reveal());
    if (plain) return plain.toString('utf8');
  }
  throw new VaultError(
    `cannot decrypt it${env.id ? ` (vault id ${env.id})` : ''}: no vault password given fits (tried ${ordered.map((k) => `${k.id}@${k.source}`).join(', ')})`,
  );
}
