// Issue 22: `drover lab delay` installs what it needs (iptables, the system python) or says in one line what is missing.
import test from 'ava';
import { delayTools, toolPlan } from '../../lab/preflight.ts';
import { delayWithoutIptables } from '../support/hide-tools.ts';

test('toolPlan: nothing missing → nothing to do; missing → its Debian packages, installed when it can, else one line', (t) => {
  const none = new Set<string>();
  const all = (tool: string) => !none.has(tool);
  t.deepEqual(toolPlan('the delay', delayTools, all, { root: true, apt: true }), { kind: 'ready' });
  none.add('iptables').add('/usr/bin/python3');
  t.deepEqual(toolPlan('the delay', delayTools, all, { root: true, apt: true }), {
    kind: 'install',
    packages: ['iptables', 'python3'],
  });
  t.deepEqual(toolPlan('the delay', delayTools, all, { root: true, apt: false }), {
    kind: 'fail',
    message:
      'the delay needs iptables, /usr/bin/python3 (Debian package iptables, python3); apt-get is not available here: install iptables python3 and run it again',
  });
  t.deepEqual(toolPlan('the delay', ['iptables'], all, { root: false, apt: true }), {
    kind: 'fail',
    message:
      'the delay needs iptables (Debian package iptables); installing them needs root: install iptables and run it again',
  });
});

const rootTest = process.getuid?.() === 0 ? test : test.skip;

rootTest('no iptables and no apt-get: one line naming the tool and the package, exit 1, no stack trace', (t) => {
  const r = delayWithoutIptables(t);
  t.is(r.code, 1, r.stderr);
  t.is(
    r.stderr,
    'drover lab delay: the delay needs iptables (Debian package iptables); apt-get is not available here: install iptables and run it again\n',
  );
  t.notRegex(r.stdout + r.stderr, /\n\s+at /);
});

rootTest("no iptables, and apt-get fails: it tried (said so), then one line with apt-get's last words", (t) => {
  const r = delayWithoutIptables(t, '#!/bin/sh\necho "E: simulated: no network" >&2\nexit 100\n');
  t.is(r.code, 1, r.stderr);
  t.is(r.stdout, 'installing iptables for the delay (apt-get install)\n');
  t.is(
    r.stderr,
    'drover lab delay: the delay needs iptables (Debian package iptables); apt-get update failed (exit 100: E: simulated: no network): install iptables and run it again\n',
  );
});

rootTest('no iptables, apt-get "succeeds" but iptables is still not there: says so in one line', (t) => {
  const r = delayWithoutIptables(t, '#!/bin/sh\nexit 0\n');
  t.is(r.code, 1, r.stderr);
  t.is(
    r.stderr,
    'drover lab delay: the delay needs iptables (Debian package iptables); apt-get installed iptables, but iptables is still not there: install iptables and run it again\n',
  );
});
