// The pg-mirror benchmark: build cost on a large git repository (cold, then after one bin
// changed: must cost < 10% of cold), and serving throughput of `pg-mirror serve` against nginx
// on small metadata files with 64 keep-alive connections.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PgError } from '../src/core/index.js';
import { buildSite, type BuildReport } from '../src/mirror/index.js';
import { packageRoot, startCli } from '../src/demo/run-cli.js';
import { runLoad, type LoadResult } from './mirror-bench-load.js';
import { findNginx, startNginx } from './mirror-bench-nginx.js';
import { generateBenchRepository } from './mirror-bench-repo.js';

export interface MirrorBenchOptions {
  /** Hash bins (power of two); default 4,096 (quick: 256). */
  readonly bins?: number;
  /** Targets over all bins; default 100,000 (quick: 5,000). */
  readonly targets?: number;
  /** Load duration per server, ms; default 5,000 (quick: 1,000). */
  readonly durationMs?: number;
  /** Keep-alive connections; default 64. */
  readonly connections?: number;
  /** nginx worker processes (default 1: one core, like the Node server). */
  readonly nginxWorkers?: number;
  readonly quick?: boolean;
  /** Parent of the benchmark's temporary directory (default the OS temp dir). */
  readonly workDir?: string;
  readonly keep?: boolean;
  readonly log?: (line: string) => void;
}

export interface BuildFigures {
  readonly ms: number;
  readonly written: number;
  readonly unchanged: number;
  readonly hashedArtifacts: number;
}

export interface MirrorBenchResult {
  readonly repository: {
    readonly bins: number;
    readonly targets: number;
    readonly generateMs: number;
  };
  readonly build: {
    readonly cold: BuildFigures;
    readonly afterOneBinChanged: BuildFigures;
    readonly noChange: BuildFigures;
    /** afterOneBinChanged / cold; the target is < 0.10. */
    readonly ratio: number;
    readonly ratioOk: boolean;
  };
  readonly serve: {
    readonly paths: readonly string[];
    readonly connections: number;
    readonly pgMirror: LoadResult;
    readonly nginx: LoadResult | 'nginx not installed';
    /** pg-mirror requests/s divided by nginx's; the target is >= 0.5. */
    readonly ratioToNginx: number | null;
  };
}

/** Runs the benchmark; throws if a build fails (the figures would be meaningless). */
export async function runMirrorBench(options: MirrorBenchOptions = {}): Promise<MirrorBenchResult> {
  const quick = options.quick === true;
  const bins = options.bins ?? (quick ? 256 : 4096);
  const targets = options.targets ?? (quick ? 5000 : 100_000);
  const durationMs = options.durationMs ?? (quick ? 1000 : 5000);
  const connections = options.connections ?? 64;
  const log = options.log ?? (() => undefined);
  const work = await mkdtemp(join(options.workDir ?? tmpdir(), 'pg-mirror-bench-'));
  try {
    log(`pg-mirror bench: generating ${bins} bins, ${targets} targets (git fast-import)`);
    let t = performance.now();
    const repo = await generateBenchRepository({ dir: join(work, 'repo.git'), bins, targets });
    const generateMs = Math.round(performance.now() - t);
    const out = join(work, 'site');
    const timed = async (label: string): Promise<BuildFigures> => {
      t = performance.now();
      const report = await buildSite({ gitPath: repo.dir, outDir: out, concurrency: 16 });
      const ms = Math.round(performance.now() - t);
      checkOk(label, report);
      log(
        `pg-mirror bench: ${label} build ${ms} ms (${report.written.length} written, ${report.unchanged} unchanged)`,
      );
      return {
        ms,
        written: report.written.length,
        unchanged: report.unchanged,
        hashedArtifacts: report.hashedArtifacts,
      };
    };
    const cold = await timed('cold');
    await repo.changeOneBin();
    const afterOneBinChanged = await timed('one bin changed');
    const noChange = await timed('no change');
    const ratio = Math.round((afterOneBinChanged.ms / cold.ms) * 1000) / 1000;

    const paths = await smallMetadataPaths(out);
    log(
      `pg-mirror bench: serving ${paths.length} small metadata files, ${connections} connections, ${durationMs} ms each`,
    );
    const server = await startCli(await packageRoot(), 'pg-mirror', [
      'serve',
      out,
      '--port',
      '0',
      '--quiet',
    ]);
    let pgMirror: LoadResult;
    try {
      const url = /(http:\/\/\S+?)\/?$/.exec(server.firstLine)?.[1] ?? '';
      pgMirror = await runLoad({ origin: url, paths, connections, durationMs });
    } finally {
      await server.stop();
    }
    log(
      `pg-mirror bench: pg-mirror serve ${pgMirror.requestsPerSecond} req/s, p99 ${pgMirror.p99Ms} ms, ${pgMirror.errors} errors`,
    );
    let nginx: LoadResult | 'nginx not installed' = 'nginx not installed';
    const binary = await findNginx();
    if (binary) {
      const running = await startNginx(binary, out, join(work, 'nginx'), options.nginxWorkers ?? 1);
      try {
        nginx = await runLoad({ origin: running.url, paths, connections, durationMs });
      } finally {
        await running.stop();
      }
      log(
        `pg-mirror bench: nginx ${nginx.requestsPerSecond} req/s, p99 ${nginx.p99Ms} ms, ${nginx.errors} errors`,
      );
    } else {
      log('pg-mirror bench: nginx not installed (Debian package "nginx"); no reference figures');
    }
    return {
      repository: { bins, targets, generateMs },
      build: { cold, afterOneBinChanged, noChange, ratio, ratioOk: ratio < 0.1 },
      serve: {
        paths,
        connections,
        pgMirror,
        nginx,
        ratioToNginx:
          typeof nginx === 'string'
            ? null
            : Math.round((pgMirror.requestsPerSecond / nginx.requestsPerSecond) * 100) / 100,
      },
    };
  } finally {
    if (options.keep !== true) await rm(work, { recursive: true, force: true });
  }
}

function checkOk(label: string, report: BuildReport): void {
  if (report.ok) return;
  const first = report.problems[0]?.message ?? 'no detail';
  throw new PgError(
    'invalid-value',
    `pg-mirror bench: ${label} build: expected a published tree, got ${report.problems.length} problem(s): ${first}`,
  );
}

// Small metadata files a client fetches all the time: timestamp, root, a few bins.
async function smallMetadataPaths(out: string): Promise<string[]> {
  const names = await readdir(join(out, 'metadata'));
  const bins = names
    .filter((n) => /^\d+\.bins-[0-9a-f]+\.json$/.test(n))
    .sort()
    .slice(0, 6);
  return [
    '/metadata/timestamp.json',
    '/metadata/1.root.json',
    ...bins.map((n) => `/metadata/${n}`),
  ];
}
