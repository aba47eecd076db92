// hostname planned from recorded probe answers (its three files and the live names, in the probe's own format): no host.
import test from 'ava';
import type { ProbeFacts } from '../../../core/module.ts';
import { ProbeFormatError, ProbeFrame } from '../../../core/probe-frame.ts';
import { hostnameFacts } from '../../../modules/system/hostname-facts.ts';
import { planHostname, verifyNames, type HostnameParams } from '../../../modules/system/hostname-plan.ts';
import { hostname } from '../../../modules/system/hostname.ts';
import { localHost } from '../../support/host.ts';
import { planFromAnswer, type Answer } from '../../../modules/kit.ts';

const NAME = 'node1.example.org';
// Debian's installer writes the FQDN on 127.0.1.1; the lab's /etc/hosts has the node's address.
const DEBIAN_HOSTS =
  '127.0.0.1\tlocalhost\n127.0.1.1\tnode1.example.org node1\n\n# IPv6\n::1     localhost ip6-localhost ip6-loopback\n';
const SET_HOSTS =
  '127.0.0.1\tlocalhost\n\n# IPv6\n::1     localhost ip6-localhost ip6-loopback\n10.0.0.11\tnode1.example.org node1\n';

const file = (key: string, content?: string, mode = '644'): Answer =>
  content === undefined
    ? [[key, 'absent']]
    : [
        [key, `file 0 0 ${mode} root root\n`],
        [`${key}.data`, content],
      ];

/** The live names: `hostname`, and when it is already NAME, `hostname -f` and getent's addresses. */
const names = (live: string, o: { fqdn?: string; addresses?: string; openrc?: boolean } = {}): Answer => [
  ['live', live],
  ['fqdn', live === NAME ? `${o.fqdn ?? NAME}\n` : '', live === NAME ? 0 : 2],
  ['getent', live === NAME ? (o.addresses ?? '10.0.0.11\n') : ''],
  ['openrc', '', o.openrc === false ? 1 : 0],
];

const answer = (
  etcHostname: string | undefined,
  confd: string | undefined,
  hosts: string | undefined,
  n: Answer,
): Answer => [...file('f0', etcHostname), ...file('f1', confd), ...file('f2', hosts), ...n];

function factsOf<P, F>(facts: ProbeFacts<P, F>, p: P, a: Answer): F {
  const frame = new ProbeFrame();
  return facts.parse(frame.parse(frame.render(a), facts.sections?.(p)), p);
}
const pure = (p: HostnameParams, a: Answer) => planHostname(p, factsOf(hostnameFacts, p, a));

test('everything right and the names agree: nothing to do, the names reported', (t) => {
  const plan = planFromAnswer(
    hostname,
    { name: NAME, hosts: { '10.0.0.11': [NAME, 'node1'] } },
    answer(`${NAME}\n`, `hostname="${NAME}"\n`, SET_HOSTS, names(NAME)),
  );
  t.deepEqual(plan.result, { changed: false, changes: [], fqdn: NAME, addresses: ['10.0.0.11'] });
  t.is(plan.apply, undefined);
});

test('a rename: /etc/hostname rewritten, conf.d line replaced, Debian 127.0.1.1 line replaced by the address, live name set', (t) => {
  const p = { name: NAME, hosts: { '10.0.0.11': [NAME, 'node1'] } };
  const a = answer(
    'debian\n',
    '# Set to the hostname of this machine\nhostname="localhost"\n',
    DEBIAN_HOSTS,
    names('debian'),
  );
  const plan = planFromAnswer(hostname, p, a);
  t.is(
    plan.result.message,
    '/etc/hostname: content changed; /etc/conf.d/hostname: line replaced; /etc/hosts: content changed; live name debian → node1.example.org',
  );
  t.deepEqual(plan.result.changes, [
    { path: '/etc/hostname', before: 'debian\n', after: `${NAME}\n` },
    {
      path: '/etc/conf.d/hostname',
      before: '# Set to the hostname of this machine\nhostname="localhost"\n',
      after: `# Set to the hostname of this machine\nhostname="${NAME}"\n`,
    },
    { path: '/etc/hosts', before: DEBIAN_HOSTS, after: SET_HOSTS },
  ]);
  t.is(plan.result.fqdn, undefined, 'not known before the live name changes');
  t.is(typeof plan.apply, 'function');
  const d = pure(p, a);
  t.true(d.setLive);
  t.deepEqual(
    d.files.map((f) => f.action.kind),
    ['write', 'write', 'write'],
  );
});

test('only the live name differs (files already written): the files stay, hostname NAME runs', (t) => {
  const d = pure({ name: NAME }, answer(`${NAME}\n`, `hostname="${NAME}"\n`, SET_HOSTS, names('localhost')));
  t.deepEqual(d.result, { changed: true, changes: [], message: 'live name localhost → node1.example.org' });
  t.deepEqual(d.files, []);
  t.true(d.setLive);
});

test('without OpenRC a missing /etc/conf.d/hostname is left alone; with OpenRC it is created', (t) => {
  const noOpenrc = planFromAnswer(
    hostname,
    { name: NAME },
    answer(`${NAME}\n`, undefined, SET_HOSTS, names(NAME, { openrc: false })),
  );
  t.deepEqual(noOpenrc.result, { changed: false, changes: [], fqdn: NAME, addresses: ['10.0.0.11'] });
  const openrc = pure({ name: NAME }, answer(`${NAME}\n`, undefined, SET_HOSTS, names(NAME)));
  t.is(openrc.result.message, '/etc/conf.d/hostname: created (line added)');
  t.deepEqual(openrc.files[0].action, {
    kind: 'write',
    content: `hostname="${NAME}"\n`,
    mode: '0644',
    createParents: true,
  });
});

test('an existing file keeps its owner and mode; a symlinked one is written where it points', (t) => {
  const a: Answer = [
    ['f0.link', 'hostname.real\n'],
    ['f0.real', '/etc/hostname.real'],
    ['f0', 'file 0 4 640 root adm\n'],
    ['f0.data', 'old\n'],
    ...file('f1', `hostname="${NAME}"\n`),
    ...file('f2', SET_HOSTS),
    ...names('old'),
  ];
  const d = pure({ name: NAME }, a);
  t.is(d.files[0].path, '/etc/hostname.real');
  t.deepEqual(d.files[0].action, {
    kind: 'write',
    content: `${NAME}\n`,
    mode: '0640',
    owner: 0,
    group: 4,
    createParents: false,
  });
});

test('nothing to change but the names disagree: the error says what each printed (and nothing else)', (t) => {
  const a = answer(
    `${NAME}\n`,
    `hostname="${NAME}"\n`,
    SET_HOSTS,
    names(NAME, { fqdn: 'alias.example.org', addresses: '' }),
  );
  t.throws(() => planFromAnswer(hostname, { name: NAME }, a), {
    message:
      'the names do not agree: `hostname -f` printed "alias.example.org", `getent ahosts node1.example.org` gave nothing (add the FQDN to /etc/hosts with the hosts param, or fix DNS)',
  });
  t.like(planFromAnswer(hostname, { name: NAME, verify: false }, a).result, {
    changed: false,
    fqdn: 'alias.example.org',
    addresses: [],
  });
  t.notThrows(() => verifyNames(NAME, { fqdn: NAME, addresses: ['10.0.0.11'] }));
});

test('odd facts: /etc/hostname a directory, a two-line hostname -f, getent printing a non-address', (t) => {
  t.throws(
    () =>
      planFromAnswer(hostname, { name: NAME }, [
        ['f0', 'directory 0 0 755 root root\n'],
        ...file('f1', ''),
        ...file('f2', ''),
        ...names('x'),
      ]),
    {
      message: '/etc/hostname is a directory, not a file',
    },
  );
  t.throws(
    () => planFromAnswer(hostname, { name: NAME }, answer('', '', '', names(NAME, { fqdn: `${NAME}\nother\n` }))),
    { instanceOf: ProbeFormatError, message: /hostname -f printed more than one line/ },
  );
  t.throws(
    () =>
      planFromAnswer(hostname, { name: NAME }, answer('', '', '', names(NAME, { addresses: '10.0.0.1\nopenrc=1\n' }))),
    { instanceOf: ProbeFormatError, message: /getent printed/ },
  );
});

test('params checked before the host is touched, naming the parameter', (t) => {
  const a = answer('', '', '', names('x'));
  t.throws(() => planFromAnswer(hostname, { name: '-h' }, a), { message: /^name "-h" is not a valid host name/ });
  t.throws(() => planFromAnswer(hostname, { name: NAME, hosts: { 'not-an-ip': [NAME] } }, a), {
    message: 'hosts key "not-an-ip" is not an IP address',
  });
  t.throws(() => planFromAnswer(hostname, { name: NAME, hosts: { '10.0.0.11': [] } }, a), {
    message: 'hosts[10.0.0.11] must be a non-empty list of host names',
  });
});

test('errors are layered once: ModuleError names module, host and call site; the module says only what is wrong', async (t) => {
  const err = await t.throwsAsync(hostname(localHost({ check: true }).host, { name: NAME, hosts: { x: [NAME] } }));
  t.regex(
    err!.message,
    /^hostname failed on localhost \(.*hostname-fixtures\.test\.ts:\d+(:\d+)?\): hosts key "x" is not an IP address$/,
  );
});
