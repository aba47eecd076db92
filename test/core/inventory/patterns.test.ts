import test from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseIni } from '../../../core/inventory/ini.ts';
import { InventoryError } from '../../../core/inventory/model.ts';
import {
  globToRegExp,
  matchPattern,
  selectHosts,
  selectHostsReport,
  splitPattern,
} from '../../../core/inventory/patterns.ts';
import { resolveInventory } from '../../../core/inventory/resolve.ts';

const inv = resolveInventory(
  parseIni(
    `lone
[web]
web1
web2
web3
[db]
db1
db2
[east]
web1
db1
[west]
web2
db2
web3
[prod:children]
east
[staging:children]
west
[all:vars]
site=main
`,
    'patterns.ini',
  ),
  'patterns.ini',
  '/',
  {},
);

const names = (pattern: string, limit?: string) => selectHosts(inv, pattern, limit).map((h) => h.name);

test('all and * select every host in inventory order', (t) => {
  const every = ['lone', 'web1', 'web2', 'web3', 'db1', 'db2'];
  t.deepEqual(names('all'), every);
  t.deepEqual(names('*'), every);
});

test('group names (with children) and host names', (t) => {
  t.deepEqual(names('web'), ['web1', 'web2', 'web3']);
  t.deepEqual(names('prod'), ['web1', 'db1']);
  t.deepEqual(names('ungrouped'), ['lone']);
  t.deepEqual(names('db2'), ['db2']);
});

test('globs match group names and host names (fnmatch)', (t) => {
  t.deepEqual(names('web*'), ['web1', 'web2', 'web3']);
  t.deepEqual(names('*1'), ['web1', 'db1']);
  t.deepEqual(names('db?'), ['db1', 'db2']);
  t.deepEqual(
    names('w?st'),
    ['web2', 'db2', 'web3'],
    'the group west, in its own order (as `ansible --list-hosts` prints it)',
  );
  t.deepEqual(names('[ld]*'), ['db1', 'db2', 'lone'], 'the group db, then the host lone (groups first, as Ansible)');
  t.deepEqual(names('s*'), ['web2', 'db2', 'web3'], "the group staging (its child west, in west's order)");
  // As in ansible-core 2.14 (checked with `ansible -i ... '[!wdl]*' --list-hosts`): globs also match `all` and `ungrouped`.
  t.deepEqual(names('[!wdl]*'), ['lone', 'web1', 'web2', 'web3', 'db1', 'db2']);
  t.deepEqual(names('ungr*'), ['lone']);
});

test('union: a:b and a,b, in the order the terms give them (as Ansible), without duplicates', (t) => {
  t.deepEqual(names('db:web'), ['db1', 'db2', 'web1', 'web2', 'web3']);
  t.deepEqual(names('db,web,web1'), ['db1', 'db2', 'web1', 'web2', 'web3']);
  t.deepEqual(names(' db1 , lone '), ['db1', 'lone']);
});

test('intersection a:&b and exclusion a:!b', (t) => {
  t.deepEqual(names('web:&east'), ['web1']);
  t.deepEqual(names('all:!west'), ['lone', 'web1', 'db1']);
  t.deepEqual(names('web,!web2'), ['web1', 'web3']);
  t.deepEqual(names('!web'), ['lone', 'db1', 'db2'], 'only an exclusion: starts from all, as Ansible does');
  t.deepEqual(names('&prod'), ['web1', 'db1']);
});

test('combinations apply unions, then intersections, then exclusions, whatever the order written', (t) => {
  t.deepEqual(names('web:db:&prod:!db1'), ['web1']);
  t.deepEqual(names('!db1:&prod:web:db'), ['web1']);
  t.deepEqual(names('staging:&db:lone'), ['db2']);
  t.deepEqual(names('web*:!~web[12]'), ['web3']);
});

test('~regex matches from the start of the name, like Python re.match', (t) => {
  t.deepEqual(names('~web[12]'), ['web1', 'web2']);
  t.deepEqual(names('~(web|db)1'), ['web1', 'db1']);
  t.deepEqual(names('~eb'), []);
  t.deepEqual(names('~.*eb'), ['web1', 'web2', 'web3']);
  t.deepEqual(names('~(?P<n>db)1'), ['db1']);
  t.throws(() => names('~web('), { instanceOf: InventoryError, message: /invalid host pattern regex '~web\('/ });
});

test('subscripts pick hosts of a group by position', (t) => {
  t.deepEqual(names('web[0]'), ['web1']);
  t.deepEqual(names('web[-1]'), ['web3']);
  t.deepEqual(names('web[0:1]'), ['web1', 'web2']);
  t.deepEqual(names('web[1:]'), ['web2', 'web3']);
  t.deepEqual(names('web[0]:db[1]'), ['web1', 'db2']);
  t.throws(() => names('web[5]'), {
    instanceOf: InventoryError,
    message: /no hosts matched the subscripted pattern 'web\[5\]'/,
  });
});

test('unknown names select nothing and are reported for a warning', (t) => {
  t.deepEqual(matchPattern(inv, 'nosuch'), { hosts: [], unmatched: ['nosuch'] });
  const m = matchPattern(inv, 'web:nosuch:!nothere');
  t.deepEqual(
    m.hosts.map((h) => h.name),
    ['web1', 'web2', 'web3'],
  );
  t.deepEqual(m.unmatched, ['nosuch', 'nothere']);
  t.deepEqual(matchPattern(inv, 'zz*').unmatched, ['zz*']);
  t.deepEqual(matchPattern(inv, 'all').unmatched, []);
});

test('implicit localhost: local connection, all-group vars', (t) => {
  const [h] = selectHosts(inv, 'localhost');
  t.is(h.name, 'localhost');
  t.deepEqual(h.connection, { connection: 'local' });
  t.deepEqual(h.vars, { site: 'main' });
  t.deepEqual(names('web1:localhost'), ['web1', 'localhost']);
  t.false(names('all').includes('localhost'));
});

test('--limit restricts the play pattern; @file reads host names', async (t) => {
  t.deepEqual(names('all', 'web:!web2'), ['web1', 'web3']);
  t.deepEqual(names('web', 'db'), []);
  t.deepEqual(names('prod', 'web1,db2'), ['web1']);
  const dir = await mkdtemp(join(tmpdir(), 'drover-inv-pat-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'retry'), 'db2\nweb3\n\n');
  t.deepEqual(
    selectHosts(inv, 'all', '@retry', { cwd: dir }).map((h) => h.name),
    ['web3', 'db2'],
  );
  t.throws(() => selectHosts(inv, 'all', '@missing', { cwd: dir }), {
    instanceOf: InventoryError,
    message: /--limit @missing: cannot read file: ENOENT/,
  });
});

test('--limit as Ansible subset() reads it: each @file line one term, an empty limit limits nothing', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'drover-inv-pat-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'retry'), 'web1\nweb:&east\n\n');
  const r = selectHostsReport(inv, 'all', '@retry', { cwd: dir });
  t.deepEqual(
    r.hosts.map((h) => h.name),
    ['web1'],
  );
  t.deepEqual(r.unmatched, ['web:&east'], 'a line is a name, not a pattern');
  t.deepEqual(names('web', ''), ['web1', 'web2', 'web3']);
});

test('~regex terms are Python regexes: (?i), \\A, \\Z; a JavaScript-only or bad one is an error', (t) => {
  t.deepEqual(names('~(?i)WEB[12]'), ['web1', 'web2']);
  t.deepEqual(names('~\\Aweb3'), ['web3']);
  t.deepEqual(names('~db\\d\\Z'), ['db1', 'db2']);
  t.throws(() => names('~(?>web)1'), {
    instanceOf: InventoryError,
    message: /Python regex feature \(\?>\.\.\.\) \(atomic group\)/,
  });
});

test('splitPattern follows Ansible: commas, else colons outside [ranges]', (t) => {
  t.deepEqual(splitPattern('a,b[1], c[2:3] , d'), ['a', 'b[1]', 'c[2:3]', 'd']);
  t.deepEqual(splitPattern('web[0:2]:db:&x:!y'), ['web[0:2]', 'db', '&x', '!y']);
  t.deepEqual(splitPattern(''), []);
});

test('globToRegExp: fnmatch translation', (t) => {
  t.true(globToRegExp('a*').test('abc'));
  t.false(globToRegExp('a*').test('bac'));
  t.true(globToRegExp('a.b').test('a.b'));
  t.false(globToRegExp('a.b').test('axb'));
  t.true(globToRegExp('[!x]y').test('ay'));
  t.false(globToRegExp('[!x]y').test('xy'));
  t.true(globToRegExp('a[').test('a['));
});

// Issue 18 items 2, 3 and 8, without ansible-core at hand (ansible-diff.test.ts checks the same against it).
test('a whole pattern that reads as one address is one term: IPv6 literals, and host:port (which then matches nothing)', (t) => {
  t.deepEqual(splitPattern('2001:db8::1'), ['2001:db8::1']);
  t.deepEqual(splitPattern('[2001:db8::1]:22'), ['[2001:db8::1]:22']);
  t.deepEqual(splitPattern('h1:2222'), ['h1:2222']);
  t.deepEqual(splitPattern('web:db'), ['web', 'db']);
  const v6 = resolveInventory(parseIni('[v6]\n2001:db8::1\nh1:2222\n', 'v6.ini'), 'v6.ini', '/', {});
  t.deepEqual(
    matchPattern(v6, '2001:db8::1').hosts.map((h) => h.name),
    ['2001:db8::1'],
  );
  t.deepEqual(matchPattern(v6, 'h1:2222'), { hosts: [], unmatched: ['h1:2222'] });
});

test('subscripts count in group-tree order; & and ! terms mean groups even when a host has the name', (t) => {
  const tree = resolveInventory(parseIni('[c]\nc1\nc2\n[p]\np1\n[p:children]\nc\n', 't.ini'), 't.ini', '/', {});
  const pick = (p: string) => matchPattern(tree, p).hosts.map((h) => h.name);
  t.deepEqual(pick('p[0]'), ['p1']);
  t.deepEqual(pick('p[1:]'), ['c1', 'c2']);
  t.deepEqual(pick('all[0]'), ['p1']);
  const named = resolveInventory(parseIni('[db]\nweb\nd1\n[web]\nw1\nw2\n', 'n.ini'), 'n.ini', '/', {});
  const sel = (p: string) => matchPattern(named, p).hosts.map((h) => h.name);
  t.deepEqual(sel('db:&web'), []);
  t.deepEqual(sel('all:!web'), ['web', 'd1']);
  t.deepEqual(sel('web'), ['web'], 'a plain term naming a host is that host');
});
