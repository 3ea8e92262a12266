// Where `init` gets the initial root from: a local file or an http(s) URL, read with the
// root length cap (TUF 5.2: every download is bounded, a local file too).
import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HttpFetcher } from '../../client/index.js';
import {
  DEFAULT_LIMITS,
  StorageError,
  TrustError,
  UsageError,
  errnoCode,
} from '../../core/index.js';
import type { CommandContext } from './context.js';

/** A --root-sha256 value as lowercase hex; UsageError unless it is 64 hex digits. */
export function toSha256(value: string): string {
  if (!/^[0-9a-fA-F]{64}$/.test(value)) {
    throw new UsageError(
      'invalid-argument',
      `--root-sha256: expected 64 hex digits, got ${JSON.stringify(value).slice(0, 80)}`,
    );
  }
  return value.toLowerCase();
}

export type RootSource = { kind: 'url'; location: string } | { kind: 'file'; location: string };

/** A URL (http/https) or a file path (also file://), resolved against cwd. */
export function classifyRoot(cwd: string, value: string): RootSource {
  if (/^https?:\/\//i.test(value)) return { kind: 'url', location: value };
  if (/^file:\/\//i.test(value)) return { kind: 'file', location: fileURLToPath(value) };
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(value)) {
    throw new UsageError(
      'invalid-argument',
      `--root: expected a file path or an http(s) URL, got ${JSON.stringify(value)}`,
    );
  }
  return { kind: 'file', location: resolve(cwd, value) };
}

/** Fetches a root over HTTP with the root length cap. */
export async function fetchRoot(ctx: CommandContext, url: string): Promise<Uint8Array> {
  const fetcher = new HttpFetcher({ userAgent: 'pg-download', env: ctx.io.env });
  try {
    ctx.debug(`fetch ${url} (root)`);
    return await fetcher.fetchBytes(url, { maxLength: DEFAULT_LIMITS.root });
  } finally {
    await fetcher.close();
  }
}

// Reads at most the root cap (+1 byte to detect an oversized file) without trusting its size.
export async function readRootFile(path: string): Promise<Uint8Array> {
  const limit = DEFAULT_LIMITS.root;
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOENT' || code === 'EISDIR') {
      throw new UsageError(
        'invalid-argument',
        `--root ${path}: expected a readable root.json file, got ${code}`,
        { cause: err },
      );
    }
    throw new StorageError(
      'io',
      `--root ${path}: expected a readable file, got ${code ?? 'an error'}`,
      { cause: err },
    );
  }
  try {
    const buffer = Buffer.alloc(limit + 1);
    let filled = 0;
    while (filled < buffer.length) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, null);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    if (filled > limit)
      throw new TrustError(
        'length-mismatch',
        `--root ${path}: expected at most ${limit} bytes, got more`,
      );
    return buffer.subarray(0, filled);
  } catch (err) {
    if (err instanceof TrustError) throw err;
    throw new StorageError(
      'io',
      `--root ${path}: expected a readable file, got ${errnoCode(err) ?? 'an error'}`,
      { cause: err },
    );
  } finally {
    await handle.close();
  }
}
