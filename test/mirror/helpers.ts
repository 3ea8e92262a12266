// Shared helpers of the pg-mirror tests: temp directories, git repositories in the tuf-on-ci
// layout (through src/sim), builds, and reading the published tree.
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSite, type BuildOptions, type BuildReport } from '../../src/mirror/index.js';
import {
  RepositorySimulator,
  commitTree,
  createTufOnCiSimulator,
  writeGitRepository,
} from '../../src/sim/index.js';

/** A fresh temp directory per call; `cleanup` removes every one made. */
export function tempDirs(): { make(prefix?: string): Promise<string>; cleanup(): Promise<void> } {
  const made: string[] = [];
  return {
    async make(prefix = 'pg-mirror-') {
      const dir = await mkdtemp(join(tmpdir(), prefix));
      made.push(dir);
      return dir;
    },
    async cleanup() {
      await Promise.all(made.splice(0).map((d) => rm(d, { recursive: true, force: true })));
    },
  };
}

export interface Fixture {
  readonly git: string;
  readonly out: string;
  readonly sim: RepositorySimulator;
  /** Commits the simulator's current git layout (optionally edited) and returns the commit id. */
  commit(message: string, edit?: (files: Map<string, Uint8Array>) => void): Promise<string>;
  build(options?: Partial<BuildOptions>): Promise<BuildReport>;
  readOut(path: string): Promise<Buffer>;
}

/** A tuf-on-ci-shaped repository (root v1 -> v2, delegated role `releases`) committed once. */
export async function fixture(
  dirs: ReturnType<typeof tempDirs>,
  sim: RepositorySimulator = createTufOnCiSimulator(),
): Promise<Fixture> {
  const git = await dirs.make('pg-mirror-git-');
  const out = await dirs.make('pg-mirror-out-');
  await writeGitRepository(git, { simulator: sim });
  return {
    git,
    out,
    sim,
    async commit(message, edit) {
      const files = new Map(sim.toGitLayout());
      edit?.(files);
      return commitTree(git, files, message);
    },
    build(options = {}) {
      return buildSite({ gitPath: git, outDir: out, ...options });
    },
    readOut(path) {
      return readFile(join(out, path));
    },
  };
}

/** Problem codes and files of a report, for compact assertions. */
export function problemSummary(report: BuildReport): string[] {
  return report.problems.map((p) => `${p.code} ${p.file}`);
}

/** True if a path exists. */
export async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
