// Options shared by the commands that work on one registered repository.
import type { Argv } from 'yargs';

/** Adds `--repo NAME`. */
export function withRepo<T>(y: Argv<T>): Argv<T & { repo: string | undefined }> {
  return y.option('repo', {
    type: 'string',
    describe: 'Registered repository to use [default: the first one registered]',
  });
}

/** Adds `--offline`. */
export function withOffline<T>(y: Argv<T>): Argv<T & { offline: boolean }> {
  return y.option('offline', {
    type: 'boolean',
    default: false,
    describe: 'Use only the trusted metadata cache (no network); fails if it is missing or expired',
  });
}
