// Child process for ssh-transport.test.ts: opens a transport, waits for "close" on stdin, closes it, then
// lets the event loop run dry. Its exit time after "closed" shows whether anything kept the process alive.
import { createInterface } from 'node:readline';
import { openSshTransport } from '../../../core/ssh/ssh-transport.ts';

const [port, keyFile, knownHostsFile] = process.argv.slice(2);
const tr = await openSshTransport(
  {
    kind: 'ssh',
    address: '127.0.0.1',
    port: Number(port),
    user: 'root',
    keyFiles: [keyFile],
    agent: false,
    become: false,
    connectTimeout: 5,
  },
  { knownHostsFiles: [knownHostsFile], acceptNew: false },
  { name: 'child' },
);
process.stdout.write((await tr.run('echo ready')).stdout.toString());
const rl = createInterface({ input: process.stdin });
rl.once('line', async () => {
  rl.close();
  process.stdin.destroy();
  await tr.close();
  process.stdout.write('closed\n');
});
