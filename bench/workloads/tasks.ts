// The benchmark's 10 tasks in drover, on one directory: the same work as ten-tasks.yml does in Ansible.
import { readFileSync } from 'node:fs';
import { sh, type Host } from '../../core/index.ts';
import { command } from '../../modules/command/command.ts';
import { sysfile } from '../../modules/files/sysfile.ts';

/** The same bytes Ansible's `copy: src=files/b.conf` sends. */
const B_CONF = readFileSync(new URL('./files/b.conf', import.meta.url), 'utf8');

/** file, 2 copy, 2 lineinfile, command, shell, stat, template, symlink — in that order, as Ansible runs them. */
export async function tenTasks(host: Host, dir: string): Promise<void> {
  await sysfile(host, { path: dir, state: 'directory', mode: 0o755 });
  await sysfile(host, { path: `${dir}/a.conf`, content: '# written by the drover benchmark\nname=a\n', mode: 0o644 });
  await sysfile(host, { path: `${dir}/b.conf`, content: B_CONF, mode: 0o644 });
  await sysfile(host, { path: `${dir}/c.conf`, line: 'key1=value1', regexp: /^key1=/, create: true, mode: 0o644 });
  await sysfile(host, { path: `${dir}/c.conf`, line: 'option=on' });
  await command(host, { cmd: sh`touch ${`${dir}/cmd.done`}`, creates: `${dir}/cmd.done` });
  await command(host, { cmd: sh`uname -n > ${`${dir}/shell.out`}`, creates: `${dir}/shell.out` });
  // Ansible's stat: one read-only command whose answer the play could use.
  await host.exec(sh`stat -c '%s %Y %a' ${`${dir}/a.conf`}`, { readOnly: true });
  // Ansible's template: in drover a template is a TypeScript template literal.
  await sysfile(host, { path: `${dir}/t.conf`, content: `host=${host.name}\ndir=${dir}\n`, mode: 0o644 });
  await sysfile(host, { path: `${dir}/link`, state: 'link', target: `${dir}/a.conf` });
}
