// Root SSH key facts for the Ganeti play: the master's public key, read to authorize it on every node.
import { defineModule, probe, sh, type Plan, type ProbeFrame, type ProbeSections, type Result } from 'drover';

export interface RootKeyResult extends Result {
  /** `type base64 comment` of root's public key, or undefined when root has none yet. */
  key?: string;
  path?: string;
}

export interface RootKeyParams {
  /** Ganeti's `ssh_key_type` (gnt-cluster info: "ssh_key_type: rsa"); default rsa. */
  type?: 'rsa' | 'dsa' | 'ecdsa';
}

const keyFile = (p: RootKeyParams) => `/root/.ssh/id_${p.type ?? 'rsa'}.pub`;

/** Section key: the first line of the key file (rc 0 when it is readable). */
function keyProbe(p: RootKeyParams, frame: ProbeFrame) {
  return frame.section('key', sh`test -r ${keyFile(p)} && head -n 1 ${keyFile(p)}`);
}

/** The first line of the key file, undefined when there is none (or it is empty). */
function readKey(s: ProbeSections): string | undefined {
  return s.status('key') === 0 && s.text('key').trim() ? s.text('key').trim() : undefined;
}

/** Pure: the key, or what is missing; a file that is not an OpenSSH public key is an error. */
export function rootKeyPlan(p: RootKeyParams, key: string | undefined): Plan<RootKeyResult> {
  const path = keyFile(p);
  if (key === undefined)
    return { result: { changed: false, message: 'root has no SSH key yet (gnt-cluster init creates it)' } };
  if (!/^(ssh-|ecdsa-)\S+ \S+/.test(key)) throw new Error(`${path} does not hold an OpenSSH public key`);
  return { result: { changed: false, key, path, message: `${path}: ${key.split(' ')[0]}` } };
}

/**
 * Reads the root public key gnt-cluster init made (id_rsa.pub for Ganeti's default ssh_key_type).
 * Other keys root may have are not the cluster's. Read-only, also in --check; before init there is
 * no such key and it says so.
 */
export const rootKey = defineModule<RootKeyParams, string | undefined, RootKeyResult>({
  name: 'ssh.rootKey',
  title: (p) => `read root id_${p.type ?? 'rsa'}.pub`,
  validate: (p) => {
    if (p.type !== undefined && !['rsa', 'dsa', 'ecdsa'].includes(p.type))
      throw new Error(`type ${JSON.stringify(p.type)} is not rsa, dsa or ecdsa`);
  },
  facts: probe(keyProbe, readKey, () => ['key']),
  plan: rootKeyPlan,
});
