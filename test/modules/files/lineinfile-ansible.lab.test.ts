// Differential test: every case of test/fixtures/lineinfile/cases.ts runs through ansible-core's
// lineinfile/blockinfile (one ansible-playbook run, connection local) and through drover's sysfile on
// this machine (local transport: probe, pure edit, atomic write), each on its own copy of the same bytes.
// The resulting bytes, the changed flag and failure must agree, except for the cases listed with their
// reason in test/fixtures/lineinfile/deliberate.json (which must still differ, so the list stays true).
import test from 'ava';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sysfile, type SysfileParams } from '../../../modules/files/sysfile.ts';
import { localHost, type TestHost } from '../../support/host.ts';
import { cases, type Case } from '../../fixtures/lineinfile/cases.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures/lineinfile');

interface Outcome {
  failed: boolean;
  changed?: boolean;
  /** The file afterwards; null = no file. */
  content?: string | null;
  /** Why it failed (shown on a difference; not compared). */
  error?: string;
}

interface Deliberate {
  case: string;
  reason: string;
}

const ansibleName: Record<string, string> = {
  searchString: 'search_string',
  insertAfter: 'insertafter',
  insertBefore: 'insertbefore',
  firstMatch: 'firstmatch',
};

/** sysfile params for a case (Ansible's names mapped to drover's). */
function droverParams(c: Case, file: string): SysfileParams {
  if (c.line) {
    const p: Record<string, unknown> = { path: file };
    for (const [k, v] of Object.entries(c.line)) {
      const dk = Object.keys(ansibleName).find((d) => ansibleName[d] === k) ?? k;
      p[dk] = v;
    }
    return p as unknown as SysfileParams;
  }
  const { name, prefix, insertafter, insertbefore, ...rest } = c.block!;
  const p: Record<string, unknown> = { path: file, blockName: name, ...rest };
  if (prefix !== undefined) p.markerPrefix = prefix;
  if (insertafter !== undefined) p.insertAfter = insertafter;
  if (insertbefore !== undefined) p.insertBefore = insertbefore;
  return p as unknown as SysfileParams;
}

/** The Ansible task for a case: drover's marker is `<prefix> {mark} drover <name>`. */
function ansibleTask(c: Case, file: string, register: string): Record<string, unknown> {
  const common = { name: c.name, register, ignore_errors: true };
  if (c.line) return { ...common, lineinfile: { path: file, ...c.line } };
  const { name, prefix, ...rest } = c.block!;
  return { ...common, blockinfile: { path: file, marker: `${prefix ?? '#'} {mark} drover ${name}`, ...rest } };
}

/** The file's bytes as comparable text: UTF-8 when valid, else `bytes:<hex>`; null = no file. */
async function readOrNull(file: string): Promise<string | null> {
  try {
    const b = await readFile(file);
    const s = b.toString('utf8');
    return Buffer.from(s, 'utf8').equals(b) ? s : `bytes:${b.toString('hex')}`;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

function run(
  cmd: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

let dir = '';
let th: TestHost | undefined;
const ansibleOut = new Map<string, Outcome>();
const droverOut = new Map<string, Outcome>();
const deliberate: Deliberate[] = JSON.parse(await readFile(path.join(FIXTURES, 'deliberate.json'), 'utf8'));

test.before(async () => {
  const names = new Set<string>();
  for (const c of cases) {
    if (names.has(c.name)) throw new Error(`two cases named ${JSON.stringify(c.name)}`);
    names.add(c.name);
  }
  dir = await mkdtemp(path.join(tmpdir(), 'drover-lineinfile-'));
  const file = (side: 'a' | 'd', i: number) => path.join(dir, `${side}${i}.txt`);
  await Promise.all(
    cases.flatMap((c, i) =>
      c.before === null ? [] : [writeFile(file('a', i), c.before), writeFile(file('d', i), c.before)],
    ),
  );
  // Ansible: all cases in one play (one ansible-playbook start), each result registered and all of
  // them written to results.json by a last task (ansible-core has no JSON stdout callback).
  const results = path.join(dir, 'results.json');
  const tasks = cases.map((c, i) => ansibleTask(c, file('a', i), `r${i}`));
  const all = `{{ [${cases.map((_, i) => `r${i}`).join(', ')}] | to_json }}`;
  const play = [
    {
      hosts: 'localhost',
      connection: 'local',
      gather_facts: false,
      tasks: [...tasks, { name: 'results', copy: { dest: results, content: all } }],
    },
  ];
  await writeFile(path.join(dir, 'play.json'), JSON.stringify(play));
  const ansible = run(
    'ansible-playbook',
    ['-i', 'localhost,', '-e', 'ansible_python_interpreter=/usr/bin/python3', path.join(dir, 'play.json')],
    {
      ANSIBLE_NOCOLOR: '1',
      ANSIBLE_LOCALHOST_WARNING: 'false',
      ANSIBLE_INVENTORY_UNPARSED_WARNING: 'false',
      ANSIBLE_RETRY_FILES_ENABLED: 'false',
      ANSIBLE_LOCAL_TEMP: path.join(dir, 'ansible-local'),
      ANSIBLE_REMOTE_TEMP: path.join(dir, 'ansible-remote'),
    },
  ).catch(
    (err: Error) =>
      new Error(
        `ansible-playbook could not start (${err.message}): ansible-core must be installed (.ci/run installs it)`,
      ),
  );
  // drover, meanwhile: the real sysfile module over the local transport.
  th = localHost();
  for (const [i, c] of cases.entries()) {
    try {
      const r = await sysfile(th.host, droverParams(c, file('d', i)));
      droverOut.set(c.name, { failed: false, changed: r.changed, content: await readOrNull(file('d', i)) });
    } catch (err) {
      droverOut.set(c.name, { failed: true, error: (err as Error).message });
    }
  }
  const a = await ansible; // settled either way meanwhile: no unhandled rejection while drover runs
  if (a instanceof Error) throw a;
  const got = await readOrNull(results);
  if (a.code !== 0 || got === null)
    throw new Error(`ansible-playbook exited ${a.code} without ${results}:\n${(a.stdout + a.stderr).slice(-3000)}`);
  const registered: any[] = JSON.parse(got);
  for (const [i, c] of cases.entries()) {
    const r = registered[i];
    ansibleOut.set(
      c.name,
      r.failed
        ? { failed: true, error: r.msg }
        : { failed: false, changed: r.changed, content: await readOrNull(file('a', i)) },
    );
  }
});

test.after.always(async () => {
  await th?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** What is compared: failure, or the changed flag and the exact bytes. */
function comparable(o: Outcome): Omit<Outcome, 'error'> {
  return o.failed ? { failed: true } : { failed: false, changed: o.changed, content: o.content };
}

test('every deliberate difference names a case and gives a reason', (t) => {
  t.is(new Set(deliberate.map((d) => d.case)).size, deliberate.length, 'deliberate.json lists a case twice');
  for (const d of deliberate) {
    t.true(
      cases.some((c) => c.name === d.case),
      `deliberate.json lists ${JSON.stringify(d.case)}, which is not a case`,
    );
    t.true(d.reason.length > 20, `deliberate.json: ${JSON.stringify(d.case)} needs a reason`);
  }
});

for (const c of cases) {
  const listed = deliberate.find((d) => d.case === c.name);
  test(`${listed ? 'deliberately differs: ' : ''}${c.name}`, (t) => {
    const a = ansibleOut.get(c.name)!;
    const d = droverOut.get(c.name)!;
    const shown = `\nansible: ${JSON.stringify(a)}\ndrover:  ${JSON.stringify(d)}`;
    if (listed)
      t.notDeepEqual(
        comparable(d),
        comparable(a),
        `listed as a deliberate difference but drover now agrees with Ansible: remove it from deliberate.json${shown}`,
      );
    else
      t.deepEqual(comparable(d), comparable(a), `drover differs from Ansible (not listed in deliberate.json)${shown}`);
  });
}
