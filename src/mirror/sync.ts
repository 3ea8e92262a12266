// `pg-mirror sync`: keeps a published tree up to date with a moving ref. Each iteration fetches
// (if the repository has a remote), resolves the ref, and builds when the commit changed. A
// build that fails verification writes nothing, so the good tree stays published.
import { setTimeout as delay } from 'node:timers/promises';
import { GitError } from '../core/index.js';
import { buildSite, type BuildOptions, type BuildReport } from './build.js';
import { GitReader } from './git-reader.js';
import { gitEnv, runGit } from './git-run.js';
import { loadState } from './state.js';

export interface SyncOptions extends Omit<BuildOptions, 'reader' | 'ref'> {
  readonly ref: string;
  /** Pause between iterations (default 60 s). */
  readonly intervalMs?: number;
  /** Stops `runSync` (after the current iteration). */
  readonly signal?: AbortSignal;
  /** Called after every iteration of `runSync`. */
  readonly onIteration?: (iteration: SyncIteration) => void;
}

export interface SyncIteration {
  readonly at: string;
  /** Remotes fetched (none when the repository has no remote). */
  readonly fetched: readonly string[];
  /** The commit the ref named, if it could be resolved. */
  readonly commit: string | null;
  /** `unchanged`: already published (or already refused); `built` / `refused`: a build ran. */
  readonly outcome: 'unchanged' | 'built' | 'refused' | 'failed';
  readonly report?: BuildReport;
  /** Operational failure of this iteration (fetch, git, file system). */
  readonly error?: unknown;
}

/** Remembers across iterations which commit was last tried, so a refused commit is not rebuilt every time. */
export interface SyncMemory {
  lastCommit?: string | undefined;
}

/** One iteration: fetch, resolve, build if the commit changed. Never throws for operational failures. */
export async function syncOnce(
  options: SyncOptions,
  memory: SyncMemory = {},
): Promise<SyncIteration> {
  const at = new Date().toISOString();
  let reader: GitReader | undefined;
  let fetched: string[] = [];
  let commit: string | null = null;
  try {
    reader = await GitReader.open(options.gitPath);
    fetched = await fetchRemotes(reader.gitDir);
    commit = await reader.resolveCommit(options.ref);
    memory.lastCommit ??= (await loadState(options.outDir, { artifacts: false })).commit;
    if (commit === memory.lastCommit) return { at, fetched, commit, outcome: 'unchanged' };
    // Build exactly the resolved commit, even if the ref moves meanwhile.
    const report = await buildSite({ ...options, ref: commit, reader });
    memory.lastCommit = commit;
    return { at, fetched, commit, outcome: report.ok ? 'built' : 'refused', report };
  } catch (error) {
    return { at, fetched, commit, outcome: 'failed', error };
  } finally {
    await reader?.close();
  }
}

/** Runs iterations every `intervalMs` until `signal` aborts. */
export async function runSync(options: SyncOptions): Promise<void> {
  const memory: SyncMemory = {};
  const interval = options.intervalMs ?? 60_000;
  while (!options.signal?.aborted) {
    const iteration = await syncOnce(options, memory);
    options.onIteration?.(iteration);
    // An abort ends the wait at once (the timer rejects); the loop condition then stops.
    await delay(interval, undefined, { signal: options.signal }).catch((err: unknown) => {
      if (options.signal?.aborted !== true) throw err;
    });
  }
}

// `git fetch` for every configured remote: no shell, argument array, no prompts.
async function fetchRemotes(gitDir: string): Promise<string[]> {
  const env = gitEnv({});
  const base = ['-c', 'core.quotepath=off', `--git-dir=${gitDir}`];
  const listed = await runGit([...base, 'remote'], { name: 'remote', cwd: gitDir, env });
  const remotes = listed.stdout
    .toString('utf8')
    .split('\n')
    .filter((r) => r !== '');
  if (remotes.length === 0) return [];
  for (const remote of remotes) {
    if (remote.startsWith('-'))
      throw new GitError(
        'git-bad-ref',
        `git remote: expected a remote name, got ${JSON.stringify(remote)}`,
      );
  }
  await runGit(
    [
      ...base,
      'fetch',
      '--quiet',
      '--no-recurse-submodules',
      '--multiple',
      '--end-of-options',
      ...remotes,
    ],
    { name: 'fetch', cwd: gitDir, env },
  );
  return remotes;
}
