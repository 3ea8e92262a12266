// pg-mirror: verifies a git-backed TUF repository as a client would and publishes, serves or
// keeps in sync a static tree of it. yargs only parses and selects a command; the command runs
// outside yargs and returns its exit code.
import yargs from 'yargs';
import { UsageError } from '../core/index.js';
import { EXIT_OK, exitCodeFor, type ExitCode } from './exit-codes.js';
import { finishParser, parseCommand } from './parser-common.js';
import { processIo, writeText } from './io.js';
import { buildCommand } from './pg-mirror/build.js';
import type { MirrorIo, MirrorRun } from './pg-mirror/context.js';
import { errorDoc } from './output.js';
import { safeJson } from './pg-mirror/output.js';
import { serveCommand } from './pg-mirror/serve.js';
import { syncCommand } from './pg-mirror/sync.js';
import { describeError } from '../core/index.js';
import { inertText } from '../mirror/index.js';

const EPILOGUE = [
  'Exit codes: 0 success; 1 verification failure (the commit is not published: every problem',
  'is listed); 2 usage error; 3 operational failure (git, file system, another build running).',
  '',
  'The tree is a plain static site: serve it with "pg-mirror serve", GitHub Pages, nginx or any',
  'object store. Files are written so that a client reading during a publish sees the old or the',
  'new repository, never a mix.',
].join('\n');

/** Runs pg-mirror with `argv` (no node/script prefix) against `io`; resolves to the exit code. */
export async function run(argv: readonly string[], io: MirrorIo): Promise<ExitCode> {
  const json = argv.includes('--json');
  let parsing = true;
  try {
    const command = await parseCommand(
      (select: (run: MirrorRun) => void) => buildParser(io, select),
      argv,
      io.stdout,
    );
    if (command === undefined) return EXIT_OK;
    parsing = false;
    return await command.run(io, { json: command.args.json, quiet: command.args.quiet === true });
  } catch (err) {
    if (json)
      await writeText(io.stdout, `${safeJson({ error: errorDoc(err) }, 2)}\n`).catch(
        () => undefined,
      );
    // Messages can quote git's stderr and names from the repository: one inert line.
    await writeText(io.stderr, `pg-mirror: ${inertText(describeError(err))}\n`).catch(
      () => undefined,
    );
    if (err instanceof UsageError && parsing) {
      await writeText(io.stderr, 'Run "pg-mirror --help" for usage.\n').catch(() => undefined);
    }
    return exitCodeFor(err);
  }
}

/** Process entry point used by bin/pg-mirror.js: SIGINT/SIGTERM stop serve and sync gracefully. */
export async function main(argv: readonly string[]): Promise<ExitCode> {
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const code = await run(argv, { ...processIo(), signal: controller.signal });
    process.exitCode = code;
    return code;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

function buildParser(io: MirrorIo, select: (run: MirrorRun) => void) {
  let y = yargs()
    .scriptName('pg-mirror')
    .usage(
      '$0 <command> [options]\n\nPublish a git-backed TUF repository as a verified static tree, and serve it.',
    )
    .option('json', {
      type: 'boolean',
      default: false,
      global: true,
      describe: 'Machine-readable output on stdout',
    })
    .option('quiet', {
      alias: 'q',
      type: 'boolean',
      global: true,
      describe: 'Only print problems (serve: no access log)',
    });
  y = buildCommand(y, select);
  y = serveCommand(y, select);
  y = syncCommand(y, select);
  return finishParser(y, ['build', 'serve', 'sync'], EPILOGUE, io.isTTY);
}
