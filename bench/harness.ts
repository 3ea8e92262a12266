// Drives a whole benchmark: generate and serve each repository in turn, run the scenarios for
// every client, the large-target scenario on the small repository, then the pg-mirror benchmark.

import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { RunnerCommand } from './child.js';
import { benchLargeTarget } from './large.js';
import type { BenchOptions } from './options.js';
import type { BenchReport, MirrorOutcome } from './results.js';
import { serveRepository, type RepositorySpec } from './repositories.js';
import { benchRepository, type BenchContext } from './scenarios.js';

/** Bins of the small repository (16 bins × targets-per-bin targets). */
const SMALL_BINS = 16;
/** From this size on tuf-js gets one run per scenario by default. */
const BIG_BINS = 16_384;

export interface HarnessIo {
  readonly runner: RunnerCommand;
  /** Progress lines (stderr in the CLI). */
  readonly log: (line: string) => void;
}

/** The repositories a run covers, in order: the small one, then traditional and succinct per bin count. */
export function repositorySpecs(options: BenchOptions): RepositorySpec[] {
  const specs: RepositorySpec[] = [
    { name: `small: ${SMALL_BINS} bins`, bins: SMALL_BINS, succinct: false, big: false },
  ];
  for (const bins of options.bins) {
    for (const succinct of [false, true]) {
      specs.push({
        name: `${succinct ? 'succinct' : 'traditional'} ${bins} bins`,
        bins,
        succinct,
        big: bins >= BIG_BINS,
      });
    }
  }
  return specs;
}

/** Runs everything the options select; never throws for a failing client (that is a result). */
export async function runBench(options: BenchOptions, io: HarnessIo): Promise<BenchReport> {
  const started = performance.now();
  const report: BenchReport = {
    meta: {
      date: new Date().toISOString(),
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      cpus: availableParallelism(),
      options: { ...options, clients: [...options.clients], bins: [...options.bins] },
    },
    repositories: [],
    scenarios: [],
  };
  const workDir = await mkdtemp(join(tmpdir(), 'pg-bench-'));
  const ctx: BenchContext = { options, runner: io.runner, workDir, log: io.log, report };
  try {
    for (const spec of repositorySpecs(options)) {
      const served = await serveRepository(ctx, spec);
      try {
        await benchRepository(ctx, served);
        if (spec.bins === SMALL_BINS && !options.skipLarge) await benchLargeTarget(ctx, served);
      } finally {
        await served.server.close();
      }
    }
    if (!options.skipMirror) report.mirror = await runMirror(ctx);
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
  report.meta.durationMs = Math.round(performance.now() - started);
  return report;
}

/** True when every run of our client succeeded, every required check passed and pg-mirror built. */
export function benchPassed(report: BenchReport): boolean {
  if (report.mirror?.status === 'failed') return false;
  return report.scenarios.every(
    (r) =>
      (r.client !== 'ours' || r.status === 'ok' || r.status === 'skipped') &&
      r.checks.every((c) => c.ok || !c.required),
  );
}

// The pg-mirror benchmark (bench/mirror-bench.ts, loaded only when it runs). A failed build is
// a failure of ours and is reported as such.
async function runMirror(ctx: BenchContext): Promise<MirrorOutcome> {
  ctx.log('pg-mirror benchmark …');
  try {
    const { runMirrorBench } = await import('./mirror-bench.js');
    const result = await runMirrorBench({
      log: ctx.log,
      workDir: ctx.workDir,
      quick: ctx.options.quick,
    });
    return { status: 'ok', result };
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    ctx.log(`pg-mirror benchmark FAILED: ${error}`);
    return { status: 'failed', error };
  }
}
