// command through the module wrapper on this machine (local transport, a real sh): both modes, guards, safeInCheck, failures.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { sh } from '../../../core/sh.ts';
import { command } from '../../../modules/command/command.ts';
import { localHost } from '../../support/host.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'drover-command-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

const statusOf = (events: readonly object[]) =>
  events.flatMap((e) => ('kind' in e && e.kind === 'module-end' && 'status' in e ? [e.status] : []));

test('--check: says what would run and runs nothing; a real run runs it and reports its output', async (t) => {
  const marker = path.join(dir, 'ran');
  const params = { cmd: sh`touch ${marker} && echo made it`, creates: marker };
  const check = localHost({ check: true });
  t.teardown(() => check.close());
  const c = await command(check.host, params);
  t.deepEqual(c, { changed: true, skipped: `check mode: would run ${params.cmd.display}` });
  t.false(existsSync(marker));
  t.deepEqual(statusOf(check.events), ['skipped']);
  const real = localHost();
  t.teardown(() => real.close());
  const r = await command(real.host, params);
  t.like(r, { changed: true, code: 0, stdout: 'made it\n', stderr: '', message: 'made it', skipped: undefined });
  t.true(existsSync(marker));
  // run again: the guard holds, in both modes, in one read-only round trip
  t.deepEqual(await command(real.host, params), { changed: false, message: `not run: ${marker} exists` });
  t.deepEqual(await command(check.host, params), { changed: false, message: `not run: ${marker} exists` });
  t.deepEqual(statusOf(real.events), ['changed', 'ok']);
});

test('unless and removes guards; changedWhen decides changed', async (t) => {
  const f = path.join(dir, 'conf');
  writeFileSync(f, 'key=1\n');
  const th = localHost();
  t.teardown(() => th.close());
  t.like(await command(th.host, { cmd: sh`false`, unless: sh`grep -q key= ${f}` }), {
    changed: false,
    message: 'not run: unless check passed',
  });
  t.like(await command(th.host, { cmd: sh`false`, removes: path.join(dir, 'nope') }), { changed: false });
  t.like(await command(th.host, { cmd: sh`echo same`, unless: sh`false`, changedWhen: (r) => r.stdout !== 'same\n' }), {
    changed: false,
    code: 0,
  });
});

test('safeInCheck: runs as a read in both modes and reports changed: false unless changedWhen says so', async (t) => {
  for (const check of [true, false]) {
    const th = localHost({ check });
    t.teardown(() => th.close());
    t.like(
      await command(th.host, { cmd: sh`echo 6.1.0`, safeInCheck: true }),
      { changed: false, code: 0, message: '6.1.0' },
      `check: ${check}`,
    );
    t.like(
      await command(th.host, {
        cmd: sh`echo drift; exit 1`,
        safeInCheck: true,
        okCodes: [0, 1],
        changedWhen: (r) => r.code === 1,
      }),
      { changed: true, code: 1 },
    );
  }
});

test('a failing command: the error names module, host, playbook line, command, exit code and stderr', async (t) => {
  const th = localHost();
  t.teardown(() => th.close());
  const err = await t.throwsAsync(command(th.host, { cmd: sh`echo oops >&2; exit 3` }));
  t.regex(
    err!.message,
    /^command failed on localhost \([^)]*command\.test\.ts:\d+\): Command failed with exit code 3: echo oops >&2; exit 3\noops$/,
  );
  t.deepEqual(statusOf(th.events), ['failed']);
});
