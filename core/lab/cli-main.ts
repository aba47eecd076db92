// Runs `drover lab ...` on its own (node --import=tsx core/lab/cli-main.ts up 3): for tests and for use before the main CLI is wired.
import { labCommand } from './cli.ts';

process.exitCode = await labCommand(process.argv.slice(2));
