// The playbook behind `drover exec PATTERN -- CMD`: one phase running CMD (sh -c) on every host the pattern selects, as a module so the recap, JSON and masking are a run's.
import { defineModule, type Result } from '../module.ts';
import { playbook } from '../playbook.ts';
import { sh } from '../sh.ts';

/** The play var that carries the command (set by `drover exec` through -e; the user's -e cannot be mistaken for it). */
export const EXEC_VAR = 'drover_exec_command';

interface ExecParams {
  command: string;
}

interface ExecCommandResult extends Result {
  code?: number;
}

/** The ad-hoc command as a module: never run in --check (it may change anything); its output is the detail. */
const adhoc = defineModule<ExecParams, null, ExecCommandResult>({
  name: 'exec',
  title: (p) => p.command,
  validate: (p) => {
    if (typeof p.command !== 'string' || !p.command.trim()) throw new Error('the command is empty');
  },
  facts: async () => null,
  plan: (p) => ({
    result: { changed: true, message: `would run: ${p.command}` },
    apply: async (host) => {
      // The user's text goes to sh -c as one quoted argument: it runs on the host, never here.
      const r = await host.exec(sh`sh -c ${p.command}`, { progress: true });
      const out = `${r.stdout}${r.stderr}`.trimEnd();
      return {
        code: r.code,
        message: `rc=${r.code}${out ? ` >> ${out.split('\n').slice(-1)[0]}` : ''}`,
        detail: out || undefined,
      };
    },
  }),
});

export default playbook<Record<string, unknown>, Record<string, unknown>>(
  { name: 'drover exec', hosts: 'all' },
  async (play) => {
    const command = play.vars[EXEC_VAR];
    if (typeof command !== 'string') throw new Error(`drover exec: no command (${EXEC_VAR} is not set)`);
    await play.each('exec', async (host) => void (await adhoc(host, { command })));
  },
);
