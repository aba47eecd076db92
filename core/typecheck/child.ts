// Entry point of the type-check child process: `node dist/core/typecheck/child.js PLAYBOOK` prints a FreshCheck as JSON.
import { checkWithTypeScript } from './check.ts';

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: child.js /absolute/playbook.ts\n');
  process.exit(1);
}
process.stdout.write(JSON.stringify(checkWithTypeScript(file)));
