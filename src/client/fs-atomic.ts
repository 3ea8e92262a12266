import { randomBytes } from 'node:crypto';
import { open, readdir, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { StorageError, errnoCode } from '../core/index.js';

// Atomic replacement: readers see either the previous complete file or the new complete
// file under the final name, never a partial one (ARCHITECTURE "Security invariants").

const TEMP_PATTERN = /^\..+\.[0-9a-f]{16}\.tmp$/;

/** A fresh temp name in the same directory; never ends in `.json`, never a target file name. */
export function tempFileName(name: string): string {
  return `.${name}.${randomBytes(8).toString('hex')}.tmp`;
}

/** Wraps a file-system failure once, keeping the cause. */
export function toStorageError(path: string, expected: string, err: unknown): StorageError {
  if (err instanceof StorageError) return err;
  const got = errnoCode(err) ?? (err instanceof Error ? err.message : String(err));
  return new StorageError('io', `${path}: expected ${expected}, got ${got}`, { cause: err });
}

/** Best effort: makes a rename durable. Some platforms cannot open or fsync directories. */
async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Durability of the directory entry is an optimisation; atomicity does not depend on it.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/** Removes a temp file, ignoring a missing one; never throws (used on error paths). */
export async function discardTemp(path: string): Promise<void> {
  await rm(path, { force: true }).catch(() => undefined);
}

/**
 * Writes `bytes` to `dir/name` atomically: exclusive-create a temp file in the same directory,
 * write, fsync, rename over the final name, fsync the directory. On failure the temp file is
 * removed, the previous file is untouched, and a StorageError('io') carries the cause.
 */
export async function writeFileAtomic(dir: string, name: string, bytes: Uint8Array): Promise<void> {
  const finalPath = join(dir, name);
  const tempPath = join(dir, tempFileName(name));
  let handle: FileHandle | undefined;
  try {
    // `wx`: never follow or reuse something an attacker (or a crashed run) left at this name.
    handle = await open(tempPath, 'wx', 0o644);
    await handle.writeFile(bytes);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(tempPath, finalPath);
  } catch (err) {
    await handle?.close().catch(() => undefined);
    await discardTemp(tempPath);
    throw toStorageError(finalPath, 'an atomic write', err);
  }
  await syncDirectory(dir);
}

/** Deletes `.<name>.<random>.tmp` files older than `olderThanMs` left by crashed runs; returns how many. */
export async function removeStaleTemps(dir: string, olderThanMs = 3_600_000): Promise<number> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return 0;
    throw toStorageError(dir, 'a readable directory', err);
  }
  const cutoff = Date.now() - olderThanMs;
  let removed = 0;
  for (const name of names) {
    if (!TEMP_PATTERN.test(name)) continue;
    const path = join(dir, name);
    try {
      const info = await stat(path);
      if (!info.isFile() || info.mtimeMs > cutoff) continue;
      await rm(path, { force: true });
      removed++;
    } catch {
      // Another process may be finishing or cleaning the same file: not our failure.
    }
  }
  return removed;
}
