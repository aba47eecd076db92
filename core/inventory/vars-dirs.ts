// group_vars/ and host_vars/ next to an inventory: NAME.yml|yaml|json, NAME (no extension), or NAME/ with files inside.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InventoryError, refusePlaintextSecret, type InventoryBuilder, type Vars } from './model.ts';
import { readVarsYaml } from './yaml-doc.ts';

const VAR_FILE_EXT = ['.yml', '.yaml', '.json', ''];

async function kind(path: string): Promise<'file' | 'dir' | undefined> {
  try {
    const s = await stat(path);
    return s.isDirectory() ? 'dir' : s.isFile() ? 'file' : undefined;
  } catch {
    return undefined;
  }
}

/** Files inside a NAME/ directory, recursively, sorted by path (later files win, as in Ansible). */
async function filesIn(dir: string): Promise<string[]> {
  const out: string[] = [];
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesIn(p)));
    else if (/\.(ya?ml|json)$/.test(e.name)) out.push(p);
  }
  return out;
}

/** Reads and merges the vars files for `name` in `dir` (group_vars or host_vars); {} when there are none. */
export async function readNamedVars(dir: string, name: string): Promise<{ vars: Vars; files: string[] }> {
  const files: string[] = [];
  for (const ext of VAR_FILE_EXT) {
    const p = join(dir, name + ext);
    const k = await kind(p);
    if (k === 'file') files.push(p);
    else if (k === 'dir' && ext === '') files.push(...(await filesIn(p)));
  }
  const vars: Vars = {};
  for (const file of files) {
    const parsed = readVarsYaml(await readFile(file, 'utf8'), file);
    for (const [k, v] of Object.entries(parsed.vars)) {
      refusePlaintextSecret(k, { file, line: parsed.lines.get(k) });
      vars[k] = v;
    }
  }
  return { vars, files };
}

/**
 * Merges `baseDir/group_vars` and `baseDir/host_vars` into the builder's groups and hosts
 * (only for groups and hosts the inventory defines, as Ansible does).
 */
export async function applyVarsDirs(builder: InventoryBuilder, baseDir: string): Promise<void> {
  const groupDir = join(baseDir, 'group_vars');
  const hostDir = join(baseDir, 'host_vars');
  if ((await kind(groupDir)) === 'dir') {
    for (const g of builder.groups.values()) Object.assign(g.fileVars, (await readNamedVars(groupDir, g.name)).vars);
  } else if ((await kind(groupDir)) === 'file') {
    throw new InventoryError('group_vars must be a directory', groupDir);
  }
  if ((await kind(hostDir)) === 'dir') {
    for (const h of builder.hosts.values()) Object.assign(h.fileVars, (await readNamedVars(hostDir, h.name)).vars);
  } else if ((await kind(hostDir)) === 'file') {
    throw new InventoryError('host_vars must be a directory', hostDir);
  }
}
