import { describe, expect, it } from 'vitest';
import {
  countValid,
  generateSigner,
  parseTimestamp,
  signatureStatus,
  signMetadata,
  TrustError,
  verifyThreshold,
  type Key,
  type Signer,
} from '../../src/core/index.js';
import { bytesOf, codeOf, signedFor } from './helpers.js';

const signers: Signer[] = [
  generateSigner('ed25519'),
  generateSigner('ecdsa-p256'),
  generateSigner('ed25519'),
];
const [s1, s2, s3] = signers as [Signer, Signer, Signer];
const keys = new Map<string, Key>(signers.map((s) => [s.keyid, s.key]));

function timestampSignedBy(
  signing: Signer[],
  tweak?: (sigs: { keyid: string; sig: string }[]) => void,
) {
  const doc = signMetadata(signedFor('timestamp'), signing);
  tweak?.(doc.signatures);
  return parseTimestamp(bytesOf(doc));
}

describe('signatureStatus', () => {
  it('reports one status per authorized key, in role order', () => {
    const env = timestampSignedBy([s2, s1]);
    const statuses = signatureStatus(
      env,
      { keyids: [s1.keyid, s2.keyid, s3.keyid], threshold: 2 },
      keys,
    );
    expect(statuses).toEqual([
      { keyid: s1.keyid, status: 'valid' },
      { keyid: s2.keyid, status: 'valid' },
      { keyid: s3.keyid, status: 'missing' },
    ]);
    expect(countValid(statuses)).toBe(2);
  });

  it('an empty "sig" placeholder is reported as empty, not invalid', () => {
    const env = timestampSignedBy([s1], (sigs) => sigs.push({ keyid: s2.keyid, sig: '' }));
    expect(signatureStatus(env, { keyids: [s2.keyid], threshold: 1 }, keys)).toEqual([
      { keyid: s2.keyid, status: 'empty' },
    ]);
  });

  it('a signature over different content is invalid', () => {
    const other = signMetadata(signedFor('timestamp', { version: 9 }), [s1]);
    const env = timestampSignedBy([], (sigs) => sigs.push(...other.signatures));
    expect(signatureStatus(env, { keyids: [s1.keyid], threshold: 1 }, keys)).toEqual([
      { keyid: s1.keyid, status: 'invalid' },
    ]);
  });

  it('a keyid with no key is unknown-key; an unknown key type is unsupported-key (skipped, not fatal)', () => {
    const odd: Key = {
      keyid: 'odd',
      keytype: 'sphincs',
      scheme: 'sphincs',
      public: 'ab',
      json: {},
    };
    const env = timestampSignedBy([s1], (sigs) =>
      sigs.push({ keyid: 'odd', sig: 'abcd' }, { keyid: 'ghost', sig: 'abcd' }),
    );
    const statuses = signatureStatus(
      env,
      { keyids: ['odd', 'ghost', s1.keyid], threshold: 1 },
      new Map([...keys, ['odd', odd]]),
    );
    expect(statuses.map((s) => s.status)).toEqual(['unsupported-key', 'unknown-key', 'valid']);
  });

  it('signatures by keys outside the role are ignored', () => {
    const env = timestampSignedBy([s1, s2]);
    expect(signatureStatus(env, { keyids: [s3.keyid], threshold: 1 }, keys)).toEqual([
      { keyid: s3.keyid, status: 'missing' },
    ]);
  });
});

describe('verifyThreshold', () => {
  it('returns the statuses when the threshold is met', () => {
    const env = timestampSignedBy([s1, s2]);
    expect(
      countValid(
        verifyThreshold(env, 'timestamp', { keyids: [s1.keyid, s2.keyid], threshold: 2 }, keys),
      ),
    ).toBe(2);
  });

  it('throws threshold-not-met with a message naming the role and counts', () => {
    const env = timestampSignedBy([s1]);
    const role = { keyids: [s1.keyid, s2.keyid], threshold: 2 };
    expect(codeOf(() => verifyThreshold(env, 'timestamp', role, keys), TrustError)).toBe(
      'threshold-not-met',
    );
    expect(() => verifyThreshold(env, 'timestamp', role, keys)).toThrow(
      /^timestamp: expected 2 valid signature\(s\), got 1/,
    );
  });

  it('a key listed twice in a role counts once', () => {
    const env = timestampSignedBy([s1]);
    const role = { keyids: [s1.keyid, s1.keyid], threshold: 2 };
    expect(signatureStatus(env, role, keys)).toHaveLength(1);
    expect(codeOf(() => verifyThreshold(env, 'timestamp', role, keys), TrustError)).toBe(
      'threshold-not-met',
    );
  });

  it('one key listed under two keyids counts once (signature duplicated under an alias)', () => {
    const alias: Key = { ...s1.key, keyid: 'alias', json: { ...s1.key.json, 'x-note': 'alias' } };
    const env = timestampSignedBy([s1], (sigs) =>
      sigs.push({ keyid: 'alias', sig: sigs[0]?.sig ?? '' }),
    );
    const role = { keyids: [s1.keyid, 'alias'], threshold: 2 };
    const aliased = new Map([...keys, ['alias', alias]]);
    expect(signatureStatus(env, role, aliased)).toEqual([
      { keyid: s1.keyid, status: 'valid' },
      { keyid: 'alias', status: 'valid', duplicateOf: s1.keyid },
    ]);
    expect(codeOf(() => verifyThreshold(env, 'timestamp', role, aliased), TrustError)).toBe(
      'threshold-not-met',
    );
  });

  it('one ecdsa key written as two different PEM texts still counts once', () => {
    const pem = s2.key.public;
    const rewrapped = `\n${pem.trimEnd()}`;
    expect(rewrapped).not.toBe(pem);
    const alias: Key = { ...s2.key, keyid: 'alias', public: rewrapped };
    const env = timestampSignedBy([s2], (sigs) =>
      sigs.push({ keyid: 'alias', sig: sigs[0]?.sig ?? '' }),
    );
    const statuses = signatureStatus(
      env,
      { keyids: [s2.keyid, 'alias'], threshold: 2 },
      new Map([...keys, ['alias', alias]]),
    );
    expect(statuses[1]).toEqual({ keyid: 'alias', status: 'valid', duplicateOf: s2.keyid });
    expect(countValid(statuses)).toBe(1);
  });
});
