// Root SSH key facts for the Ganeti play: the master's public key, read to authorize it on every node.
import { defineModule, type Result } from '../../core/module.ts';
import { sh } from '../../core/sh.ts';

export interface RootKeyResult extends Result {
  /** `type base64 comment` of root's public key, or undefined when root has none yet. */
  key?: string;
  path?: string;
}

export interface RootKeyParams {
  /** Ganeti's `ssh_key_type` (gnt-cluster info: "ssh_key_type: rsa"); default rsa. */
  type?: 'rsa' | 'dsa' | 'ecdsa';
}

/**
 * Reads the root public key gnt-cluster init made (id_rsa.pub for Ganeti's default ssh_key_type).
 * Other keys root may have are not the cluster's. Read-only, also in --check; before init there is
 * no such key and it says so.
 */
export const rootKey = defineModule<RootKeyParams, RootKeyResult>({
  name: 'ssh.rootKey',
  title: (p) => `read root id_${p.type ?? 'rsa'}.pub`,
  async run(host, p) {
    const file = `/root/.ssh/id_${p.type ?? 'rsa'}.pub`;
    const r = await host.exec(sh`if test -r ${file}; then echo ${file}; head -n 1 ${file}; fi`, { readOnly: true });
    const [path, key] = r.stdout.split('\n');
    if (!path || !key?.trim()) return { changed: false, message: 'root has no SSH key yet (gnt-cluster init creates it)' };
    if (!/^(ssh-|ecdsa-)\S+ \S+/.test(key)) throw new Error(`${host.name}: ${path} does not hold an OpenSSH public key`);
    return { changed: false, key: key.trim(), path, message: `${path}: ${key.split(' ')[0]}` };
  },
});
