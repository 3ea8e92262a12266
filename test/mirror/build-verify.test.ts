// pg-mirror build verifies a commit as a fresh client would: each attack below must refuse the
// build, name the problem, and leave the output directory without a published tree.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  generateSigner,
  hashHex,
  serializeMetadata,
  succinctBinIndex,
  type JsonObject,
} from '../../src/core/index.js';
import { createTufOnCiSimulator } from '../../src/sim/index.js';
import { exists, fixture, problemSummary, tempDirs, utf8 } from './helpers.js';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

/** The TAP 15 bin (of 2^bits) that holds a target path. */
function binFor(bins: readonly string[], path: string): string {
  return bins[succinctBinIndex(hashHex('sha256', path), Math.log2(bins.length))] as string;
}

/** Files in the output tree apart from the build state. */
async function published(out: string): Promise<string[]> {
  const all = await readdir(out, { recursive: true });
  return all.filter((p) => !p.startsWith('.pg-mirror'));
}

function edit(bytes: Uint8Array | undefined, change: (doc: JsonObject) => void): Uint8Array {
  const doc = JSON.parse(new TextDecoder().decode(bytes)) as JsonObject;
  change(doc);
  return serializeMetadata(doc, 'python');
}

describe('buildSite verification', () => {
  it('publishes a valid tuf-on-ci repository with every role, root and artifact', async () => {
    const f = await fixture(dirs);
    const report = await f.build();
    expect(report.ok).toBe(true);
    expect(report.versions).toEqual({ root: 2, timestamp: 2, snapshot: 2, targets: 2 });
    const files = await published(f.out);
    for (const name of [
      'metadata/1.root.json',
      'metadata/2.root.json',
      'metadata/root.json',
      'metadata/timestamp.json',
      'metadata/2.snapshot.json',
      'metadata/2.targets.json',
      'metadata/1.releases.json',
      'index.html',
      '.nojekyll',
    ]) {
      expect(files).toContain(name);
    }
    expect(
      files.filter((p) => /^targets\/releases\/[0-9a-f]{64}\.app-1\.[01]\.tar\.gz$/.test(p)),
    ).toHaveLength(2);
  });

  it('refuses a delegated role signed below its threshold', async () => {
    const f = await fixture(dirs);
    f.sim.setThreshold('releases', 2);
    f.sim.publish();
    await f.commit('releases now needs two signatures');
    const report = await f.build();
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      expect.objectContaining({
        role: 'releases',
        file: 'metadata/releases.json',
        code: 'threshold-not-met',
        expected: '2 valid signature(s)',
      }),
    ]);
    expect(await published(f.out)).toEqual([]);
  });

  it('refuses an artifact whose bytes differ from its target entry', async () => {
    const f = await fixture(dirs);
    await f.commit('tampered artifact', (files) =>
      files.set('targets/releases/app-1.0.tar.gz', utf8('app 1.0 release artifacX\n')),
    );
    const report = await f.build();
    expect(report.ok).toBe(false);
    const p = report.problems.find((x) => x.file === 'targets/releases/app-1.0.tar.gz');
    expect(p).toMatchObject({ role: 'releases', code: 'hash-mismatch' });
    expect(p?.expected).toMatch(/^sha256 [0-9a-f]{64} \(listed by releases\)$/);
    expect(await published(f.out)).toEqual([]);
  });

  it('refuses an artifact of another length and lists every bad artifact, not only the first', async () => {
    const f = await fixture(dirs);
    await f.commit('two bad artifacts', (files) => {
      files.set('targets/releases/app-1.0.tar.gz', utf8('longer than it should be\n\n'));
      files.set('targets/README.txt', utf8('x'));
    });
    const report = await f.build();
    expect(problemSummary(report)).toEqual(
      expect.arrayContaining([
        'length-mismatch targets/README.txt',
        'length-mismatch targets/releases/app-1.0.tar.gz',
      ]),
    );
  });

  it('refuses an artifact that no role lists', async () => {
    const f = await fixture(dirs);
    await f.commit('smuggled artifact', (files) =>
      files.set('targets/releases/extra.bin', utf8('not signed by anyone')),
    );
    const report = await f.build();
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      expect.objectContaining({
        role: null,
        file: 'targets/releases/extra.bin',
        code: 'unlisted-artifact',
      }),
    ]);
  });

  it('refuses an artifact listed only by a role the search does not reach for its path', async () => {
    const f = await fixture(dirs);
    // `releases` may only vouch for releases/*; an entry elsewhere is not found by a client.
    f.sim.addTarget('releases', 'other/tool.bin', utf8('tool'));
    f.sim.publish();
    await f.commit('entry outside the delegated paths');
    const report = await f.build();
    expect(problemSummary(report)).toEqual(['unlisted-artifact targets/other/tool.bin']);
  });

  it('refuses a target entry whose artifact is missing from git', async () => {
    const f = await fixture(dirs);
    await f.commit('artifact deleted', (files) => files.delete('targets/README.txt'));
    const report = await f.build();
    expect(report.problems).toEqual([
      expect.objectContaining({
        role: 'targets',
        file: 'targets/README.txt',
        code: 'missing-artifact',
      }),
    ]);
  });

  it('refuses root.json that is not the newest root in history', async () => {
    const f = await fixture(dirs);
    await f.commit('stale root.json', (files) =>
      files.set('metadata/root.json', files.get('metadata/root_history/1.root.json') as Uint8Array),
    );
    const report = await f.build();
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      expect.objectContaining({
        role: 'root',
        file: 'metadata/root.json',
        code: 'version-mismatch',
      }),
    ]);
  });

  it('refuses a root N+1 not signed by a threshold of root N (broken rotation step)', async () => {
    const f = await fixture(dirs);
    const [fresh] = f.sim.rotateSigners('root', 1);
    f.sim.bumpRoot({ signers: fresh ? [fresh] : [] });
    await f.commit('root v3 signed only by its own new key');
    const report = await f.build();
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      expect.objectContaining({
        role: 'root',
        file: 'metadata/root_history/3.root.json',
        code: 'threshold-not-met',
      }),
    ]);
    expect(report.problems[0]?.message).toContain('by root v2 keys');
  });

  it('refuses a gap in the root history', async () => {
    const f = await fixture(dirs);
    f.sim.bumpRoot();
    await f.commit('root v2 missing', (files) => files.delete('metadata/root_history/2.root.json'));
    const report = await f.build();
    expect(problemSummary(report)).toContain('missing-meta metadata/root_history/3.root.json');
  });

  it('refuses a timestamp expired at the reference time', async () => {
    const f = await fixture(dirs);
    f.sim.timestamp.expires = f.sim.daysFromNow(2);
    f.sim.publish();
    await f.commit('short-lived timestamp');
    expect((await f.build({ referenceTime: new Date(Date.now() + 86_400_000) })).ok).toBe(true);
    const later = await f.build({ referenceTime: new Date(Date.now() + 3 * 86_400_000) });
    expect(later.ok).toBe(false);
    expect(later.problems).toEqual([
      expect.objectContaining({
        role: 'timestamp',
        file: 'metadata/timestamp.json',
        code: 'expired',
      }),
    ]);
  });

  it('reports every failing delegated role, not only the first', async () => {
    const f = await fixture(dirs);
    f.sim.addDelegation('targets', { name: 'docs', paths: ['docs/*'] });
    f.sim.addTarget('docs', 'docs/guide.txt', utf8('guide'));
    f.sim.publish();
    const bump = (doc: JsonObject): void => {
      (doc['signed'] as JsonObject)['version'] = 7; // signed content changed: signatures no longer match
    };
    await f.commit('two broken roles', (files) => {
      files.set('metadata/releases.json', edit(files.get('metadata/releases.json'), bump));
      files.set('metadata/docs.json', edit(files.get('metadata/docs.json'), bump));
    });
    const report = await f.build();
    expect(report.ok).toBe(false);
    expect(problemSummary(report)).toEqual(
      expect.arrayContaining([
        'threshold-not-met metadata/releases.json',
        'threshold-not-met metadata/docs.json',
      ]),
    );
  });

  it('checks the root chain from a pinned --root and refuses history that differs from it', async () => {
    const f = await fixture(dirs);
    const pinned = f.sim.rootBytes(2);
    expect((await f.build({ rootBytes: pinned })).ok).toBe(true);
    const other = generateSigner('ecdsa-p256');
    const stranger = edit(f.sim.rootBytes(2), (doc) => {
      (doc['signatures'] as JsonObject[]).push({ keyid: other.keyid, sig: '' });
    });
    const report = await f.build({ rootBytes: stranger });
    expect(report.problems).toEqual([
      expect.objectContaining({ file: 'metadata/root_history/2.root.json', code: 'hash-mismatch' }),
    ]);
  });

  it('tolerates .signing-event-state and empty signature placeholders', async () => {
    const f = await fixture(dirs);
    const bob = f.sim.signers.get('releases')?.[0]?.keyid ?? '';
    await f.commit('signing event in progress', (files) => {
      files.set('metadata/.signing-event-state', utf8('{"invites": {}}\n'));
      // Root v2 is signed by alice and bob; bob's signature becomes a placeholder (threshold 1).
      const placeholder = edit(files.get('metadata/root_history/2.root.json'), (doc) => {
        for (const sig of doc['signatures'] as JsonObject[])
          if (sig['keyid'] === bob) sig['sig'] = '';
      });
      files.set('metadata/root_history/2.root.json', placeholder);
      files.set('metadata/root.json', placeholder);
    });
    const report = await f.build();
    expect(report.problems).toEqual([]);
    expect(report.warnings).toEqual([]);
    expect((await f.readOut('metadata/2.root.json')).toString()).toContain('"sig": ""');
    expect(await exists(join(f.out, 'metadata', '.signing-event-state'))).toBe(false);
  });

  it('accepts a root history that starts above version 1, with or without a pinned older root', async () => {
    const f = await fixture(dirs);
    f.sim.bumpRoot();
    await f.commit('history trimmed to v2..v3', (files) =>
      files.delete('metadata/root_history/1.root.json'),
    );
    const report = await f.build();
    expect(report.problems).toEqual([]);
    expect(report.versions?.root).toBe(3);
    expect(await exists(join(f.out, 'metadata', '1.root.json'))).toBe(false);
    // A client pinned to root v1 still gets a chain it can walk: v1 (pinned) -> v2 -> v3.
    expect((await f.build({ rootBytes: f.sim.rootBytes(1) })).ok).toBe(true);
  });

  it('verifies succinct hash-bin delegations (TAP 15) and refuses a missing bin file', async () => {
    const sim = createTufOnCiSimulator();
    const bins = sim.addSuccinctDelegation('releases', 2, 'bin');
    const f = await fixture(dirs, sim);
    // The fixture committed before any bin was published: publish them now.
    sim.addTarget(binFor(bins, 'releases/tools/t.bin'), 'releases/tools/t.bin', utf8('tool'));
    sim.publish();
    await f.commit('hash bins');
    const report = await f.build();
    expect(report.problems).toEqual([]);
    expect(report.roles).toBe(2 + bins.length);
    const missing = bins.find((b) => b !== binFor(bins, 'releases/tools/t.bin')) as string;
    f.sim.publish({ bumpAll: true });
    await f.commit('a bin file lost', (files) => files.delete(`metadata/${missing}.json`));
    expect(problemSummary(await f.build())).toEqual([`missing-meta metadata/${missing}.json`]);
  });
});
