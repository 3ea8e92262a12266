// Public surface of src/cli: the program entry points (bin/*.js import the modules directly).
export { main as mainDownload, run as runDownload } from './main-download.js';
export { main as mainConformance, run as runConformance } from './conformance-client.js';
export {
  exitCodeFor,
  EXIT_OK,
  EXIT_VERIFICATION,
  EXIT_USAGE,
  EXIT_OPERATIONAL,
} from './exit-codes.js';
export type { ExitCode } from './exit-codes.js';
export type { CliIo } from './io.js';
export type { CommandResult } from './results.js';
