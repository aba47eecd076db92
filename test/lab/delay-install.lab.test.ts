// Issue 22: on a running lab, `drover lab delay` without iptables (and no way to install it) fails in one line and leaves nothing behind.
import { existsSync } from 'node:fs';
import test from 'ava';
import { delayPidFile } from '../../lab/delay.ts';
import { labSerialTest, useLab } from '../support/lab.ts';
import { delayWithoutIptables } from '../support/hide-tools.ts';

const NAME = 'dlyinst';
const lab = useLab(test, { name: NAME, hosts: 1, profile: 'base' });
const labTest = labSerialTest(test);

labTest('no iptables on the machine: one line naming iptables, exit 1, no queue process left', (t) => {
  const r = delayWithoutIptables(t, undefined, NAME);
  t.is(r.code, 1, r.stderr);
  t.is(
    r.stderr,
    'drover lab delay: the delay needs iptables (Debian package iptables); apt-get is not available here: install iptables and run it again\n',
  );
  t.false(existsSync(delayPidFile(lab(), 'node1')), 'no delay process recorded');
});
