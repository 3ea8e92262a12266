// One build at a time per output tree: `<out>/.pg-mirror/lock` is created exclusively and
// removed when the build ends. A lock left by a process that no longer exists (same host) is
// taken over, so a crash does not block publishing forever.
import { hostname } from 'node:os';
import { join } from 'node:path';
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { StorageError } from '../core/index.js';
import { STATE_DIR } from './state.js';

export interface BuildLock {
  release(): Promise<void>;
}

interface LockOwner {
  readonly pid: number;
  readonly host: string;
  readonly since: string;
}

/** Takes the build lock of `outDir`; waits up to `waitMs` for another build, then StorageError('io'). */
export async function acquireBuildLock(outDir: string, waitMs = 0): Promise<BuildLock> {
  const dir = join(outDir, STATE_DIR);
  const path = join(dir, 'lock');
  await mkdir(dir, { recursive: true }).catch((err: unknown) => {
    throw new StorageError('io', `${dir}: expected a directory, got ${errCode(err)}`, {
      cause: err,
    });
  });
  const deadline = Date.now() + waitMs;
  const owner: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  for (;;) {
    try {
      // `wx`: exclusive create, the only atomic "test and set" a file system offers everywhere.
      const handle = await open(path, 'wx', 0o644);
      await handle.writeFile(JSON.stringify(owner));
      await handle.close();
      return { release: () => rm(path, { force: true }) };
    } catch (err) {
      if (errCode(err) !== 'EEXIST')
        throw new StorageError(
          'io',
          `${path}: expected to create the build lock, got ${errCode(err)}`,
          { cause: err },
        );
    }
    const holder = await readOwner(path);
    if (holder && holder.host === owner.host && !isAlive(holder.pid)) {
      // Two processes taking over the same stale lock at the same instant could both succeed;
      // that needs a crash plus a simultaneous start, and each build still verifies fully.
      await rm(path, { force: true });
      continue;
    }
    if (Date.now() >= deadline) {
      const who = holder
        ? `pid ${holder.pid} on ${holder.host} since ${holder.since}`
        : 'an unreadable lock';
      throw new StorageError('io', `${path}: expected no other build of this tree, got ${who}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function readOwner(path: string): Promise<LockOwner | undefined> {
  try {
    const doc = JSON.parse(await readFile(path, 'utf8')) as Partial<LockOwner>;
    if (
      typeof doc.pid === 'number' &&
      typeof doc.host === 'string' &&
      typeof doc.since === 'string'
    ) {
      return { pid: doc.pid, host: doc.host, since: doc.since };
    }
  } catch {
    // Being written right now, or garbage: treated as held until the deadline.
  }
  return undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return errCode(err) === 'EPERM';
  }
}

function errCode(err: unknown): string {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string'
    ? err.code
    : String(err);
}
