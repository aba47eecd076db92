// Runs `drover lab ...` alone, from the .ts sources (node --import=tsx lab/cli-main.ts up 3): the lab tests use it to start and kill a lab process of their own.
import { labCommand } from './cli.ts';

process.exitCode = await labCommand(process.argv.slice(2));
