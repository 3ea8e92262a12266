// Child-process entry of the benchmark: receives one job over IPC, runs it in this fresh process
// (cold module cache, its own peak RSS), answers with one result and exits. Forked by
// bench/child.ts; never run by hand.

import { createHash } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';
import { get } from 'node:http';
import { performance } from 'node:perf_hooks';
import {
  isJob,
  type ClientJob,
  type ReferenceJob,
  type RunOutcome,
  type TransferJob,
  type RunSuccess,
} from './protocol.js';
import { loadClient } from './runner-clients.js';

const READ_CHUNK = 1024 * 1024;

process.once('message', (message: unknown) => {
  void runJob(message).then(reply);
});

async function runJob(message: unknown): Promise<RunOutcome> {
  try {
    if (!isJob(message))
      return { ok: false, error: 'runner: expected a job message, got something else' };
    if (message.kind === 'reference') return await runReference(message);
    if (message.kind === 'transfer') return await runTransfer(message);
    return await runClient(message);
  } catch (err) {
    return { ok: false, error: describe(err), maxRssKiB: await maxRss() };
  }
}

function reply(outcome: RunOutcome): void {
  // Exit right after the parent has the result: keep-alive sockets must not keep us running.
  if (process.send) process.send(outcome, () => process.exit(0));
  else process.exit(1);
}

// Refresh, then look up and download exactly what the job lists, timing each phase.
async function runClient(job: ClientJob): Promise<RunOutcome> {
  const importStart = performance.now();
  const client = await loadClient(job.client, job);
  const start = performance.now();
  await client.refresh();
  const refreshed = performance.now();

  const found = new Map<string, unknown>();
  const lookupUs: number[] = [];
  for (const path of job.lookups) {
    const t0 = performance.now();
    const target = await client.lookup(path);
    lookupUs.push((performance.now() - t0) * 1000);
    // A client that cannot find a listed target is failing, not fast.
    if (target === undefined) return failure(`${path}: expected the target to be found, got none`);
    found.set(path, target);
  }
  const looked = performance.now();

  const stored: string[] = [];
  for (const expected of job.downloads) {
    const target = found.get(expected.path);
    if (target === undefined)
      return failure(`${expected.path}: expected a lookup before the download, got none`);
    stored.push(await client.download(target));
  }
  const downloaded = performance.now();

  const hotLookupUs: number[] = [];
  if (job.hotLookups) {
    for (const path of job.lookups) {
      const t0 = performance.now();
      await client.lookup(path);
      hotLookupUs.push((performance.now() - t0) * 1000);
    }
  }
  await client.close();

  // Outside the timed section: the stored bytes must be the bytes the generator produced.
  let verifiedDownloads = 0;
  for (const [index, expected] of job.downloads.entries()) {
    const file = stored[index] ?? '';
    const actual = await sha256File(file);
    if (actual !== expected.sha256) {
      return failure(`${expected.path}: expected stored sha256 ${expected.sha256}, got ${actual}`);
    }
    verifiedDownloads++;
  }

  const result: RunSuccess = {
    ok: true,
    timings: {
      importMs: start - importStart,
      refreshMs: refreshed - start,
      lookupMs: looked - refreshed,
      downloadMs: downloaded - looked,
      totalMs: downloaded - start,
    },
    lookupUs,
    hotLookupUs,
    verifiedDownloads,
    maxRssKiB: await maxRss(),
  };
  return result;
}

// The yardstick for the large download: read the same bytes from local disk and sha256 them.
async function runReference(job: ReferenceJob): Promise<RunOutcome> {
  const start = performance.now();
  const digest = await sha256File(job.file);
  const elapsed = performance.now() - start;
  if (digest !== job.sha256)
    return failure(`${job.file}: expected sha256 ${job.sha256}, got ${digest}`);
  return {
    ok: true,
    timings: { importMs: 0, refreshMs: 0, lookupMs: 0, downloadMs: elapsed, totalMs: elapsed },
    lookupUs: [],
    hotLookupUs: [],
    verifiedDownloads: 1,
    maxRssKiB: await maxRss(),
  };
}

// What serving alone costs: one plain GET over loopback, body counted and dropped.
async function runTransfer(job: TransferJob): Promise<RunOutcome> {
  const start = performance.now();
  const received = await new Promise<number>((resolve, reject) => {
    get(job.url, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => (bytes += chunk.byteLength));
      res.on('end', () => resolve(bytes));
      res.on('error', reject);
    }).on('error', reject);
  });
  const elapsed = performance.now() - start;
  if (received !== job.length)
    return failure(`${job.url}: expected ${job.length} bytes, got ${received}`);
  return {
    ok: true,
    timings: { importMs: 0, refreshMs: 0, lookupMs: 0, downloadMs: elapsed, totalMs: elapsed },
    lookupUs: [],
    hotLookupUs: [],
    verifiedDownloads: 0,
    maxRssKiB: await maxRss(),
  };
}

// One reused buffer, large reads: the fastest plain way to hash a file, hence a fair yardstick.
async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(READ_CHUNK);
  const handle = await open(file, 'r');
  try {
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, READ_CHUNK, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
    }
  } finally {
    await handle.close();
  }
  return hash.digest('hex');
}

async function failure(error: string): Promise<RunOutcome> {
  return { ok: false, error, maxRssKiB: await maxRss() };
}

// Linux keeps ru_maxrss across execve, so a forked child's resourceUsage().maxRSS starts at the
// parent's peak (the server holding a generated repository). VmHWM belongs to the new address
// space and is this process's own peak; elsewhere maxRSS is the best available figure.
async function maxRss(): Promise<number> {
  try {
    const status = await readFile('/proc/self/status', 'utf8');
    const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(status);
    if (match?.[1] !== undefined) return Number(match[1]);
  } catch {
    // Not Linux: fall through.
  }
  return process.resourceUsage().maxRSS;
}

// One line with the error's class, code and message, plus the first cause (tuf-js nests them).
function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  const head = `${err.name}${typeof code === 'string' ? ` [${code}]` : ''}: ${err.message}`;
  return err.cause instanceof Error ? `${head} (cause: ${err.cause.message})` : head;
}
