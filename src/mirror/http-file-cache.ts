// Resolves request paths to regular files inside the served root and caches the answer per
// request path: realpath, validators, prebuilt headers and, for small files, the bytes. An
// entry is trusted for `ttlMs`, then revalidated with realpath + stat; unchanged files keep
// their cached bytes. Bounded by entry count and total bytes (oldest entries go first).
import { constants } from 'node:fs';
import { open, realpath, stat } from 'node:fs/promises';
import type { BigIntStats } from 'node:fs';
import path from 'node:path';
import { errnoCode } from '../core/index.js';
import { toValidators, type Validators } from './http-conditional.js';
import { toSafePath } from './http-path.js';

export interface ServedFile extends Validators {
  realPath: string;
  size: number;
  /** The whole file, for files up to the body limit; undefined means stream it from disk. */
  body: Buffer | undefined;
  /** Headers common to every 2xx/304 answer (no length). */
  baseHeaders: string[];
  /** baseHeaders plus Content-Length: the whole 200 answer for a cached body. */
  fullHeaders: string[];
  /** Logical name (request path, or its index.html) that decides Cache-Control and type. */
  logicalPath: string;
  ino: bigint;
  mtimeNs: bigint;
}

export type Resolved =
  { status: 400 | 403 | 404; reason: string } | { status: 200; file: ServedFile };

interface Entry {
  result: Resolved;
  checkedAt: number;
  bytes: number;
}

export interface FileCacheLimits {
  ttlMs: number;
  maxBodyBytes: number;
  maxTotalBytes: number;
  maxEntries: number;
}

const IMMUTABLE = 'public, max-age=31536000, immutable';
// Versioned metadata "metadata/<N>.<role>.json" and hash-prefixed targets
// "targets/.../<sha256 or sha512 hex>.<name>" never change once published.
const VERSIONED_METADATA = /(?:^|\/)metadata\/\d+\.[^/]+\.json$/;
const HASHED_TARGET = /(?:^|\/)targets\/(?:.+\/)?(?:[0-9a-f]{64}|[0-9a-f]{128})\.[^/]+$/;
const NOT_FOUND_CODES = new Set(['ENOENT', 'ENOTDIR', 'ELOOP', 'ENAMETOOLONG']);

/** Cache-Control for a logical path: immutable for versioned names, `no-cache` for the rest. */
function cacheControlFor(logicalPath: string): string {
  return VERSIONED_METADATA.test(logicalPath) || HASHED_TARGET.test(logicalPath)
    ? IMMUTABLE
    : 'no-cache';
}

/** Content-Type by extension: JSON, HTML, or opaque bytes. */
function contentTypeFor(logicalPath: string): string {
  if (logicalPath.endsWith('.json')) return 'application/json';
  if (logicalPath.endsWith('.html')) return 'text/html; charset=utf-8';
  return 'application/octet-stream';
}

/** Headers for a file with these validators (the caller adds length or range). */
export function baseHeadersFor(logicalPath: string, v: Validators): string[] {
  return [
    'Content-Type',
    contentTypeFor(logicalPath),
    'ETag',
    v.etag,
    'Last-Modified',
    v.lastModified,
    'Cache-Control',
    cacheControlFor(logicalPath),
    'Accept-Ranges',
    'bytes',
    // Artifacts are opaque bytes: browsers must not sniff them into HTML or script.
    'X-Content-Type-Options',
    'nosniff',
  ];
}

/** True for errors that mean "no such file here" (including a link where none may be). */
export function isNotFound(err: unknown): boolean {
  return NOT_FOUND_CODES.has(errnoCode(err) ?? '');
}

export class FileCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<Resolved>>();
  private totalBytes = 0;

  constructor(
    private readonly rootReal: string,
    private readonly limits: FileCacheLimits,
  ) {}

  /** The answer for a request path (query excluded): synchronous while the cached one is fresh. */
  lookup(key: string, now: number): Resolved | Promise<Resolved> {
    const entry = this.entries.get(key);
    if (entry !== undefined && now - entry.checkedAt < this.limits.ttlMs) return entry.result;
    const safe = toSafePath(key);
    if ('refused' in safe) return { status: safe.refused, reason: safe.reason };
    let pending = this.inflight.get(key);
    if (pending === undefined) {
      const logical = safe.directory
        ? safe.rel === ''
          ? 'index.html'
          : `${safe.rel}/index.html`
        : safe.rel;
      pending = this.refresh(key, logical, entry).finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    return pending;
  }

  private inside(p: string): boolean {
    return p.startsWith(this.rootReal + path.sep) || p === this.rootReal;
  }

  private async refresh(key: string, logical: string, old: Entry | undefined): Promise<Resolved> {
    const checkedAt = performance.now();
    const result = await this.resolve(logical, old?.result);
    this.store(key, {
      result,
      checkedAt,
      bytes: result.status === 200 ? (result.file.body?.length ?? 0) : 0,
    });
    return result;
  }

  private async resolve(logical: string, previous: Resolved | undefined): Promise<Resolved> {
    // `logical` has only plain segments, so this stays under the root; checked anyway.
    const candidate = path.resolve(this.rootReal, logical);
    if (!this.inside(candidate))
      return { status: 400, reason: 'request path: expected a path inside the root' };
    let real: string;
    let st: BigIntStats;
    try {
      real = await realpath(candidate);
      // A symlink inside the tree that points outside it is refused, not followed.
      if (!this.inside(real))
        return { status: 403, reason: 'file: expected to stay inside the root, got a link out' };
      st = await stat(real, { bigint: true });
    } catch (err) {
      if (isNotFound(err)) return { status: 404, reason: 'file: expected to exist' };
      if (errnoCode(err) === 'EACCES')
        return { status: 403, reason: 'file: expected to be readable' };
      throw err;
    }
    // Only regular files: no directories, FIFOs, sockets or devices.
    if (!st.isFile()) return { status: 404, reason: 'file: expected a regular file' };
    if (previous?.status === 200) {
      const f = previous.file;
      if (
        f.realPath === real &&
        f.ino === st.ino &&
        f.mtimeNs === st.mtimeNs &&
        BigInt(f.size) === st.size
      ) {
        return previous;
      }
    }
    return this.load(real, logical, st);
  }

  private async load(real: string, logical: string, st: BigIntStats): Promise<Resolved> {
    let body: Buffer | undefined;
    if (st.size <= BigInt(this.limits.maxBodyBytes)) {
      // O_NOFOLLOW: the last component was checked by realpath and must still not be a link;
      // O_NONBLOCK: never hang on a FIFO swapped in after the stat.
      const flags = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
      const fh = await open(real, flags).catch((err: unknown) => {
        if (isNotFound(err)) return undefined; // removed or replaced by a link since the stat
        throw err;
      });
      if (fh === undefined) return { status: 404, reason: 'file: expected to exist' };
      try {
        st = await fh.stat({ bigint: true });
        if (!st.isFile()) return { status: 404, reason: 'file: expected a regular file' };
        body = await fh.readFile();
        // Changed while we read: stream it instead of caching a body that mismatches its tags.
        if (BigInt(body.length) !== st.size) body = undefined;
      } finally {
        await fh.close();
      }
    }
    const v = toValidators(st.ino, st.size, st.mtimeNs);
    const size = Number(st.size);
    const baseHeaders = baseHeadersFor(logical, v);
    const fullHeaders = [...baseHeaders, 'Content-Length', String(size)];
    const file: ServedFile = {
      ...v,
      realPath: real,
      size,
      body,
      baseHeaders,
      fullHeaders,
      logicalPath: logical,
      ino: st.ino,
      mtimeNs: st.mtimeNs,
    };
    return { status: 200, file };
  }

  private store(key: string, entry: Entry): void {
    const old = this.entries.get(key);
    if (old !== undefined) {
      this.totalBytes -= old.bytes;
      this.entries.delete(key);
    }
    if (this.limits.ttlMs <= 0) return;
    this.entries.set(key, entry);
    this.totalBytes += entry.bytes;
    for (const [k, e] of this.entries) {
      if (
        this.entries.size <= this.limits.maxEntries &&
        this.totalBytes <= this.limits.maxTotalBytes
      )
        break;
      this.entries.delete(k);
      this.totalBytes -= e.bytes;
    }
  }
}
