// tuf-conformance test_basic.py, reproduced against bin/pg-conformance-client.js (notes 3.1).
import { describe, expect, it } from 'vitest';
import { generateSigner, serializeMetadata, signMetadata } from '../../src/core/index.js';
import { conformanceHarness, daysAhead, objectAt } from './driver.js';

const newTest = conformanceHarness();
const FRESH_STATS = [
  ['root', 2],
  ['timestamp', null],
  ['snapshot', 1],
  ['targets', 1],
];

describe.concurrent('conformance: basic refresh', () => {
  it('test_basic_refresh_requests: a fresh refresh makes exactly four requests', async () => {
    const t = await newTest('test_basic_refresh_requests');
    expect(await t.init(), t.last()).toBe(0);
    expect(await t.refresh(), t.last()).toBe(0);
    expect(t.stats()).toEqual(FRESH_STATS);
    expect(t.methods()).toEqual(['GET']);
    expect(await t.trustedRoles()).toEqual([
      ['root', 1],
      ['snapshot', 1],
      ['targets', 1],
      ['timestamp', 1],
    ]);
    // notes 6: with nothing new, only the next root (404) and timestamp are requested.
    t.clearStats();
    expect(await t.refresh(), t.last()).toBe(0);
    expect(t.stats()).toEqual([
      ['root', 2],
      ['timestamp', null],
    ]);
  });

  it('test_basic_refresh_trusted_data: every stored file is the served bytes', async () => {
    const t = await newTest('test_basic_refresh_trusted_data');
    await t.init();
    expect(await t.refresh(), t.last()).toBe(0);
    for (const role of ['root', 'timestamp', 'snapshot', 'targets']) {
      const stored = await t.mdBytes(`${role}.json`);
      expect(stored?.equals(t.sim.publishedBytes(role)), role).toBe(true);
    }
  });

  it('test_implicit_refresh: download of a missing artifact refreshes, then exits 1', async () => {
    const t = await newTest('test_implicit_refresh');
    await t.init();
    expect(await t.download('nonexistent artifact'), t.last()).toBe(1);
    expect(t.stats()).toEqual(FRESH_STATS);
    for (const role of ['root', 'timestamp', 'snapshot', 'targets']) {
      const stored = await t.mdBytes(`${role}.json`);
      expect(stored?.equals(t.sim.publishedBytes(role)), role).toBe(true);
    }
    expect(await t.downloaded()).toEqual([]);
  });

  it('test_invalid_initial_root: refresh exits 1 without any request', async () => {
    const t = await newTest('test_invalid_initial_root');
    const root = JSON.parse(Buffer.from(t.sim.rootBytes(1)).toString('utf8')) as {
      signed: Record<string, unknown>;
    };
    delete root.signed['version'];
    await t.init(Buffer.from(JSON.stringify(root))); // init's result is free
    expect(await t.refresh(), t.last()).toBe(1);
    expect(t.stats()).toEqual([]);
  });

  it('test_unsigned_initial_root: a wrong self-signature fails before any request', async () => {
    const t = await newTest('test_unsigned_initial_root');
    const root = JSON.parse(Buffer.from(t.sim.rootBytes(1)).toString('utf8')) as {
      signatures: { sig: string }[];
    };
    const signer = t.sim.signers.get('root')?.[0];
    if (root.signatures[0] === undefined || signer === undefined) throw new TypeError('setup');
    // Well-formed DER ECDSA by the right key, over other bytes.
    root.signatures[0].sig = signer.sign(Buffer.from('not the root'));
    await t.init(Buffer.from(JSON.stringify(root)));
    expect(await t.refresh(), t.last()).toBe(1);
    expect(t.stats()).toEqual([]);
  });

  it.each([
    ['root', [['root', 1]]],
    ['timestamp', [['root', 2]]],
    [
      'snapshot',
      [
        ['root', 2],
        ['timestamp', 2],
      ],
    ],
    [
      'targets',
      [
        ['root', 2],
        ['snapshot', 2],
        ['timestamp', 2],
      ],
    ],
  ])('test_unsigned_metadata[%s]: nothing unsigned is stored', async (role, expected) => {
    const t = await newTest(`test_unsigned_metadata[${role}]`);
    await t.init();
    if (role === 'root') {
      t.sim.root.version = 2;
      t.sim.publishRoot({ signers: [] });
    } else {
      t.sim.bumpRoot();
      t.sim.signers.get(role)?.splice(0);
    }
    t.sim.publish({ bumpAll: true });
    expect(await t.refresh(), t.last()).toBe(1);
    expect(await t.trustedRoles()).toEqual(expected);
  });

  it.each([
    ['root', [['root', 1]]],
    [
      'snapshot',
      [
        ['root', 2],
        ['timestamp', 2],
      ],
    ],
    [
      'targets',
      [
        ['root', 2],
        ['snapshot', 2],
        ['timestamp', 2],
      ],
    ],
  ])(
    'test_url_and_metadata_version_mismatch[%s]: 2.%s.json holding v3 fails',
    async (role, expected) => {
      const t = await newTest(`test_url_and_metadata_version_mismatch[${role}]`);
      await t.init();
      if (role === 'root') {
        t.sim.root.version = 3;
        t.sim.publishRoot();
      } else {
        t.sim.bumpRoot();
        t.sim.role(role).version = 3;
        t.sim.publish();
      }
      // The suite stores the v3 document under version 2 (verify_version=False): 3.X.json is 404.
      t.sim.overrides.set(`metadata/2.${role}.json`, t.sim.publishedBytes(role, 3));
      t.sim.overrides.set(`metadata/3.${role}.json`, null);
      expect(await t.refresh(), t.last()).toBe(1);
      expect(await t.trustedRoles()).toEqual(expected);
    },
  );

  it('test_timestamp_content_changes: an equal-version timestamp is kept, no snapshot fetch', async () => {
    const t = await newTest('test_timestamp_content_changes');
    await t.init();
    expect(await t.refresh(), t.last()).toBe(0);
    const before = await t.mdBytes('timestamp.json');
    objectAt(t.sim.timestamp.signed, 'meta')['snapshot.json'] = { version: 100 };
    t.sim.signRole('timestamp'); // a different v1
    t.clearStats();
    expect(await t.refresh(), t.last()).toBe(0);
    expect(t.stats()).toEqual([
      ['root', 2],
      ['timestamp', null],
    ]);
    expect((await t.mdBytes('timestamp.json'))?.equals(before ?? Buffer.alloc(0))).toBe(true);
  });

  it('test_basic_metadata_hash_support: a targets hash mismatch keeps targets v2', async () => {
    const t = await newTest('test_basic_metadata_hash_support', { metaHashes: true });
    t.sim.publish({ bumpAll: true }); // T2, S2, TS2 with length + sha256
    await t.init();
    expect(await t.refresh(), t.last()).toBe(0);
    t.sim.targets.version = 3;
    t.sim.signRole('targets');
    t.sim.updateSnapshot();
    objectAt(t.sim.snapshot.signed, 'meta', 'targets.json', 'hashes')['sha256'] = 'ab'.repeat(32);
    t.sim.signRole('snapshot'); // S3, now with a wrong hash for targets v3
    t.sim.updateTimestamp();
    expect(await t.refresh(), t.last()).toBe(1);
    expect(await t.version('snapshot')).toBe(3);
    expect(await t.version('targets')).toBe(2);
  });

  it('test_metadata_bytes_match: the exact received bytes are stored', async () => {
    const t = await newTest('test_metadata_bytes_match');
    const served = Buffer.concat([t.sim.publishedBytes('timestamp'), Buffer.from(' ')]);
    t.sim.overrides.set('metadata/timestamp.json', served);
    await t.init();
    expect(await t.refresh(), t.last()).toBe(0);
    expect((await t.mdBytes('timestamp.json'))?.equals(served)).toBe(true);
  });

  it('test_custom_fields: unknown fields are part of what is verified', async () => {
    const t = await newTest('test_custom_fields');
    await t.init();
    t.sim.root.signed['custom-field'] = 'value';
    t.sim.addSigner('root', generateSigner('ecdsa-p256', { 'extra-field': { a: 1, b: 2 } }));
    objectAt(t.sim.root.signed, 'roles', 'root')['another-field'] = 'another value';
    t.sim.publish();
    expect(await t.refresh(), t.last()).toBe(0);
    expect(await t.version('root')).toBe(2);
  });

  it('test_deprecated_keyid_hash_algorithms: the field is ignored', async () => {
    const t = await newTest('test_deprecated_keyid_hash_algorithms');
    await t.init();
    const old = t.sim.signers.get('snapshot')?.[0];
    if (old !== undefined) t.sim.removeSigner('snapshot', old);
    t.sim.addSigner('snapshot', generateSigner('ecdsa-p256', { keyid_hash_algorithms: 'md5' }));
    t.sim.publish(); // R2, S2, TS2
    expect(await t.refresh(), t.last()).toBe(0);
    expect(await t.version('root')).toBe(2);
    expect(await t.version('snapshot')).toBe(2);
  });

  it('test_incorrect_metadata_type: a signed snapshot served as timestamp.json fails', async () => {
    const t = await newTest('test_incorrect_metadata_type');
    await t.init();
    const tsSigner = t.sim.signers.get('timestamp')?.[0];
    if (tsSigner === undefined) throw new TypeError('setup');
    t.sim.addSigner('snapshot', tsSigner);
    t.sim.bumpRoot(); // R2: the timestamp key may also sign snapshots
    const fake = {
      ...t.sim.snapshot.signed,
      version: 2,
      meta: { 'snapshot.json': { version: 1 } },
    };
    const signers = t.sim.signers.get('snapshot') ?? [];
    t.sim.overrides.set('metadata/timestamp.json', serializeMetadata(signMetadata(fake, signers)));
    expect(await t.refresh(), t.last()).toBe(1);
    expect(await t.trustedRoles()).toEqual([['root', 2]]);
  });

  it('test_faketime: the client reads the libc clock', async () => {
    const t = await newTest('test_faketime');
    await t.init();
    t.sim.root.expires = t.sim.daysFromNow(7);
    t.sim.bumpRoot();
    expect(await t.refresh(), t.last()).toBe(0);
    expect(await t.refresh(daysAhead(8)), t.last()).toBe(1);
  });

  it('test_snapshot_404: the new timestamp is kept, the old snapshot and targets stay', async () => {
    const t = await newTest('test_snapshot_404');
    await t.init();
    expect(await t.refresh(), t.last()).toBe(0);
    t.sim.updateSnapshot();
    t.sim.updateTimestamp();
    t.sim.overrides.set('metadata/2.snapshot.json', null); // TS2 names a snapshot never served
    expect(await t.refresh(), t.last()).toBe(1);
    expect(t.stats().at(-1)).toEqual(['snapshot', 2]);
    expect(await t.trustedRoles()).toEqual([
      ['root', 1],
      ['snapshot', 1],
      ['targets', 1],
      ['timestamp', 2],
    ]);
  });

  it('test_targets_404: the new snapshot is kept, the old targets stays', async () => {
    const t = await newTest('test_targets_404');
    await t.init();
    expect(await t.refresh(), t.last()).toBe(0);
    t.sim.targets.version = 2;
    t.sim.signRole('targets');
    t.sim.updateSnapshot();
    t.sim.updateTimestamp();
    t.sim.overrides.set('metadata/2.targets.json', null);
    expect(await t.refresh(), t.last()).toBe(1);
    expect(t.stats().at(-1)).toEqual(['targets', 2]);
    expect(await t.trustedRoles()).toEqual([
      ['root', 1],
      ['snapshot', 2],
      ['targets', 1],
      ['timestamp', 2],
    ]);
  });

  it('test_timestamp_404: a dropped connection for timestamp.json fails the refresh', async () => {
    const t = await newTest('test_timestamp_404');
    await t.init();
    // The suite's server raises KeyError for a deleted role: the connection closes unanswered.
    t.server.faults.set('metadata/timestamp.json', { dropConnection: true });
    expect(await t.refresh(), t.last()).toBe(1);
    expect(t.stats().at(-1)).toEqual(['timestamp', null]); // retries allowed
    expect(await t.trustedRoles()).toEqual([['root', 1]]);
  });
});
