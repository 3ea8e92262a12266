// Command-line options of `npm run bench` (parsed with node:util parseArgs, strict).

import { parseArgs } from 'node:util';
import { UsageError } from '../src/core/index.js';
import { CLIENT_NAMES, type ClientName } from './protocol.js';

export interface BenchOptions {
  readonly quick: boolean;
  /** Clients to run (`--only`). */
  readonly clients: readonly ClientName[];
  /** PEP 458 bin counts; each runs as a traditional and a succinct repository. */
  readonly bins: readonly number[];
  /** Runs per scenario for every client; undefined: the defaults (see runsFor). */
  readonly runs: number | undefined;
  /** Print the JSON document on stdout instead of the table. */
  readonly json: boolean;
  readonly skipMirror: boolean;
  readonly skipLarge: boolean;
  /** Wall-clock limit of one run, milliseconds (`--baseline-limit` seconds). */
  readonly limitMs: number;
  /** Where the JSON results are written. */
  readonly out: string;
  /** Size of the large target in MiB (100; smaller only to test the harness). */
  readonly largeMiB: number;
  readonly targetsPerBin: number;
  /** Targets looked up and downloaded in the cold scenario. */
  readonly lookups: number;
}

export const USAGE = `Usage: npm run bench -- [options]

  --quick               small repository and 1,024 bins only, 1 run each (CI smoke)
  --only ours|tuf-js    run one client only
  --bins 1024,4096      PEP 458 bin counts (powers of two; default 1024,4096,16384)
  --runs N              runs per scenario for every client (default: ours 5, tuf-js 3,
                        tuf-js 1 at 16,384 bins and for the large target)
  --json                print the JSON results on stdout instead of the table
  --out FILE            JSON results file (default bench-results.json)
  --skip-mirror         do not run the pg-mirror benchmark
  --skip-large          do not run the 100 MiB target scenario
  --baseline-limit S    wall-clock limit of one run in seconds (default 120)
  --large-mib N         size of the large target in MiB (default 100)
  --targets-per-bin N   targets listed by each bin (default 139)
  --lookups N           targets looked up and downloaded in the cold scenario (default 50)
  --help                this text`;

const DEFAULT_BINS = [1024, 4096, 16384];

/** Parses argv (without node and script); throws UsageError on anything unknown or malformed. */
export function parseBenchOptions(argv: readonly string[]): BenchOptions | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        quick: { type: 'boolean', default: false },
        only: { type: 'string' },
        bins: { type: 'string' },
        runs: { type: 'string' },
        json: { type: 'boolean', default: false },
        out: { type: 'string', default: 'bench-results.json' },
        'skip-mirror': { type: 'boolean', default: false },
        'skip-large': { type: 'boolean', default: false },
        'baseline-limit': { type: 'string', default: '120' },
        'large-mib': { type: 'string', default: '100' },
        'targets-per-bin': { type: 'string', default: '139' },
        lookups: { type: 'string', default: '50' },
        help: { type: 'boolean', default: false },
      },
    });
  } catch (err) {
    throw new UsageError(
      'invalid-argument',
      `bench: expected valid options, got ${(err as Error).message}`,
      { cause: err },
    );
  }
  const v = parsed.values;
  if (v.help) return 'help';
  const only = v.only;
  if (only !== undefined && !CLIENT_NAMES.includes(only as ClientName)) {
    throw new UsageError(
      'invalid-argument',
      `--only: expected ours or tuf-js, got ${JSON.stringify(only)}`,
    );
  }
  const bins = v.bins !== undefined ? parseBins(v.bins) : v.quick ? [1024] : DEFAULT_BINS;
  return {
    quick: v.quick,
    clients: only !== undefined ? [only as ClientName] : CLIENT_NAMES,
    bins,
    runs: v.runs !== undefined ? positiveInt('--runs', v.runs) : v.quick ? 1 : undefined,
    json: v.json,
    skipMirror: v['skip-mirror'],
    skipLarge: v['skip-large'],
    limitMs: positiveNumber('--baseline-limit', v['baseline-limit']) * 1000,
    out: v.out,
    largeMiB: positiveInt('--large-mib', v['large-mib']),
    targetsPerBin: positiveInt('--targets-per-bin', v['targets-per-bin']),
    lookups: positiveInt('--lookups', v.lookups),
  };
}

/** Default runs per scenario: ours 5, tuf-js 3, tuf-js 1 for the big inputs (it takes minutes there). */
export function runsFor(options: BenchOptions, client: ClientName, big: boolean): number {
  if (options.runs !== undefined) return options.runs;
  if (client === 'ours') return 5;
  return big ? 1 : 3;
}

function parseBins(text: string): number[] {
  const bins = text.split(',').map((part) => positiveInt('--bins', part.trim()));
  for (const n of bins) {
    if (n < 2 || (n & (n - 1)) !== 0)
      throw new UsageError('invalid-argument', `--bins: expected powers of two, got ${n}`);
  }
  return [...new Set(bins)];
}

function positiveInt(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new UsageError(
      'invalid-argument',
      `${name}: expected a positive integer, got ${JSON.stringify(text)}`,
    );
  return n;
}

function positiveNumber(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0)
    throw new UsageError(
      'invalid-argument',
      `${name}: expected a positive number, got ${JSON.stringify(text)}`,
    );
  return n;
}
