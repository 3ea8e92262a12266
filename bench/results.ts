// The shape of benchmark results (written as JSON, rendered as tables) and how a scenario's
// runs are summarized into medians.

import type { RequestCounts } from './counting-server.js';
import type { MirrorBenchResult } from './mirror-bench.js';
import type { ClientName, RunOutcome, ScenarioName, Timings } from './protocol.js';
import { median, round } from './stats.js';

/** One run: the child's outcome plus what the server counted while it ran. */
export interface RunRecord {
  readonly ok: boolean;
  readonly error?: string;
  readonly overLimit?: boolean;
  readonly timings?: Timings;
  readonly lookupUsMedian?: number;
  readonly hotLookupUsMedian?: number;
  readonly maxRssKiB?: number;
  /** Downloads whose stored bytes matched the generator's sha256. */
  readonly verifiedDownloads?: number;
  readonly requests: number;
  readonly bytes: number;
  readonly notFound: number;
  readonly requestPaths?: readonly string[];
}

export type ScenarioStatus = 'ok' | 'failed' | 'over-limit' | 'skipped';

export interface Medians {
  /** The scenario's headline figure (see headlineMs). */
  readonly ms: number;
  readonly totalMs: number;
  readonly refreshMs: number;
  readonly lookupMs: number;
  readonly downloadMs: number;
  readonly requests: number;
  readonly bytes: number;
  readonly maxRssKiB: number;
  readonly lookupUs?: number;
  readonly hotLookupUs?: number;
}

export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
  /** A required check fails the benchmark (exit 1); the others are targets to report. */
  readonly required: boolean;
}

export interface ScenarioResult {
  readonly repository: string;
  readonly scenario: ScenarioName | 'reference';
  readonly client: ClientName | 'local-read' | 'loopback-get';
  readonly status: ScenarioStatus;
  readonly error?: string;
  readonly runs: readonly RunRecord[];
  readonly median?: Medians;
  /** ours ÷ tuf-js on the headline figure; below 1 means we are faster. */
  ratioToTufJs?: number;
  readonly checks: Check[];
}

export interface RepositoryInfo {
  readonly name: string;
  readonly bins: number;
  readonly succinct: boolean;
  readonly targets: number;
  readonly generateMs: number;
  readonly targetsJsonBytes: number;
  readonly snapshotJsonBytes: number;
}

export interface BenchReport {
  readonly meta: {
    readonly date: string;
    readonly node: string;
    readonly platform: string;
    readonly cpus: number;
    readonly options: Record<string, unknown>;
    durationMs?: number;
  };
  readonly repositories: RepositoryInfo[];
  readonly scenarios: ScenarioResult[];
  mirror?: MirrorOutcome;
}

export type MirrorOutcome =
  | { readonly status: 'ok'; readonly result: MirrorBenchResult }
  | { readonly status: 'failed'; readonly error: string };

/** What "how long did it take" means per scenario: the part the scenario is about. */
export function headlineMs(scenario: ScenarioResult['scenario'], timings: Timings): number {
  if (scenario === 'warm') return timings.refreshMs;
  if (scenario === 'large' || scenario === 'reference') return timings.downloadMs;
  return timings.totalMs;
}

/** Combines a child's outcome with the server's counts for that run. */
export function toRunRecord(
  outcome: RunOutcome,
  counts: RequestCounts,
  keepPaths: boolean,
): RunRecord {
  const served = {
    requests: counts.requests,
    bytes: counts.bytes,
    notFound: counts.notFound,
    ...(keepPaths ? { requestPaths: [...counts.paths] } : {}),
  };
  if (!outcome.ok) {
    return {
      ok: false,
      error: outcome.error,
      ...(outcome.overLimit ? { overLimit: true } : {}),
      ...(outcome.maxRssKiB !== undefined ? { maxRssKiB: outcome.maxRssKiB } : {}),
      ...served,
    };
  }
  const lookupUs = median(outcome.lookupUs);
  const hotLookupUs = median(outcome.hotLookupUs);
  return {
    ok: true,
    timings: outcome.timings,
    ...(lookupUs !== undefined ? { lookupUsMedian: lookupUs } : {}),
    ...(hotLookupUs !== undefined ? { hotLookupUsMedian: hotLookupUs } : {}),
    maxRssKiB: outcome.maxRssKiB,
    verifiedDownloads: outcome.verifiedDownloads,
    ...served,
  };
}

/** Status and medians of a scenario; any failed run makes the scenario failed (never silently dropped). */
export function summarize(
  repository: string,
  scenario: ScenarioResult['scenario'],
  client: ScenarioResult['client'],
  runs: readonly RunRecord[],
): ScenarioResult {
  const failed = runs.find((run) => !run.ok);
  const status: ScenarioStatus = failed
    ? failed.overLimit
      ? 'over-limit'
      : 'failed'
    : runs.length === 0
      ? 'skipped'
      : 'ok';
  const good = runs.filter((run) => run.ok && run.timings !== undefined);
  const base = {
    repository,
    scenario,
    client,
    status,
    runs,
    checks: [] as Check[],
    ...(failed?.error ? { error: failed.error } : {}),
  };
  if (status !== 'ok' || good.length === 0) return base;
  const pick = (f: (run: RunRecord) => number | undefined): number | undefined =>
    median(good.map(f).filter((x): x is number => x !== undefined));
  const timing = (key: keyof Timings) => pick((run) => run.timings?.[key]) ?? 0;
  const lookupUs = pick((run) => run.lookupUsMedian);
  const hotLookupUs = pick((run) => run.hotLookupUsMedian);
  const medians: Medians = {
    ms:
      round(pick((run) => (run.timings ? headlineMs(scenario, run.timings) : undefined)) ?? 0, 3) ??
      0,
    totalMs: round(timing('totalMs'), 3) ?? 0,
    refreshMs: round(timing('refreshMs'), 3) ?? 0,
    lookupMs: round(timing('lookupMs'), 3) ?? 0,
    downloadMs: round(timing('downloadMs'), 3) ?? 0,
    requests: pick((run) => run.requests) ?? 0,
    bytes: pick((run) => run.bytes) ?? 0,
    maxRssKiB: pick((run) => run.maxRssKiB) ?? 0,
    ...(lookupUs !== undefined ? { lookupUs: round(lookupUs, 1) ?? 0 } : {}),
    ...(hotLookupUs !== undefined ? { hotLookupUs: round(hotLookupUs, 1) ?? 0 } : {}),
  };
  return { ...base, median: medians };
}
