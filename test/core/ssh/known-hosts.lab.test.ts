import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import {
  appendKnownHost,
  fingerprint,
  hostFieldMatches,
  hostKeyAlgorithms,
  parseKnownHosts,
  replaceKnownHostKeys,
  verifyHostKey,
} from '../../../core/ssh/known-hosts.ts';

const dir = mkdtempSync(join(tmpdir(), 'drover-kh-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

/** A real key pair from ssh-keygen: [type, base64, blob]. */
function newKey(type: 'ed25519' | 'rsa', name: string): { line: string; blob: Buffer; file: string } {
  const file = join(dir, name);
  execFileSync('ssh-keygen', [
    '-q',
    '-t',
    type,
    ...(type === 'rsa' ? ['-b', '1024'] : []),
    '-N',
    '',
    '-C',
    'c',
    '-f',
    file,
  ]);
  const [t, b64] = readFileSync(file + '.pub', 'utf8').split(' ');
  return { line: `${t} ${b64}`, blob: Buffer.from(b64, 'base64'), file };
}

const a = newKey('ed25519', 'a');
const b = newKey('ed25519', 'b');
const r = newKey('rsa', 'r');

test('fingerprint is OpenSSH SHA256 format', (t) => {
  const out = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', a.file + '.pub']).toString();
  t.is(out.split(' ')[1], fingerprint(a.blob));
  t.regex(fingerprint(a.blob), /^SHA256:[A-Za-z0-9+/]{43}$/);
});

test('parse: comments, markers, comma lists, ports; unreadable lines skipped', (t) => {
  const text = [
    '# comment',
    '',
    `web1,10.0.0.1 ${a.line} comment words`,
    `[10.0.0.2]:2222 ${b.line}`,
    `@cert-authority *.example.org ${r.line}`,
    `@revoked * ${b.line}`,
    'garbage line',
    `host ssh-ed25519 notbase64!!`,
  ].join('\n');
  const e = parseKnownHosts(text, 'kh');
  t.deepEqual(
    e.map((x) => [x.line, x.hosts, x.keyType, x.marker]),
    [
      [3, 'web1,10.0.0.1', 'ssh-ed25519', undefined],
      [4, '[10.0.0.2]:2222', 'ssh-ed25519', undefined],
      [5, '*.example.org', 'ssh-rsa', 'cert-authority'],
      [6, '*', 'ssh-ed25519', 'revoked'],
    ],
  );
});

test('host patterns: names, [host]:port, wildcards, negation', (t) => {
  t.true(hostFieldMatches('web1,10.0.0.1', '10.0.0.1', 22));
  t.false(hostFieldMatches('web1,10.0.0.1', '10.0.0.1', 2222));
  t.true(hostFieldMatches('[10.0.0.1]:2222', '10.0.0.1', 2222));
  t.true(hostFieldMatches('*.example.org,!bad.example.org', 'node1.example.org', 22));
  t.false(hostFieldMatches('*.example.org,!bad.example.org', 'bad.example.org', 22));
  t.true(hostFieldMatches('Node?.Example.org', 'node1.example.org', 22));
  t.false(hostFieldMatches('node1', 'node10', 22));
});

test('hashed entries written by ssh-keygen -H are matched (port 22 and [host]:port)', (t) => {
  const file = join(dir, 'hashed');
  writeFileSync(file, `node1.example.org ${a.line}\n[127.0.0.1]:2200 ${b.line}\n`);
  execFileSync('ssh-keygen', ['-q', '-H', '-f', file], { stdio: 'ignore' });
  const entries = parseKnownHosts(readFileSync(file, 'utf8'), file);
  t.true(entries.every((e) => e.hosts.startsWith('|1|')));
  t.is(verifyHostKey(entries, 'node1.example.org', 22, a.blob).kind, 'match');
  t.is(verifyHostKey(entries, '127.0.0.1', 2200, b.blob).kind, 'match');
  t.is(verifyHostKey(entries, '127.0.0.1', 22, b.blob).kind, 'unknown');
});

test('verify: match, unknown, changed (with file:line), other key type is unknown, revoked', (t) => {
  const entries = parseKnownHosts(`# x\nnode1 ${a.line}\nnode2 ${r.line}\n@revoked * ${b.line}\n`, '/k/known_hosts');
  t.is(verifyHostKey(entries, 'node1', 22, a.blob).kind, 'match');
  t.is(verifyHostKey(entries, 'node9', 22, a.blob).kind, 'unknown');
  const c = newKey('ed25519', 'c');
  const v = verifyHostKey(entries, 'node1', 22, c.blob);
  t.is(v.kind, 'changed');
  if (v.kind === 'changed')
    t.deepEqual([v.entry.file, v.entry.line, v.entry.text], ['/k/known_hosts', 2, `node1 ${a.line}`]);
  // node2 is known by its RSA key only: an ed25519 key is new, not a changed key.
  t.is(verifyHostKey(entries, 'node2', 22, c.blob).kind, 'unknown');
  t.is(verifyHostKey(entries, 'node1', 22, b.blob).kind, 'revoked');
});

test('host key algorithms: types already known for the host first', (t) => {
  const entries = parseKnownHosts(`node2 ${r.line}\n`, 'k');
  t.deepEqual(hostKeyAlgorithms(entries, 'node2', 22).slice(0, 4), [
    'rsa-sha2-512',
    'rsa-sha2-256',
    'ssh-rsa',
    'ssh-ed25519',
  ]);
  t.is(hostKeyAlgorithms(entries, 'other', 22)[0], 'ssh-ed25519');
});

test('appendKnownHost adds a line; parallel appends lose nothing', async (t) => {
  const file = join(dir, 'sub', 'append');
  await Promise.all(Array.from({ length: 10 }, (_, i) => appendKnownHost(file, `h${i}`, i % 2 ? 22 : 2022, a.blob)));
  const entries = parseKnownHosts(readFileSync(file, 'utf8'), file);
  t.is(entries.length, 10);
  t.is(verifyHostKey(entries, 'h0', 2022, a.blob).kind, 'match');
  t.is(verifyHostKey(entries, 'h1', 22, a.blob).kind, 'match');
  t.true(readFileSync(file, 'utf8').includes(`[h0]:2022 ssh-ed25519 `));
});

test('replaceKnownHostKeys removes plain and hashed entries of the host, keeps others and wildcards', async (t) => {
  const file = join(dir, 'replace');
  writeFileSync(file, `node1 ${a.line}\nnode1.example.org ${a.line}\n`);
  execFileSync('ssh-keygen', ['-q', '-H', '-f', file], { stdio: 'ignore' }); // line 2 becomes hashed
  const hashed = readFileSync(file, 'utf8');
  writeFileSync(file, `# keep me\n${hashed}node2 ${a.line}\n*.example.org ${r.line}\n`);
  await replaceKnownHostKeys(file, 'node1.example.org', 22, [b.line + ' new-comment', r.line]);
  const text = readFileSync(file, 'utf8');
  const entries = parseKnownHosts(text, file);
  t.true(text.startsWith('# keep me\n'));
  t.is(verifyHostKey(entries, 'node1.example.org', 22, b.blob).kind, 'match');
  t.is(verifyHostKey(entries, 'node1', 22, a.blob).kind, 'match'); // other host kept
  t.is(verifyHostKey(entries, 'node2', 22, a.blob).kind, 'match');
  t.true(text.includes(`*.example.org ${r.line}`));
  t.false(
    entries.some(
      (e) => e.hosts.startsWith('|1|') && e.key.equals(a.blob) && hostFieldMatches(e.hosts, 'node1.example.org', 22),
    ),
  );
  t.true(text.endsWith(`node1.example.org ${r.line}\n`));
  await t.throwsAsync(replaceKnownHostKeys(file, 'x', 22, ['ssh-ed25519 notakey']), {
    message: /not an OpenSSH public key line/,
  });
});

test('keys are never "recorded" into something that is not a regular file (UserKnownHostsFile /dev/null + accept-new)', async (t) => {
  // A device node of our own (same as /dev/null): before the check, the atomic rename replaced it with a regular file.
  const dir = mkdtempSync(join(tmpdir(), 'drover-kh-null-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const devnull = join(dir, 'null');
  execFileSync('mknod', [devnull, 'c', '1', '3']);
  const key = Buffer.concat([
    Buffer.from([0, 0, 0, 11]),
    Buffer.from('ssh-ed25519'),
    Buffer.from([0, 0, 0, 32]),
    Buffer.alloc(32, 7),
  ]);
  await t.throwsAsync(appendKnownHost(devnull, 'h', 22, key), {
    message: new RegExp(`${devnull} is not a regular file`),
  });
  await t.throwsAsync(replaceKnownHostKeys(devnull, 'h', 22, []), { message: /is not a regular file/ });
  t.true(statSync(devnull).isCharacterDevice(), 'still the device');
});

// The name index (a run's connections no longer test every entry) must give exactly the scan's answer.
test('entriesNaming agrees with testing every entry, order included', async (t) => {
  const { entriesNaming, hostFieldMatches, parseKnownHosts } = await import('../../../core/ssh/known-hosts.ts');
  const key = (n: number) =>
    Buffer.concat([
      Buffer.from([0, 0, 0, 11]),
      Buffer.from('ssh-ed25519'),
      Buffer.from([0, 0, 0, 32]),
      Buffer.alloc(32, n),
    ]).toString('base64');
  const { createHmac } = await import('node:crypto');
  const salt = Buffer.alloc(20, 7);
  const hashed = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update('10.0.0.9').digest('base64')}`;
  const text = [
    `web1.example.org,10.0.0.1 ssh-ed25519 ${key(1)}`,
    `*.example.org ssh-ed25519 ${key(2)}`,
    `WEB1.example.org ssh-ed25519 ${key(3)}`,
    `!web1.example.org,web* ssh-ed25519 ${key(4)}`,
    `${hashed} ssh-ed25519 ${key(5)}`,
    `@revoked web1.example.org ssh-ed25519 ${key(6)}`,
    `[10.0.0.1]:2222 ssh-ed25519 ${key(7)}`,
    `10.0.0.?,db1 ssh-ed25519 ${key(8)}`,
  ].join('\n');
  const entries = parseKnownHosts(text, 'kh');
  for (const [host, port] of [
    ['web1.example.org', 22],
    ['web2.example.org', 22],
    ['10.0.0.1', 22],
    ['10.0.0.1', 2222],
    ['10.0.0.9', 22],
    ['db1', 22],
    ['DB1', 22],
    ['nothing', 22],
  ] as const) {
    const scan = entries.filter((e) => !e.marker && hostFieldMatches(e.hosts, host, port)).map((e) => e.line);
    t.deepEqual(
      entriesNaming(entries, host, port).map((e) => e.line),
      scan,
      `${host}:${port}`,
    );
  }
  // and the lookups are not all empty: the cases above exercise the index
  t.deepEqual(
    entriesNaming(entries, 'web1.example.org', 22).map((e) => e.line),
    [1, 2, 3],
  );
  t.deepEqual(
    entriesNaming(entries, '10.0.0.9', 22).map((e) => e.line),
    [5, 8],
  );
});
