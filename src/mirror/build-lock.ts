// One build at a time per output tree: `<out>/.pg-mirror/lock` is created exclusively and
// removed when the build ends. A lock left by a process that no longer exists (same host) is
// taken over, so a crash does not block publishing forever. Each lock carries a random token:
// a takeover moves exactly the stale lock it judged, and a build removes only its own lock.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { link, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { StorageError, errnoCode } from '../core/index.js';
import { STATE_DIR } from './state.js';

export interface BuildLock {
  release(): Promise<void>;
}

interface LockOwner {
  readonly pid: number;
  readonly host: string;
  readonly since: string;
  /** Absent in locks written by older versions. */
  readonly token?: string;
}

/** Takes the build lock of `outDir`; waits up to `waitMs` for another build, then StorageError('io'). */
export async function acquireBuildLock(outDir: string, waitMs = 0): Promise<BuildLock> {
  const dir = join(outDir, STATE_DIR);
  const path = join(dir, 'lock');
  await mkdir(dir, { recursive: true }).catch((err: unknown) => {
    throw new StorageError(
      'io',
      `${dir}: expected a directory, got ${errnoCode(err) ?? String(err)}`,
      {
        cause: err,
      },
    );
  });
  const deadline = Date.now() + waitMs;
  const token = randomBytes(16).toString('hex');
  const owner: LockOwner = {
    pid: process.pid,
    host: hostname(),
    since: new Date().toISOString(),
    token,
  };
  for (;;) {
    try {
      // `wx`: exclusive create, the only atomic "test and set" a file system offers everywhere.
      const handle = await open(path, 'wx', 0o644);
      await handle.writeFile(JSON.stringify(owner));
      await handle.close();
      return { release: () => releaseIfOwned(path, token) };
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST')
        throw new StorageError(
          'io',
          `${path}: expected to create the build lock, got ${errnoCode(err) ?? String(err)}`,
          { cause: err },
        );
    }
    const holder = await readOwner(path);
    if (holder && holder.host === owner.host && !isAlive(holder.pid)) {
      await takeOver(path, holder, token);
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

// Moves the stale lock aside (rename is atomic: of two builds taking over, one moves it, the
// other gets ENOENT) and removes it if it is still the lock judged stale. If another build
// took over in between, what was moved is its live lock: it is linked back, never clobbering.
// Either way the caller retries the exclusive create.
async function takeOver(path: string, stale: LockOwner, token: string): Promise<void> {
  const aside = `${path}.${token}.stale`;
  try {
    await rename(path, aside);
  } catch {
    return; // gone already: someone else moved or released it
  }
  const moved = await readOwner(aside);
  if (!moved || !sameOwner(moved, stale)) {
    await link(aside, path).catch(() => undefined);
  }
  await rm(aside, { force: true });
}

function sameOwner(a: LockOwner, b: LockOwner): boolean {
  return a.pid === b.pid && a.host === b.host && a.since === b.since && a.token === b.token;
}

// Removes the lock only while it still carries this build's token.
async function releaseIfOwned(path: string, token: string): Promise<void> {
  const holder = await readOwner(path);
  if (holder?.token === token) await rm(path, { force: true });
}

async function readOwner(path: string): Promise<LockOwner | undefined> {
  try {
    const doc = JSON.parse(await readFile(path, 'utf8')) as Partial<LockOwner>;
    if (
      typeof doc.pid === 'number' &&
      typeof doc.host === 'string' &&
      typeof doc.since === 'string'
    ) {
      const token = typeof doc.token === 'string' ? doc.token : undefined;
      return { pid: doc.pid, host: doc.host, since: doc.since, ...(token ? { token } : {}) };
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
    return errnoCode(err) === 'EPERM';
  }
}
