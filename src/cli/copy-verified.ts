// Delivers a verified cache file to the user's -o destination. The bytes are hashed again on
// the way (single pass), so what lands under the final name is exactly what the trusted
// metadata describes even if the cache file changed after it was verified.
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  Digester,
  PgError,
  StorageError,
  UsageError,
  errnoCode,
  type TargetFile,
} from '../core/index.js';

const CHUNK = 1024 * 1024;

/**
 * The file `targetPath` is written to inside `dir`: its last path segment. UsageError if that
 * segment could name anything but a plain file directly inside `dir` (path escapes refused).
 */
export function outputPathFor(dir: string, targetPath: string): string {
  const name = targetPath.slice(targetPath.lastIndexOf('/') + 1);
  // Backslash is a separator on Windows; NUL and control characters are never sane names.
  // eslint-disable-next-line no-control-regex
  if (name === '' || name === '.' || name === '..' || /[\\\u0000-\u001f]/.test(name)) {
    throw new UsageError(
      'invalid-argument',
      `${targetPath}: expected a target path ending in a plain file name, got ${JSON.stringify(name)}`,
    );
  }
  const root = resolve(dir);
  const path = resolve(root, name);
  if (dirname(path) !== root || !path.startsWith(root.endsWith(sep) ? root : root + sep)) {
    throw new UsageError(
      'invalid-argument',
      `${targetPath}: expected a file inside ${root}, got ${path}`,
    );
  }
  return path;
}

/** Copies `source` to `dest` atomically, verifying length and hashes while copying. */
export async function copyVerified(
  source: string,
  dest: string,
  target: TargetFile,
): Promise<void> {
  const digester = new Digester(target.path, target.length, target.hashes);
  const temp = join(dirname(dest), `.${basename(dest)}.${randomBytes(8).toString('hex')}.tmp`);
  let handle: FileHandle | undefined;
  try {
    // `wx`: never follow a link or reuse a file someone placed at the temp name.
    handle = await open(temp, 'wx', 0o644);
    for await (const chunk of createReadStream(source, {
      highWaterMark: CHUNK,
    }) as AsyncIterable<Buffer>) {
      digester.update(chunk);
      if (digester.length > target.length) break; // the Digester reports the length mismatch
      await handle.write(chunk);
    }
    digester.verify();
    await handle.sync();
    await handle.close();
    handle = undefined;
    // rename replaces a link at `dest` itself; it never writes through it.
    await rename(temp, dest);
  } catch (err) {
    await handle?.close().catch(() => undefined);
    await rm(temp, { force: true }).catch(() => undefined);
    if (err instanceof PgError) throw err;
    throw new StorageError(
      'io',
      `${dest}: expected a written copy of ${target.path}, got ${errnoCode(err) ?? 'an error'}`,
      { cause: err },
    );
  }
}

/**
 * Streams a cached target to `out` (e.g. stdout) only after verifying it: the open file is hashed
 * first, then the same file (same inode: the cache replaces files by rename, never in place) is
 * streamed, so no unverified byte ever reaches the consumer.
 */
export async function streamVerified(
  source: string,
  out: Writable,
  target: TargetFile,
): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(source, 'r');
    const digester = new Digester(target.path, target.length, target.hashes);
    for await (const chunk of handle.createReadStream({
      highWaterMark: CHUNK,
      start: 0,
      autoClose: false,
    })) {
      digester.update(chunk as Buffer);
      if (digester.length > target.length) break; // the Digester reports the length mismatch
    }
    digester.verify();
    await pipeline(
      handle.createReadStream({ highWaterMark: CHUNK, start: 0, autoClose: false }),
      out,
      { end: false },
    );
  } catch (err) {
    if (err instanceof PgError) throw err;
    throw new StorageError(
      'io',
      `${source}: expected to stream the cached target to the output, got ${errnoCode(err) ?? 'an error'}`,
      { cause: err },
    );
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
