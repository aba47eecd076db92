// `npm run demo` / `drover demo`: 3-node Ganeti lab up, playbooks/ganeti.ts run on it, verify shown.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { labExec, labState, labUp, type LabState } from './index.ts';
import { missingLabPackages } from './preflight.ts';
import { DROVER_ROOT as REPO } from '../core/boot/self.ts';

const HELP = `Usage: drover demo [--check] [--diff] [--keep-going]

Brings up the 3-node Ganeti lab 'lab' (network namespaces with real OpenSSH, OpenRC and Ganeti 3.0.2;
builds the root layers the first time), runs playbooks/ganeti.ts on it with inventory/, then shows
\`gnt-cluster verify\` on the master. Needs root on Linux. Options other than -h go to \`drover run\`.`;

/** Runs `node core/cli/bin.js run ...` with the terminal attached, so the progress view renders as usual. */
function runPlaybook(args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [path.join(REPO, 'core/cli/bin.js'), 'run', 'playbooks/ganeti.ts', '-i', 'inventory', ...args],
      {
        cwd: REPO,
        stdio: 'inherit',
        env: { ...process.env, DROVER_LAB: 'lab' },
      },
    );
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 130 : 1)));
  });
}

/**
 * The demo is the one-command start on a fresh Debian machine: it installs the lab's Debian
 * packages when they are missing (saying so), where `drover lab up` only names them.
 */
function installLabPackages(): Promise<boolean> {
  const pkgs = missingLabPackages();
  if (pkgs.length === 0) return Promise.resolve(true);
  console.log(`Installing what the lab needs: apt-get install ${pkgs.join(' ')}`);
  const sh = `apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ${pkgs.join(' ')}`;
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', sh], { stdio: 'inherit' });
    child.on('error', () => resolve(false));
    child.on('exit', (code) => resolve(code === 0));
  });
}

/** The lab 'lab': reused when it is already a ganeti lab (a second demo reruns the playbook), else brought up. */
async function ganetiLab(): Promise<LabState | undefined> {
  const existing = await labState('lab');
  if (existing) {
    if (existing.profile !== 'ganeti') {
      console.error(
        `A '${existing.profile}' lab named 'lab' is up; the demo needs a ganeti one: run \`npx drover lab down\` first.`,
      );
      return undefined;
    }
    console.log(`Reusing the Ganeti lab 'lab' that is already up (\`npx drover lab down\` for a fresh one).`);
    return existing;
  }
  console.log('Bringing up the Ganeti lab (3 nodes; the first time builds the root layers, a few minutes)...');
  return labUp({ name: 'lab', hosts: 3, profile: 'ganeti' });
}

export async function runDemo(argv: string[]): Promise<number> {
  if (argv.includes('-h') || argv.includes('--help')) {
    console.log(HELP);
    return 0;
  }
  if (process.platform !== 'linux' || process.getuid?.() !== 0) {
    console.error('drover demo needs root on Linux (the lab hosts are network namespaces).');
    return 1;
  }
  const t0 = performance.now();
  if (!(await installLabPackages())) {
    console.error(
      `drover demo: could not install ${missingLabPackages().join(' ')} with apt-get; install them and run it again.`,
    );
    return 1;
  }
  const lab = await ganetiLab();
  if (!lab) return 1;
  const master = lab.hosts[0];
  console.log(
    `Lab up: ${lab.hosts.map((h) => `${h.name} (${h.address})`).join(', ')}; cluster ${lab.cluster?.name} (${lab.cluster?.address}).\n`,
  );

  console.log('$ npx drover run playbooks/ganeti.ts -i inventory ' + argv.join(' '));
  const code = await runPlaybook(argv);
  if (code !== 0) {
    console.error(
      `\nThe playbook exited with ${code}. The lab is still up: inspect it with \`npx drover lab ssh ${master.short}\`.`,
    );
    return code;
  }
  if (!argv.includes('--check')) {
    console.log(`\n$ gnt-cluster verify --error-codes -I ENODESETUP   (on ${master.name})`);
    const v = await labExec(lab, master.short, ['gnt-cluster', 'verify', '--error-codes', '-I', 'ENODESETUP']);
    process.stdout.write(v.stdout + v.stderr);
    const nodes = await labExec(lab, master.short, ['gnt-node', 'list']);
    console.log(`\n$ gnt-node list\n${nodes.stdout}`);
    const inst = await labExec(lab, master.short, ['gnt-instance', 'list']);
    console.log(`$ gnt-instance list\n${inst.stdout}`);
    if (v.code !== 0) {
      console.error(`gnt-cluster verify exited with ${v.code}.`);
      return 2;
    }
  }
  console.log(`Done in ${((performance.now() - t0) / 1000).toFixed(1)} s.

Run it again (a second run changes nothing):  npx drover run playbooks/ganeti.ts -i inventory
Dry run with diffs:                           npx drover run playbooks/ganeti.ts -i inventory --check --diff
Log in to the master:                         npx drover lab ssh ${master.short}
Tear the lab down:                            npx drover lab down`);
  return 0;
}
