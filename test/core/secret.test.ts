// Secret, SecretText and the run's SecretSet: which forms of a secret are masked, and the one sink every event passes.
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import test from 'ava';
import { ModuleError } from '../../core/errors.ts';
import { EventBus, RedactingSink, type RunEvent } from '../../core/events.ts';
import { defineModule } from '../../core/module.ts';
import { JsonRenderer } from '../../core/render/json.ts';
import { PlainRenderer } from '../../core/render/plain.ts';
import { MASK, Secret, SecretConversionError, SecretSet, secret, secretText, secretsIn } from '../../core/secret.ts';
import { sh } from '../../core/sh.ts';
import { command } from '../../modules/command/command.ts';
import { localHost } from '../support/host.ts';

const value = 'S3cr3t-t0ken/with+odd=chars ü"\\';
const set = new SecretSet([secret(value)]);

test('the raw value is masked wherever it appears', (t) => {
  t.is(set.redact(`token=${value}; again ${value}`), `token=${MASK}; again ${MASK}`);
});

test('an empty secret masks nothing; a Secret prints *** by toString, JSON and inspect', (t) => {
  t.is(new SecretSet([secret('')]).redact('abc'), 'abc');
  const s = secret('pw');
  t.is(s.toString(), MASK);
  t.is(JSON.stringify({ s }), `{"s":"${MASK}"}`);
  t.is(secretText`a=${s};`.toString(), `a=${MASK};`);
  t.is(secretText`a=${s};`.reveal(), 'a=pw;');
});

/** The base64 characters of `stream` that carry the secret bytes at [off, off+n): the ones fully inside it. */
function carriedChars(stream: Buffer, off: number, n: number, encoding: 'base64' | 'base64url'): string {
  const enc = stream.toString(encoding);
  return enc.slice(Math.ceil((8 * off) / 6), Math.floor((8 * (off + n)) / 6));
}

for (const encoding of ['base64', 'base64url'] as const) {
  for (const align of [0, 1, 2]) {
    test(`${encoding}: the secret inside a longer stream at offset ${align} (mod 3) is masked, its neighbours are not`, (t) => {
      const bytes = Buffer.from(value, 'utf8');
      const before = Buffer.concat([randomBytes(30), Buffer.alloc(align, 0x41)]);
      const stream = Buffer.concat([before, bytes, randomBytes(30)]);
      const text = stream.toString(encoding);
      const out = set.redact(text);
      t.false(out.includes(carriedChars(stream, before.length, bytes.length, encoding)), out);
      t.true(out.includes(MASK));
      // what precedes the secret's first character stays visible
      t.true(out.startsWith(text.slice(0, Math.floor((8 * before.length) / 6))), out);
      // and at most one character on each side goes with the mask
      t.true(
        out.length >=
          text.length - (carriedChars(stream, before.length, bytes.length, encoding).length + 2) + MASK.length,
      );
    });
  }
}

test('base64 of the secret alone, with its padding, is masked whole', (t) => {
  const b64 = Buffer.from('hunter2-long').toString('base64');
  t.is(new SecretSet([secret('hunter2-long')]).redact(`data: ${b64}\n`), `data: ${MASK}\n`);
  const padded = Buffer.from('hunter22').toString('base64');
  t.true(padded.endsWith('='));
  t.is(new SecretSet([secret('hunter22')]).redact(`x ${padded} y`), `x ${MASK} y`);
});

test('hex in lower, upper and mixed case is masked', (t) => {
  const hex = Buffer.from(value, 'utf8').toString('hex');
  t.is(set.redact(`${hex}`), MASK);
  t.is(set.redact(`0x${hex.toUpperCase()}.`), `0x${MASK}.`);
  const mixed = [...hex].map((c, i) => (i % 2 ? c.toUpperCase() : c)).join('');
  t.is(set.redact(mixed), MASK);
});

test('URL-encoded forms are masked: encodeURIComponent, lowercase escapes, form encoding with +', (t) => {
  const uri = encodeURIComponent(value);
  t.is(set.redact(`https://x/?t=${uri}&a=1`), `https://x/?t=${MASK}&a=1`);
  t.is(set.redact(`?t=${uri.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase())}`), `?t=${MASK}`);
  const form = new URLSearchParams({ t: value }).toString();
  t.true(form.includes('+'));
  t.is(set.redact(form), `t=${MASK}`);
});

test('JSON-escaped forms are masked: JSON.stringify and ASCII-only \\u escapes', (t) => {
  t.is(set.redact(JSON.stringify({ token: value })), `{"token":"${MASK}"}`);
  const ascii = JSON.stringify(value).replace(
    /[^\x00-\x7f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  t.is(set.redact(`{"token":${ascii}}`), `{"token":"${MASK}"}`);
});

test("a secret with a quote is masked as sh -x prints it ('\\'')", (t) => {
  const s = new SecretSet([secret("it's-a-secret")]);
  t.is(s.redact(`+ echo 'it'\\''s-a-secret'`), `+ echo '${MASK}'`);
});

test('each line of a multi-line secret (a key) is masked when printed line by line', (t) => {
  const key = '-----BEGIN KEY-----\nAAAAB3NzaC1yc2EAAAADAQABAAABAQ\nQ2hlY2sgdGhpcyBsaW5lIHRvbw\n-----END KEY-----';
  const s = new SecretSet([secret(key)]);
  t.is(s.redact(`x\n${key}\ny`), `x\n${MASK}\ny`);
  const lines = key
    .split('\n')
    .map((l) => `| ${l}`)
    .join('\n');
  t.false(s.redact(lines).includes('AAAAB3NzaC1yc2EAAAADAQABAAABAQ'));
});

test('short secrets: the raw value is masked, encoded forms of fewer than 6 characters are not', (t) => {
  const s = new SecretSet([secret('ab')]);
  t.is(s.redact('xaby'), `x${MASK}y`);
  t.is(s.redact('6162'), '6162', 'hex of a 2-byte secret: 4 characters would match too much unrelated output');
});

test('secretsIn finds Secrets in nested vars and secretTexts', (t) => {
  const a = secret('a1');
  const b = secret('b2');
  const c = secret('c3');
  const vars = { x: 1, nested: { list: [a, { deep: secretText`k=${b}` }] }, m: new Map([['k', c]]) };
  t.deepEqual(new Set(secretsIn(vars)), new Set([a, b, c]));
});

test('RedactingSink: every string of every event kind is masked before the renderers (plain, JSON) see it', (t) => {
  const pw = `pw-${randomBytes(6).toString('hex')}`;
  const b64 = Buffer.from(`user:${pw}`).toString('base64');
  const events: RunEvent[] = [
    { kind: 'run-start', playbook: 'p.ts', name: `play ${pw}`, hosts: ['h'], check: false },
    { kind: 'phase-start', phase: `phase ${pw}`, hosts: ['h'] },
    { kind: 'module-start', host: 'h', module: 'command', title: `command echo ${pw}` },
    { kind: 'module-progress', host: 'h', module: 'command', line: `progress ${b64}` },
    {
      kind: 'module-end',
      host: 'h',
      module: 'command',
      title: 'command x',
      status: 'changed',
      ms: 1,
      message: `token=${pw}`,
      detail: `detail ${Buffer.from(pw).toString('hex')}`,
      changes: [{ path: '/etc/x', before: `a=${pw}\n`, after: `a=${encodeURIComponent(pw)}x\n` }],
    },
    { kind: 'host-failed', host: 'h', phase: 'p', message: `failed: ${pw}` },
    { kind: 'host-unreachable', host: 'h', phase: 'p', message: `unreachable: ${pw}` },
    { kind: 'warning', host: 'h', message: `warn ${pw}` },
    { kind: 'play-stopped', reason: `stopped ${pw}` },
    { kind: 'phase-end', phase: `phase ${pw}`, ms: 1 },
    {
      kind: 'recap',
      stats: { h: { ok: 0, changed: 1, failed: 1, skipped: 0, unreachable: 0, rescued: 0 } },
      ms: 1,
      check: false,
      interrupted: false,
    },
  ];
  let out = '';
  const seen: RunEvent[] = [];
  const bus = new EventBus();
  bus.add(new PlainRenderer({ write: (s) => (out += s), color: false, diff: true, verbose: true }));
  bus.add(new JsonRenderer((s) => (out += s)));
  bus.add({ emit: (e) => void seen.push(e), end: async () => undefined });
  const secrets = new SecretSet();
  const sink = new RedactingSink(bus, secrets);
  // registered after the sink exists: what counts is the set when an event passes
  secrets.add(new Secret(pw));
  for (const e of events) sink.emit(e);
  t.false(out.includes(pw), out);
  t.false(out.includes(b64.slice(4, 14)), out);
  t.false(out.includes(Buffer.from(pw).toString('hex')), out);
  t.false(JSON.stringify(seen).includes(pw));
  t.regex(out, /h \| changed \| command x: token=\*\*\*/);
  t.regex(out, /-a=\*\*\*/);
  t.regex(out, /\+a=\*\*\*x/);
  t.is(seen.length, events.length);
});

test('a module error quoting a secret is masked in the error the playbook catches (message, stack, cause) and in its event', async (t) => {
  const pw = `pw-${randomBytes(6).toString('hex')}`;
  const leaky = defineModule<{ pw: Secret }, null, { changed: boolean }>({
    name: 'leaky',
    title: () => 'leaky',
    secrets: (p) => [p.pw],
    facts: async () => null,
    plan: (p) => {
      throw new Error(`cannot parse ${p.pw.reveal()}`);
    },
  });
  const th = localHost();
  t.teardown(() => th.close());
  const err = await t.throwsAsync(leaky(th.host, { pw: secret(pw) }), { instanceOf: ModuleError });
  t.regex(err!.message, /cannot parse \*\*\*/);
  t.false(
    err!.message.includes(pw) || String(err!.stack).includes(pw) || String((err!.cause as Error).message).includes(pw),
  );
  // a command's own output, through host.exec: the Secret in sh`` is registered before it runs
  const failed = await t.throwsAsync(th.host.exec(sh`echo ${secret(pw + 'x')} >&2; exit 4`));
  t.regex(failed!.message, /exit code 4[^]*\*\*\*/);
  t.false(failed!.message.includes(pw));
  t.false(JSON.stringify(th.events).includes(pw), JSON.stringify(th.events));
});

test('a Secret given as stdin is sent as is and masked in what the command prints', async (t) => {
  const pw = `stdin-${randomBytes(6).toString('hex')}`;
  const th = localHost();
  t.teardown(() => th.close());
  const r = await command(th.host, { cmd: sh`cat`, stdin: secret(pw) });
  t.is(r.stdout, pw, 'the command got the real value');
  const end = th.events.find((e) => e.kind === 'module-end');
  t.is(end?.kind === 'module-end' ? end.message : undefined, MASK);
  t.false(JSON.stringify(th.events).includes(pw));
});

test('a Secret turned into a string implicitly throws instead of becoming "***" (which would be written into a file)', (t) => {
  const pw = secret('hunter2');
  const e = t.throws(() => `password=${pw}\n`, { instanceOf: SecretConversionError });
  t.regex(e.message, /secretText`/);
  t.throws(() => 'password=' + (pw as unknown as string), { instanceOf: SecretConversionError });
  t.throws(() => String(pw), { instanceOf: SecretConversionError });
  // shown on purpose, it stays masked
  t.is(pw.toString(), '***');
  t.is(JSON.stringify({ pw }), '{"pw":"***"}');
  t.is(inspect(pw), '***');
  t.is(secretText`password=${pw}\n`.toString(), 'password=***\n');
  t.is(secretText`password=${pw}\n`.reveal(), 'password=hunter2\n');
});
