#!/usr/bin/env node
// The `drover` executable: runs the CLI compiled into dist/ (compiling it first when the sources are
// newer, see compile.js); without a writable dist/ it loads the .ts sources through tsx instead.

// `drover ... | head` closes the pipe early: stop quietly, as other command-line tools do.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

const { compiledCli } = await import('../boot/compile.js');
const compiled = await compiledCli();
let main;
if (compiled) {
  ({ main } = await import(compiled));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('./cli.ts'));
}
process.exitCode = await main(process.argv.slice(2));
