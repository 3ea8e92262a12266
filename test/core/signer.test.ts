import { describe, expect, it } from 'vitest';
import {
  canonicalBytes,
  computeKeyId,
  generateSigner,
  serializeMetadata,
  signerFromPem,
  signMetadata,
  UsageError,
  verifySignature,
} from '../../src/core/index.js';
import { codeOf, makeTempDir, openssl } from './helpers.js';

const text = (b: Uint8Array): string => Buffer.from(b).toString('utf8');

describe('generateSigner', () => {
  it.each([
    ['ed25519', 'ed25519', 'ed25519', /^[0-9a-f]{64}$/],
    [
      'ecdsa-p256',
      'ecdsa',
      'ecdsa-sha2-nistp256',
      /^-----BEGIN PUBLIC KEY-----\n[\s\S]+\n-----END PUBLIC KEY-----\n$/,
    ],
    ['ecdsa-p521', 'ecdsa', 'ecdsa-sha2-nistp521', /^-----BEGIN PUBLIC KEY-----/],
    ['rsa-pss-sha256', 'rsa', 'rsassa-pss-sha256', /^-----BEGIN PUBLIC KEY-----/],
    ['rsa-pkcs1v15-sha256', 'rsa', 'rsa-pkcs1v15-sha256', /^-----BEGIN PUBLIC KEY-----/],
  ] as const)(
    '%s produces securesystemslib-style key json',
    (alg, keytype, scheme, publicShape) => {
      const signer = generateSigner(alg, undefined, { rsaBits: 2048 });
      expect(signer.key.json).toEqual({ keytype, scheme, keyval: { public: signer.key.public } });
      expect(signer.key.public).toMatch(publicShape);
      expect(signer.keyid).toBe(computeKeyId(signer.key.json));
    },
  );

  it('includes extra key fields in the key json and in the keyid (tuf-on-ci keyowner)', () => {
    const signer = generateSigner('ecdsa-p256', { 'x-tuf-on-ci-keyowner': '@alice' });
    expect(signer.key.json['x-tuf-on-ci-keyowner']).toBe('@alice');
    const plain = { ...signer.key.json };
    delete plain['x-tuf-on-ci-keyowner'];
    expect(signer.keyid).toBe(computeKeyId(signer.key.json));
    expect(signer.keyid).not.toBe(computeKeyId(plain));
  });

  it('cannot let extra fields override the key material', () => {
    const signer = generateSigner('ed25519', { keytype: 'rsa', keyval: { public: 'evil' } });
    expect(signer.key.keytype).toBe('ed25519');
    expect(
      verifySignature(signer.key, signer.sign(canonicalBytes({ a: 1 })), canonicalBytes({ a: 1 })),
    ).toBe(true);
  });

  it('ecdsa signatures are DER (SEQUENCE tag 0x30), ed25519 signatures raw 64 bytes', () => {
    const data = canonicalBytes({ a: 1 });
    expect(generateSigner('ecdsa-p256').sign(data).slice(0, 2)).toBe('30');
    expect(generateSigner('ed25519').sign(data)).toHaveLength(128);
  });
});

describe('signerFromPem', () => {
  it('signs with an openssl-generated private key', async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      await openssl(
        dir,
        'genpkey',
        '-algorithm',
        'EC',
        '-pkeyopt',
        'ec_paramgen_curve:secp384r1',
        '-out',
        'key.pem',
      );
      const pem = (await openssl(dir, 'pkey', '-in', 'key.pem')).toString();
      const signer = signerFromPem(pem, 'ecdsa-p384');
      const data = canonicalBytes({ x: 'y' });
      expect(verifySignature(signer.key, signer.sign(data), data)).toBe(true);
      expect(codeOf(() => signerFromPem(pem, 'ecdsa-p256'), UsageError)).toBe('invalid-argument');
      expect(codeOf(() => signerFromPem(pem, 'ed25519'), UsageError)).toBe('invalid-argument');
    } finally {
      await cleanup();
    }
  });

  it('rejects input that is not a PEM private key', () => {
    expect(codeOf(() => signerFromPem('garbage', 'ed25519'), UsageError)).toBe('invalid-argument');
  });
});

describe('signMetadata', () => {
  it('signs the canonical bytes of signed with every signer, in order', () => {
    const a = generateSigner('ed25519');
    const b = generateSigner('ecdsa-p256');
    const signed = { _type: 'timestamp', version: 2, meta: { 'snapshot.json': { version: 3 } } };
    const doc = signMetadata(signed, [a, b]);
    expect(doc.signed).toBe(signed);
    expect(doc.signatures.map((s) => s.keyid)).toEqual([a.keyid, b.keyid]);
    expect(verifySignature(a.key, doc.signatures[0]?.sig ?? '', canonicalBytes(signed))).toBe(true);
    expect(verifySignature(b.key, doc.signatures[1]?.sig ?? '', canonicalBytes(signed))).toBe(true);
  });
});

describe('serializeMetadata', () => {
  const doc = {
    signed: { b: [1, true, null, {}, []], a: 'é"\\\n\u007f😀', nested: { y: {} } },
    signatures: [],
  };

  it('compact is JSON.stringify', () => {
    expect(text(serializeMetadata(doc))).toBe(JSON.stringify(doc));
    expect(text(serializeMetadata(doc, 'compact'))).toBe(JSON.stringify(doc));
  });

  it('python matches json.dumps(indent=1, sort_keys=True) byte for byte', () => {
    // Produced with CPython 3: json.dumps(doc, indent=1, sort_keys=True).
    const expected =
      '{\n "signatures": [],\n "signed": {\n  "a": "\\u00e9\\"\\\\\\n\\u007f\\ud83d\\ude00",\n  "b": [\n   1,\n   true,\n   null,\n   {},\n   []\n  ],\n  "nested": {\n   "y": {}\n  }\n }\n}';
    expect(text(serializeMetadata(doc, 'python'))).toBe(expected);
  });

  it('python output parses back to the same document', () => {
    expect(JSON.parse(text(serializeMetadata(doc, 'python')))).toEqual(doc);
  });
});
