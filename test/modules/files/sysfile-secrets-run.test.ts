// sysfile with a Secret made in the playbook (not from vars), through the real module on this machine:
// the secret is known to the run from the probe on, so output quoting it is masked even when the file
// is unchanged or in --check (nothing written, nothing applied).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { secret, secretText } from '../../../core/secret.ts';
import { sh } from '../../../core/sh.ts';
import { command } from '../../../modules/command/command.ts';
import { sysfile } from '../../../modules/files/sysfile.ts';
import { localHost } from '../../support/host.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'drover-sysfile-secrets-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

for (const check of [false, true]) {
  test(`an unchanged file holding a playbook Secret: a later command printing it shows *** (check: ${check})`, async (t) => {
    const pw = `pw-${randomBytes(6).toString('hex')}`;
    const f = path.join(dir, `app-${check}.conf`);
    writeFileSync(f, `password=${pw}\n`);
    const th = localHost({ check });
    t.teardown(() => th.close());
    t.false((await sysfile(th.host, { path: f, content: secretText`password=${secret(pw)}\n` })).changed);
    await command(th.host, { cmd: sh`cat -- ${f}`, safeInCheck: true });
    const end = th.events.filter((e) => e.kind === 'module-end').at(-1);
    t.is(end?.kind === 'module-end' ? end.message : undefined, 'password=***');
    t.false(JSON.stringify(th.events).includes(pw));
  });
}

test('a line Secret in --check: the probe already knows it', async (t) => {
  const pw = `tok-${randomBytes(6).toString('hex')}`;
  const f = path.join(dir, 'env');
  writeFileSync(f, `TOKEN=${pw}\n`);
  const th = localHost({ check: true });
  t.teardown(() => th.close());
  t.false((await sysfile(th.host, { path: f, line: secretText`TOKEN=${secret(pw)}`, regexp: '^TOKEN=' })).changed);
  await command(th.host, { cmd: sh`cat -- ${f}`, safeInCheck: true });
  t.false(JSON.stringify(th.events).includes(pw));
});
