// Closed-loop HTTP load (autocannon-like) with an undici Pool: N keep-alive connections, each
// with one request in flight, for a fixed duration; counts requests and errors, p50/p99 latency.
import { Pool } from 'undici';

export interface LoadOptions {
  readonly origin: string;
  readonly paths: readonly string[];
  readonly connections: number;
  readonly durationMs: number;
}

export interface LoadResult {
  readonly requests: number;
  readonly errors: number;
  readonly requestsPerSecond: number;
  readonly bytes: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly durationMs: number;
}

/** Runs the load and returns its figures (a short warm-up is not counted). */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const pool = new Pool(options.origin, {
    connections: options.connections,
    pipelining: 1,
    keepAliveTimeout: 60_000,
  });
  try {
    await phase(pool, options, Math.min(500, options.durationMs / 5));
    return await phase(pool, options, options.durationMs);
  } finally {
    await pool.close();
  }
}

async function phase(pool: Pool, options: LoadOptions, durationMs: number): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let bytes = 0;
  let next = 0;
  const started = performance.now();
  const deadline = started + durationMs;
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const path = options.paths[next++ % options.paths.length] as string;
      const t0 = performance.now();
      try {
        const res = await pool.request({ path, method: 'GET' });
        const body = Buffer.from(await res.body.arrayBuffer());
        if (res.statusCode !== 200) errors++;
        else {
          bytes += body.byteLength;
          latencies.push(performance.now() - t0);
        }
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: options.connections }, worker));
  const elapsed = performance.now() - started;
  latencies.sort((a, b) => a - b);
  const pick = (q: number): number =>
    round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0);
  return {
    requests: latencies.length,
    errors,
    requestsPerSecond: Math.round((latencies.length / elapsed) * 1000),
    bytes,
    p50Ms: pick(0.5),
    p99Ms: pick(0.99),
    durationMs: Math.round(elapsed),
  };
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
