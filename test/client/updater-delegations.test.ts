import { afterEach, describe, expect, it } from 'vitest';
import { readdir } from 'node:fs/promises';
import { generateSigner } from '../../src/core/index.js';
import { startHarness, type Harness } from '../support/client-harness.js';

let h: Harness;
afterEach(async () => h?.close());

interface Edge {
  readonly from: string;
  readonly to: string;
  readonly paths?: string[];
  readonly terminating?: boolean;
}

async function graph(edges: Edge[]): Promise<Harness> {
  const harness = await startHarness();
  for (const e of edges) {
    harness.sim.addDelegation(
      e.from,
      { name: e.to, paths: e.paths ?? ['*'], terminating: e.terminating ?? false },
      [generateSigner('ed25519')],
    );
  }
  harness.sim.publish();
  return harness;
}

/** Delegated role names requested, in order (top-level requests dropped). */
function delegatedRequests(paths: string[]): string[] {
  return paths
    .map((p) => /^metadata\/\d+\.(.+)\.json$/.exec(p)?.[1])
    .filter((r): r is string => r !== undefined && !['root', 'snapshot', 'targets'].includes(r))
    .map((r) => decodeURIComponent(r));
}

async function lookup(harness: Harness, path: string): Promise<string[]> {
  const updater = harness.updater();
  await updater.refresh();
  harness.takeRequests();
  try {
    await updater.getTargetInfo(path);
  } finally {
    await updater.close();
  }
  return delegatedRequests(harness.takeRequests());
}

describe('delegation search order (TUF 5.6.7.2)', () => {
  const cases: [string, Edge[], string[]][] = [
    [
      'single level',
      [
        { from: 'targets', to: 'A' },
        { from: 'targets', to: 'B' },
      ],
      ['A', 'B'],
    ],
    [
      'depth first',
      [
        { from: 'targets', to: 'A' },
        { from: 'targets', to: 'B' },
        { from: 'A', to: 'C' },
        { from: 'A', to: 'D' },
      ],
      ['A', 'C', 'D', 'B'],
    ],
    [
      'terminating clears the whole stack',
      [
        { from: 'targets', to: 'A' },
        { from: 'targets', to: 'B' },
        { from: 'A', to: 'C', terminating: true },
        { from: 'A', to: 'D' },
      ],
      ['A', 'C'],
    ],
    [
      'terminating keeps its own subtree',
      [
        { from: 'targets', to: 'A' },
        { from: 'targets', to: 'B' },
        { from: 'A', to: 'C', terminating: true },
        { from: 'C', to: 'D' },
      ],
      ['A', 'C', 'D'],
    ],
    [
      'non-matching branches are skipped',
      [
        { from: 'targets', to: 'A', paths: ['*.py'] },
        { from: 'targets', to: 'B' },
        { from: 'A', to: 'C' },
      ],
      ['B'],
    ],
    [
      'cycles are visited once',
      [
        { from: 'targets', to: 'A' },
        { from: 'targets', to: 'B' },
        { from: 'B', to: 'C' },
        { from: 'C', to: 'D' },
        { from: 'D', to: 'B' },
      ],
      ['A', 'B', 'C', 'D'],
    ],
    [
      'a role reached twice is fetched once',
      [
        { from: 'targets', to: 'A' },
        { from: 'targets', to: 'B' },
        { from: 'B', to: 'C' },
        { from: 'A', to: 'C' },
      ],
      ['A', 'C', 'B'],
    ],
  ];
  for (const [name, edges, expected] of cases) {
    it(name, async () => {
      h = await graph(edges);
      expect(await lookup(h, 'missingpath')).toEqual(expected);
    });
  }

  it('stops after maxDelegations roles with a delegation-limit error', async () => {
    const edges: Edge[] = Array.from({ length: 6 }, (_, i) => ({
      from: i === 0 ? 'targets' : `r${i - 1}`,
      to: `r${i}`,
    }));
    h = await graph(edges);
    const updater = h.updater({ maxDelegations: 3 });
    await expect(updater.getTargetInfo('missingpath')).rejects.toMatchObject({
      code: 'delegation-limit',
    });
    await updater.close();
  });

  it('a target outside a delegator pattern is not found even if a deeper role lists it', async () => {
    h = await graph([
      { from: 'targets', to: 'B', paths: ['releases/*/*'] },
      { from: 'B', to: 'D', paths: ['releases/y/*.zip'] },
    ]);
    h.sim.addTarget('D', 'releases/y/y_v1.zip', new Uint8Array([1]));
    h.sim.addTarget('D', 'releases/z/z_v1.zip', new Uint8Array([2]));
    h.sim.publish();
    const updater = h.updater();
    expect((await updater.getTargetInfo('releases/y/y_v1.zip'))?.chain.map((l) => l.role)).toEqual([
      'targets',
      'B',
      'D',
    ]);
    expect(await updater.getTargetInfo('releases/z/z_v1.zip')).toBeUndefined();
    await updater.close();
  });
});

describe('delegated role verification', () => {
  it('diamond: a role signed by team-a is accepted via team-a and rejected via team-b', async () => {
    h = await startHarness();
    const keyA = generateSigner('ed25519');
    const keyB = generateSigner('ed25519');
    h.sim.addDelegation('targets', { name: 'team-a', paths: ['team-a/*'] });
    h.sim.addDelegation('targets', { name: 'team-b', paths: ['team-b/*'] });
    h.sim.addDelegation('team-a', { name: 'release', paths: ['team-a/*'] }, [keyA]);
    h.sim.addDelegation('team-b', { name: 'release', paths: ['team-b/*'] }, [keyB]);
    h.sim.signers.set('release', [keyA]);
    h.sim.addTarget('release', 'team-a/app.tgz', new Uint8Array([1, 2, 3]));
    h.sim.addTarget('release', 'team-b/app.tgz', new Uint8Array([4, 5, 6]));
    h.sim.publish();
    const updater = h.updater();
    expect((await updater.getTargetInfo('team-a/app.tgz'))?.chain.map((l) => l.role)).toEqual([
      'targets',
      'team-a',
      'release',
    ]);
    await expect(updater.getTargetInfo('team-b/app.tgz')).rejects.toMatchObject({
      code: 'threshold-not-met',
    });
    await updater.close();
  });

  it('a delegated role missing from snapshot is neither fetched nor written', async () => {
    h = await graph([{ from: 'targets', to: 'A' }]);
    const meta = h.sim.signed('snapshot')['meta'] as Record<string, unknown>;
    delete meta['A.json'];
    h.sim.snapshot.version += 1;
    h.sim.signRole('snapshot');
    h.sim.updateTimestamp();
    const updater = h.updater();
    await updater.refresh();
    h.takeRequests();
    await expect(updater.getTargetInfo('x')).rejects.toMatchObject({ code: 'missing-meta' });
    expect(h.takeRequests()).toEqual([]);
    expect(await h.onDisk()).not.toHaveProperty('A.json');
    await updater.close();
  });

  it('an expired delegated role fails the lookup and is not stored', async () => {
    h = await graph([{ from: 'targets', to: 'A' }]);
    h.sim.role('A').expires = h.sim.daysFromNow(-1);
    h.sim.publish({ bumpAll: true });
    const updater = h.updater();
    await expect(updater.getTargetInfo('x')).rejects.toMatchObject({ code: 'expired' });
    expect(await h.onDisk()).not.toHaveProperty('A.json');
    await updater.close();
  });

  it('hostile role names stay single files inside the metadata directory', async () => {
    const names = ['../escape', '/abs', '?', '#', '..', 'a/b'];
    h = await graph(names.map((to) => ({ from: 'targets', to })));
    const updater = h.updater();
    expect(await updater.getTargetInfo('missing')).toBeUndefined();
    await updater.close();
    expect(delegatedRequests(h.server.requests.map((r) => r.path))).toEqual(names);
    const files = (await readdir(h.metadataDir)).filter((f) => f.endsWith('.json'));
    expect(files).toHaveLength(4 + names.length);
    expect(await readdir(h.dir)).toEqual(['metadata', 'targets']);
  });

  it('succinct hash bins: the one bin for the path is fetched', async () => {
    h = await startHarness();
    const bins = h.sim.addSuccinctDelegation('targets', 4, 'bin');
    const { succinctBinNameForHash, targetPathHash } = await import('../../src/core/index.js');
    const bin = succinctBinNameForHash('bin', targetPathHash('pkg/file-1.tgz'), 4);
    expect(bins).toContain(bin);
    h.sim.addTarget(bin, 'pkg/file-1.tgz', new Uint8Array([9]));
    h.sim.publish();
    expect(await lookup(h, 'pkg/file-1.tgz')).toEqual([bin]);
  });

  it('path_hash_prefixes bins: only the matching bin is fetched', async () => {
    h = await startHarness();
    const { targetPathHash } = await import('../../src/core/index.js');
    const hash = targetPathHash('pkg/a.tgz');
    for (let i = 0; i < 16; i++)
      h.sim.addDelegation('targets', {
        name: `bin-${i.toString(16)}`,
        pathHashPrefixes: [i.toString(16)],
      });
    const owner = `bin-${hash[0]}`;
    h.sim.addTarget(owner, 'pkg/a.tgz', new Uint8Array([7]));
    h.sim.publish();
    expect(await lookup(h, 'pkg/a.tgz')).toEqual([owner]);
  });
});
