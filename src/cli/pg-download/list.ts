// `pg-download list`: every target path of a (small) repository, walking all delegations.
import type { Argv } from 'yargs';
import { UsageError } from '../../core/index.js';
import type { ListResult } from '../results.js';
import { openRepository, type CommandContext } from './context.js';
import { withOffline, withRepo } from './repo-options.js';
import type { Select } from './select.js';

/** Registers the `list` command. */
export function listCommand<T>(y: Argv<T>, select: Select): Argv<T> {
  return y.command(
    'list',
    'List all target paths with their length (walks every delegated role: for small repositories)',
    (c) =>
      withOffline(withRepo(c))
        .option('max-roles', {
          type: 'number',
          default: 1000,
          describe: 'Fail instead of fetching more than this many roles',
        })
        .example('$0 list', 'every target of the default repository')
        .example(
          '$0 list --json --max-roles 50',
          'as JSON, refusing repositories with more than 50 roles',
        ),
    (argv) =>
      select((ctx) =>
        runList(ctx, { repo: argv.repo, offline: argv.offline, maxRoles: argv['max-roles'] }),
      ),
  );
}

/** Lists targets; TrustError('delegation-limit') when the repository has more roles than allowed. */
export async function runList(
  ctx: CommandContext,
  args: { repo?: string | undefined; offline: boolean; maxRoles: number },
): Promise<ListResult> {
  if (!Number.isSafeInteger(args.maxRoles) || args.maxRoles < 1) {
    throw new UsageError(
      'invalid-argument',
      `--max-roles: expected a positive integer, got ${args.maxRoles}`,
    );
  }
  const repo = await openRepository(ctx, args.repo, { offline: args.offline });
  try {
    const listed = await repo.updater.listTargets({ maxRoles: args.maxRoles });
    return {
      kind: 'list',
      repo: repo.name,
      targets: listed.map((t) => ({ path: t.path, length: t.target.length, role: t.role })),
    };
  } finally {
    await repo.close();
  }
}
