// `pg-download get TARGET...`: refresh, look up, download and verify, deliver.
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Argv } from 'yargs';
import { mapConcurrent, type TargetLookup } from '../../client/index.js';
import { StorageError, UsageError, errnoCode } from '../../core/index.js';
import { copyVerified, outputPathFor, streamVerified } from '../copy-verified.js';
import type { GetEntry, GetResult } from '../results.js';
import { openRepository, type CommandContext } from './context.js';
import { RoleTrace, lookupTarget, toChain } from './lookup.js';
import { withOffline, withRepo } from './repo-options.js';
import type { Select } from './select.js';

/** Lookups in flight at once (each may fetch one delegated role). */
const LOOKUP_CONCURRENCY = 8;
/** Artifact downloads in flight at once. */
const DOWNLOAD_CONCURRENCY = 4;

export interface GetArgs {
  readonly targets: readonly string[];
  readonly repo?: string | undefined;
  /** A directory, `-` for stdout, or undefined to leave the file in the cache only. */
  readonly output?: string | undefined;
  readonly offline: boolean;
}

/** Registers the `get` command. */
export function getCommand<T>(y: Argv<T>, select: Select): Argv<T> {
  return y.command(
    'get <targets..>',
    'Download and verify targets (artifacts) through the TUF metadata',
    (c) =>
      withOffline(withRepo(c))
        .positional('targets', {
          type: 'string',
          array: true,
          demandOption: true,
          describe: 'Target paths as listed in the metadata',
        })
        .option('output', {
          alias: 'o',
          type: 'string',
          describe: 'Directory to copy each target into (under its basename), or "-" for stdout',
        })
        .example(
          '$0 get releases/tool-1.2.tgz -o ./downloads',
          'verified copy in ./downloads/tool-1.2.tgz',
        )
        .example(
          '$0 get releases/tool-1.2.tgz -o - | tar xz',
          'stream one verified target to stdout',
        )
        .example('$0 get --offline releases/tool-1.2.tgz', 'reuse the trusted cache, no network'),
    (argv) =>
      select((ctx) =>
        runGet(ctx, {
          targets: argv.targets.map(String),
          repo: argv.repo,
          output: argv.output,
          offline: argv.offline,
        }),
      ),
  );
}

/** Every delivered file has been verified against the trusted metadata; failures leave nothing in -o DIR. */
export async function runGet(ctx: CommandContext, args: GetArgs): Promise<GetResult> {
  const toStdout = args.output === '-';
  if (toStdout && args.targets.length !== 1) {
    throw new UsageError(
      'invalid-argument',
      `-o -: expected exactly one TARGET, got ${args.targets.length}`,
    );
  }
  if (toStdout && ctx.options.json) {
    throw new UsageError(
      'invalid-argument',
      '-o -: expected text output (stdout carries the artifact), got --json',
    );
  }
  const outDir =
    args.output === undefined || toStdout ? undefined : resolve(ctx.io.cwd, args.output);
  // Destinations are decided before any download: a hostile or clashing name fails early.
  const destinations = outDir === undefined ? undefined : planDestinations(outDir, args.targets);
  if (outDir !== undefined) await makeDir(outDir);

  const trace = new RoleTrace();
  const repo = await openRepository(ctx, args.repo, {
    offline: args.offline,
    onEvent: trace.onEvent,
  });
  let entries: GetEntry[];
  try {
    // Lookups and downloads of independent targets overlap (bounded); results keep TARGET order.
    const found = await mapConcurrent(args.targets, LOOKUP_CONCURRENCY, (targetPath) =>
      repo.updater.getTargetInfo(targetPath),
    );
    const lookups: TargetLookup[] = [];
    for (const [index, lookup] of found.entries()) {
      // Not found: search again, alone (roles are cached now), so the error lists what was searched.
      lookups.push(lookup ?? (await lookupTarget(repo.updater, args.targets[index] ?? '', trace)));
    }
    entries = await mapConcurrent(lookups, DOWNLOAD_CONCURRENCY, async (lookup, index) => {
      const targetPath = lookup.path;
      let stored = await repo.updater.findCachedTarget(lookup);
      const cached = stored !== undefined;
      if (stored === undefined) {
        const result = await repo.updater.downloadTarget(lookup, undefined, {
          onProgress: (received, total) => ctx.progress.update(targetPath, received, total),
        });
        stored = result.path;
      }
      let path = stored;
      const dest = destinations?.[index];
      if (dest !== undefined) {
        await copyVerified(stored, dest, lookup.target);
        path = dest;
      } else if (toStdout) {
        await streamVerified(stored, ctx.io.stdout, lookup.target);
        path = '-';
      }
      return {
        target: targetPath,
        path,
        length: lookup.target.length,
        hashes: lookup.target.hashes,
        cached,
        chain: toChain(lookup),
      };
    });
  } finally {
    ctx.progress.done();
    await repo.close();
  }
  return { kind: 'get', entries, toStdout };
}

function planDestinations(outDir: string, targets: readonly string[]): string[] {
  const seen = new Map<string, string>();
  return targets.map((target) => {
    const dest = outputPathFor(outDir, target);
    const previous = seen.get(dest);
    if (previous !== undefined && previous !== target) {
      throw new UsageError(
        'invalid-argument',
        `${target}: expected a basename unique among the TARGETs, got the same as ${previous} (${dest})`,
      );
    }
    seen.set(dest, target);
    return dest;
  });
}

async function makeDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    throw new StorageError(
      'io',
      `-o ${dir}: expected a writable directory, got ${errnoCode(err) ?? 'an error'}`,
      { cause: err },
    );
  }
}
