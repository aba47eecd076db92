// drover side of the 40-task benchmark workload: the 10 tasks four times on different directories (forty.yml is the Ansible side).
import { playbook } from '../../core/index.ts';
import { tenTasks } from './tasks.ts';

export default playbook({ name: 'forty tasks', hosts: 'lab' }, async (play) => {
  await play.each('forty tasks', async (host) => {
    for (const set of ['s1', 's2', 's3', 's4']) await tenTasks(host, `/srv/bench/${set}`);
  });
});
