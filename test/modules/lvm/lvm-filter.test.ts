// Tests of lvm.conf global_filter editing: only that setting changes, idempotently, on Debian's real lvm.conf.
import test from 'ava';
import { lstatSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureGlobalFilter, findGlobalFilter, wantedEntries } from '../../../modules/lvm/lvm-filter.ts';
import { lvm } from '../../../modules/lvm/lvm.ts';
import { localHost } from '../../support/host.ts';

const debian = readFileSync(new URL('../../fixtures/lvm/lvm.conf.debian12', import.meta.url), 'utf8');
const DRBD = '^/dev/drbd[0-9]+$';

test('Debian lvm.conf has only a commented global_filter: one line is added inside devices {, nothing else changes', (t) => {
  t.is(findGlobalFilter(debian), undefined);
  const out = ensureGlobalFilter(debian, [DRBD]);
  const added = out.split('\n').filter((l) => !debian.split('\n').includes(l));
  t.deepEqual(added, ['\tglobal_filter = [ "r|^/dev/drbd[0-9]+$|", "a|.*|" ]']);
  t.is(
    out.replace('\tglobal_filter = [ "r|^/dev/drbd[0-9]+$|", "a|.*|" ]\n', ''),
    debian,
    'the rest is byte-identical',
  );
  t.regex(out, /\ndevices \{\n\tglobal_filter = /);
  t.is(ensureGlobalFilter(out, [DRBD]), out, 'second run changes nothing');
  t.deepEqual(findGlobalFilter(out)!.entries, ['r|^/dev/drbd[0-9]+$|', 'a|.*|']);
});

test('an existing filter keeps its entries; the reject goes before the first accept; multi-line and comments', (t) => {
  const conf =
    'config {\n\tchecks = 1\n}\ndevices {\n\tdir = "/dev"\n\tglobal_filter = [ "a|^/dev/sd.*|", # disks\n\t\t"r|.*|" ]\n\tscan = [ "/dev" ]\n}\n';
  const out = ensureGlobalFilter(conf, [DRBD]);
  t.is(
    out,
    'config {\n\tchecks = 1\n}\ndevices {\n\tdir = "/dev"\n\tglobal_filter = [ "r|^/dev/drbd[0-9]+$|", "a|^/dev/sd.*|", "r|.*|" ]\n\tscan = [ "/dev" ]\n}\n',
  );
  t.is(ensureGlobalFilter(out, [DRBD]), out);
});

test('a reject placed after the accept-all is moved before it; one already first is left alone', (t) => {
  t.deepEqual(wantedEntries(['a|.*|', 'r|^/dev/drbd[0-9]+$|'], [DRBD]), ['r|^/dev/drbd[0-9]+$|', 'a|.*|']);
  t.deepEqual(wantedEntries(['r|^/dev/drbd[0-9]+$|', 'a|.*|'], [DRBD]), ['r|^/dev/drbd[0-9]+$|', 'a|.*|']);
  t.throws(() => wantedEntries([], ['a|b']), { message: /must not contain/ });
});

test('no devices section: one is appended', (t) => {
  t.is(
    ensureGlobalFilter('global {\n\tumask = 077\n}', [DRBD]),
    'global {\n\tumask = 077\n}\ndevices {\n\tglobal_filter = [ "r|^/dev/drbd[0-9]+$|", "a|.*|" ]\n}\n',
  );
});

test('a global_filter outside devices (or commented out) is not touched', (t) => {
  const conf = '# global_filter = [ "a|.*|" ]\nactivation {\n\tglobal_filter = [ "a|x|" ]\n}\ndevices {\n}\n';
  t.is(
    ensureGlobalFilter(conf, [DRBD]),
    '# global_filter = [ "a|.*|" ]\nactivation {\n\tglobal_filter = [ "a|x|" ]\n}\ndevices {\n\tglobal_filter = [ "r|^/dev/drbd[0-9]+$|", "a|.*|" ]\n}\n',
  );
});

test('on this machine: a symlinked lvm.conf is edited where it points and the link stays (it used to be replaced by a file)', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'drover-lvm-filter-'));
  const { host, close } = localHost();
  try {
    writeFileSync(path.join(dir, 'real.conf'), 'devices {\n}\n', { mode: 0o640 });
    symlinkSync('real.conf', path.join(dir, 'lvm.conf'));
    const r = await lvm.filter(host, { reject: [DRBD], file: path.join(dir, 'lvm.conf') });
    t.true(r.changed);
    t.true(lstatSync(path.join(dir, 'lvm.conf')).isSymbolicLink());
    t.is(
      readFileSync(path.join(dir, 'real.conf'), 'utf8'),
      'devices {\n\tglobal_filter = [ "r|^/dev/drbd[0-9]+$|", "a|.*|" ]\n}\n',
    );
    t.is(lstatSync(path.join(dir, 'real.conf')).mode & 0o777, 0o640, 'mode kept');
    t.false((await lvm.filter(host, { reject: [DRBD], file: path.join(dir, 'lvm.conf') })).changed);
  } finally {
    await close();
    rmSync(dir, { recursive: true, force: true });
  }
});
