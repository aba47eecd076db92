// drover side of the 10-task benchmark workload (ten.yml is the Ansible side).
import { playbook } from '../../core/index.ts';
import { tenTasks } from './tasks.ts';

export default playbook({ name: 'ten tasks', hosts: 'lab' }, async (play) => {
  await play.each('ten tasks', (host) => tenTasks(host, '/srv/bench/s1'));
});
