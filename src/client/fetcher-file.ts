import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { DownloadError, UsageError, errnoCode } from '../core/index.js';
import { checkMaxLength, collectBody } from './fetcher-body.js';
import { tooLargeError } from './fetcher-errors.js';
import type { FetchOptions, Fetcher, FetchStats } from './fetcher-types.js';

const READ_CHUNK = 1024 * 1024;

function toDownloadError(
  url: string,
  err: unknown,
  signal: AbortSignal | undefined,
): DownloadError {
  if (err instanceof DownloadError) return err;
  if (signal?.aborted === true)
    return new DownloadError(
      'aborted',
      `${url}: expected a complete read, got aborted by the caller`,
      { cause: err },
    );
  const code = errnoCode(err) ?? (err instanceof Error ? err.name : 'unknown error');
  // A missing file is the file-system equivalent of HTTP 404 (e.g. probing the next root version).
  const kind =
    code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR' ? 'not-found' : 'network';
  return new DownloadError(kind, `${url}: expected a readable file, got ${code}`, { cause: err });
}

/** Reads `file://` URLs (offline mirrors, tests) with the same caps and error codes as HttpFetcher. */
export class FileFetcher implements Fetcher {
  readonly stats: FetchStats = { requests: 0, bytes: 0 };

  /** Whole file, at most `maxLength` bytes. */
  async fetchBytes(url: string, options: FetchOptions): Promise<Uint8Array> {
    return collectBody(await this.fetchStream(url, options));
  }

  /** The file's bytes as chunks; stops past `maxLength` even if the file grows while read. */
  async fetchStream(url: string, options: FetchOptions): Promise<AsyncIterable<Uint8Array>> {
    const path = toPath(url);
    checkMaxLength(url, options.maxLength);
    this.stats.requests++;
    const { maxLength, signal } = options;
    try {
      signal?.throwIfAborted();
      const info = await stat(path);
      if (!info.isFile())
        throw new DownloadError(
          'not-found',
          `${url}: expected a regular file, got another kind of entry`,
        );
      if (info.size > maxLength) throw tooLargeError(url, maxLength, `a ${info.size}-byte file`);
    } catch (err) {
      throw toDownloadError(url, err, signal);
    }
    return this.read(url, path, maxLength, signal);
  }

  /** Nothing to release. */
  close(): Promise<void> {
    return Promise.resolve();
  }

  private async *read(
    url: string,
    path: string,
    maxLength: number,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<Uint8Array, void, undefined> {
    // `end` is inclusive: reading at most maxLength + 1 bytes is enough to detect an overrun.
    const stream = createReadStream(path, {
      end: maxLength,
      highWaterMark: READ_CHUNK,
      ...(signal === undefined ? {} : { signal }),
    });
    let received = 0;
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        received += chunk.byteLength;
        if (received > maxLength) throw tooLargeError(url, maxLength, 'more');
        this.stats.bytes += chunk.byteLength;
        yield chunk;
      }
    } catch (err) {
      throw toDownloadError(url, err, signal);
    } finally {
      stream.destroy();
    }
  }
}

function toPath(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (err) {
    throw new UsageError(
      'invalid-argument',
      `${url}: expected an absolute file URL, got an unparsable string`,
      { cause: err },
    );
  }
  if (parsed.protocol !== 'file:')
    throw new UsageError(
      'invalid-argument',
      `${url}: expected a file: URL, got ${parsed.protocol}`,
    );
  try {
    return fileURLToPath(parsed);
  } catch (err) {
    throw new UsageError(
      'invalid-argument',
      `${url}: expected a local file URL, got one fileURLToPath rejects`,
      { cause: err },
    );
  }
}
