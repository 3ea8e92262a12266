// tuf-conformance test_rollback.py (notes 3.7): rollback attacks and fast-forward recovery.
import { describe, expect, it } from 'vitest';
import { conformanceHarness, objectAt } from './driver.js';

const newTest = conformanceHarness();

describe.concurrent('conformance: rollback', () => {
  it('test_simple_snapshot_rollback: an unchanged timestamp means no snapshot request', async () => {
    const t = await newTest('test_simple_snapshot_rollback');
    t.sim.updateSnapshot();
    t.sim.updateTimestamp(); // S2, TS2
    await t.init();
    expect(await t.refresh(), t.last()).toBe(0);
    t.sim.updateSnapshot(); // S3, but TS2 still names S2
    expect(await t.refresh(), t.last()).toBe(0);
    expect(await t.version('snapshot')).toBe(2);
    expect(t.stats().at(-1)).toEqual(['timestamp', null]);
  });

  it('test_new_timestamp_version_rollback: timestamp v1 after v2 fails', async () => {
    const t = await newTest('test_new_timestamp_version_rollback');
    t.sim.updateTimestamp(); // TS2
    await t.init();
    expect(await t.refresh(), t.last()).toBe(0);
    t.sim.timestamp.version = 1;
    t.sim.signRole('timestamp'); // the repository now serves a timestamp v1
    expect(await t.refresh(), t.last()).toBe(1);
    expect(await t.version('timestamp')).toBe(2);
    expect(t.stats().at(-1)).toEqual(['timestamp', null]);
  });

  it.each([
    ['basic', false],
    ['with hashes', true],
  ])(
    'test_snapshot_rollback[%s]: a timestamp naming an older snapshot fails',
    async (id, hashes) => {
      const t = await newTest(`test_snapshot_rollback[${id}]`, { metaHashes: hashes });
      t.sim.updateSnapshot();
      t.sim.updateTimestamp(); // S2, TS2
      await t.init();
      expect(await t.refresh(), t.last()).toBe(0);
      t.sim.snapshot.version = 1;
      t.sim.signRole('snapshot'); // S1 re-published
      t.sim.updateTimestamp(); // TS3 names snapshot v1
      expect(await t.refresh(), t.last()).toBe(1);
      expect(await t.version('timestamp')).toBe(2);
      expect(await t.version('snapshot')).toBe(2);
      expect(t.stats().at(-1)).toEqual(['timestamp', null]);
    },
  );

  it.each([
    ['basic', false],
    ['with hashes', true],
  ])(
    'test_targets_rollback[%s]: the local snapshot catches a targets rollback',
    async (id, hashes) => {
      const t = await newTest(`test_targets_rollback[${id}]`, { metaHashes: hashes });
      t.sim.publish({ bumpAll: true }); // T2, S2, TS2
      await t.init();
      expect(await t.refresh(), t.last()).toBe(0);
      t.sim.targets.version = 1;
      t.sim.signRole('targets'); // T1 re-published
      t.sim.updateSnapshot(); // S3 names targets v1
      t.sim.updateTimestamp(); // TS3
      expect(await t.refresh(), t.last()).toBe(1);
      expect(await t.version('snapshot')).toBe(2);
      expect(await t.version('targets')).toBe(2);
    },
  );

  it.each([
    ['newest variant', false],
    ['older variant', true],
  ])('test_new_snapshot_version_mismatch (%s)', async (_id, older) => {
    const t = await newTest('test_new_snapshot_version_mismatch');
    if (older) {
      // 1.snapshot.json holds version 2: the version check against timestamp meta fails.
      t.sim.snapshot.version = 2;
      t.sim.signRole('snapshot');
      t.sim.overrides.set('metadata/1.snapshot.json', t.sim.publishedBytes('snapshot', 2));
      await t.init();
      expect(await t.refresh(), t.last()).toBe(1);
      expect(await t.trustedRoles()).toEqual([
        ['root', 1],
        ['timestamp', 1],
      ]);
      expect(t.stats().at(-1)).toEqual(['snapshot', 1]);
      return;
    }
    // S2 exists, but TS2 names snapshot v1: the client fetches what timestamp names.
    t.sim.updateSnapshot();
    t.sim.bumpRoot();
    objectAt(t.sim.timestamp.signed, 'meta')['snapshot.json'] = { version: 1 };
    t.sim.timestamp.version = 2;
    t.sim.signRole('timestamp');
    await t.init();
    expect(await t.refresh(), t.last()).toBe(0);
    expect(await t.trustedRoles()).toEqual([
      ['root', 2],
      ['snapshot', 1],
      ['targets', 1],
      ['timestamp', 2],
    ]);
  });
});

describe.concurrent('conformance: fast-forward recovery', () => {
  it('test_new_timestamp_fast_forward_recovery: rotated timestamp keys allow v1 after v100', async () => {
    const t = await newTest('test_new_timestamp_fast_forward_recovery');
    t.sim.timestamp.version = 100;
    t.sim.signRole('timestamp');
    await t.init();
    expect(await t.refresh(), t.last()).toBe(0);
    expect(await t.version('timestamp')).toBe(100);
    t.sim.rotateSigners('timestamp');
    t.sim.publish(); // R2 (new timestamp key), TS101
    t.sim.timestamp.version = 1;
    t.sim.signRole('timestamp'); // and the timestamp starts over at v1
    expect(await t.refresh(), t.last()).toBe(0);
    expect(await t.version('root')).toBe(2);
    expect(await t.version('timestamp')).toBe(1);
  });

  it('test_new_snapshot_fast_forward_recovery: rotated snapshot keys allow v1 after v100', async () => {
    const t = await newTest('test_new_snapshot_fast_forward_recovery');
    t.sim.snapshot.version = 100;
    t.sim.publish(); // S100, TS2
    await t.init();
    expect(await t.refresh(), t.last()).toBe(0);
    expect(await t.version('snapshot')).toBe(100);
    t.sim.rotateSigners('snapshot');
    t.sim.rotateSigners('timestamp');
    t.sim.snapshot.version = 1;
    t.sim.publish(); // R2, S1 (re-published), TS3
    expect(await t.refresh(), t.last()).toBe(0);
    expect(await t.version('snapshot')).toBe(1);
  });

  it('test_targets_fast_forward_recovery: rotated snapshot keys allow targets v2 after v100', async () => {
    const t = await newTest('test_targets_fast_forward_recovery');
    t.sim.targets.version = 100;
    t.sim.publish(); // T100, S2, TS2
    await t.init();
    expect(await t.refresh(), t.last()).toBe(0);
    expect(await t.version('targets')).toBe(100);
    t.sim.rotateSigners('snapshot');
    t.sim.targets.version = 2; // the suite sets 1, and publish() bumps it to 2
    t.sim.publish(); // R2, T2, S3, TS3
    expect(await t.refresh(), t.last()).toBe(0);
    expect(await t.version('targets')).toBe(2);
  });
});
