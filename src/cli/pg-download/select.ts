// Command handlers do not run inside yargs: parsing only selects what to run, so usage
// errors and command failures travel separate, typed paths.
import type { CommandResult } from '../results.js';
import type { CommandContext } from './context.js';

export type CommandRun = (ctx: CommandContext) => Promise<CommandResult>;
export type Select = (run: CommandRun) => void;
