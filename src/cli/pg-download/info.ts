// `pg-download info TARGET...`: what the trusted metadata says about targets; no artifact download.
import type { Argv } from 'yargs';
import type { InfoEntry, InfoResult } from '../results.js';
import { openRepository, type CommandContext } from './context.js';
import { RoleTrace, lookupTarget, toChain } from './lookup.js';
import { withOffline, withRepo } from './repo-options.js';
import type { Select } from './select.js';

/** Registers the `info` command. */
export function infoCommand<T>(y: Argv<T>, select: Select): Argv<T> {
  return y.command(
    'info <targets..>',
    'Show length, hashes, custom data and the delegation chain of targets (no artifact download)',
    (c) =>
      withOffline(withRepo(c))
        .positional('targets', {
          type: 'string',
          array: true,
          demandOption: true,
          describe: 'Target paths as listed in the metadata',
        })
        .example('$0 info releases/tool-1.2.tgz', 'which roles vouch for this file, and its hashes')
        .example('$0 info --json releases/tool-1.2.tgz', 'the same as JSON'),
    (argv) =>
      select((ctx) =>
        runInfo(ctx, { targets: argv.targets.map(String), repo: argv.repo, offline: argv.offline }),
      ),
  );
}

/** Looks every target up through the delegations (TUF 5.6.7); not found → TrustError. */
export async function runInfo(
  ctx: CommandContext,
  args: { targets: readonly string[]; repo?: string | undefined; offline: boolean },
): Promise<InfoResult> {
  const trace = new RoleTrace();
  const repo = await openRepository(ctx, args.repo, {
    offline: args.offline,
    onEvent: trace.onEvent,
  });
  const entries: InfoEntry[] = [];
  try {
    for (const targetPath of args.targets) {
      const lookup = await lookupTarget(repo.updater, targetPath, trace);
      entries.push({
        target: targetPath,
        length: lookup.target.length,
        hashes: lookup.target.hashes,
        custom: lookup.target.custom ?? null,
        chain: toChain(lookup),
      });
    }
  } finally {
    await repo.close();
  }
  return { kind: 'info', entries };
}
