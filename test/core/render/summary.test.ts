// A phase on more hosts than fit the terminal: a summary redrawn in place, not a line (and a spinner) per host.
import test from 'ava';
import type { RunEvent } from '../../../core/events.ts';
import { createRenderer } from '../../../core/render/index.ts';
import { cut, PhaseSummary } from '../../../core/render/phase-summary.ts';

// eslint-disable-next-line no-control-regex
const strip = (s: string) => s.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');

test('the frame counts hosts, names the failed ones and the slowest running ones', (t) => {
  let now = 0;
  const hosts = Array.from({ length: 500 }, (_, i) => `node${i + 1}`);
  const s = new PhaseSummary('Prepare nodes', hosts, { now: () => now, maxSlow: 3, maxFailed: 2 });
  for (const h of hosts) s.moduleStart(h, `sysfile /etc/${h}`);
  now = 1000;
  // node7 started its current module last: it is not among the slowest.
  s.moduleStart('node7', 'command late');
  for (const h of hosts.slice(0, 412)) {
    s.moduleEnd(h, 'changed');
    s.hostEnd(h, 'ok');
  }
  for (const h of ['node413', 'node414', 'node415']) {
    s.failure(h, `command failed on ${h}\nstderr tail`);
    s.hostEnd(h, 'failed');
  }
  now = 12_300;
  const frame = s.frame(200).map(strip);
  t.is(frame[0], '… Prepare nodes  415/500 done · 3 failed · 85 running · 412 changed  12.3 s');
  t.deepEqual(frame.slice(1, 4), [
    '  ✖ node413  FAILED: command failed on node413',
    '  ✖ node414  FAILED: command failed on node414',
    '  … and 1 more lost (the recap lists every host)',
  ]);
  t.deepEqual(frame.slice(4), [
    '  slowest running:',
    '    node416  12.3 s  sysfile /etc/node416',
    '    node417  12.3 s  sysfile /etc/node417',
    '    node418  12.3 s  sysfile /etc/node418',
  ]);
  t.false(s.finished);
  for (const h of hosts.slice(415)) s.hostEnd(h, 'ok');
  t.true(s.finished);
  t.is(strip(s.frame(200)[0]), '✖ Prepare nodes  500/500 done · 3 failed · 412 changed  12.3 s');
  t.is(strip(cut('\u001b[1mabcdef\u001b[0m', 4)), 'abc…');
});

test('the terminal renderer summarises a phase on more hosts than fit, and draws a bounded number of frames', async (t) => {
  let out = '';
  let writes = 0;
  const sink = await createRenderer({
    kind: 'listr',
    diff: false,
    verbose: false,
    isTTY: true,
    rows: 20,
    write: (s) => ((out += s), writes++),
  });
  const hosts = Array.from({ length: 60 }, (_, i) => `host${i + 1}`);
  const emit = (e: RunEvent) => sink.emit(e);
  emit({ kind: 'run-start', playbook: 'p.ts', name: 'Fleet', hosts, check: false });
  emit({ kind: 'phase-start', phase: 'Prepare nodes', hosts });
  // 60 hosts × 10 modules, all events at once: a per-event redraw would write 1200+ frames.
  for (let m = 0; m < 10; m++) {
    for (const host of hosts) {
      emit({ kind: 'module-start', host, module: 'command', title: `command step${m}` });
      emit({
        kind: 'module-end',
        host,
        module: 'command',
        title: `command step${m}`,
        status: m === 0 ? 'changed' : 'ok',
        ms: 1,
      });
    }
  }
  emit({ kind: 'host-failed', host: 'host9', phase: 'Prepare nodes', message: 'command failed on host9: exit code 3' });
  for (const host of hosts)
    emit({ kind: 'phase-host-end', phase: 'Prepare nodes', host, status: host === 'host9' ? 'failed' : 'ok' });
  emit({ kind: 'phase-end', phase: 'Prepare nodes', ms: 5 });
  emit({ kind: 'recap', stats: {}, ms: 5, check: false, interrupted: false });
  await sink.end();
  const text = strip(out);
  t.regex(text, /✖ Prepare nodes {2}60\/60 done · 1 failed · 60 changed/);
  t.regex(text, /✖ host9 {2}FAILED: command failed on host9: exit code 3/);
  t.false(/^.*host3\b.*$/m.test(text), 'no line per host');
  t.true(writes < 10, `${writes} writes`);
});
