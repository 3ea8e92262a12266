// tuf-conformance test_keys.py (notes 3.2): thresholds, duplicate keys and signatures, key types.
import { describe, expect, it } from 'vitest';
import { generateSigner, type KeyAlgorithm } from '../../src/core/index.js';
import { conformanceHarness, objectAt, signaturesOf } from './driver.js';

const newTest = conformanceHarness();

describe.concurrent('conformance: thresholds and duplicates', () => {
  it('test_snapshot_does_not_meet_threshold: 2 of 3 signatures are not enough', async () => {
    const t = await newTest('test_snapshot_does_not_meet_threshold');
    t.sim.addSigner('snapshot');
    t.sim.addSigner('snapshot');
    t.sim.setThreshold('snapshot', 3);
    t.sim.publish({ bumpAll: true }); // R2, T2, S2, TS2
    await t.init();
    expect(await t.refresh(), t.last()).toBe(0);
    expect(await t.version('snapshot')).toBe(2);
    t.sim.signers.get('snapshot')?.pop(); // the key stays in root, its signature goes
    t.sim.publish({ bumpAll: true }); // T3, S3, TS3
    expect(await t.refresh(), t.last()).toBe(1);
    expect(await t.version('snapshot')).not.toBe(3);
  });

  it('test_snapshot_has_too_few_keys: a root with threshold > keys is still accepted', async () => {
    const t = await newTest('test_snapshot_has_too_few_keys');
    for (let i = 0; i < 4; i++) t.sim.addSigner('snapshot'); // 5 keys
    t.sim.setThreshold('snapshot', 6);
    t.sim.publish(); // R2, S2, TS2
    await t.init();
    expect(await t.refresh(), t.last()).toBe(1);
    expect(await t.version('root')).toBe(2);
    expect(await t.version('snapshot')).not.toBe(2);
  });

  it.each([
    ['as in the suite', true],
    ['one signature only (not in the suite)', false],
  ])(
    'test_duplicate_keys (%s): one key listed 10 times cannot meet threshold 6',
    async (_id, dupSigs) => {
      const t = await newTest('test_duplicate_keys');
      const entry = objectAt(t.sim.root.signed, 'roles', 'snapshot');
      const keyids = entry['keyids'] as string[];
      const only = keyids[0] ?? '';
      for (let i = 0; i < 9; i++) keyids.push(only);
      entry['threshold'] = 6;
      t.sim.bumpRoot(); // R2 (python-tuf rejects it: "Nonunique keyids"; counting once also works)
      t.sim.updateSnapshot({
        transform: (env) => {
          const sigs = signaturesOf(env);
          const first = sigs[0];
          if (first !== undefined && dupSigs) for (let i = 0; i < 9; i++) sigs.push({ ...first });
          return env;
        },
      });
      t.sim.updateTimestamp();
      await t.init();
      expect(await t.refresh(), t.last()).toBe(1);
      expect(await t.version('snapshot')).toBeUndefined();
    },
  );

  it('test_duplicate_sig_keyids: a repeated signature keyid is rejected', async () => {
    const t = await newTest('test_duplicate_sig_keyids');
    t.sim.signRole('snapshot', {
      transform: (env) => {
        const sigs = signaturesOf(env);
        if (sigs[0] !== undefined) sigs.push({ ...sigs[0] });
        return env;
      },
    });
    await t.init();
    expect(await t.refresh(), t.last()).toBe(1);
    expect(await t.mdBytes('snapshot.json')).toBeUndefined();
    expect(await t.trustedRoles()).toEqual([
      ['root', 1],
      ['timestamp', 1],
    ]);
  });

  it('test_invalid_sig_in_valid_metadata: wrong and empty extra signatures do not fail', async () => {
    const t = await newTest('test_invalid_sig_in_valid_metadata');
    t.sim.addSigner('timestamp'); // 2 keys, threshold 1
    t.sim.bumpRoot();
    await t.init();
    const ts1 = JSON.parse(Buffer.from(t.sim.publishedBytes('timestamp')).toString('utf8')) as {
      signatures: { sig: string }[];
    };
    const oldSig = ts1.signatures[0]?.sig ?? '';
    const replaceFirst = (sig: string) => ({
      transform: (env: Parameters<typeof signaturesOf>[0]) => {
        const first = signaturesOf(env)[0];
        if (first !== undefined) first.sig = sig;
        return env;
      },
    });
    t.sim.updateTimestamp(replaceFirst(oldSig)); // TS2: the first key's signature is TS1's
    expect(await t.refresh(), t.last()).toBe(0);
    expect(await t.version('timestamp')).toBe(2);
    t.sim.updateTimestamp(replaceFirst('')); // TS3: the first key's signature is empty
    expect(await t.refresh(), t.last()).toBe(0);
    expect(await t.version('timestamp')).toBe(3);
  });
});

describe.concurrent('conformance: key types and schemes', () => {
  it.each<[string, KeyAlgorithm]>([
    ['rsa/rsassa-pss-sha256', 'rsa-pss-sha256'],
    ['rsa/rsa-pkcs1v15-sha256', 'rsa-pkcs1v15-sha256'],
    ['ecdsa/ecdsa-sha2-nistp256', 'ecdsa-p256'],
    ['ed25519/ed25519', 'ed25519'],
  ])('test_keytype_and_scheme[%s]: verifies, and rejects a wrong signature', async (id, alg) => {
    const t = await newTest(`test_keytype_and_scheme[${id}]`);
    const signer = generateSigner(alg);
    t.sim.addSigner('root', signer);
    t.sim.setThreshold('root', 2);
    t.sim.bumpRoot(); // R2: signed by the ecdsa key and the new key
    await t.init();
    expect(await t.refresh(), t.last()).toBe(0);
    expect(await t.version('root')).toBe(2);
    t.sim.bumpRoot({
      transform: (env) => {
        // A plausible signature of the right type and size, over other bytes.
        for (const s of signaturesOf(env))
          if (s.keyid === signer.keyid) s.sig = signer.sign(Buffer.from('other data'));
        return env;
      },
    });
    expect(await t.refresh(), t.last()).toBe(1);
    expect(await t.version('root')).toBe(2);
  });
});
