// drover's copy of OpenSSH's command-line checks (misc.c valid_hostname / valid_ruser) decides as the
// installed ssh does, character by character; the strict checks never accept what OpenSSH refuses.
import { spawnSync } from 'node:child_process';
import test from 'ava';
import {
  opensshHostProblem,
  opensshUserProblem,
  shellWord,
  strictHostProblem,
  strictUserProblem,
} from '../../../core/ssh/host-token-check.ts';

/** Whether `ssh -G` (never connects) refuses these command-line arguments. */
const sshRefuses = (...args: string[]) =>
  spawnSync('ssh', ['-G', '-F', '/dev/null', ...args], { encoding: 'utf8' }).status !== 0;

// Every ASCII character but NUL (argv cannot hold it), inside, at the start and at the end of a name.
const names: string[] = [];
for (let c = 1; c < 128; c++) {
  const ch = String.fromCharCode(c);
  names.push(`a${ch}b`, `${ch}ab`, `ab${ch}`);
}
names.push('a -b', 'a b', 'é.example', 'x\u202ey');

test('host names: opensshHostProblem refuses exactly what `ssh -G HOST` refuses', (t) => {
  // ssh reads `u@h` on its command line as user@host: such names are not a host name there.
  for (const n of names.filter((x) => !x.includes('@')))
    t.is(opensshHostProblem(n) !== undefined, sshRefuses('--', n), JSON.stringify(n));
});

test('users: opensshUserProblem refuses exactly what `ssh -G -l USER` refuses', (t) => {
  for (const n of names) t.is(opensshUserProblem(n) !== undefined, sshRefuses('-l', n, 'h'), JSON.stringify(n));
});

test('the strict checks refuse all OpenSSH refuses, and pass only plain shell words', (t) => {
  for (const n of [...names, 'a\0b']) {
    if (opensshHostProblem(n)) t.truthy(strictHostProblem(n), JSON.stringify(n));
    if (opensshUserProblem(n)) t.truthy(strictUserProblem(n), JSON.stringify(n));
    // What passes needs no quoting in sh (bracketed IPv6 aside, which shellWord quotes).
    if (!strictHostProblem(n) && !n.startsWith('[')) t.is(shellWord(n), n, JSON.stringify(n));
    if (!strictUserProblem(n)) t.is(shellWord(n), n, JSON.stringify(n));
  }
  for (const ok of ['web1', 'a_b', 'host.', '10.0.0.1', '::1', 'fe80::1%eth0', '[::1]'])
    t.is(strictHostProblem(ok), undefined, ok);
  for (const bad of ['..', '.x', '[web1]', 'x%h', 'a/b', 'x:1', '']) t.truthy(strictHostProblem(bad), bad);
  t.is(shellWord('[::1]'), "'[::1]'", 'a glob character is quoted');
});
