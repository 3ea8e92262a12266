// `pg-mirror sync`: keeps a published tree up to date with a moving git ref.
import type { Argv } from 'yargs';
import { UsageError } from '../../core/index.js';
import { runSync, syncOnce, type SyncIteration, type SyncOptions } from '../../mirror/index.js';
import { EXIT_OK, EXIT_VERIFICATION, exitCodeFor, type ExitCode } from '../exit-codes.js';
import { writeText } from '../io.js';
import { toBuildOptions, withBuildOptions } from './build-options.js';
import type { MirrorSelect } from './context.js';
import { syncLine } from './output.js';

/** Registers the `sync` command. */
export function syncCommand<T>(y: Argv<T>, select: MirrorSelect): Argv<T> {
  return y.command(
    'sync',
    'Fetch, verify and publish a moving ref repeatedly; a refused commit never replaces the published tree',
    (c) =>
      withBuildOptions(
        c
          .option('git', {
            type: 'string',
            demandOption: true,
            describe: 'The git repository; its remotes are fetched each iteration',
          })
          .option('ref', {
            type: 'string',
            demandOption: true,
            describe: 'The ref to follow, e.g. origin/main',
          })
          .option('out', { type: 'string', demandOption: true, describe: 'Output directory' })
          .option('interval', {
            type: 'number',
            default: 60,
            describe: 'Seconds between iterations',
          })
          .option('once', {
            type: 'boolean',
            default: false,
            describe: 'Run one iteration and exit with its result',
          }),
      ).example(
        '$0 sync --git ./repo --ref origin/main --out ./site --interval 30',
        'follow origin/main every 30 s',
      ),
    (argv) =>
      select(async (io, globals) => {
        if (!(argv.interval > 0))
          throw new UsageError(
            'invalid-argument',
            `--interval: expected a number of seconds > 0, got ${argv.interval}`,
          );
        const buildOptions = await toBuildOptions(io, argv);
        const print = (it: SyncIteration): void => {
          if (globals.quiet && (it.outcome === 'unchanged' || it.outcome === 'built')) return;
          // --json: one JSON line per iteration on stdout; text: problems go to stderr.
          const bad = it.outcome === 'refused' || it.outcome === 'failed';
          const stream = bad && !globals.json ? io.stderr : io.stdout;
          stream.write(syncLine(it, globals.json));
        };
        const options: SyncOptions = {
          ...buildOptions,
          intervalMs: argv.interval * 1000,
          onIteration: print,
          ...(io.signal ? { signal: io.signal } : {}),
        };
        if (argv.once) {
          const it = await syncOnce(options);
          print(it);
          return iterationExit(it);
        }
        await runSync(options);
        await writeText(io.stderr, 'pg-mirror sync: stopped\n');
        return EXIT_OK;
      }),
  );
}

function iterationExit(it: SyncIteration): ExitCode {
  if (it.outcome === 'refused') return EXIT_VERIFICATION;
  if (it.outcome === 'failed') return exitCodeFor(it.error);
  return EXIT_OK;
}
