// pg-mirror sync: fetch, resolve, build when the commit changed; a refused commit never
// replaces the published tree.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runSync, syncOnce, type SyncIteration } from '../../src/mirror/index.js';
import { runGit } from '../../src/sim/index.js';
import { fixture, tempDirs, utf8 } from './helpers.js';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

describe('syncOnce / runSync', () => {
  it('fetches the remote, publishes new commits, and keeps the old tree when a commit is refused', async () => {
    const f = await fixture(dirs);
    const clone = join(await dirs.make('pg-mirror-clone-'), 'repo');
    await runGit(join(clone, '..'), ['clone', '-q', f.git, clone]);
    const out = await dirs.make('pg-mirror-sync-out-');
    const options = { gitPath: clone, ref: 'origin/main', outDir: out };
    const memory = {};

    const first = await syncOnce(options, memory);
    expect(first).toMatchObject({ outcome: 'built', fetched: ['origin'] });
    expect((await syncOnce(options, memory)).outcome).toBe('unchanged');

    f.sim.addTarget('releases', 'releases/app-1.2.tar.gz', utf8('app 1.2\n'));
    f.sim.publish();
    const good = await f.commit('release 1.2');
    const second = await syncOnce(options, memory);
    expect(second).toMatchObject({ outcome: 'built', commit: good });
    const published = await readFile(join(out, 'metadata', 'timestamp.json'));

    await f.commit('tampered', (files) =>
      files.set('targets/releases/app-1.2.tar.gz', utf8('app 6.6\n')),
    );
    const third = await syncOnce(options, memory);
    expect(third.outcome).toBe('refused');
    expect(third.report?.problems[0]).toMatchObject({
      code: 'hash-mismatch',
      file: 'targets/releases/app-1.2.tar.gz',
    });
    expect(Buffer.compare(await readFile(join(out, 'metadata', 'timestamp.json')), published)).toBe(
      0,
    );
    // The refused commit is not retried on every iteration; a fresh memory starts from the tree.
    expect((await syncOnce(options, memory)).outcome).toBe('unchanged');
    expect((await syncOnce(options, {})).outcome).toBe('refused');
  });

  it('reports an operational failure (unknown ref) as a failed iteration, not a throw', async () => {
    const f = await fixture(dirs);
    const it1 = await syncOnce({ gitPath: f.git, ref: 'no-such-branch', outDir: f.out });
    expect(it1.outcome).toBe('failed');
    expect(it1.fetched).toEqual([]);
    expect((it1.error as { code?: string }).code).toBe('git-bad-ref');
  });

  it('runs until aborted', async () => {
    const f = await fixture(dirs);
    const controller = new AbortController();
    const iterations: SyncIteration[] = [];
    await runSync({
      gitPath: f.git,
      ref: 'main',
      outDir: f.out,
      intervalMs: 10,
      signal: controller.signal,
      onIteration: (it) => {
        iterations.push(it);
        if (iterations.length === 3) controller.abort();
      },
    });
    expect(iterations.map((i) => i.outcome)).toEqual(['built', 'unchanged', 'unchanged']);
  });
});
