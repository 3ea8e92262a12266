// Writes a file map (simulator output, git layout) below a directory. Paths come from role
// names and target paths, which tests set freely, so each one is checked to stay inside `dir`.

import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import { StorageError, errnoCode } from '../core/index.js';

const CONCURRENCY = 16;

/** The absolute path of `relative` under `dir`; throws StorageError('unsafe-path') if it would escape. */
export function safeJoin(dir: string, relative: string): string {
  const root = resolve(dir);
  const segments = relative.split('/');
  // Reject instead of normalizing: `a/../b` in a target path is an attack, not a shortcut.
  if (
    relative.includes('\0') ||
    relative.startsWith('/') ||
    segments.some((s) => s === '' || s === '.' || s === '..')
  ) {
    throw new StorageError(
      'unsafe-path',
      `file path: expected a relative path without empty, "." or ".." segments, got ${JSON.stringify(relative)}`,
    );
  }
  const full = resolve(root, relative);
  if (!full.startsWith(root + sep)) {
    throw new StorageError(
      'unsafe-path',
      `file path: expected a path inside ${root}, got ${JSON.stringify(relative)}`,
    );
  }
  return full;
}

/** Writes every file of `files` below `dir`, creating directories as needed. */
export async function writeStaticTree(
  dir: string,
  files: ReadonlyMap<string, Uint8Array>,
): Promise<void> {
  const entries = [...files].map(([path, bytes]) => [safeJoin(dir, path), bytes] as const);
  const made = new Map<string, Promise<unknown>>();
  const ensureDir = (path: string): Promise<unknown> => {
    let pending = made.get(path);
    if (pending === undefined) {
      pending = mkdir(path, { recursive: true });
      made.set(path, pending);
    }
    return pending;
  };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < entries.length) {
      const [path, bytes] = entries[next++] as (typeof entries)[number];
      await ensureDir(dirname(path));
      await writeFile(path, bytes);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, entries.length) }, worker));
  } catch (err) {
    throw new StorageError(
      'io',
      `static tree ${dir}: expected every file written, got ${errnoCode(err) ?? 'an error'}`,
      { cause: err },
    );
  }
}
