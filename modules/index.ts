// drover's modules: what a playbook imports from 'drover/modules'.
export { command, type CommandParams, type CommandResult } from './command.ts';
