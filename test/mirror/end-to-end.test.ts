// pg-mirror build + serve, consumed by the real client (Updater) over loopback HTTP: the tree
// the mirror publishes is a repository a TUF client accepts, also while it is being updated.
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Updater } from '../../src/client/index.js';
import { TrustError } from '../../src/core/index.js';
import { startStaticServer, type RunningServer } from '../../src/mirror/index.js';
import { fixture, tempDirs, utf8, type Fixture } from './helpers.js';

const dirs = tempDirs();
const servers: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await dirs.cleanup();
});

async function serve(f: Fixture, cacheTtlMs?: number): Promise<RunningServer> {
  const options = { root: f.out, host: '127.0.0.1', port: 0 };
  const server = await startStaticServer(
    cacheTtlMs === undefined ? options : { ...options, cacheTtlMs },
  );
  servers.push(server);
  return server;
}

/** A client bootstrapped with root v1 of the fixture, in its own cache directory. */
async function client(f: Fixture, server: RunningServer): Promise<Updater> {
  const cache = await dirs.make('pg-mirror-client-');
  await mkdir(join(cache, 'metadata'));
  await writeFile(join(cache, 'metadata', 'root.json'), f.sim.rootBytes(1));
  const base = server.url.endsWith('/') ? server.url : `${server.url}/`;
  return new Updater({
    metadataDir: join(cache, 'metadata'),
    metadataBaseUrl: `${base}metadata/`,
    targetBaseUrl: `${base}targets/`,
    targetDir: join(cache, 'targets'),
  });
}

describe('pg-mirror build + serve with a TUF client', () => {
  it('lets a client bootstrapped from root v1 rotate to v2 and download targets through the delegation', async () => {
    const f = await fixture(dirs);
    expect((await f.build()).ok).toBe(true);
    const server = await serve(f);
    const updater = await client(f, server);
    try {
      const refreshed = await updater.refresh();
      expect(refreshed.versions).toEqual({ root: 2, timestamp: 2, snapshot: 2, targets: 2 });
      const lookup = await updater.getTargetInfo('releases/app-1.1.tar.gz');
      expect(lookup?.chain.map((l) => l.role)).toEqual(['targets', 'releases']);
      const stored = await updater.downloadTarget(lookup as NonNullable<typeof lookup>);
      expect(stored.length).toBe(25);
      const top = await updater.getTargetInfo('README.txt');
      expect(top?.chain.map((l) => l.role)).toEqual(['targets']);
    } finally {
      await updater.close();
    }
  });

  it('makes the client reject an artifact tampered with in the served tree', async () => {
    const f = await fixture(dirs);
    expect((await f.build()).ok).toBe(true);
    const dir = join(f.out, 'targets', 'releases');
    const name = (await readdir(dir)).find((n) => n.endsWith('app-1.0.tar.gz')) as string;
    await writeFile(
      join(dir, name),
      (await readFile(join(dir, name))).toString().replace('1.0', '6.6'),
    );
    const updater = await client(f, await serve(f));
    try {
      const lookup = await updater.getTargetInfo('releases/app-1.0.tar.gz');
      await expect(
        updater.downloadTarget(lookup as NonNullable<typeof lookup>),
      ).rejects.toBeInstanceOf(TrustError);
    } finally {
      await updater.close();
    }
  });

  it('never fails a client that refreshes in a loop while publishes run in a loop', async () => {
    const f = await fixture(dirs);
    expect((await f.build()).ok).toBe(true);
    // A short server cache, so the final refresh below sees the last publish promptly.
    const server = await serve(f, 50);
    const updater = await client(f, server);
    const publishes = 6;
    let done = false;
    let refreshes = 0;
    const seen = new Set<number>();
    const clientLoop = (async () => {
      // Bounded: stops after the publishes end (and at least a few refreshes), or at 2,000.
      while ((!done || refreshes < 5) && refreshes < 2000) {
        const r = await updater.refresh();
        seen.add(r.versions.timestamp);
        const lookup = await updater.getTargetInfo('releases/app-1.0.tar.gz');
        if (!lookup)
          throw new TrustError(
            'target-not-found',
            'releases/app-1.0.tar.gz: expected a lookup, got none',
          );
        refreshes++;
      }
    })();
    try {
      for (let i = 0; i < publishes; i++) {
        f.sim.addTarget('releases', `releases/app-2.${i}.tar.gz`, utf8(`app 2.${i}\n`));
        if (i % 2 === 0) f.sim.addTarget('targets', `notes-${i}.txt`, utf8(`notes ${i}\n`));
        f.sim.publish();
        await f.commit(`publish ${i}`);
        const report = await f.build({ keepVersions: 3 });
        expect(report.ok).toBe(true);
      }
    } finally {
      done = true;
      await clientLoop;
    }
    await new Promise((r) => setTimeout(r, 100));
    const last = await updater.refresh();
    const newest = await updater.getTargetInfo(`releases/app-2.${publishes - 1}.tar.gz`);
    await updater.close();
    expect(refreshes).toBeGreaterThanOrEqual(5);
    expect(last.versions.timestamp).toBe(2 + publishes);
    expect(newest?.chain.map((l) => l.role)).toEqual(['targets', 'releases']);
  });
});
