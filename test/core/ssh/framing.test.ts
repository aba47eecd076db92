import test from 'ava';
import { endTag, FrameReader, frameCommand, MarkerScanner } from '../../../core/ssh/framing.ts';

const NONCE = '0123456789abcdef0123456789abcdef';
const OTHER = 'fedcba9876543210fedcba9876543210';

/** Feeds both streams to a reader in the given chunk sizes, interleaved; returns result + streamed bytes. */
function readAll(out: Buffer, err: Buffer, sizes: (i: number) => number) {
  const r = new FrameReader(NONCE);
  const streamed = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
  let io = 0;
  let ie = 0;
  let i = 0;
  while (io < out.length || ie < err.length) {
    const n = Math.max(1, sizes(i++));
    if (io < out.length) {
      streamed.stdout.push(r.feed('stdout', out.subarray(io, io + n)));
      io += n;
    }
    if (ie < err.length) {
      streamed.stderr.push(r.feed('stderr', err.subarray(ie, ie + n)));
      ie += n;
    }
  }
  return { r, streamedOut: Buffer.concat(streamed.stdout), streamedErr: Buffer.concat(streamed.stderr) };
}

const tag = endTag(NONCE);
const hostileOut = Buffer.concat([
  Buffer.from(`${endTag(OTHER)} 0\n`), // a marker with another nonce
  Buffer.from(':drover-end:0123456789abcdef'), // the start of our tag, cut short
  Buffer.from([0, 255, 0, 10, 13]),
  Buffer.from(`${tag.slice(0, -1)}X 1\n`), // our tag with the last char wrong
  Buffer.from('no newline at end'),
]);
const hostileErr = Buffer.from(`${endTag(OTHER)}\nerr ${tag.slice(0, 20)}`);

for (const [label, sizes] of [
  ['one byte at a time', () => 1],
  ['chunks of 7', () => 7],
  ['random chunks', () => Math.floor(Math.random() * 40)],
  ['whole', () => 1 << 20],
] as const) {
  test(`frame reader: hostile output, ${label}`, (t) => {
    const { r, streamedOut, streamedErr } = readAll(
      Buffer.concat([hostileOut, Buffer.from(`${tag} 42\nafter`)]),
      Buffer.concat([hostileErr, Buffer.from(`${tag}\nlate`)]),
      sizes,
    );
    t.true(r.complete);
    const res = r.result();
    t.is(res.code, 42);
    t.deepEqual(res.stdout, hostileOut);
    t.deepEqual(res.stderr, hostileErr);
    // What was streamed is exactly the output: no framing byte, nothing missing.
    t.deepEqual(streamedOut, hostileOut);
    t.deepEqual(streamedErr, hostileErr);
    t.is(r.rest('stdout').toString(), 'after');
    t.is(r.rest('stderr').toString(), 'late');
  });
}

test('frame reader: not complete until both markers arrived', (t) => {
  const r = new FrameReader(NONCE);
  r.feed('stdout', Buffer.from(`x${tag} 0\n`));
  t.false(r.complete);
  t.throws(() => r.result());
  r.feed('stderr', Buffer.from(`${tag}\n`));
  t.true(r.complete);
  t.deepEqual(r.result(), { code: 0, stdout: Buffer.from('x'), stderr: Buffer.alloc(0) });
});

test('marker scanner: holds back only what may be a marker start', (t) => {
  const s = new MarkerScanner(NONCE, false);
  t.is(s.feed(Buffer.from('progress 10%')).toString(), 'progress 10%');
  t.is(s.feed(Buffer.from('abc:drover-e')).toString(), 'abc');
  t.is(s.feed(Buffer.from('nough')).toString(), ':drover-enough');
  t.false(s.done);
});

test('marker scanner: exit code split across chunks and malformed codes', (t) => {
  const s = new MarkerScanner(NONCE, true);
  t.is(s.feed(Buffer.from(`out${tag} 1`)).toString(), 'out');
  t.false(s.done);
  t.is(s.feed(Buffer.from('27\n')).length, 0);
  t.true(s.done);
  t.is(s.code, 127);
  const bad = new MarkerScanner(NONCE, true);
  t.throws(() => bad.feed(Buffer.from(`${tag} x\n`)), { message: /malformed end marker/ });
});

test('frameCommand: command as one quoted word, stdin as base64 here-doc delimited by the nonce', (t) => {
  const plain = frameCommand(`echo 'it''s'`, NONCE);
  t.true(plain.startsWith(`( eval 'echo '\\''it'\\'''\\''s'\\''' ) </dev/null;`));
  t.true(plain.endsWith(`printf '%s\\n' ${tag} >&2\n`));
  const payload = Buffer.alloc(200, 0xff);
  const withIn = frameCommand('cat', NONCE, payload);
  const lines = withIn.split('\n');
  t.is(lines[0], `base64 -d <<'DROVER_IN_${NONCE}' 2>/dev/null | ( eval cat ); printf '%s %s\\n' ${tag} "$?"; printf '%s\\n' ${tag} >&2`);
  t.is(lines.at(-2), `DROVER_IN_${NONCE}`);
  t.true(lines.slice(1, -2).every((l) => l.length <= 76));
  t.deepEqual(Buffer.from(lines.slice(1, -2).join(''), 'base64'), payload);
  t.throws(() => frameCommand('echo a\0b', NONCE), { message: /NUL/ });
});

test('frameCommand: function definitions go first, outside the subshell, with or without stdin', (t) => {
  const defs = 'drover_f() {\necho f\n}';
  const plain = frameCommand('drover_f', NONCE, undefined, defs);
  t.true(plain.startsWith(`${defs}\n( eval drover_f ) </dev/null;`));
  const withIn = frameCommand('drover_f', NONCE, Buffer.from('x'), defs);
  t.true(withIn.startsWith(`${defs}\nbase64 -d <<'DROVER_IN_${NONCE}'`));
  t.is(frameCommand('true', NONCE, undefined, ''), frameCommand('true', NONCE));
  t.throws(() => frameCommand('true', NONCE, undefined, 'f() {\0}'), { message: /NUL/ });
});
