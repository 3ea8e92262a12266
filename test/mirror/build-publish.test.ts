// How pg-mirror build publishes: exact bytes, incremental updates that touch only what changed,
// immutable versioned files, rollback refusal, pruning, the build lock and the index page.
import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StorageError } from '../../src/core/index.js';
import { generateSigner, serializeMetadata, type JsonObject } from '../../src/core/index.js';
import { exists, fixture, problemSummary, tempDirs, utf8 } from './helpers.js';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

async function snapshotStats(out: string): Promise<Map<string, { ino: number; mtimeMs: number }>> {
  const stats = new Map<string, { ino: number; mtimeMs: number }>();
  for (const p of await readdir(out, { recursive: true })) {
    if (p.startsWith('.pg-mirror')) continue;
    const st = await stat(join(out, p));
    if (st.isFile()) stats.set(p, { ino: st.ino, mtimeMs: st.mtimeMs });
  }
  return stats;
}

describe('buildSite publishing', () => {
  it('publishes the exact git blob bytes, so custom fields survive byte for byte', async () => {
    const f = await fixture(dirs);
    const layout = f.sim.toGitLayout();
    expect((await f.build()).ok).toBe(true);
    const pairs: [string, string][] = [
      ['metadata/targets.json', 'metadata/2.targets.json'],
      ['metadata/releases.json', 'metadata/1.releases.json'],
      ['metadata/snapshot.json', 'metadata/2.snapshot.json'],
      ['metadata/timestamp.json', 'metadata/timestamp.json'],
      ['metadata/root_history/1.root.json', 'metadata/1.root.json'],
      ['metadata/root.json', 'metadata/root.json'],
    ];
    for (const [source, published] of pairs) {
      expect(
        Buffer.compare(await f.readOut(published), Buffer.from(layout.get(source) as Uint8Array)),
        published,
      ).toBe(0);
    }
    const targets = (await f.readOut('metadata/2.targets.json')).toString();
    expect(targets).toContain('"x-tuf-on-ci-expiry-period": 365');
    expect((await f.readOut('metadata/2.root.json')).toString()).toContain(
      '"x-tuf-on-ci-keyowner": "@alice"',
    );
  });

  it('rewrites only what changed when one role changes (inodes and mtimes of the rest are untouched)', async () => {
    const f = await fixture(dirs);
    expect((await f.build()).ok).toBe(true);
    const before = await snapshotStats(f.out);
    await new Promise((r) => setTimeout(r, 20));
    f.sim.addTarget('releases', 'releases/app-1.2.tar.gz', utf8('app 1.2\n'));
    f.sim.publish();
    await f.commit('release 1.2');
    const report = await f.build();
    expect(report.ok).toBe(true);
    // Incremental: only the changed role's entries are checked again (3 of 4).
    expect(report.mode).toBe('incremental');
    expect(report.checkedEntries).toBe(3);
    const written = report.written.map((p) => p.replace(/[0-9a-f]{64}/, '<sha256>')).sort();
    expect(written).toEqual([
      'index.html',
      'metadata/2.releases.json',
      'metadata/3.snapshot.json',
      'metadata/timestamp.json',
      'targets/releases/<sha256>.app-1.2.tar.gz',
    ]);
    const after = await snapshotStats(f.out);
    for (const [path, st] of before) {
      if (path === 'index.html' || path === 'metadata/timestamp.json') continue;
      expect(after.get(path), path).toEqual(st);
    }
    // A second build of the same commit writes nothing at all.
    const again = await f.build();
    expect(again.written).toEqual([]);
    expect(again.hashedArtifacts).toBe(0);
  });

  it('refuses a rewritten root_history file over an existing tree, writing nothing', async () => {
    const f = await fixture(dirs);
    expect((await f.build()).ok).toBe(true);
    const timestampBefore = await f.readOut('metadata/timestamp.json');
    f.sim.publish({ bumpAll: true });
    await f.commit('history rewritten', (files) => {
      // Same signed content, other bytes: the chain still verifies, but 1.root.json is immutable.
      const doc = JSON.parse(
        new TextDecoder().decode(files.get('metadata/root_history/1.root.json')),
      ) as JsonObject;
      files.set('metadata/root_history/1.root.json', serializeMetadata(doc, 'compact'));
    });
    const report = await f.build();
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      expect.objectContaining({
        role: 'root',
        file: 'metadata/1.root.json',
        code: 'immutable-changed',
      }),
    ]);
    expect(report.written).toEqual([]);
    expect(Buffer.compare(await f.readOut('metadata/timestamp.json'), timestampBefore)).toBe(0);
    expect(await exists(join(f.out, 'metadata/3.snapshot.json'))).toBe(false);
  });

  it('refuses, with checkTree, a tampered artifact in the published tree instead of overwriting it silently', async () => {
    const f = await fixture(dirs);
    expect((await f.build()).ok).toBe(true);
    const name = (await readdir(join(f.out, 'targets'))).find((n) =>
      n.endsWith('.README.txt'),
    ) as string;
    await writeFile(
      join(f.out, 'targets', name),
      'This repository is generated by the repository-playground simulatoX\n',
    );
    // The build state says the file is published: only --check-tree looks at it again.
    expect((await f.build()).ok).toBe(true);
    const report = await f.build({ checkTree: true });
    expect(problemSummary(report)).toEqual([`immutable-changed targets/${name}`]);
  });

  it('refuses to roll back: an older commit after a newer one is not published', async () => {
    const f = await fixture(dirs);
    const old = await f.commit('same state');
    f.sim.publish({ bumpAll: true });
    await f.commit('newer');
    expect((await f.build()).ok).toBe(true);
    const report = await f.build({ ref: old });
    expect(report.ok).toBe(false);
    expect(problemSummary(report)).toEqual(
      expect.arrayContaining(['rollback metadata/timestamp.json']),
    );
    const published = JSON.parse((await f.readOut('metadata/timestamp.json')).toString()) as {
      signed: { version: number };
    };
    expect(published.signed.version).toBe(3);
  });

  it('refuses a snapshot that drops a role the published snapshot lists (TUF 5.5.5)', async () => {
    const f = await fixture(dirs);
    expect((await f.build()).ok).toBe(true);
    // A correctly signed snapshot that no longer lists releases.json (the simulator's own
    // snapshot update would list it again, so this one is edited and signed by hand).
    f.sim.snapshot.version = f.sim.snapshot.version + 1;
    delete (f.sim.signed('snapshot')['meta'] as JsonObject)['releases.json'];
    f.sim.signRole('snapshot');
    f.sim.updateTimestamp();
    await f.commit('releases dropped from snapshot');
    const report = await f.build();
    expect(report.ok).toBe(false);
    expect(report.problems.some((p) => p.code === 'rollback' && p.role === 'releases')).toBe(true);
  });

  it('keeps the newest --keep-versions of snapshot and each role, and every root', async () => {
    const f = await fixture(dirs);
    for (let i = 0; i < 4; i++) {
      f.sim.publish({ bumpAll: true });
      await f.commit(`publish ${i}`);
      expect((await f.build({ keepVersions: 2 })).ok).toBe(true);
    }
    const names = (await readdir(join(f.out, 'metadata'))).filter((n) => !n.startsWith('.')).sort();
    expect(names).toEqual([
      '1.root.json',
      '2.root.json',
      '4.releases.json',
      '5.releases.json',
      '5.snapshot.json',
      '5.targets.json',
      '6.snapshot.json',
      '6.targets.json',
      'root.json',
      'timestamp.json',
    ]);
  });

  it('serializes builds of one tree with a lock, and takes over a lock left by a dead process', async () => {
    const f = await fixture(dirs);
    const first = f.build();
    await expect(f.build()).rejects.toBeInstanceOf(StorageError);
    expect((await first).ok).toBe(true);
    await writeFile(
      join(f.out, '.pg-mirror', 'lock'),
      JSON.stringify({
        pid: 2 ** 22 + 12345,
        host: (await import('node:os')).hostname(),
        since: 'x',
      }),
    );
    expect((await f.build()).ok).toBe(true);
    expect(await exists(join(f.out, '.pg-mirror', 'lock'))).toBe(false);
  });

  it('escapes every metadata string in index.html', async () => {
    const owner = generateSigner('ecdsa-p256', {
      'x-tuf-on-ci-keyowner': '<script>alert("owner")</script>',
    });
    const f = await fixture(dirs);
    const role = 'docs"><b>x<b>';
    f.sim.addDelegation('targets', { name: role, paths: ['docs/*'] }, [owner]);
    f.sim.addTarget(role, 'docs/"><img src=x onerror=alert(1)>.txt', utf8('hi'));
    f.sim.publish();
    await f.commit('hostile names');
    const report = await f.build();
    expect(report.ok).toBe(true);
    const html = (await f.readOut('index.html')).toString();
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<b>x');
    expect(html).toContain('docs&#34;&#62;&#60;b&#62;x&#60;b&#62;');
    expect(await exists(join(f.out, 'metadata', `1.${role}.json`))).toBe(true);
    expect(html).toContain('&#60;script&#62;alert(&#34;owner&#34;)');
    expect(html).toContain(report.commit);
  });

  it('re-hashes nothing whose blob id it has verified before, and everything after the state is lost', async () => {
    const f = await fixture(dirs);
    expect((await f.build()).hashedArtifacts).toBe(3);
    f.sim.publish({ bumpAll: true });
    await f.commit('metadata only');
    expect((await f.build()).hashedArtifacts).toBe(0);
    await writeFile(join(f.out, '.pg-mirror', 'state'), 'not json');
    f.sim.publish({ bumpAll: true });
    await f.commit('metadata only, again');
    const report = await f.build();
    expect(report.ok).toBe(true);
    expect(report.hashedArtifacts).toBe(3);
    const state = await readFile(join(f.out, '.pg-mirror', 'state'), 'utf8');
    expect(state).toContain(`\ncommit ${report.commit}\n`);
  });
});
