// Loads an inventory from a file, a directory or a comma-separated host list, and selects hosts from it.
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { looksLikeHostList, parseHostList } from './comma.ts';
import { resolveUserPath } from './connection-vars.ts';
import { parseIni } from './ini.ts';
import { InventoryBuilder, InventoryError, refusePlaintextSecret, type Inventory, type Vars } from './model.ts';
import { resolveInventory } from './resolve.ts';
import { loadTsInventory } from './typescript.ts';
import { decryptVault, isVaultText, VaultError, type VaultKeyring } from './vault.ts';
import { applyVarsDirs } from './vars-dirs.ts';
import { parseYamlInventory } from './yaml.ts';
import type { YamlContext } from './yaml-doc.ts';

export { selectHosts, selectHostsReport, type PatternMatch } from './patterns.ts';
export {
  missingVars,
  type Inventory,
  type InventoryHost,
  type InventoryGroup,
  type Vars,
} from './model.ts';
export type { InventorySpec, GroupSpec, HostVars, ConnectionVars } from './define.ts';
export type { InventoryJson } from './describe.ts';
export { playVars } from './resolve.ts';
export type { VaultKeyring } from './vault.ts';

export interface LoadInventoryOptions {
  /** Directory relative sources are resolved against (default: process.cwd()). */
  cwd?: string;
  /** -e extra vars: they win over every inventory var (see parseExtraVars). */
  extraVars?: Vars;
  /**
   * The playbook's directory: its group_vars/ and host_vars/ are read too, each winning over the
   * inventory's of the same level (as ansible-playbook, and ansible-inventory --playbook-dir, do).
   */
  playbookDir?: string;
  /** Vault passwords for `!vault` values and vault-encrypted files (see vault-passwords.ts). */
  vault?: VaultKeyring;
  /** Non-fatal findings (a duplicate YAML key) with file:line; default: stderr. */
  warn?: (message: string) => void;
}

type Format = 'ini' | 'yaml' | 'ts';

/** The parser a file's name calls for; undefined for files an inventory directory skips. */
export function formatOf(file: string): Format | undefined {
  const ext = extname(file).toLowerCase();
  if (ext === '.yml' || ext === '.yaml' || ext === '.json') return 'yaml';
  if (ext === '.ts' || ext === '.mts' || ext === '.js' || ext === '.mjs') return 'ts';
  if (ext === '.ini' || ext === '.cfg' || ext === '') return 'ini';
  return undefined;
}

/**
 * Files an inventory directory ignores: docs, examples, dotfiles, editor and package-manager leftovers,
 * and the SSH files that often sit beside an inventory (known_hosts, ssh_config, keys), which have no
 * extension and would otherwise be read as INI.
 */
function ignoredInDirectory(name: string): boolean {
  return (
    name.startsWith('.') ||
    /^(known_hosts.*|ssh_config|authorized_keys|id_[a-z0-9_-]+)$/.test(name) ||
    /\.(pub|pem|key|crt)$/i.test(name) ||
    /^readme/i.test(name) ||
    /\.md$/i.test(name) ||
    /\.example(\.|$)/i.test(name) ||
    name === 'ansible.cfg' ||
    /(~|\.orig|\.bak|\.retry|\.swp|\.rpmnew|\.rpmsave|\.dpkg-[a-z]+|\.d\.ts)$/i.test(name)
  );
}

async function parseFile(file: string, format: Format, builder: InventoryBuilder, ctx: YamlContext): Promise<void> {
  if (format === 'ts') {
    await loadTsInventory(file, builder);
    return;
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new InventoryError(
      `cannot read inventory: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      file,
    );
  }
  if (format === 'yaml') parseYamlInventory(text, file, builder, ctx);
  else {
    if (text.startsWith('#!')) throw new InventoryError(SCRIPT_REFUSED, file, 1);
    // Ansible's loader decrypts any vault-encrypted file before its plugin reads it.
    if (isVaultText(text)) {
      try {
        text = decryptVault(text, ctx.vault ?? []);
      } catch (e) {
        if (e instanceof VaultError) throw new InventoryError(e.message, file);
        throw e;
      }
    }
    parseIni(text, file, builder);
  }
}

// Ansible runs a file that starts with #! (or is executable) as a dynamic inventory script.
const SCRIPT_REFUSED =
  'this looks like a dynamic inventory script (it starts with #!), which Ansible would run and drover does not: convert its output once (ansible-inventory -i SCRIPT --list --yaml --export > hosts.yml), or remove the #! line if it is a static INI inventory';

/** Ansible reads *.toml with its toml plugin; drover has none. */
async function refuseToml(file: string): Promise<void> {
  if (/\.toml$/i.test(file))
    throw new InventoryError(
      'Ansible reads TOML inventories (its toml plugin), drover does not: convert it to YAML or INI',
      file,
    );
}

/** A file of no format drover reads, that Ansible would still read: TOML, or a script it would run. */
async function refuseUnreadable(file: string): Promise<void> {
  await refuseToml(file);
  const st = await stat(file);
  let head = '';
  try {
    head = (await readFile(file, 'utf8')).slice(0, 2);
  } catch {
    return;
  }
  if (head === '#!' || (st.mode & 0o111) !== 0) {
    throw new InventoryError(
      'Ansible would run this file as a dynamic inventory script (it is executable or starts with #!), and drover does not run inventory scripts: move it out of the inventory directory, or convert its output once (ansible-inventory -i SCRIPT --list --yaml --export > hosts.yml)',
      file,
    );
  }
}

/** Inventory files inside a directory, sorted by name, recursing into subdirectories (not group_vars/host_vars). */
async function directorySources(dir: string): Promise<{ file: string; format: Format }[]> {
  const out: { file: string; format: Format }[] = [];
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
  for (const e of entries) {
    if (ignoredInDirectory(e.name)) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'group_vars' && e.name !== 'host_vars') out.push(...(await directorySources(p)));
      continue;
    }
    // Ansible's INVENTORY_IGNORE_EXTS skips *.ini and *.cfg inside an inventory directory: reading
    // them would silently give drover hosts that Ansible does not have, so refuse and say why.
    if (/\.(ini|cfg)$/i.test(e.name)) {
      throw new InventoryError(
        `Ansible ignores *${extname(e.name)} files inside an inventory directory (its INVENTORY_IGNORE_EXTS), so drover refuses rather than read hosts Ansible would not: rename it without the extension (still read as INI), or pass the file itself with -i`,
        p,
      );
    }
    const format = formatOf(e.name);
    if (format) out.push({ file: p, format });
    else if (e.isFile()) await refuseUnreadable(p);
  }
  return out;
}

async function statOrUndefined(path: string) {
  try {
    return await stat(path);
  } catch {
    return undefined;
  }
}

/**
 * The warning ansible-inventory gives for a --playbook-dir that is not a directory (it goes on without
 * its group_vars), or undefined when it is one.
 */
export async function playbookDirWarning(dir: string, cwd: string): Promise<string | undefined> {
  const path = resolveUserPath(dir, cwd);
  if ((await statOrUndefined(path))?.isDirectory()) return undefined;
  return `--playbook-dir ${path} is not a directory: no group_vars/ or host_vars/ read from it`;
}

/**
 * Loads `source` (the -i argument):
 * - a file: .ini/.cfg/no extension → INI; .yml/.yaml/.json → YAML; .ts/.mts/.js/.mjs → module whose
 *   default export is an inventory({...}) spec;
 * - a directory: its index.ts (or index.mts/index.js) if there is one, else every inventory file in it
 *   (README*, *.md, *.example.*, dotfiles skipped), in name order;
 * - a comma list `node1,node2,` (contains a comma and is not an existing path): hosts in `ungrouped`.
 * group_vars/ and host_vars/ beside the file (or inside the directory) are merged in.
 */
export async function loadInventory(source: string, opts: LoadInventoryOptions = {}): Promise<Inventory> {
  const cwd = opts.cwd ?? process.cwd();
  const extraVars = opts.extraVars ?? {};
  const ctx: YamlContext = { vault: opts.vault, warn: opts.warn };
  const playbookDir = opts.playbookDir === undefined ? undefined : resolveUserPath(opts.playbookDir, cwd);
  for (const k of Object.keys(extraVars)) refusePlaintextSecret(k, { label: '-e' });
  if (!source.trim()) throw new InventoryError('no inventory given (-i FILE, DIRECTORY or host1,host2,)');
  const path = resolveUserPath(source, cwd);
  const st = await statOrUndefined(path);
  const builder = new InventoryBuilder();
  if (!st) {
    if (looksLikeHostList(source)) {
      parseHostList(source, builder);
      if (playbookDir) await applyVarsDirs(builder, playbookDir, ctx, 'playbookVars');
      return resolveInventory(builder, source, cwd, extraVars, playbookDir);
    }
    throw new InventoryError(`inventory ${source} not found (looked for ${path})`);
  }
  let baseDir: string;
  if (st.isDirectory()) {
    baseDir = path;
    let index: string | undefined;
    for (const name of ['index.ts', 'index.mts', 'index.js']) {
      if ((await statOrUndefined(join(path, name)))?.isFile()) {
        index = join(path, name);
        break;
      }
    }
    const sources = index ? [{ file: index, format: 'ts' as const }] : await directorySources(path);
    if (sources.length === 0)
      throw new InventoryError(
        `inventory directory ${source} holds no inventory files (.ini, .yml, .yaml, .ts, or no extension)`,
      );
    for (const s of sources) await parseFile(s.file, s.format, builder, ctx);
  } else {
    baseDir = dirname(path);
    await refuseToml(path);
    // Named with -i, a file of any other extension (hosts.example, inventory.prod) is INI, as Ansible
    // reads it: its yaml plugin takes .yml/.yaml/.json only, and its ini plugin any file.
    await parseFile(path, formatOf(basename(path)) ?? 'ini', builder, ctx);
  }
  await applyVarsDirs(builder, baseDir, ctx);
  if (playbookDir) await applyVarsDirs(builder, playbookDir, ctx, 'playbookVars');
  return resolveInventory(builder, source, baseDir, extraVars, playbookDir);
}
