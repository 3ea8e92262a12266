// Options shared by the commands that build a tree (build, sync) and their mapping to BuildOptions.
import type { Argv } from 'yargs';
import type { BuildOptions } from '../../mirror/index.js';
import type { CliIo } from '../io.js';
import { parseTime, readRootFile, resolvePath } from './context.js';

/** The parsed arguments `toBuildOptions` reads. */
export interface BuildArgs {
  readonly git: string;
  readonly ref: string;
  readonly out: string;
  readonly root: string | undefined;
  readonly time: string | undefined;
  readonly 'keep-versions': number;
  readonly 'check-tree': boolean;
}

/** Adds `--root`, `--time`, `--keep-versions` and `--check-tree`. */
export function withBuildOptions<T>(y: Argv<T>): Argv<
  T & {
    root: string | undefined;
    time: string | undefined;
    'keep-versions': number;
    'check-tree': boolean;
  }
> {
  return y
    .option('root', {
      type: 'string',
      describe:
        'Pinned trusted root.json to start the root chain from [default: the first root in metadata/root_history]',
    })
    .option('time', {
      type: 'string',
      describe: 'Reference time for expiry checks, ISO 8601 [default: now]',
    })
    .option('keep-versions', {
      type: 'number',
      default: 3,
      describe: 'Older versions of snapshot and each role kept for clients mid-refresh',
    })
    .option('check-tree', {
      type: 'boolean',
      default: false,
      describe:
        'Stat and re-hash every published file instead of trusting the build state (finds files changed or deleted outside pg-mirror)',
    });
}

/** BuildOptions from the arguments: paths resolved against the cwd, the pinned root read, --time checked. */
export async function toBuildOptions(
  io: CliIo,
  argv: BuildArgs,
): Promise<BuildOptions & { readonly ref: string }> {
  const rootBytes = await readRootFile(io, argv.root);
  const referenceTime = parseTime(argv.time);
  return {
    gitPath: resolvePath(io, argv.git),
    ref: argv.ref,
    outDir: resolvePath(io, argv.out),
    keepVersions: argv['keep-versions'],
    checkTree: argv['check-tree'],
    ...(rootBytes ? { rootBytes } : {}),
    ...(referenceTime ? { referenceTime } : {}),
  };
}
