// Scenarios (a)–(c) on one generated repository, for every client: cold refresh + lookups +
// downloads, warm refresh with no change, warm refresh after one bin changed + lookup. Every run
// is a fresh child; the server (this process) counts what each run requested.

import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runInChild, type RunnerCommand } from './child.js';
import type { CountingServer } from './counting-server.js';
import type { BenchOptions } from './options.js';
import { runsFor } from './options.js';
import type { ClientJob, ClientName, ScenarioName } from './protocol.js';
import type { ServedRepository } from './repositories.js';
import {
  summarize,
  toRunRecord,
  type BenchReport,
  type RunRecord,
  type ScenarioResult,
} from './results.js';
import { formatMs } from './stats.js';

export interface BenchContext {
  readonly options: BenchOptions;
  readonly runner: RunnerCommand;
  /** Scratch space for run directories and warm caches; removed by the caller. */
  readonly workDir: string;
  readonly log: (line: string) => void;
  readonly report: BenchReport;
}

let runCounter = 0;

/** Runs scenarios (a), (b) and (c) for every selected client; results go into the report. */
export async function benchRepository(ctx: BenchContext, served: ServedRepository): Promise<void> {
  const { spec, repo, expected } = served;
  const clients = ctx.options.clients;
  const warmCache = new Map<ClientName, string>();
  const results: ScenarioResult[] = [];

  for (const client of clients) {
    const count = runsFor(ctx.options, client, spec.big);
    const runs = await repeat(
      ctx,
      served,
      client,
      'cold',
      count,
      async (dirs) => {
        await writeFile(join(dirs.metadataDir, 'root.json'), repo.rootBytes);
        return { lookups: expected.map((t) => t.path), downloads: expected, hotLookups: true };
      },
      async (dirs, record) => {
        // The first good cold run's cache becomes the starting point of every warm run.
        if (record.ok && !warmCache.has(client)) {
          const template = join(ctx.workDir, `warm-${client}-${runCounter}`);
          await cp(dirs.metadataDir, template, { recursive: true });
          warmCache.set(client, template);
        }
      },
    );
    results.push(summarize(spec.name, 'cold', client, runs));
  }

  for (const client of clients) {
    const runs = await repeatWarm(ctx, served, client, 'warm', warmCache.get(client), []);
    const result = summarize(spec.name, 'warm', client, runs);
    if (client === 'ours' && runs.length > 0) {
      // The requirement: an unchanged repository costs the next-root probe and the timestamp.
      const want = ['metadata/2.root.json', 'metadata/timestamp.json'];
      const bad = runs.find(
        (run) => run.ok && (run.requestPaths ?? []).join(' ') !== want.join(' '),
      );
      result.checks.push({
        name: 'warm refresh makes exactly two requests (next root → 404, timestamp)',
        ok: bad === undefined && result.status === 'ok',
        detail: bad
          ? `got ${bad.requests}: ${(bad.requestPaths ?? []).join(', ')}`
          : `got ${result.median?.requests ?? '-'}`,
        required: true,
      });
    }
    results.push(result);
  }

  // One bin changes: the lookup target is the first cold-scenario path, so the warm cache holds
  // the bin's previous version and the client must notice and fetch the new one.
  const changedPath = expected[0]?.path;
  if (changedPath !== undefined) {
    const changed = repo.changeOneBin(repo.layout.binOf(changedPath));
    repo.binBytes(changed.bin);
    ctx.log(`  changed ${changed.name} to version ${changed.version}`);
    for (const client of clients) {
      const runs = await repeatWarm(ctx, served, client, 'warm-changed', warmCache.get(client), [
        changedPath,
      ]);
      const result = summarize(spec.name, 'warm-changed', client, runs);
      if (client === 'ours' && result.status === 'ok') {
        const worst = Math.max(...runs.map((run) => run.requests));
        result.checks.push({
          name: 'warm refresh after one bin changed fetches only root probe, timestamp, snapshot and that bin',
          ok: worst === 4,
          detail: `got ${worst} requests`,
          required: false,
        });
      }
      results.push(result);
    }
  }

  setRatios(results);
  ctx.report.scenarios.push(...results);
  for (const dir of warmCache.values()) await rm(dir, { recursive: true, force: true });
}

/** ours ÷ tuf-js per scenario of one repository, on the headline figure. */
export function setRatios(results: readonly ScenarioResult[]): void {
  for (const ours of results) {
    if (ours.client !== 'ours' || ours.median === undefined) continue;
    const theirs = results.find(
      (r) =>
        r.client === 'tuf-js' && r.scenario === ours.scenario && r.repository === ours.repository,
    );
    if (theirs?.median !== undefined && theirs.median.ms > 0)
      ours.ratioToTufJs = ours.median.ms / theirs.median.ms;
  }
}

export interface RunDirs {
  readonly metadataDir: string;
  readonly targetDir: string;
}

export type JobParts = Pick<ClientJob, 'lookups' | 'downloads' | 'hotLookups'>;

function repeatWarm(
  ctx: BenchContext,
  served: ServedRepository,
  client: ClientName,
  scenario: ScenarioName,
  template: string | undefined,
  lookups: readonly string[],
): Promise<RunRecord[]> {
  if (template === undefined) {
    ctx.log(`  ${scenario} ${client}: skipped (no warm cache: the cold run did not succeed)`);
    return Promise.resolve([]);
  }
  return repeat(
    ctx,
    served,
    client,
    scenario,
    runsFor(ctx.options, client, served.spec.big),
    async (dirs) => {
      await cp(template, dirs.metadataDir, { recursive: true });
      return { lookups, downloads: [], hotLookups: false };
    },
  );
}

/**
 * Runs a scenario `count` times, each in fresh directories and a fresh child; stops at the first
 * failure or time-out (the rest would fail the same way and only cost time).
 */
export async function repeat(
  ctx: BenchContext,
  served: ServedRepository,
  client: ClientName,
  scenario: ScenarioName,
  count: number,
  prepare: (dirs: RunDirs) => Promise<JobParts>,
  after?: (dirs: RunDirs, record: RunRecord) => Promise<void>,
): Promise<RunRecord[]> {
  const records: RunRecord[] = [];
  for (let i = 0; i < count; i++) {
    const root = join(ctx.workDir, `run-${++runCounter}`);
    const dirs = { metadataDir: join(root, 'metadata'), targetDir: join(root, 'targets') };
    await mkdir(dirs.targetDir, { recursive: true });
    await mkdir(dirs.metadataDir, { recursive: true });
    try {
      const parts = await prepare(dirs);
      const job: ClientJob = {
        kind: 'client',
        client,
        scenario,
        metadataBaseUrl: served.server.metadataUrl,
        targetBaseUrl: served.server.targetsUrl,
        ...dirs,
        ...parts,
      };
      const record = await runRecorded(ctx, served.server, job);
      records.push(record);
      ctx.log(
        `  ${scenario.padEnd(12)} ${client.padEnd(6)} run ${i + 1}/${count}: ${describeRun(record)}`,
      );
      await after?.(dirs, record);
      if (!record.ok) break;
      // A baseline run that takes a tenth of the limit makes this a "big" input: one run is enough.
      if (client === 'tuf-js' && (record.timings?.totalMs ?? 0) > ctx.options.limitMs / 10) break;
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }
  return records;
}

/** One child run with the server's counts for exactly that run. */
export async function runRecorded(
  ctx: BenchContext,
  server: CountingServer,
  job: ClientJob,
): Promise<RunRecord> {
  server.reset();
  const outcome = await runInChild(job, ctx.options.limitMs, ctx.runner);
  return toRunRecord(outcome, server.counts(), job.scenario !== 'cold' && job.scenario !== 'large');
}

export function describeRun(record: RunRecord): string {
  if (!record.ok)
    return record.overLimit ? (record.error ?? 'over the limit') : `FAILED: ${record.error ?? '?'}`;
  const t = record.timings;
  return `${formatMs(t?.totalMs)} ms (refresh ${formatMs(t?.refreshMs)}, lookups ${formatMs(t?.lookupMs)}, downloads ${formatMs(t?.downloadMs)}), ${record.requests} requests`;
}
