// Parser for Ansible's INI inventory format: [group], [group:vars], [group:children], inline host vars, ranges.
import { iniValue, shlexSplit } from './ini-values.ts';
import { InventoryBuilder, InventoryError, putVar, type Origin } from './model.ts';
import { expandHostEntry } from './ranges.ts';

type SectionKind = 'hosts' | 'vars' | 'children';

const SECTION = /^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:[#;].*)?$/;
const GROUP_NAME = /^([^:\]\s]+)\s*(?:[#;].*)?$/;

/** A line as shown in an error: values of password-like vars masked (a broken line may still hold one). */
function masked(text: string): string {
  return text.replace(/(\w*pass\w*\s*=\s*)("[^"]*"?|'[^']*'?|\S+)/gi, '$1***');
}

/** Parses INI inventory text into `builder`. `file` names the source in errors (`file:line: message`). */
export function parseIni(
  text: string,
  file: string,
  builder: InventoryBuilder = new InventoryBuilder(),
): InventoryBuilder {
  let group = 'ungrouped';
  let state = 'hosts' as SectionKind;
  // [g:vars] may precede [g]; [p:children] may name a group defined later. Checked at the end.
  const pendingVars = new Map<string, number>();
  const pendingChildren = new Map<string, { line: number; parent: string }[]>();
  // Groups from files read before this one (an inventory directory) count as defined, as in Ansible.
  const declared = new Set<string>(builder.groups.keys());
  const lines = text.split(/\r?\n/);
  for (let n = 0; n < lines.length; n++) {
    const lineNo = n + 1;
    const origin: Origin = { file, line: lineNo };
    const fail = (msg: string): never => {
      throw new InventoryError(msg, file, lineNo);
    };
    const line = lines[n].trim();
    if (!line || line[0] === '#' || line[0] === ';') continue;

    if (line[0] === '[') {
      const m = SECTION.exec(line);
      if (m) {
        group = m[1];
        const kind = m[2] ?? 'hosts';
        if (kind !== 'hosts' && kind !== 'vars' && kind !== 'children') {
          fail(
            `section [${group}:${kind}] has unknown type '${kind}' (expected [${group}], [${group}:vars] or [${group}:children])`,
          );
        }
        state = kind as SectionKind;
        builder.group(group, origin);
        if (state === 'vars') {
          if (!declared.has(group) && !pendingVars.has(group)) pendingVars.set(group, lineNo);
        } else {
          declared.add(group);
          pendingVars.delete(group);
          for (const p of pendingChildren.get(group) ?? []) builder.addChild(p.parent, group, { file, line: p.line });
          pendingChildren.delete(group);
        }
        continue;
      }
      // Anything else starting with '[' is a broken header, except a bracketed IPv6 host with a port.
      if (!line.includes(']')) fail(`unclosed section header '${line}'`);
      if (/^\[[^\]]*\](?:\s|$)/.test(line)) {
        fail(`invalid section header '${line}': expected [group], [group:vars] or [group:children], no spaces`);
      }
    }

    if (state === 'hosts') {
      let words: string[];
      try {
        words = shlexSplit(line);
      } catch (e) {
        return fail(`cannot parse host line '${masked(line)}': ${(e as Error).message}`);
      }
      if (words.length === 0) continue;
      let entry: ReturnType<typeof expandHostEntry>;
      try {
        entry = expandHostEntry(words[0]);
      } catch (e) {
        return fail((e as Error).message);
      }
      if (entry.names.some((h) => h === '---'))
        fail(`invalid host '---': this looks like a YAML file (use .yml or .yaml)`);
      const vars: Record<string, unknown> = {};
      for (const w of words.slice(1)) {
        const eq = w.indexOf('=');
        if (eq <= 0) fail(`expected key=value host variable, got '${masked(w)}'`);
        putVar(vars, w.slice(0, eq), iniValue(w.slice(eq + 1)));
      }
      declared.add(group);
      for (const name of entry.names) builder.host(name, group, vars, origin, entry.port);
    } else if (state === 'vars') {
      const eq = line.indexOf('=');
      if (eq < 0) fail(`expected key=value in [${group}:vars], got '${masked(line)}'`);
      const key = line.slice(0, eq).trim();
      if (!key || /\s/.test(key)) fail(`invalid variable name '${key}' in [${group}:vars]`);
      // As ansible-core's INI plugin (_parse_variable_definition): the text after the first '=',
      // stripped, typed as a Python literal when it is one (`False`, `42`, `[1, 2]`, `"a" "b"` → "ab",
      // `8080 # note` → 8080), else kept as written (comment and all: `web # x` stays "web # x").
      builder.setGroupVar(group, key, iniValue(line.slice(eq + 1).trim()), origin);
    } else {
      const m = GROUP_NAME.exec(line);
      if (!m) fail(`expected a group name in [${group}:children], got '${line}'`);
      const child = m![1];
      if (declared.has(child)) builder.addChild(group, child, origin);
      else {
        const list = pendingChildren.get(child) ?? [];
        list.push({ line: lineNo, parent: group });
        pendingChildren.set(child, list);
      }
    }
  }
  for (const [g, line] of pendingVars) {
    throw new InventoryError(`section [${g}:vars] is for group ${g}, which is never defined`, file, line);
  }
  for (const [child, refs] of pendingChildren) {
    throw new InventoryError(
      `section [${refs[0].parent}:children] names group ${child}, which is never defined`,
      file,
      refs[0].line,
    );
  }
  return builder;
}
