import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runInChild } from '../../bench/child.js';
import { startCountingServer } from '../../bench/counting-server.js';
import { parseBenchOptions, runsFor, type BenchOptions } from '../../bench/options.js';
import type { ReferenceJob } from '../../bench/protocol.js';
import { benchPassed } from '../../bench/harness.js';
import { renderReport } from '../../bench/report.js';
import { renderMirror } from '../../bench/report-mirror.js';
import { summarize, type BenchReport, type RunRecord } from '../../bench/results.js';
import { median } from '../../bench/stats.js';
import { UsageError } from '../../src/core/index.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pg-bench-test-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function options(argv: string[]): BenchOptions {
  const parsed = parseBenchOptions(argv);
  if (parsed === 'help') throw new Error('unexpected help');
  return parsed;
}

describe('parseBenchOptions', () => {
  it('runs everything with the stated run counts by default', () => {
    const o = options([]);
    expect(o.bins).toEqual([1024, 4096, 16384]);
    expect(o.clients).toEqual(['ours', 'tuf-js']);
    expect(o.limitMs).toBe(120_000);
    expect(o.out).toBe('bench-results.json');
    expect([
      runsFor(o, 'ours', true),
      runsFor(o, 'tuf-js', false),
      runsFor(o, 'tuf-js', true),
    ]).toEqual([5, 3, 1]);
  });

  it('--quick keeps 1,024 bins and one run each', () => {
    const o = options(['--quick']);
    expect(o.bins).toEqual([1024]);
    expect([runsFor(o, 'ours', false), runsFor(o, 'tuf-js', false)]).toEqual([1, 1]);
  });

  it('reads --only, --bins, --runs, --baseline-limit and the skip flags', () => {
    const o = options([
      '--only',
      'tuf-js',
      '--bins',
      '1024,4096',
      '--runs',
      '2',
      '--baseline-limit',
      '30',
      '--skip-mirror',
      '--skip-large',
      '--json',
    ]);
    expect(o).toMatchObject({
      clients: ['tuf-js'],
      bins: [1024, 4096],
      runs: 2,
      limitMs: 30_000,
      skipMirror: true,
      skipLarge: true,
      json: true,
    });
  });

  it('refuses an unknown client, a bin count that is not a power of two, and unknown flags', () => {
    expect(() => parseBenchOptions(['--only', 'python-tuf'])).toThrow(UsageError);
    expect(() => parseBenchOptions(['--bins', '1000'])).toThrow(UsageError);
    expect(() => parseBenchOptions(['--runs', '0'])).toThrow(UsageError);
    expect(() => parseBenchOptions(['--fast'])).toThrow(UsageError);
  });
});

describe('median', () => {
  it('takes the middle value, averaging the two middle ones for even counts', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeUndefined();
  });
});

describe('startCountingServer', () => {
  it('counts requests, body bytes and 404s per run, and reset starts a new count', async () => {
    const files = new Map([['metadata/timestamp.json', new Uint8Array(100)]]);
    const server = await startCountingServer({
      get: (path) => files.get(path),
      getStream: (path) =>
        path === 'targets/big.bin'
          ? {
              length: 3000,
              chunks: () => [new Uint8Array(1000), new Uint8Array(1000), new Uint8Array(1000)],
            }
          : undefined,
    });
    try {
      expect((await fetch(`${server.metadataUrl}timestamp.json`)).status).toBe(200);
      const missing = await fetch(`${server.metadataUrl}2.root.json`);
      await missing.arrayBuffer();
      expect(missing.status).toBe(404);
      const big = await fetch(`${server.targetsUrl}big.bin`);
      expect(big.headers.get('content-length')).toBe('3000');
      expect((await big.arrayBuffer()).byteLength).toBe(3000);
      expect(server.counts()).toMatchObject({ requests: 3, bytes: 3100, notFound: 1 });
      expect(server.counts().paths).toEqual([
        'metadata/timestamp.json',
        'metadata/2.root.json',
        'targets/big.bin',
      ]);
      server.reset();
      expect(server.counts()).toMatchObject({ requests: 0, bytes: 0, notFound: 0, paths: [] });
    } finally {
      await server.close();
    }
  });
});

describe('runInChild', () => {
  const job: ReferenceJob = { kind: 'reference', file: 'unused', sha256: 'unused' };

  it('kills a run past its limit and reports it as over the limit', async () => {
    const script = join(dir, 'idle.mjs');
    await writeFile(script, "process.on('message', () => {}); setInterval(() => {}, 1000);\n");
    const started = Date.now();
    const outcome = await runInChild(job, 300, { script, execArgv: [] });
    expect(outcome).toEqual({ ok: false, overLimit: true, error: 'over the limit (> 0.3 s)' });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('reports a child that dies without a result, with what it printed', async () => {
    const script = join(dir, 'crash.mjs');
    await writeFile(script, "console.error('boom: no result'); process.exit(3);\n");
    const outcome = await runInChild(job, 10_000, { script, execArgv: [] });
    expect(outcome.ok).toBe(false);
    expect(outcome.ok ? '' : outcome.error).toMatch(/exit 3.*boom: no result/);
  });
});

describe('renderReport', () => {
  const run = (ms: number): RunRecord => ({
    ok: true,
    timings: { importMs: 1, refreshMs: ms, lookupMs: 0, downloadMs: 0, totalMs: ms },
    maxRssKiB: 1024,
    requests: 2,
    bytes: 400,
    notFound: 1,
  });

  it('shows a baseline past the limit as over the limit and bounds the ratio', () => {
    const ours = summarize('succinct 16384 bins', 'cold', 'ours', [run(600), run(400), run(500)]);
    const theirs = summarize('succinct 16384 bins', 'cold', 'tuf-js', [
      {
        ok: false,
        overLimit: true,
        error: 'over the limit (> 120 s)',
        requests: 9,
        bytes: 0,
        notFound: 0,
      },
    ]);
    const report: BenchReport = {
      meta: { date: '', node: '', platform: '', cpus: 2, options: {} },
      repositories: [],
      scenarios: [ours, theirs],
    };
    expect(ours.median?.ms).toBe(500);
    expect(theirs.status).toBe('over-limit');
    const text = renderReport(report, 120_000);
    expect(text).toContain('over the limit (> 120 s)');
    expect(text).toContain('< 0.0042x');
  });

  it('marks a failing run of ours as a failure, not a result', () => {
    const failed = summarize('small: 16 bins', 'cold', 'ours', [
      run(10),
      {
        ok: false,
        error: 'x: expected stored sha256 a, got b',
        requests: 5,
        bytes: 1,
        notFound: 0,
      },
    ]);
    expect(failed.status).toBe('failed');
    expect(failed.median).toBeUndefined();
    const text = renderReport(
      {
        meta: { date: '', node: '', platform: '', cpus: 1, options: {} },
        repositories: [],
        scenarios: [failed],
      },
      1000,
    );
    expect(text).toContain(
      'FAIL  small: 16 bins: cold (ours) — x: expected stored sha256 a, got b',
    );
  });
});

describe('pg-mirror figures', () => {
  const load = {
    requests: 1000,
    errors: 0,
    requestsPerSecond: 200,
    bytes: 1,
    p50Ms: 1,
    p99Ms: 4,
    durationMs: 5000,
  };
  const figures = { ms: 100, written: 10, unchanged: 0, hashedArtifacts: 5 };

  const okResult = {
    repository: { bins: 4096, targets: 100_000, generateMs: 9000 },
    build: {
      cold: figures,
      afterOneBinChanged: { ...figures, ms: 5 },
      noChange: figures,
      ratio: 0.05,
      ratioOk: true,
    },
    serve: {
      paths: ['/metadata/timestamp.json'],
      connections: 64,
      pgMirror: load,
      nginx: load,
      ratioToNginx: 1,
    },
  };

  it('shows the build ratio against its target and nginx when it is missing', () => {
    const text = renderMirror({
      status: 'ok',
      result: {
        repository: { bins: 4096, targets: 100_000, generateMs: 9000 },
        build: {
          cold: figures,
          afterOneBinChanged: { ...figures, ms: 30 },
          noChange: figures,
          ratio: 0.3,
          ratioOk: false,
        },
        serve: {
          paths: ['/metadata/timestamp.json'],
          connections: 64,
          pgMirror: load,
          nginx: 'nginx not installed',
          ratioToNginx: null,
        },
      },
    });
    expect(text).toContain('0.3× cold, target < 0.10: MISS');
    expect(text).toContain('nginx:                     nginx not installed');
    expect(text).toContain('200 req/s, p50 1 ms, p99 4 ms, 0 errors');
  });

  it('a failed pg-mirror build fails the benchmark', () => {
    const report: BenchReport = {
      meta: { date: '', node: '', platform: '', cpus: 1, options: {} },
      repositories: [],
      scenarios: [],
      mirror: {
        status: 'failed',
        error: 'cold build: expected a published tree, got 1 problem(s)',
      },
    };
    expect(benchPassed(report)).toBe(false);
    expect(benchPassed({ ...report, mirror: { status: 'ok', result: okResult } })).toBe(true);
    expect(renderReport(report, 1000)).toContain('FAIL  cold build: expected a published tree');
  });
});
