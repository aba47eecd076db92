// Where the lab keeps things on this machine: layer cache, per-instance state, disk images.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Built layers, keyed by recipe hash; survives reboots. */
export const layerCacheDir = process.env.DROVER_LAB_CACHE ?? '/var/cache/drover/lab';
/** Per-instance state (state.json, keys, ssh_config...); tmpfs: a reboot forgets instances, as their namespaces are gone too. */
export const stateRoot = process.env.DROVER_LAB_RUN ?? '/run/drover/lab';
/** Sparse disk images of `lab disk` (kept off tmpfs so writes do not eat RAM). */
export const diskRoot = process.env.DROVER_LAB_DISKS ?? '/var/tmp/drover/lab';

/** lab/layers: layer recipes and the host init script. */
export const layersSourceDir = fileURLToPath(new URL('./layers/', import.meta.url));

export function instanceDir(name: string): string {
  return path.join(stateRoot, name);
}
