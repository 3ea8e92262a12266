// Real git repositories in the tuf-on-ci layout, for pg-mirror tests and the demo. `git` is
// spawned with an argument list (never a shell), with identity and signing settings passed
// on the command line so the user's global configuration cannot change the result.

import { execFile } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { GitError, generateSigner, type KeyAlgorithm, type Signer } from '../core/index.js';
import { RepositorySimulator } from './simulator.js';
import { safeJoin, writeStaticTree } from './static-tree.js';

export interface GitIdentity {
  readonly name: string;
  readonly email: string;
}

export interface CommitOptions {
  readonly author?: GitIdentity;
  /** Author and committer date (default: now). */
  readonly date?: Date;
  /** Delete tracked files that are not in `files` (default true: the commit is exactly `files`). */
  readonly replace?: boolean;
}

export interface WriteGitRepositoryOptions extends CommitOptions {
  /** The repository to write (default: createTufOnCiSimulator()). */
  readonly simulator?: RepositorySimulator;
  readonly message?: string;
}

const DEFAULT_IDENTITY: GitIdentity = {
  name: 'Repository Simulator',
  email: 'simulator@example.invalid',
};

/** Runs git in `dir`; resolves stdout, throws GitError('git-failed') with the cause. */
export function runGit(
  dir: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      [...args],
      {
        cwd: dir,
        env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', ...env },
        maxBuffer: 64 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        if (err === null) return resolve(stdout);
        reject(
          new GitError(
            'git-failed',
            `git ${args[0] ?? ''}: expected exit 0, got ${String(err.code ?? 'failure')}: ${stderr.trim().slice(0, 500)}`,
            { cause: err },
          ),
        );
      },
    );
  });
}

/** Creates `dir` (if needed) and an empty git repository on branch `main` in it. */
export async function initGitRepository(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await runGit(dir, ['init', '-q', '-b', 'main']);
}

/** Makes the work tree equal to `files` (see `replace`), commits everything, returns the commit id. */
export async function commitTree(
  dir: string,
  files: ReadonlyMap<string, Uint8Array>,
  message: string,
  options: CommitOptions = {},
): Promise<string> {
  if (options.replace ?? true) {
    const tracked = (await runGit(dir, ['ls-files', '-z'])).split('\0').filter((p) => p !== '');
    for (const path of tracked)
      if (!files.has(path)) await rm(safeJoin(dir, path), { force: true });
  }
  await writeStaticTree(dir, files);
  await runGit(dir, ['add', '-A']);
  const who = options.author ?? DEFAULT_IDENTITY;
  const env: NodeJS.ProcessEnv = {};
  if (options.date !== undefined) {
    env['GIT_AUTHOR_DATE'] = options.date.toISOString();
    env['GIT_COMMITTER_DATE'] = options.date.toISOString();
  }
  const identity = [
    '-c',
    `user.name=${who.name}`,
    '-c',
    `user.email=${who.email}`,
    '-c',
    'commit.gpgsign=false',
  ];
  await runGit(
    dir,
    [...identity, 'commit', '-q', '--allow-empty', '--no-verify', '-m', message],
    env,
  );
  return (await runGit(dir, ['rev-parse', 'HEAD'])).trim();
}

/**
 * A demo-shaped tuf-on-ci repository: offline keys with `x-tuf-on-ci-keyowner`, one online key
 * for timestamp and snapshot, expiry/signing periods, a delegated role `releases`, a few
 * artifacts, and a root rotation in its history (v1 → v2 adds a second root key).
 */
export function createTufOnCiSimulator(
  options: { readonly now?: Date; readonly keyAlgorithm?: KeyAlgorithm } = {},
): RepositorySimulator {
  const alg = options.keyAlgorithm ?? 'ecdsa-p256';
  const alice = generateSigner(alg, { 'x-tuf-on-ci-keyowner': '@alice' });
  const bob = generateSigner(alg, { 'x-tuf-on-ci-keyowner': '@bob' });
  const online = generateSigner(alg, { 'x-tuf-on-ci-online-uri': 'sim:online-key' });
  const signers: Record<'root' | 'targets' | 'timestamp' | 'snapshot', Signer[]> = {
    root: [alice],
    targets: [alice],
    timestamp: [online],
    snapshot: [online],
  };
  const sim = new RepositorySimulator({
    serializeStyle: 'python',
    keyAlgorithm: alg,
    signers,
    ...(options.now !== undefined ? { now: options.now } : {}),
  });

  const root = sim.signed('root');
  Object.assign(root, { 'x-tuf-on-ci-expiry-period': 365, 'x-tuf-on-ci-signing-period': 60 });
  const roles = root['roles'] as Record<string, Record<string, number>>;
  Object.assign(roles['timestamp'] ?? {}, {
    'x-tuf-on-ci-expiry-period': 2,
    'x-tuf-on-ci-signing-period': 1,
  });
  Object.assign(roles['snapshot'] ?? {}, {
    'x-tuf-on-ci-expiry-period': 365,
    'x-tuf-on-ci-signing-period': 60,
  });
  sim.publishRoot(); // re-publish v1 with the tuf-on-ci fields

  Object.assign(sim.signed('targets'), {
    'x-tuf-on-ci-expiry-period': 365,
    'x-tuf-on-ci-signing-period': 60,
  });
  sim.addDelegation(
    'targets',
    { name: 'releases', paths: ['releases/*', 'releases/*/*'], terminating: true },
    [bob],
  );
  Object.assign(sim.signed('releases'), {
    'x-tuf-on-ci-expiry-period': 365,
    'x-tuf-on-ci-signing-period': 60,
  });
  const text = (s: string): Uint8Array => new TextEncoder().encode(s);
  sim.addTarget(
    'targets',
    'README.txt',
    text('This repository is generated by the repository-playground simulator.\n'),
  );
  sim.addTarget('releases', 'releases/app-1.0.tar.gz', text('app 1.0 release artifact\n'));
  sim.addTarget('releases', 'releases/app-1.1.tar.gz', text('app 1.1 release artifact\n'));
  sim.publish();

  // Root rotation: v2 adds @bob as a second root key, signed by v1's key and the new ones.
  sim.addSigner('root', bob);
  sim.bumpRoot();
  return sim;
}

/** Creates a git repository in `dir` holding the simulator's tuf-on-ci layout as its first commit. */
export async function writeGitRepository(
  dir: string,
  options: WriteGitRepositoryOptions = {},
): Promise<{ simulator: RepositorySimulator; commit: string }> {
  const simulator = options.simulator ?? createTufOnCiSimulator();
  await initGitRepository(dir);
  const commit = await commitTree(
    dir,
    simulator.toGitLayout(),
    options.message ?? 'Initial repository state',
    options,
  );
  return { simulator, commit };
}
