import test from 'ava';
import { expandHostEntry, expandRanges, splitPort } from '../../../core/inventory/ranges.ts';

test('numeric ranges keep zero padding', (t) => {
  const hosts = expandRanges('www[01:50].example.com');
  t.is(hosts.length, 50);
  t.is(hosts[0], 'www01.example.com');
  t.is(hosts[9], 'www10.example.com');
  t.is(hosts[49], 'www50.example.com');
  t.deepEqual(expandRanges('n[8:11]'), ['n8', 'n9', 'n10', 'n11']);
});

test('letter ranges, steps and several ranges in one name', (t) => {
  t.deepEqual(
    expandRanges('db-[a:f].example.com'),
    ['a', 'b', 'c', 'd', 'e', 'f'].map((c) => `db-${c}.example.com`),
  );
  t.deepEqual(expandRanges('www[01:09:2]'), ['www01', 'www03', 'www05', 'www07', 'www09']);
  t.deepEqual(expandRanges('r[1:2]n[a:b]'), ['r1na', 'r1nb', 'r2na', 'r2nb']);
  t.deepEqual(expandRanges('h[:2]'), ['h0', 'h1', 'h2']);
  t.deepEqual(expandRanges('plain.example.com'), ['plain.example.com']);
});

test('malformed ranges say what is wrong', (t) => {
  t.throws(() => expandRanges('www[01:5]'), { message: /equal length/ });
  t.throws(() => expandRanges('www[5:1]'), { message: /begin <= end/ });
  t.throws(() => expandRanges('www[f:a]'), { message: /begin <= end/ });
  t.throws(() => expandRanges('www[1]'), { message: /begin:end/ });
  t.throws(() => expandRanges('www[1:]'), { message: /end value/ });
  t.throws(() => expandRanges('www[1:3'), { message: /unclosed/ });
  t.throws(() => expandRanges('www1:3]'), { message: /unmatched/ });
  t.throws(() => expandRanges('www[a:3]'), { message: /numbers or single letters/ });
  t.throws(() => expandRanges('www[1:3:0]'), { message: /step/ });
});

test('ports: name:port, [addr]:port, bare IPv6 and ranges with colons', (t) => {
  t.deepEqual(splitPort('badwolf.example.com:5309'), { host: 'badwolf.example.com', port: 5309 });
  t.deepEqual(splitPort('[2001:db8::1]:2222'), { host: '2001:db8::1', port: 2222 });
  t.deepEqual(splitPort('2001:db8::1'), { host: '2001:db8::1' });
  t.deepEqual(splitPort('web[1:3]'), { host: 'web[1:3]' });
  t.deepEqual(expandHostEntry('web[1:2]:2200'), { names: ['web1', 'web2'], port: 2200 });
  t.throws(() => expandHostEntry('web:'), { message: /reserved for a port/ });
});
