// Files of the published tree: what each should contain, whether the tree already has it, and
// writing it by atomic rename (a reader sees the old file or the new one, never a part).
import { createHash, randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { lstat, mkdir, open, readFile, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { mapConcurrent, toStorageError, writeFileAtomic } from '../client/index.js';
import { DownloadError, StorageError, TrustError, errnoCode } from '../core/index.js';
import type { GitReader } from './git-reader.js';
import type { BuildState, FileRecord } from './state.js';

/** The bytes of a file: in memory (metadata, index) or a git blob (artifacts). */
export type Content = { readonly bytes: Uint8Array } | { readonly oid: string };

export interface PlannedFile {
  /** Relative to the output directory, `/`-separated. */
  readonly path: string;
  readonly content: Content;
  readonly size: number;
  readonly sha256: string;
  /** Versioned and hash-named files never change once published. */
  readonly immutable: boolean;
}

export type FileStatus = 'new' | 'same' | 'changed';

const STREAM_ABOVE = 16 * 1024 * 1024;

/** The absolute path of `rel` under `outDir`; StorageError('unsafe-path') if it would lie outside. */
export function outputPath(outDir: string, rel: string): string {
  const root = resolve(outDir);
  const abs = resolve(root, rel);
  // Last guard behind the path checks of source.ts, verify-artifacts.ts and plan.ts: no planned
  // name, however it was built, is written or read outside the output directory.
  if (!abs.startsWith(root + sep)) {
    throw new StorageError(
      'unsafe-path',
      `${JSON.stringify(rel)}: expected a path inside ${root}, got ${abs}`,
    );
  }
  return abs;
}

/** Compares a planned file with the tree; a stat matching the state record avoids reading it. */
export async function fileStatus(
  outDir: string,
  file: PlannedFile,
  state: BuildState,
  trustState: boolean,
): Promise<FileStatus> {
  const record = state.files.get(file.path);
  // A versioned or hash-named file this tool wrote with these exact bytes: the state says it is
  // there, without a stat per file (100,000 artifacts). `checkTree` turns this off.
  if (trustState && file.immutable && record?.sha256 === file.sha256) return 'same';
  const abs = outputPath(outDir, file.path);
  let st;
  try {
    st = await lstat(abs);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return 'new';
    throw toStorageError(abs, 'a readable tree', err);
  }
  if (!st.isFile()) return 'changed';
  if (record && record.size === st.size && record.mtimeMs === st.mtimeMs && record.ino === st.ino) {
    return record.sha256 === file.sha256 ? 'same' : 'changed';
  }
  if (st.size !== file.size) return 'changed';
  const actual = await hashFile(abs);
  if (actual !== file.sha256) return 'changed';
  state.files.set(file.path, { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, sha256: actual });
  state.dirty = true;
  return 'same';
}

/** Writes files with at most `concurrency` in flight; records each in the state. */
export async function writeFiles(
  outDir: string,
  files: readonly PlannedFile[],
  reader: GitReader,
  state: BuildState,
  options: { concurrency: number; durable: boolean },
): Promise<void> {
  const dirs = new Set<string>();
  for (const f of files) dirs.add(dirname(outputPath(outDir, f.path)));
  await mapConcurrent([...dirs], options.concurrency, (d) =>
    mkdir(d, { recursive: true }).catch((err: unknown) => {
      throw toStorageError(d, 'a directory', err);
    }),
  );
  await mapConcurrent(files, options.concurrency, async (file) => {
    const abs = outputPath(outDir, file.path);
    const content = file.content;
    if ('bytes' in content) {
      if (options.durable) await writeFileAtomic(dirname(abs), basename(abs), content.bytes);
      else await replaceFile(abs, (h) => h.writeFile(content.bytes));
    } else {
      await writeBlob(abs, file, content.oid, reader);
    }
    const st = await lstat(abs);
    const record: FileRecord = {
      size: st.size,
      mtimeMs: st.mtimeMs,
      ino: st.ino,
      sha256: file.sha256,
    };
    state.files.set(file.path, record);
    state.dirty = true;
  });
}

// The digest may come from the state cache: hashing while writing guarantees the published
// file is exactly the bytes its hash-prefixed name promises.
async function writeBlob(
  abs: string,
  file: PlannedFile,
  oid: string,
  reader: GitReader,
): Promise<void> {
  const hash = createHash('sha256');
  await replaceFile(abs, async (handle) => {
    if (file.size > STREAM_ABOVE) {
      await reader.readBlobStream(oid, async (chunk) => {
        hash.update(chunk);
        await handle.write(chunk);
      });
    } else {
      // Bounded by the verified size: a blob that differs is refused unread, not buffered.
      const bytes = await reader.readBlob(oid, file.size).catch((err: unknown) => {
        if (!(err instanceof DownloadError)) throw err;
        const msg = `${file.path}: expected ${file.size} bytes, got more`;
        throw new TrustError('length-mismatch', msg, { cause: err });
      });
      hash.update(bytes);
      await handle.writeFile(bytes);
    }
    const actual = hash.digest('hex');
    if (actual !== file.sha256) {
      throw new TrustError(
        'hash-mismatch',
        `${file.path}: expected sha256 ${file.sha256}, got ${actual}`,
      );
    }
  });
}

// Temp file in the same directory (exclusive create), then rename over the final name. Not
// fsynced per file: `flushTree` makes the batch durable before anything references it.
async function replaceFile(
  abs: string,
  fill: (handle: FileHandle) => Promise<void>,
): Promise<void> {
  const temp = join(dirname(abs), `.${basename(abs)}.${randomBytes(8).toString('hex')}.tmp`);
  let handle: FileHandle | undefined;
  try {
    handle = await open(temp, 'wx', 0o644);
    await fill(handle);
    await handle.close();
    handle = undefined;
    await rename(temp, abs);
  } catch (err) {
    await handle?.close().catch(() => undefined);
    await rm(temp, { force: true }).catch(() => undefined);
    if (err instanceof TrustError) throw err;
    throw toStorageError(abs, 'an atomic write', err);
  }
}

/**
 * Makes files written without fsync durable before the commit point (root.json, timestamp.json):
 * one `sync -f` of the file system when available (one call instead of thousands of fsyncs),
 * otherwise an fsync per file.
 */
export async function flushTree(
  outDir: string,
  paths: readonly string[],
  concurrency: number,
): Promise<void> {
  if (paths.length === 0) return;
  if (paths.length > 64 && (await syncFileSystem(outDir))) return;
  await mapConcurrent(paths, concurrency, async (p) => {
    let handle: FileHandle | undefined;
    try {
      handle = await open(join(outDir, p), 'r');
      await handle.sync();
    } catch {
      // Durability is best effort here; atomic visibility does not depend on it.
    } finally {
      await handle?.close().catch(() => undefined);
    }
  });
}

function syncFileSystem(dir: string): Promise<boolean> {
  return new Promise((resolve) => {
    execFile('sync', ['-f', dir], { timeout: 60_000 }, (err) => resolve(err === null));
  });
}

/** sha256 of a file, streamed. */
async function hashFile(abs: string): Promise<string> {
  const st = await lstat(abs);
  if (st.size <= STREAM_ABOVE)
    return createHash('sha256')
      .update(await readFile(abs))
      .digest('hex');
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(abs)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
