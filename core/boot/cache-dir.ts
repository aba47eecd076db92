// Where drover keeps its caches: `$XDG_CACHE_HOME/drover/<kind>`, else `~/.cache/drover/<kind>`; never in the site's tree.
import os from 'node:os';
import path from 'node:path';

export function droverCacheDir(kind: string, env: NodeJS.ProcessEnv = process.env): string {
  const base =
    env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : path.join(os.homedir(), '.cache');
  return path.join(base, 'drover', kind);
}
