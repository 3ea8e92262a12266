import { afterEach, describe, expect, it } from 'vitest';
import { generateSigner } from '../../src/core/index.js';
import { startHarness, type Harness } from '../support/client-harness.js';

let h: Harness;
afterEach(async () => h?.close());

describe('updater refresh: request sequence and trusted cache', () => {
  it('fresh client fetches next root, timestamp, snapshot, targets and nothing else', async () => {
    h = await startHarness();
    await h.refresh();
    expect(h.takeRequests()).toEqual([
      'metadata/2.root.json',
      'metadata/timestamp.json',
      'metadata/1.snapshot.json',
      'metadata/1.targets.json',
    ]);
    expect(await h.onDisk()).toEqual({
      'root.json': 1,
      'snapshot.json': 1,
      'targets.json': 1,
      'timestamp.json': 1,
    });
  });

  it('warm refresh with no change makes exactly two requests', async () => {
    h = await startHarness();
    await h.refresh();
    h.takeRequests();
    await h.refresh();
    expect(h.takeRequests()).toEqual(['metadata/2.root.json', 'metadata/timestamp.json']);
  });

  it('stores the exact bytes received', async () => {
    h = await startHarness();
    const ts = h.sim.publishedBytes('timestamp');
    const padded = new Uint8Array([...ts, 0x20]);
    h.sim.overrides.set('metadata/timestamp.json', padded);
    await h.refresh();
    const { readFile } = await import('node:fs/promises');
    expect(new Uint8Array(await readFile(`${h.metadataDir}/timestamp.json`))).toEqual(padded);
  });

  it('uses versioned names only when consistent_snapshot is true', async () => {
    h = await startHarness({ consistentSnapshot: false });
    await h.refresh();
    expect(h.takeRequests()).toEqual([
      'metadata/2.root.json',
      'metadata/timestamp.json',
      'metadata/snapshot.json',
      'metadata/targets.json',
    ]);
  });

  it('updates over an expired local root and timestamp', async () => {
    h = await startHarness();
    const start = Date.now();
    await h.refresh();
    for (const role of ['root', 'timestamp', 'snapshot', 'targets'])
      h.sim.role(role).expires = new Date(start + 400 * 86_400_000);
    h.sim.bumpRoot();
    h.sim.publish({ bumpAll: true });
    // 366 days later the local root v1 and timestamp v1 are expired; the new ones are not.
    await h.refresh({ clock: () => new Date(start + 366 * 86_400_000) });
    expect(await h.onDisk()).toMatchObject({ 'root.json': 2, 'timestamp.json': 2 });
  });

  it('an invalid trusted root fails before any request', async () => {
    h = await startHarness();
    const { writeFile } = await import('node:fs/promises');
    await writeFile(`${h.metadataDir}/root.json`, '{"signed": {}, "signatures": []}');
    await expect(h.refresh()).rejects.toMatchObject({ name: 'FormatError' });
    expect(h.takeRequests()).toEqual([]);
  });
});

describe('updater refresh: rollback attacks (TUF 5.4.3, 5.5.5)', () => {
  it('new timestamp version rollback is rejected and the trusted timestamp stays', async () => {
    h = await startHarness();
    h.sim.timestamp.version = 5;
    h.sim.signRole('timestamp');
    await h.refresh();
    h.sim.timestamp.version = 4;
    h.sim.signRole('timestamp');
    await expect(h.refresh()).rejects.toMatchObject({ code: 'rollback' });
    expect(await h.onDisk()).toMatchObject({ 'timestamp.json': 5 });
  });

  it('snapshot version rollback in timestamp meta is rejected', async () => {
    h = await startHarness();
    h.sim.snapshot.version = 3;
    h.sim.publish();
    h.sim.updateSnapshot();
    h.sim.updateTimestamp();
    await h.refresh();
    const before = await h.onDisk();
    const ts = h.sim.signed('timestamp');
    (ts['meta'] as { 'snapshot.json': { version: number } })['snapshot.json'].version = 2;
    h.sim.timestamp.version = h.sim.timestamp.version + 1;
    h.sim.signRole('timestamp');
    await expect(h.refresh()).rejects.toMatchObject({ code: 'rollback' });
    expect(await h.onDisk()).toEqual(before);
  });

  it('targets version rollback in a new snapshot is rejected', async () => {
    h = await startHarness();
    h.sim.targets.version = 5;
    h.sim.publish();
    await h.refresh();
    h.sim.targets.version = 4;
    h.sim.signRole('targets');
    h.sim.updateSnapshot();
    h.sim.updateTimestamp();
    await expect(h.refresh()).rejects.toMatchObject({ code: 'rollback' });
    expect(await h.onDisk()).toMatchObject({ 'snapshot.json': 2, 'targets.json': 5 });
  });

  it('a role removed from snapshot meta is a rollback', async () => {
    h = await startHarness();
    h.sim.addDelegation('targets', { name: 'a', paths: ['a/*'] });
    h.sim.publish();
    await h.refresh();
    const meta = h.sim.signed('snapshot')['meta'] as Record<string, unknown>;
    delete meta['a.json'];
    h.sim.snapshot.version += 1;
    h.sim.signRole('snapshot');
    h.sim.updateTimestamp();
    await expect(h.refresh()).rejects.toMatchObject({ code: 'rollback' });
  });

  it('fast-forward recovery: after timestamp key rotation a lower version is accepted', async () => {
    h = await startHarness();
    h.sim.timestamp.version = 100;
    h.sim.signRole('timestamp');
    await h.refresh();
    h.sim.rotateSigners('timestamp');
    h.sim.bumpRoot();
    h.sim.timestamp.version = 1;
    h.sim.updateTimestamp();
    await h.refresh();
    expect(await h.onDisk()).toMatchObject({ 'root.json': 2, 'timestamp.json': 1 });
  });

  it('fast-forward recovery: after snapshot key rotation a lower snapshot version is accepted', async () => {
    h = await startHarness();
    h.sim.snapshot.version = 50;
    h.sim.publish();
    h.sim.updateSnapshot();
    h.sim.updateTimestamp();
    await h.refresh();
    h.sim.rotateSigners('snapshot');
    h.sim.bumpRoot();
    h.sim.snapshot.version = 1;
    h.sim.updateSnapshot();
    h.sim.updateTimestamp();
    await h.refresh();
    expect(await h.onDisk()).toMatchObject({ 'root.json': 2, 'snapshot.json': 1 });
  });
});

describe('updater refresh: freeze attacks (expired metadata)', () => {
  for (const role of ['timestamp', 'snapshot', 'targets'] as const) {
    it(`expired ${role} is rejected and not stored`, async () => {
      h = await startHarness();
      await h.refresh();
      h.sim.role(role).expires = h.sim.daysFromNow(-1);
      h.sim.publish({ bumpAll: true });
      await expect(h.refresh()).rejects.toMatchObject({ code: 'expired' });
      expect((await h.onDisk())[`${role}.json`]).toBe(1);
    });
  }

  it('expired final root is stored, then the refresh fails', async () => {
    h = await startHarness();
    h.sim.root.expires = h.sim.daysFromNow(-1);
    h.sim.bumpRoot();
    await expect(h.refresh()).rejects.toMatchObject({ code: 'expired' });
    expect(await h.onDisk()).toEqual({ 'root.json': 2 });
  });

  it('uses one reference time: metadata valid at the clock passes, expired at the clock fails', async () => {
    h = await startHarness({ expiresInDays: 10 });
    await h.refresh({ clock: () => new Date(Date.now() + 9 * 86_400_000) });
    await expect(
      h.refresh({ clock: () => new Date(Date.now() + 11 * 86_400_000) }),
    ).rejects.toMatchObject({ code: 'expired' });
  });
});

describe('updater refresh: arbitrary installation and mix-and-match', () => {
  it('timestamp signed by an unknown key is rejected', async () => {
    h = await startHarness();
    h.sim.signRole('timestamp', { signers: [generateSigner('ed25519')] });
    await expect(h.refresh()).rejects.toMatchObject({ code: 'threshold-not-met' });
    expect(await h.onDisk()).toEqual({ 'root.json': 1 });
  });

  it('threshold of two is not met by one valid signature', async () => {
    h = await startHarness();
    h.sim.addSigner('snapshot');
    h.sim.setThreshold('snapshot', 2);
    h.sim.bumpRoot();
    const [one] = h.sim.signers.get('snapshot') ?? [];
    h.sim.updateSnapshot({ signers: one ? [one] : [] });
    h.sim.updateTimestamp();
    await expect(h.refresh()).rejects.toMatchObject({ code: 'threshold-not-met' });
    expect(await h.onDisk()).not.toHaveProperty('snapshot.json');
  });

  it('a snapshot whose bytes differ from timestamp meta hashes is rejected (mix-and-match)', async () => {
    h = await startHarness({ metaHashes: true });
    h.sim.publish({ bumpAll: true });
    const snapshotPath = `metadata/${h.sim.snapshot.version}.snapshot.json`;
    const other = h.sim.publishedBytes('snapshot', 1);
    h.sim.overrides.set(snapshotPath, other);
    const error: unknown = await h.refresh().catch((e: unknown) => e);
    expect(['hash-mismatch', 'length-mismatch']).toContain((error as { code?: string }).code);
    expect(await h.onDisk()).not.toHaveProperty('snapshot.json');
  });

  it('targets whose version differs from snapshot meta is rejected', async () => {
    h = await startHarness();
    h.sim.overrides.set(
      'metadata/1.targets.json',
      (() => {
        h.sim.targets.version = 7;
        h.sim.signRole('targets');
        return h.sim.publishedBytes('targets', 7);
      })(),
    );
    await expect(h.refresh()).rejects.toMatchObject({ code: 'version-mismatch' });
    expect(await h.onDisk()).not.toHaveProperty('targets.json');
  });
});
