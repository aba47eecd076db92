import test from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseIni } from '../../../core/inventory/ini.ts';
import { InventoryError } from '../../../core/inventory/model.ts';
import { globToRegExp, matchPattern, selectHosts, splitPattern } from '../../../core/inventory/patterns.ts';
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
  t.deepEqual(names('w?st'), ['web2', 'web3', 'db2'], 'the group west');
  t.deepEqual(names('[ld]*'), ['lone', 'db1', 'db2'], 'the group db and the host lone');
  t.deepEqual(names('s*'), ['web2', 'web3', 'db2'], 'the group staging');
  // As in ansible-core 2.14 (checked with `ansible -i ... '[!wdl]*' --list-hosts`): globs also match `all` and `ungrouped`.
  t.deepEqual(names('[!wdl]*'), ['lone', 'web1', 'web2', 'web3', 'db1', 'db2']);
  t.deepEqual(names('ungr*'), ['lone']);
});

test('union: a:b and a,b, results in inventory order without duplicates', (t) => {
  t.deepEqual(names('db:web'), ['web1', 'web2', 'web3', 'db1', 'db2']);
  t.deepEqual(names('db,web,web1'), ['web1', 'web2', 'web3', 'db1', 'db2']);
  t.deepEqual(names(' db1 , lone '), ['lone', 'db1']);
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
  t.throws(() => names('web[5]'), { instanceOf: InventoryError, message: /no hosts matched the subscripted pattern 'web\[5\]'/ });
});

test('unknown names select nothing and are reported for a warning', (t) => {
  t.deepEqual(matchPattern(inv, 'nosuch'), { hosts: [], unmatched: ['nosuch'] });
  const m = matchPattern(inv, 'web:nosuch:!nothere');
  t.deepEqual(m.hosts.map((h) => h.name), ['web1', 'web2', 'web3']);
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
  t.deepEqual(selectHosts(inv, 'all', '@retry', { cwd: dir }).map((h) => h.name), ['web3', 'db2']);
  t.throws(() => selectHosts(inv, 'all', '@missing', { cwd: dir }), { instanceOf: InventoryError, message: /--limit @missing: cannot read file: ENOENT/ });
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
