#!/usr/bin/env node
// The `drover` executable: loads TypeScript through tsx (playbooks and drover itself ship as .ts), then runs the CLI.
import { register } from 'tsx/esm/api';

// `drover ... | head` closes the pipe early: stop quietly, as other command-line tools do.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

register();
const { main } = await import('./cli.ts');
process.exitCode = await main(process.argv.slice(2));
