// The README's first playbook: a message of the day on every host, and one fact read from the first host.
import { playbook, sh } from 'drover';
import { command, sysfile } from 'drover/modules';

interface Vars {
  motd: string; // every selected host must have it (inventory or -e): checked before anything runs
}

export default playbook<Vars>({ name: 'Hello', hosts: 'all' }, async (play) => {
  await play.each('Message of the day', async (host) => {
    await sysfile(host, { path: '/etc/motd', content: (vars) => `${vars.motd}\nManaged by drover.\n` });
    await sysfile(host, { path: '/etc/ssh/sshd_config', line: 'PrintMotd yes', regexp: /^#?PrintMotd / });
  });
  const kernel = await play.on(play.hosts[0], 'Read a fact', async (host) => {
    const r = await command(host, { cmd: sh`uname -r`, safeInCheck: true, changedWhen: () => false });
    return r.stdout?.trim() ?? '';
  });
  await play.each('Record it', (host) => sysfile(host, { path: '/etc/drover-kernel', content: `${kernel}\n` }));
});
