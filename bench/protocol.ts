// Messages between the benchmark parent and its runner children (bench/runner.ts). A job is
// sent over the IPC channel once; the child answers with one result and exits.

export type ClientName = 'ours' | 'tuf-js';
export const CLIENT_NAMES: readonly ClientName[] = ['ours', 'tuf-js'];

export type ScenarioName = 'cold' | 'warm' | 'warm-changed' | 'large';

/** A target the child downloads, with the digest the generator produced (not the metadata's). */
export interface ExpectedTarget {
  readonly path: string;
  readonly length: number;
  readonly sha256: string;
}

export interface ClientJob {
  readonly kind: 'client';
  readonly client: ClientName;
  readonly scenario: ScenarioName;
  readonly metadataBaseUrl: string;
  readonly targetBaseUrl: string;
  /** Prepared by the parent: a trusted root.json (cold) or a copy of a warm cache. */
  readonly metadataDir: string;
  /** Exists and is empty. */
  readonly targetDir: string;
  /** Target paths looked up after the refresh (in order); each must be found. */
  readonly lookups: readonly string[];
  /** Looked-up targets then downloaded (in order) and checked against `sha256`. */
  readonly downloads: readonly ExpectedTarget[];
  /** Look every path up a second time (role metadata already in memory). */
  readonly hotLookups: boolean;
}

/** The local reference for the large target: read a file from disk and sha256 it. */
export interface ReferenceJob {
  readonly kind: 'reference';
  readonly file: string;
  readonly sha256: string;
}

/** The floor set by the server and loopback: GET the large target and discard it (no hash, no disk). */
export interface TransferJob {
  readonly kind: 'transfer';
  readonly url: string;
  readonly length: number;
}

export type Job = ClientJob | ReferenceJob | TransferJob;

/** Wall-clock phases of one run, in milliseconds. */
export interface Timings {
  /** Loading the client module (not part of `totalMs`). */
  readonly importMs: number;
  readonly refreshMs: number;
  readonly lookupMs: number;
  readonly downloadMs: number;
  /** Everything after the import: construction, refresh, lookups, downloads. */
  readonly totalMs: number;
}

export interface RunSuccess {
  readonly ok: true;
  readonly timings: Timings;
  /** Per lookup, microseconds, in job order (first lookups: may fetch role metadata). */
  readonly lookupUs: readonly number[];
  /** Second pass over the same paths, microseconds; empty unless `hotLookups`. */
  readonly hotLookupUs: readonly number[];
  /** Downloads whose stored bytes had the expected sha256. */
  readonly verifiedDownloads: number;
  /** Peak RSS of the child, KiB (VmHWM on Linux, else process.resourceUsage().maxRSS). */
  readonly maxRssKiB: number;
}

export interface RunFailure {
  readonly ok: false;
  readonly error: string;
  /** The run was killed at the time limit (reported, never dropped). */
  readonly overLimit?: true;
  readonly maxRssKiB?: number;
}

export type RunOutcome = RunSuccess | RunFailure;

/** True if a value received over IPC has the shape of a job (the parent is trusted; this catches bugs). */
export function isJob(value: unknown): value is Job {
  if (typeof value !== 'object' || value === null) return false;
  const kind = (value as { kind?: unknown }).kind;
  return kind === 'client' || kind === 'reference' || kind === 'transfer';
}
