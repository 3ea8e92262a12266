// pg-download: the end-user TUF client. yargs only parses and selects a command; the command
// runs outside yargs and returns a result that one printer renders (text or --json).
import yargs from 'yargs';
import { UsageError } from '../core/index.js';
import { EXIT_OK, exitCodeFor, type ExitCode } from './exit-codes.js';
import { finishParser, parseCommand } from './parser-common.js';
import { processIo, writeText, type CliIo } from './io.js';
import { renderError, renderResult, type OutputOptions } from './output.js';
import { createContext } from './pg-download/context.js';
import { getCommand } from './pg-download/get.js';
import { infoCommand } from './pg-download/info.js';
import { initCommand } from './pg-download/init.js';
import { listCommand } from './pg-download/list.js';
import { refreshCommand } from './pg-download/refresh.js';
import type { CommandRun } from './pg-download/select.js';
import { statusCommand } from './pg-download/status.js';
import { resolveCacheDir } from './repo-registry.js';

const EPILOGUE = [
  'Exit codes: 0 success; 1 verification or trust failure (bad signature, rollback, expired',
  'metadata, hash mismatch, target not found); 2 usage error; 3 operational failure (network,',
  'file system).',
  '',
  'Trust starts at the root you register with "init": get it out of band (a file shipped with',
  'your installer, or a URL plus a sha256 published somewhere you trust).',
].join('\n');

/** Runs pg-download with `argv` (no node/script prefix) against `io`; resolves to the exit code. */
export async function run(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  // Known before parsing so that even a usage error can be reported as JSON.
  let output: OutputOptions = {
    json: argv.includes('--json'),
    quiet: argv.includes('--quiet') || argv.includes('-q'),
  };
  let parsing = true;
  try {
    const command = await parseCommand(
      (select: (run: CommandRun) => void) => buildParser(io, select),
      argv,
      io.stdout,
    );
    if (command === undefined) return EXIT_OK;
    parsing = false;
    const { run: selected, args: parsed } = command;
    output = { json: parsed.json, quiet: parsed.quiet === true };
    const ctx = createContext(io, {
      json: parsed.json,
      quiet: parsed.quiet === true,
      verbose: parsed.verbose === true,
      cacheDir: resolveCacheDir(parsed['cache-dir'], io.env, io.cwd),
    });
    const result = await selected(ctx);
    const rendered = renderResult(result, output);
    if (rendered.stdout !== '') await writeText(io.stdout, rendered.stdout);
    if (rendered.stderr !== '') await writeText(io.stderr, rendered.stderr);
    return EXIT_OK;
  } catch (err) {
    const rendered = renderError(err, output);
    if (rendered.stdout !== '') await writeText(io.stdout, rendered.stdout).catch(() => undefined);
    await writeText(io.stderr, rendered.stderr).catch(() => undefined);
    if (err instanceof UsageError && parsing) {
      await writeText(io.stderr, 'Run "pg-download --help" for usage.\n').catch(() => undefined);
    }
    return exitCodeFor(err);
  }
}

/** Process entry point used by bin/pg-download.js: sets process.exitCode and returns it. */
export async function main(argv: readonly string[]): Promise<ExitCode> {
  const code = await run(argv, processIo());
  process.exitCode = code;
  return code;
}

function buildParser(io: CliIo, select: (run: CommandRun) => void) {
  let y = yargs()
    .scriptName('pg-download')
    .usage(
      '$0 <command> [options]\n\nDownload artifacts from a TUF-secured repository, verifying every byte against signed metadata.',
    )
    .option('json', {
      type: 'boolean',
      default: false,
      global: true,
      describe: 'Print one JSON document on stdout',
    })
    // No defaults on quiet/verbose: yargs' conflicts() would count a default as "given".
    .option('quiet', {
      alias: 'q',
      type: 'boolean',
      global: true,
      describe: 'Print nothing on success (errors still go to stderr)',
    })
    .option('verbose', {
      alias: 'v',
      type: 'boolean',
      global: true,
      describe: 'Log every fetch and verified role on stderr',
    })
    .option('cache-dir', {
      type: 'string',
      global: true,
      describe:
        'Trusted cache and registry [default: $XDG_CACHE_HOME/repository-playground or ~/.cache/repository-playground]',
    })
    .conflicts('quiet', 'verbose');
  y = initCommand(y, select);
  y = getCommand(y, select);
  y = infoCommand(y, select);
  y = refreshCommand(y, select);
  y = statusCommand(y, select);
  y = listCommand(y, select);
  return finishParser(y, ['init', 'get', 'info', 'refresh', 'status', 'list'], EPILOGUE, io.isTTY);
}
