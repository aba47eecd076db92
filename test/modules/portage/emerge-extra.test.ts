// Issue 26: package.mask / package.unmask / package.license / package.env params planned from a probe answer, no host.
import test from 'ava';
import { ProbeFrame } from '../../../core/probe-frame.ts';
import { BARE_GENTOO_SECTIONS } from '../../support/emerge-probe.ts';
import { parseProbe, probeScript } from '../../../modules/portage/emerge-facts.ts';
import { emergeRequest, planEmerge, type EmergeParams } from '../../../modules/portage/emerge-plan.ts';

type Sections = [string, string, number?][];

/** A host with nothing installed, package.use a directory, the extra locations as given (path → file content). */
function facts(params: EmergeParams, extra: Record<string, string> = {}) {
  const r = emergeRequest(params);
  const s: Sections = [...BARE_GENTOO_SECTIONS];
  let n = 0;
  for (const k of ['mask', 'unmask', 'license', 'env']) {
    const dir = `/etc/portage/package.${k}`;
    const files = Object.entries(extra).filter(([p]) => p.startsWith(`${dir}/`));
    s.push([`loc.${k}`, files.length ? 'dir' : 'absent']);
    for (const [p, c] of files) s.push([`f.1.${++n}`, `${p}\0${c}`]);
    if (r.extraKinds.includes(k as 'mask')) {
      s.push([`st.${k}`, files.length ? 'directory 0 0 755 root root\n' : 'absent']);
      s.push([`st.${k}cf`, extra[`${dir}/drover`] !== undefined ? 'file 0 0 644 root root\n' : 'absent']);
    }
  }
  const frame = new ProbeFrame();
  return { probe: parseProbe(frame.parse(frame.render(s)), r.cps, r.configFile, r.extraKinds) };
}

test('mask, unmask, license and env become lines in drover files of their directories (created when absent)', (t) => {
  const params: EmergeParams = {
    atoms: 'app-misc/screen',
    mask: ['>=app-misc/screen-5'],
    unmask: ['sys-cluster/ceph'],
    license: ['GPL-2'],
    env: { 'app-misc/screen': ['debug.conf'] },
  };
  // the probe asks for the stat of each extra file only when its param is given
  const script = probeScript(new ProbeFrame(), ['app-misc/screen'], 'drover', emergeRequest(params).extraKinds).text;
  t.regex(script, /package\.mask\/drover/);
  t.notRegex(probeScript(new ProbeFrame(), ['app-misc/screen']).text, /package\.mask\/drover/);
  const d = planEmerge(params, { ...facts(params), pretend: undefined });
  const byPath = Object.fromEntries(d.result.changes!.map((c) => [c.path, c.after]));
  t.regex(byPath['/etc/portage/package.mask/drover']!, /\n>=app-misc\/screen-5\n$/);
  t.regex(byPath['/etc/portage/package.unmask/drover']!, /\nsys-cluster\/ceph\n$/);
  t.regex(byPath['/etc/portage/package.license/drover']!, /\napp-misc\/screen GPL-2\n$/);
  t.regex(byPath['/etc/portage/package.env/drover']!, /\napp-misc\/screen debug\.conf\n$/);
  t.true(d.steps?.kind === 'install' && d.steps.writes.every((w) => w.makeDir !== undefined && w.mode === '0644'));
});

test('an existing line is not repeated; a mask another unmask line lifts is refused naming it', (t) => {
  const have = { '/etc/portage/package.mask/admin': '>=app-misc/screen-5\n' };
  const p: EmergeParams = { atoms: 'app-misc/screen', mask: ['>=app-misc/screen-5'] };
  t.deepEqual(planEmerge(p, { ...facts(p, have) }).result.changes, []);
  const lifted = { '/etc/portage/package.unmask/zz': '# mine\n>=app-misc/screen-5\n' };
  t.throws(() => planEmerge(p, facts(p, lifted)), {
    message:
      /^package\.mask: \/etc\/portage\/package\.unmask\/zz:2 unmasks ">=app-misc\/screen-5", so the wanted mask would change nothing/,
  });
});

test('bad extra params are refused by name', (t) => {
  t.throws(() => emergeRequest({ atoms: 'a/b', mask: ['a/b:='] }), { message: /slot operator/ });
  t.throws(() => emergeRequest({ atoms: 'a/b', mask: ['a/b'], unmask: ['a/b'] }), {
    message: /"a\/b" is in both mask and unmask/,
  });
  t.throws(() => emergeRequest({ atoms: 'a/b', env: ['../x'] }), {
    message: /"\.\.\/x" \(for a\/b\) is not a file name in \/etc\/portage\/env/,
  });
  t.throws(() => emergeRequest({ atoms: 'a/b', license: ['GPL 2'] }), { message: /is not a license name/ });
  t.throws(() => emergeRequest({ atoms: 'a/b', state: 'absent', mask: ['a/b'] }), {
    message: /mask apply to state "present" only/,
  });
});
