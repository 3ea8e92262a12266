// `pg-download status`: what the trusted cache holds, read from disk only (no network).
import { readdir } from 'node:fs/promises';
import type { Argv } from 'yargs';
import { MetadataStore } from '../../client/index.js';
import {
  StorageError,
  TOP_LEVEL_ROLES,
  describeError,
  errnoCode,
  parseMetadata,
  type RoleType,
} from '../../core/index.js';
import { listRepos, loadRepoConfig, readDefault, repoPaths, selectRepo } from '../repo-registry.js';
import type { RepoStatus, RoleStatus, StatusResult } from '../results.js';
import type { CommandContext } from './context.js';
import { withRepo } from './repo-options.js';
import type { Select } from './select.js';

/** Registers the `status` command. */
export function statusCommand<T>(y: Argv<T>, select: Select): Argv<T> {
  return y.command(
    'status',
    'Show registered repositories: URLs, cache paths, trusted versions and expiry (offline)',
    (c) =>
      withRepo(c)
        .example('$0 status', 'every registered repository')
        .example('$0 status --repo demo --json', 'one repository, as JSON'),
    (argv) => select((ctx) => runStatus(ctx, { repo: argv.repo })),
  );
}

/** Reports the trusted cache of one repository (--repo) or of all; never touches the network. */
export async function runStatus(
  ctx: CommandContext,
  args: { repo?: string | undefined },
): Promise<StatusResult> {
  const cacheDir = ctx.options.cacheDir;
  const names =
    args.repo === undefined ? await listRepos(cacheDir) : [await selectRepo(cacheDir, args.repo)];
  const fallback = await readDefault(cacheDir);
  const defaultName =
    fallback !== undefined && names.includes(fallback)
      ? fallback
      : names.length === 1
        ? names[0]
        : undefined;
  const now = ctx.now();
  const repos: RepoStatus[] = [];
  for (const name of names) {
    const config = await loadRepoConfig(cacheDir, name);
    const paths = repoPaths(cacheDir, name);
    const store = new MetadataStore(paths.metadataDir);
    const roles: RoleStatus[] = [];
    for (const role of TOP_LEVEL_ROLES) roles.push(await roleStatus(store, role, now.getTime()));
    repos.push({
      name,
      isDefault: name === defaultName,
      metadataUrl: config.metadataUrl,
      targetsUrl: config.targetsUrl,
      metadataDir: paths.metadataDir,
      targetsDir: paths.targetsDir,
      roles,
      cachedTargets: await countFiles(paths.targetsDir),
    });
  }
  return { kind: 'status', cacheDir, checkedAt: now.toISOString(), repos };
}

// Display only: these files were verified when they were stored; a refresh verifies them again.
async function roleStatus(
  store: MetadataStore,
  role: RoleType,
  nowMs: number,
): Promise<RoleStatus> {
  try {
    const bytes = await store.read(role);
    if (bytes === undefined) return { role };
    const env = parseMetadata(bytes, role);
    return {
      role,
      version: env.signed.version,
      expires: env.signed.expires,
      expired: env.signed.expiresMs <= nowMs,
    };
  } catch (err) {
    return { role, error: describeError(err) };
  }
}

/** Stored targets: regular files, not the dot-prefixed temp files of a download in progress. */
async function countFiles(dir: string): Promise<number> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.filter((e) => e.isFile() && !e.name.startsWith('.')).length;
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return 0;
    throw new StorageError(
      'io',
      `${dir}: expected a readable target directory, got ${errnoCode(err) ?? 'an error'}`,
      { cause: err },
    );
  }
}
