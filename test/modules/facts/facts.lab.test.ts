// Facts on real lab hosts, a Debian `base` host and a Gentoo (OpenRC, Portage) host: every fact in one round trip,
// checked against what the host says by other means; --check; DROVER_RECORD_FACTS=1 records test/fixtures/facts/lab-*.json.
import { writeFileSync } from 'node:fs';
import test from 'ava';
import { labExec, type LabState } from '../../../lab/index.ts';
import { ProbeFrame } from '../../../core/probe-frame.ts';
import { facts, FACT_NAMES, factsProbe, factsSections, type FactName } from '../../../modules/facts/index.ts';
import { countExecs } from '../../support/host.ts';
import { labHost, labSerialTest, useLab } from '../../support/lab.ts';

const debian = useLab(test, { name: 'factd', hosts: 1, profile: 'base' });
const gentoo = useLab(test, { name: 'factg', hosts: 1, profile: 'gentoo' });
const labTest = labSerialTest(test);
const [first, ...rest] = FACT_NAMES as [FactName, ...FactName[]];

async function check(t: import('ava').ExecutionContext, lab: LabState, profile: 'base' | 'gentoo') {
  const { host, close } = labHost(lab, 0, { check: true });
  try {
    const n = countExecs(host);
    const f = await facts(host, first, ...rest);
    t.is(n.n, 1, 'every fact in one round trip');
    const sh = async (...argv: string[]) => (await labExec(lab, 'node1', argv)).stdout;
    // The lab's hosts are Debian bookworm underneath; the gentoo profile adds OpenRC as init and Portage.
    t.is(f.os.id, 'debian');
    t.is(f.os.codename, 'bookworm');
    t.is(f.kernel.release, (await sh('uname', '-r')).trim());
    t.is(f.cpu.usable, Number((await sh('nproc')).trim()));
    t.true(f.memory.totalBytes > 64 * 1024 * 1024);
    const eth0 = f.network.interfaces.find((i) => i.name === 'eth0');
    t.deepEqual(
      eth0?.addresses.find((a) => a.family === 'inet'),
      {
        family: 'inet',
        address: lab.hosts[0].address,
        prefix: 24,
        scope: 'global',
      },
    );
    t.deepEqual(f.network.defaultRoute, { gateway: lab.gateway, interface: 'eth0' });
    t.true(f.mounts.some((m) => m.mountPoint === '/' && m.fsType === 'overlay'));
    t.true(Array.isArray(f.blockDevices));
    t.true(f.users.some((u) => u.name === 'root' && u.uid === 0 && u.home === '/root'));
    t.true(f.groups.some((g) => g.name === 'root' && g.gid === 0));
    if (profile === 'gentoo') {
      t.deepEqual(f.init, { system: 'openrc', pid1: 'openrc-init' });
      t.deepEqual(f.packageManager, { name: 'portage', path: '/usr/bin/emerge' });
      t.true(f.users.some((u) => u.name === 'portage' && u.uid === 250));
    } else {
      t.deepEqual(f.init, { system: 'unknown', pid1: 'sshd' });
      t.deepEqual(f.packageManager, { name: 'apt', path: '/usr/bin/apt-get' });
    }
    if (process.env.DROVER_RECORD_FACTS === '1') {
      const frame = new ProbeFrame();
      const r = await host.exec(factsProbe(FACT_NAMES, frame), { readOnly: true });
      const s = frame.parse(r.stdoutBytes, factsSections(FACT_NAMES));
      const answer = s.names().map((name) => [name, s.text(name), s.status(name)]);
      const file = new URL(`../../fixtures/facts/lab-${profile}.json`, import.meta.url);
      writeFileSync(
        file,
        `${JSON.stringify({ recorded: `drover lab, profile ${profile}, ${new Date().toISOString().slice(0, 10)}`, answer }, null, 1)}\n`,
      );
    }
  } finally {
    await close();
  }
}

labTest('Debian base host: every fact, in --check, one round trip, as the host says it', (t) =>
  check(t, debian(), 'base'),
);
labTest('Gentoo host (OpenRC as init, Portage): every fact, in --check, one round trip', (t) =>
  check(t, gentoo(), 'gentoo'),
);
