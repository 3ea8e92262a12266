// What every pg-mirror command handler receives. Long-running commands (serve, sync) stop when
// `signal` aborts: `main` wires it to SIGINT/SIGTERM, tests abort it themselves.
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FileFetcher } from '../../client/index.js';
import { DEFAULT_LIMITS, DownloadError, UsageError, describeError } from '../../core/index.js';
import type { ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';

export interface MirrorIo extends CliIo {
  readonly signal?: AbortSignal;
}

export interface MirrorGlobals {
  readonly json: boolean;
  readonly quiet: boolean;
}

export type MirrorRun = (io: MirrorIo, globals: MirrorGlobals) => Promise<ExitCode>;
export type MirrorSelect = (run: MirrorRun) => void;

/** A path argument resolved against the invocation's working directory. */
export function resolvePath(io: CliIo, path: string): string {
  return isAbsolute(path) ? path : resolve(io.cwd, path);
}

/** `--time`: an ISO 8601 date-time; anything else is a usage error. */
export function parseTime(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const ms = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)?$/.test(
    value,
  )
    ? Date.parse(value)
    : NaN;
  if (Number.isNaN(ms))
    throw new UsageError(
      'invalid-argument',
      `--time: expected an ISO 8601 date-time (e.g. 2025-01-31T12:00:00Z), got ${JSON.stringify(value)}`,
    );
  return new Date(ms);
}

/** `--root FILE`: the pinned root's bytes. */
export async function readRootFile(
  io: CliIo,
  path: string | undefined,
): Promise<Uint8Array | undefined> {
  if (path === undefined) return undefined;
  const abs = resolvePath(io, path);
  try {
    // Read through the client's file fetcher: the same length cap as any root (TUF 5.2).
    const fetcher = new FileFetcher();
    return await fetcher.fetchBytes(pathToFileURL(abs).href, { maxLength: DEFAULT_LIMITS.root });
  } catch (err) {
    if (err instanceof DownloadError && err.code === 'too-large') throw err;
    throw new UsageError(
      'invalid-argument',
      `--root ${abs}: expected a readable file, got ${describeError(err)}`,
      { cause: err },
    );
  }
}

/** Resolves when `signal` aborts (never, without a signal). */
export function untilAborted(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((done) => {
    if (!signal) return;
    if (signal.aborted) return done();
    signal.addEventListener('abort', () => done(), { once: true });
  });
}
