// `pg-download refresh`: updates the trusted metadata (TUF 5.3-5.5) and prints its versions.
import type { Argv } from 'yargs';
import type { RefreshOutput } from '../results.js';
import { openRepository, type CommandContext } from './context.js';
import { withOffline, withRepo } from './repo-options.js';
import type { Select } from './select.js';

/** Registers the `refresh` command. */
export function refreshCommand<T>(y: Argv<T>, select: Select): Argv<T> {
  return y.command(
    'refresh',
    'Update the trusted metadata (root, timestamp, snapshot, targets) and print the trusted versions',
    (c) =>
      withOffline(withRepo(c))
        .example('$0 refresh', 'update the default repository')
        .example(
          '$0 refresh --repo demo --offline',
          'check that the cached metadata is still valid, without network',
        ),
    (argv) => select((ctx) => runRefresh(ctx, { repo: argv.repo, offline: argv.offline })),
  );
}

/** Refreshes the selected repository; any verification failure propagates as a TrustError/FormatError. */
export async function runRefresh(
  ctx: CommandContext,
  args: { repo?: string | undefined; offline: boolean },
): Promise<RefreshOutput> {
  const repo = await openRepository(ctx, args.repo, { offline: args.offline });
  try {
    const result = await repo.updater.refresh();
    return {
      kind: 'refresh',
      repo: repo.name,
      referenceTime: result.referenceTime.toISOString(),
      versions: { ...result.versions },
    };
  } finally {
    await repo.close();
  }
}
