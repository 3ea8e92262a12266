// The generated repositories a benchmark runs on, served on loopback, with the target paths
// every client looks up and their digests as the generator made them.

import { performance } from 'node:perf_hooks';
import { generateHashBinRepository, type HashBinRepository } from '../src/sim/index.js';
import { startCountingServer, type CountingServer } from './counting-server.js';
import type { ExpectedTarget } from './protocol.js';
import type { BenchContext } from './scenarios.js';
import { formatMs } from './stats.js';

export interface RepositorySpec {
  readonly name: string;
  readonly bins: number;
  readonly succinct: boolean;
  /** tuf-js takes minutes here: one run by default. */
  readonly big: boolean;
}

/** A generated repository being served, with the targets every client looks up. */
export interface ServedRepository {
  readonly spec: RepositorySpec;
  readonly repo: HashBinRepository;
  readonly server: CountingServer;
  /** The cold scenario's lookups, with sha256 digests from the generator (not from metadata). */
  readonly expected: readonly ExpectedTarget[];
}

/** Generates the repository and starts serving it; the caller closes `server`. */
export async function serveRepository(
  ctx: BenchContext,
  spec: RepositorySpec,
): Promise<ServedRepository> {
  ctx.log(`generating ${spec.name} …`);
  const start = performance.now();
  const repo = generateHashBinRepository({
    bins: spec.bins,
    targetsPerBin: ctx.options.targetsPerBin,
    succinct: spec.succinct,
    seed: 'pg-bench',
  });
  const generateMs = performance.now() - start;
  const stats = repo.stats();
  ctx.report.repositories.push({
    name: spec.name,
    bins: spec.bins,
    succinct: spec.succinct,
    targets: spec.bins * ctx.options.targetsPerBin,
    generateMs: Math.round(generateMs),
    targetsJsonBytes: stats.targetsBytes,
    snapshotJsonBytes: stats.snapshotBytes,
  });
  ctx.log(
    `  generated in ${formatMs(generateMs)} ms (targets.json ${stats.targetsBytes} B, snapshot ${stats.snapshotBytes} B)`,
  );
  const paths = [...new Set(repo.targetPaths(ctx.options.lookups))];
  const expected = paths.map((path): ExpectedTarget => {
    const target = repo.layout.findTarget(path);
    if (target === undefined)
      throw new RangeError(`${path}: expected a generated target, got none`);
    return { path, length: target.length, sha256: repo.layout.sha256(target) };
  });
  const server = await startCountingServer(repo);
  await warmUp(server, repo, expected);
  return { spec, repo, server, expected };
}

// Bins are signed lazily on first request and the server's code is cold: fetch everything the
// scenarios use once, so the first measured client does not pay for the server.
async function warmUp(
  server: CountingServer,
  repo: HashBinRepository,
  expected: readonly ExpectedTarget[],
): Promise<void> {
  const paths = [
    'metadata/1.root.json',
    'metadata/timestamp.json',
    'metadata/1.snapshot.json',
    'metadata/1.targets.json',
  ];
  for (const target of expected) {
    const bin = repo.layout.binOf(target.path);
    paths.push(`metadata/${repo.binVersion(bin)}.${repo.binName(bin)}.json`);
    const cut = target.path.lastIndexOf('/');
    paths.push(
      `targets/${target.path.slice(0, cut + 1)}${target.sha256}.${target.path.slice(cut + 1)}`,
    );
  }
  for (const path of paths) {
    const response = await fetch(`${server.url}${path}`);
    await response.arrayBuffer();
    if (response.status !== 200)
      throw new RangeError(
        `${path}: expected the generated repository to serve it, got HTTP ${response.status}`,
      );
  }
  server.reset();
}
