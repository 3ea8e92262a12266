// The build lock: one build per tree, a stale lock taken over by exactly one build, and a build
// that removes only its own lock.
import { hostname } from 'node:os';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StorageError } from '../../src/core/index.js';
import { type BuildLock, acquireBuildLock } from '../../src/mirror/build-lock.js';
import { exists, tempDirs } from './helpers.js';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

const DEAD_PID = 2 ** 22 + 12345;

describe('acquireBuildLock', () => {
  it('lets exactly one of two builds take over the same stale lock', async () => {
    const out = await dirs.make();
    const first = await acquireBuildLock(out);
    await first.release();
    const path = join(out, '.pg-mirror', 'lock');
    await writeFile(path, JSON.stringify({ pid: DEAD_PID, host: hostname(), since: 'x' }));
    const results = await Promise.allSettled([acquireBuildLock(out), acquireBuildLock(out)]);
    const won: BuildLock[] = [];
    const lost: unknown[] = [];
    for (const r of results) {
      if (r.status === 'fulfilled') won.push(r.value);
      else lost.push(r.reason);
    }
    expect(won).toHaveLength(1);
    expect(lost).toEqual([expect.any(StorageError)]);
    const lock = won[0] as BuildLock;
    expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({ pid: process.pid });
    await lock.release();
    expect(await exists(path)).toBe(false);
  });

  it('does not remove a lock that another build holds by the time it releases', async () => {
    const out = await dirs.make();
    const lock = await acquireBuildLock(out);
    const path = join(out, '.pg-mirror', 'lock');
    const other = { pid: process.pid, host: hostname(), since: 'now', token: 'someone-else' };
    await writeFile(path, JSON.stringify(other));
    await lock.release();
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual(other);
  });
});
