// What every pg-download command handler receives: the I/O world and the global options,
// plus the one place an Updater is built for a registered repository.
import { HttpFetcher, Updater, type UpdaterEvent } from '../../client/index.js';
import type { CliIo } from '../io.js';
import { createProgress, type Progress } from '../progress.js';
import {
  loadRepoConfig,
  repoPaths,
  selectRepo,
  type RepoConfig,
  type RepoPaths,
} from '../repo-registry.js';

export interface GlobalOptions {
  readonly json: boolean;
  readonly quiet: boolean;
  readonly verbose: boolean;
  /** Absolute cache root (already resolved from --cache-dir / XDG / HOME). */
  readonly cacheDir: string;
}

export interface CommandContext {
  readonly io: CliIo;
  readonly options: GlobalOptions;
  readonly progress: Progress;
  /** A diagnostic line on stderr, shown only with --verbose. */
  debug(line: string): void;
  /** The reference clock (the system clock unless a test injected one). */
  now(): Date;
}

export interface OpenRepository {
  readonly name: string;
  readonly config: RepoConfig;
  readonly paths: RepoPaths;
  readonly updater: Updater;
  /** Stops the updater and its connection pool; always call it (finally). */
  close(): Promise<void>;
}

/** Builds the context of one CLI run. */
export function createContext(io: CliIo, options: GlobalOptions): CommandContext {
  const progress = createProgress(io.stderr, io.isTTY && !options.quiet);
  return {
    io,
    options,
    progress,
    debug(line) {
      if (!options.verbose) return;
      progress.done();
      io.stderr.write(`${line}\n`);
    },
    now: () => (io.clock ?? (() => new Date()))(),
  };
}

/** Opens the selected repository (`--repo` or the default) with an Updater over its trusted cache. */
export async function openRepository(
  ctx: CommandContext,
  repoFlag: string | undefined,
  options: { offline: boolean; onEvent?: (event: UpdaterEvent) => void },
): Promise<OpenRepository> {
  const name = await selectRepo(ctx.options.cacheDir, repoFlag);
  const config = await loadRepoConfig(ctx.options.cacheDir, name);
  const paths = repoPaths(ctx.options.cacheDir, name);
  // Conservative timeouts: a hanging mirror must fail the command, not hang it.
  const fetcher = new HttpFetcher({
    connectTimeoutMs: 10_000,
    stallTimeoutMs: 15_000,
    userAgent: 'pg-download',
    env: ctx.io.env,
  });
  const updater = new Updater({
    metadataDir: paths.metadataDir,
    metadataBaseUrl: config.metadataUrl,
    targetBaseUrl: config.targetsUrl,
    targetDir: paths.targetsDir,
    fetcher,
    offline: options.offline,
    clock: () => ctx.now(),
    onEvent: (event) => {
      if (event.kind === 'fetch') ctx.debug(`fetch ${event.url} (${event.role})`);
      else if (event.kind === 'verified') ctx.debug(`verified ${event.role} v${event.version}`);
      options.onEvent?.(event);
    },
  });
  return {
    name,
    config,
    paths,
    updater,
    async close() {
      await updater.close();
      await fetcher.close();
    },
  };
}
