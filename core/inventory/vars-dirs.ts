// group_vars/ and host_vars/ next to an inventory, found as Ansible's loader finds them (find_vars_files).
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { InventoryError, mergeVars, putVar, refusePlaintextSecret, type InventoryBuilder, type Vars } from './model.ts';
import { readVarsYaml, type YamlContext } from './yaml-doc.ts';

/** Ansible's YAML_FILENAME_EXTENSIONS, after the bare NAME, in the order it tries them. */
const VAR_FILE_EXT = ['', '.yml', '.yaml', '.json'];

async function kind(path: string): Promise<'file' | 'dir' | undefined> {
  try {
    const s = await stat(path);
    return s.isDirectory() ? 'dir' : s.isFile() ? 'file' : undefined;
  } catch {
    return undefined;
  }
}

/** Python's sorted() on names: by code point (not locale). */
const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Files inside a NAME/ directory as Ansible's _get_dir_vars_files lists them: sorted by name, hidden
 * files and `*~` skipped, files with no extension or .yml/.yaml/.json, subdirectories (without an
 * extension) recursively, in place. Later files win.
 */
async function filesIn(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const name of (await readdir(dir)).sort(byCodePoint)) {
    if (name.startsWith('.') || name.endsWith('~')) continue;
    const p = join(dir, name);
    const ext = extname(name);
    const k = await kind(p);
    if (k === 'dir' && !ext) out.push(...(await filesIn(p)));
    else if (k === 'file' && (!ext || VAR_FILE_EXT.includes(ext))) out.push(p);
  }
  return out;
}

/**
 * Reads and merges the vars files for `name` in `dir` (group_vars or host_vars), as Ansible does:
 * only the FIRST of NAME, NAME.yml, NAME.yaml, NAME.json that exists is used (a NAME/ directory
 * stands for all its files, see filesIn); {} when there is none.
 */
export async function readNamedVars(
  dir: string,
  name: string,
  ctx: YamlContext = {},
): Promise<{ vars: Vars; files: string[] }> {
  const files: string[] = [];
  for (const ext of VAR_FILE_EXT) {
    const p = join(dir, name + ext);
    const k = await kind(p);
    if (!k) continue;
    if (k === 'file') files.push(p);
    else files.push(...(await filesIn(p)));
    break;
  }
  const vars: Vars = {};
  for (const file of files) {
    const parsed = readVarsYaml(await readFile(file, 'utf8'), file, ctx);
    for (const [k, v] of Object.entries(parsed.vars)) {
      refusePlaintextSecret(k, { file, line: parsed.lines.get(k) });
      putVar(vars, k, v, { file, line: parsed.lines.get(k) });
    }
  }
  return { vars, files };
}

/**
 * Merges `baseDir/group_vars` and `baseDir/host_vars` into the builder's groups and hosts (only for
 * groups and hosts the inventory defines, as Ansible does): into fileVars for the directories beside
 * the inventory, into playbookVars for those beside the playbook (`into`).
 */
export async function applyVarsDirs(
  builder: InventoryBuilder,
  baseDir: string,
  ctx: YamlContext = {},
  into: 'fileVars' | 'playbookVars' = 'fileVars',
): Promise<void> {
  const groupDir = join(baseDir, 'group_vars');
  const hostDir = join(baseDir, 'host_vars');
  if ((await kind(groupDir)) === 'dir') {
    for (const g of builder.groups.values()) mergeVars(g[into], (await readNamedVars(groupDir, g.name, ctx)).vars);
  } else if ((await kind(groupDir)) === 'file') {
    throw new InventoryError('group_vars must be a directory', groupDir);
  }
  if ((await kind(hostDir)) === 'dir') {
    for (const h of builder.hosts.values()) mergeVars(h[into], (await readNamedVars(hostDir, h.name, ctx)).vars);
  } else if ((await kind(hostDir)) === 'file') {
    throw new InventoryError('host_vars must be a directory', hostDir);
  }
}
