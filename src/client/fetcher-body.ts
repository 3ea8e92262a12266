import { DownloadError, UsageError } from '../core/index.js';
import { classifyTransportError, tooLargeError } from './fetcher-errors.js';
import type { FetchStats } from './fetcher-types.js';

export interface BodyGuard {
  readonly url: string;
  readonly maxLength: number;
  /** 0 disables the slow-drip check. */
  readonly minBytesPerSecond: number;
  readonly rateWindowMs: number;
  readonly signal: AbortSignal | undefined;
  readonly stats: FetchStats;
}

/** The subset of undici's body stream this module relies on. */
export interface DestroyableBody extends AsyncIterable<Uint8Array> {
  destroy(error?: Error): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
}

/** A cap that is NaN or negative would disable the endless-data guard: refuse it. */
export function checkMaxLength(url: string, maxLength: number): void {
  if (!(maxLength >= 0)) {
    throw new UsageError('invalid-argument', `${url}: expected maxLength >= 0, got ${maxLength}`);
  }
}

const ignore = (): void => undefined;

/** Stops reading a body and closes its connection; the resulting abort error is expected, not reported. */
export function abandonBody(body: DestroyableBody): void {
  body.on('error', ignore);
  body.destroy();
}

/** undici frees the connection for the next request one macrotask after the body ends. */
export const connectionReleased = (): Promise<void> =>
  new Promise((resolve) => setImmediate(resolve));

/**
 * Yields the body's chunks while enforcing the length cap and the minimum transfer rate;
 * the body is destroyed (socket closed) on every failure and on early exit by the consumer.
 */
export async function* guardedBody(
  body: DestroyableBody,
  guard: BodyGuard,
): AsyncGenerator<Uint8Array, void, undefined> {
  const { url, maxLength, minBytesPerSecond, rateWindowMs } = guard;
  let received = 0;
  let windowStart = performance.now();
  let windowBytes = 0;
  let finished = false;
  try {
    for await (const chunk of body) {
      received += chunk.byteLength;
      // TUF 5.2 (endless data): stop at the first byte past the cap, whatever the headers said.
      if (received > maxLength) throw tooLargeError(url, maxLength, 'more');
      guard.stats.bytes += chunk.byteLength;
      if (minBytesPerSecond > 0) {
        // Slow drip: a server sending one byte just before every stall timeout would otherwise
        // hold the client forever. Checked per window, so the cost is one clock read per chunk.
        windowBytes += chunk.byteLength;
        const now = performance.now();
        const elapsed = now - windowStart;
        if (elapsed >= rateWindowMs) {
          const rate = (windowBytes * 1000) / elapsed;
          if (rate < minBytesPerSecond) {
            throw new DownloadError(
              'stalled',
              `${url}: expected at least ${minBytesPerSecond} bytes/s, got ${Math.floor(rate)} bytes/s`,
            );
          }
          windowStart = now;
          windowBytes = 0;
        }
      }
      yield chunk;
    }
    finished = true;
    // Without this, a caller issuing its next request at once would find the socket still busy
    // and open a second connection: sequential requests would not share one keep-alive socket.
    await connectionReleased();
  } catch (err) {
    throw classifyTransportError(url, err, guard.signal).error;
  } finally {
    if (!finished) abandonBody(body);
  }
}

/** Concatenates a (capped) body stream into one buffer, copying each byte once. */
export async function collectBody(body: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    total += chunk.byteLength;
  }
  return Buffer.concat(chunks, total);
}
