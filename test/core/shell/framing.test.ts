import test from 'ava';
import { FrameReader, MarkerScanner, parseInit } from '../../../core/shell/frame-reader.ts';
import { endTag, frameCommand, initScript } from '../../../core/shell/framing.ts';

const NONCE = '0123456789abcdef0123456789abcdef';
const OTHER = 'fedcba9876543210fedcba9876543210';
const tag = endTag(NONCE);

/** Feeds a reader the channel's stdout in the given chunk sizes; returns it and the live bytes it handed out. */
function readAll(stream: Buffer, sizes: (i: number) => number, isLive = false) {
  const r = new FrameReader(NONCE, undefined, undefined, isLive);
  const live: Buffer[] = [];
  for (let at = 0, i = 0; at < stream.length; i++) {
    const n = Math.max(1, sizes(i));
    live.push(r.feed(stream.subarray(at, at + n)));
    at += n;
  }
  return { r, live: Buffer.concat(live) };
}

const hostileOut = Buffer.concat([
  Buffer.from(`${endTag(OTHER)} o 0\n`), // a marker with another nonce
  Buffer.from(':drover-end:0123456789abcdef'), // the start of our tag, cut short
  Buffer.from([0, 255, 0, 10, 13]),
  Buffer.from(`${tag.slice(0, -1)}X o 1\n`), // our tag with the last char wrong
  Buffer.from('no newline at end'),
]);
const hostileErr = Buffer.from(`${endTag(OTHER)} e ok\nerr ${tag.slice(0, 20)}`);
const liveBytes = Buffer.from(`progress ${tag.slice(0, 30)} 10%\n`);

for (const [label, sizes] of [
  ['one byte at a time', () => 1],
  ['chunks of 7', () => 7],
  ['random chunks', () => Math.floor(Math.random() * 40)],
  ['whole', () => 1 << 20],
] as const) {
  test(`frame reader: hostile output, ${label}`, (t) => {
    const frame = [Buffer.from(`${tag} s\n`), hostileOut, Buffer.from(`${tag} o 42\n`), hostileErr];
    const end = Buffer.from(`${tag} e ok\n`);
    // Bytes an earlier command's background process appended to its file as it was sent: never this command's.
    const stale = Buffer.from(`LATE ${endTag(OTHER)} e ok\n`);
    const stream = Buffer.concat([stale, Buffer.from(`${tag} b\n`), liveBytes, ...frame, end]);
    const { r, live } = readAll(stream, sizes, true);
    t.true(r.complete);
    t.deepEqual(r.result(), { code: 42, stdout: hostileOut, stderr: hostileErr, state: 'ok' });
    t.deepEqual(live, liveBytes, 'live bytes are exactly what came between `b` and the frame');
    t.is(r.rest.length, 0);
    // Without a live copy nothing before the frame is this command's.
    const quiet = readAll(Buffer.concat([stale, ...frame, end, Buffer.from('after')]), sizes);
    t.deepEqual(quiet.r.result(), { code: 42, stdout: hostileOut, stderr: hostileErr, state: 'ok' });
    t.is(quiet.live.length, 0);
  });
}

test('frame reader: not complete until the stderr marker, and its state is reported', (t) => {
  const r = new FrameReader(NONCE);
  r.feed(Buffer.from(`${tag} s\nx${tag} o 0\n`));
  t.false(r.complete);
  t.throws(() => r.result());
  r.feed(Buffer.from(`${tag} e full\n`));
  t.true(r.complete);
  t.deepEqual(r.result(), { code: 0, stdout: Buffer.from('x'), stderr: Buffer.alloc(0), state: 'full' });
});

test('frame reader: `x` ends a frame in any phase with its code and state', (t) => {
  for (const before of ['', `${tag} s\npart`, `${tag} s\nout${tag} o 3\nerr`]) {
    const r = new FrameReader(NONCE);
    r.feed(Buffer.from(`${before}${tag} x 3 unreadable\nnext`));
    t.true(r.complete, before);
    t.is(r.result().state, 'unreadable');
    t.is(r.result().code, 3);
    t.is(r.rest.toString(), 'next');
  }
  const full = new FrameReader(NONCE);
  full.feed(Buffer.from(`${tag} x 0 full\n`));
  t.is(full.result().state, 'full');
  t.throws(() => new FrameReader(NONCE).feed(Buffer.from(`${tag} x 0 ok\n`)), { message: /malformed end marker/ });
  // `b` starts live output only for a live command: otherwise it is a broken frame.
  t.throws(() => new FrameReader(NONCE).feed(Buffer.from(`${tag} b\n`)), { message: /broken frame.*"b"/ });
});

test('frame reader: malformed markers are a broken protocol, not output', (t) => {
  t.throws(() => new FrameReader(NONCE).feed(Buffer.from(`${tag} s\n${tag} o x\n`)), {
    message: /malformed end marker.*exit code "x"/,
  });
  t.throws(() => new FrameReader(NONCE).feed(Buffer.from(`${tag} s\n${tag} o 0\n${tag} e maybe\n`)), {
    message: /state "maybe"/,
  });
  t.throws(() => new FrameReader(NONCE).feed(Buffer.from(`${tag} sX\n`)), { message: /broken frame.*"sX"/ });
  // `cat` died before copying the middle marker: the stderr marker comes while stdout's is due.
  t.throws(() => new FrameReader(NONCE).feed(Buffer.from(`${tag} s\npartial${tag} e unreadable\n`)), {
    message: /broken frame.*"e unreadable" where "o" was due/,
  });
  t.throws(() => new FrameReader(NONCE).feed(Buffer.from(`${tag} s\n${tag} o ${'1'.repeat(100)}`)), {
    message: /no end of line/,
  });
});

test('marker scanner: holds back only what may be a marker start', (t) => {
  const s = new MarkerScanner(`${tag} e `);
  t.is(s.feed(Buffer.from('progress 10%')).toString(), 'progress 10%');
  t.is(s.feed(Buffer.from('abc:drover-e')).toString(), 'abc');
  t.is(s.feed(Buffer.from('nough')).toString(), ':drover-enough');
  t.false(s.done);
  t.is(s.feed(Buffer.from(`${tag} e o`)).length, 0);
  t.is(s.feed(Buffer.from('k\nafter')).length, 0);
  t.true(s.done);
  t.is(s.arg, 'ok');
  t.is(s.rest.toString(), 'after');
});

test('frameCommand: the command runs in a subshell with its own output files; only the shell writes frames', (t) => {
  const text = frameCommand(`echo 'it''s'`, NONCE, { seq: 7 });
  // The start marker heads the stdout file; the command appends to it.
  t.true(
    text.startsWith(
      `printf '%s s\\n' ${tag} >"$drover_d/7.o"; ( eval 'echo '\\''it'\\'''\\''s'\\''' ) </dev/null >>"$drover_d/7.o" 2>"$drover_d/7.e"; drover_s=$?; `,
    ),
  );
  // The rest of the frame is appended by builtins, and one cat sends the one file: one write.
  t.true(
    text.includes(
      `elif { IFS= read -r drover_l <"$drover_d/7.o"; } 2>/dev/null && [ "$drover_l" = '${tag} s' ]; then ` +
        `if printf '%s o %s\\n' ${tag} "$drover_s" >>"$drover_d/7.o" && { ! [ -s "$drover_d/7.e" ] || cat -- "$drover_d/7.e" >>"$drover_d/7.o"; } && printf '%s e %s\\n' ${tag} "$drover_k" >>"$drover_d/7.o"; ` +
        `then cat -- "$drover_d/7.o" || printf '%s x %s unreadable\\n' ${tag} "$drover_s"; else printf '%s x %s full\\n' ${tag} "$drover_s"; fi; `,
    ),
  );
  t.true(text.endsWith(`printf '%s e %s\\n' ${tag} "$drover_k"; fi\n`));
  t.false(text.includes('tail'), 'no live copy unless asked');
  t.false(text.includes('rm -f'), 'no sweep unless asked');
  // The file names never carry the nonce: a command can read its own file names, it must not learn the nonce.
  t.false(/drover_d\/[^"]*[0-9a-f]{32}/.test(text));
  t.throws(() => frameCommand('echo a\0b', NONCE, { seq: 1 }), { message: /NUL/ });
});

test('frameCommand: stdin as a base64 here-doc delimited by the nonce, piped into the command', (t) => {
  const payload = Buffer.alloc(200, 0xff);
  const lines = frameCommand('cat', NONCE, { seq: 3, stdin: payload }).split('\n');
  t.true(
    lines[0].startsWith(
      `printf '%s s\\n' ${tag} >"$drover_d/3.o"; base64 -d <<'DROVER_IN_${NONCE}' 2>/dev/null | ( eval cat ) >>"$drover_d/3.o" 2>"$drover_d/3.e"; drover_s=$?;`,
    ),
  );
  t.is(lines.at(-2), `DROVER_IN_${NONCE}`);
  t.true(lines.slice(1, -2).every((l) => l.length <= 76));
  t.deepEqual(Buffer.from(lines.slice(1, -2).join(''), 'base64'), payload);
});

test('frameCommand: definitions, live copy and sweep', (t) => {
  const defs = `( eval 'drover_f() { echo f; }' ) && eval 'drover_f() { echo f; }'`;
  const text = frameCommand('drover_f', NONCE, { seq: 2, definitions: defs, live: true, sweep: true });
  t.true(
    text.startsWith(
      `[ -z "$drover_d" ] || rm -f -- "$drover_d"/*; printf '%s s\\n' ${tag} >"$drover_d/2.o"; { ${defs}\n} 2>"$drover_d/2.e"; `,
    ),
  );
  // Live stdout starts after `b` on both streams, and skips the start marker at the head of the file.
  t.true(
    text.includes(
      `printf '%s b\\n' ${tag}; printf '%s b\\n' ${tag} >&2; tail --pid=$$ -c +${tag.length + 4} -f "$drover_d/2.o" 2>/dev/null & drover_t1=$!`,
    ),
  );
  t.true(
    text.includes(
      `( eval drover_f ) </dev/null >>"$drover_d/2.o" 2>>"$drover_d/2.e"; drover_s=$?; kill -9 $drover_t1 $drover_t2`,
    ),
  );
  t.throws(() => frameCommand('true', NONCE, { seq: 1, definitions: 'f() {\0}' }), { message: /NUL/ });
});

test('initScript and its answer', (t) => {
  const text = initScript(NONCE);
  t.true(text.includes('mktemp -d /dev/shm/drover.XXXXXXXX'));
  t.true(
    text.includes(
      `trap '{ read -r drover_me drover_x </proc/self/stat; } 2>/dev/null; [ "$drover_me" != "$drover_pid" ] || rm -rf -- "$drover_d"' EXIT`,
    ),
  );
  t.true(text.endsWith(`printf '%s i %s %s\\n' ${tag} "$?" "$drover_d"\n`));
  t.deepEqual(parseInit('0 /dev/shm/drover.AbC123xy'), { status: 0, dir: '/dev/shm/drover.AbC123xy' });
  t.deepEqual(parseInit('1 '), { status: 1, dir: '' });
  t.throws(() => parseInit('garbage'), { message: /malformed start-up answer/ });
});
