import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  canonicalBytes,
  computeKeyId,
  FormatError,
  generateSigner,
  isSupportedKey,
  parseKey,
  verifySignature,
  type JsonObject,
  type Key,
  type KeyAlgorithm,
} from '../../src/core/index.js';
import { codeOf, makeTempDir, openssl } from './helpers.js';

const DATA = canonicalBytes({ _type: 'targets', version: 1, targets: { 'a.txt': { length: 1 } } });
const OTHER = canonicalBytes({ _type: 'targets', version: 2 });

function keyOf(keytype: string, scheme: string, pub: string): Key {
  const json: JsonObject = { keytype, scheme, keyval: { public: pub } };
  return parseKey('test key', computeKeyId(json), json);
}

describe('parseKey', () => {
  it('keeps the key json as received, unknown fields included', () => {
    const json = {
      keytype: 'ed25519',
      scheme: 'ed25519',
      keyval: { public: 'ab' },
      keyid_hash_algorithms: ['sha256'],
      'x-owner': '@a',
    };
    const key = parseKey('k', 'id', json);
    expect(key).toMatchObject({ keyid: 'id', keytype: 'ed25519', scheme: 'ed25519', public: 'ab' });
    expect(key.json).toBe(json);
  });

  it.each([
    ['not an object', [], 'invalid-type'],
    ['keytype missing', { scheme: 's', keyval: { public: 'p' } }, 'missing-field'],
    ['scheme a number', { keytype: 't', scheme: 1, keyval: { public: 'p' } }, 'invalid-type'],
    ['keyval a string', { keytype: 't', scheme: 's', keyval: 'p' }, 'invalid-type'],
    ['public missing', { keytype: 't', scheme: 's', keyval: {} }, 'missing-field'],
  ])('rejects a key with %s', (_name, json, code) => {
    expect(codeOf(() => parseKey('k', 'id', json), FormatError)).toBe(code);
  });
});

describe('isSupportedKey', () => {
  it.each([
    ['ed25519', 'ed25519', true],
    ['ecdsa', 'ecdsa-sha2-nistp256', true],
    ['ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp384', true],
    ['ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', false],
    ['rsa', 'rsassa-pss-sha512', true],
    ['rsa', 'rsa-pkcs1v15-sha384', true],
    ['rsa', 'ed25519', false],
    ['sphincs', 'sphincs-shake-128s', false],
    ['ed25519', 'unknown-scheme', false],
  ])('keytype %s with scheme %s → %s', (keytype, scheme, supported) => {
    expect(isSupportedKey(keyOf(keytype, scheme, 'x'))).toBe(supported);
  });
});

describe('computeKeyId', () => {
  it('is the sha256 of the canonical key json', () => {
    // Independent vector: sha256 of '{"keytype":"ed25519","keyval":{"public":"00"},"scheme":"ed25519"}'.
    const id = computeKeyId({ scheme: 'ed25519', keyval: { public: '00' }, keytype: 'ed25519' });
    expect(id).toBe('f9ae527b2fd2d931a87f86371d944323c4f73b54c325d0944a92731af733405c');
  });
});

describe('verifySignature round trip', () => {
  const algorithms: KeyAlgorithm[] = [
    'ed25519',
    'ecdsa-p256',
    'ecdsa-p384',
    'ecdsa-p521',
    'rsa-pss-sha256',
    'rsa-pkcs1v15-sha256',
  ];

  it.each(algorithms)('%s: a signature verifies over the signed bytes only', (alg) => {
    const signer = generateSigner(alg, undefined, { rsaBits: 2048 });
    const sig = signer.sign(DATA);
    expect(verifySignature(signer.key, sig, DATA)).toBe(true);
    expect(verifySignature(signer.key, sig, OTHER)).toBe(false);
  });

  it.each(algorithms)('%s: a signature by another key of the same type is invalid', (alg) => {
    const a = generateSigner(alg, undefined, { rsaBits: 2048 });
    const b = generateSigner(alg, undefined, { rsaBits: 2048 });
    expect(verifySignature(b.key, a.sign(DATA), DATA)).toBe(false);
  });

  it('accepts uppercase hex signatures (python bytes.fromhex does)', () => {
    const signer = generateSigner('ed25519');
    expect(verifySignature(signer.key, signer.sign(DATA).toUpperCase(), DATA)).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['odd length', 'abc'],
    ['non-hex', 'zz'.repeat(64)],
    ['hex with trailing garbage (Buffer.from would truncate)', 'SIG+xx'],
    ['absurdly long', 'ab'.repeat(5000)],
  ])('returns false, never throws, for a %s signature', (_name, bad) => {
    const signer = generateSigner('ed25519');
    const sigHex = bad === 'SIG+xx' ? `${signer.sign(DATA)}xx` : bad;
    expect(verifySignature(signer.key, sigHex, DATA)).toBe(false);
  });

  it('returns false for garbage key material of every supported scheme', () => {
    const sigHex = 'ab'.repeat(64);
    for (const [keytype, scheme] of [
      ['ed25519', 'ed25519'],
      ['ecdsa', 'ecdsa-sha2-nistp256'],
      ['rsa', 'rsassa-pss-sha256'],
    ] as const) {
      expect(verifySignature(keyOf(keytype, scheme, 'not a key'), sigHex, DATA)).toBe(false);
      expect(
        verifySignature(
          keyOf(keytype, scheme, '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n'),
          sigHex,
          DATA,
        ),
      ).toBe(false);
    }
  });

  it('rejects an ecdsa key whose curve does not match its scheme', () => {
    const p384 = generateSigner('ecdsa-p384');
    const mislabeled = keyOf('ecdsa', 'ecdsa-sha2-nistp256', p384.key.public);
    expect(verifySignature(mislabeled, p384.sign(DATA), DATA)).toBe(false);
  });

  it('rejects an ed25519 signature presented under an ecdsa key type', () => {
    const ed = generateSigner('ed25519');
    const relabeled = keyOf('ecdsa', 'ecdsa-sha2-nistp256', ed.key.public);
    expect(verifySignature(relabeled, ed.sign(DATA), DATA)).toBe(false);
  });

  it('rejects malleated DER: trailing bytes or a non-minimal length encoding', () => {
    const signer = generateSigner('ecdsa-p256');
    const sig = Buffer.from(signer.sign(DATA), 'hex');
    const nonMinimal = Buffer.concat([Buffer.from([0x30, 0x81, sig[1] ?? 0]), sig.subarray(2)]);
    expect(verifySignature(signer.key, `${sig.toString('hex')}00`, DATA)).toBe(false);
    expect(verifySignature(signer.key, nonMinimal.toString('hex'), DATA)).toBe(false);
    expect(verifySignature(signer.key, sig.toString('hex'), DATA)).toBe(true);
  });

  it('returns false for an unsupported key type instead of throwing', () => {
    expect(verifySignature(keyOf('sphincs', 'sphincs', 'ab'), 'ab'.repeat(32), DATA)).toBe(false);
  });
});

describe('verifySignature against openssl-made signatures', () => {
  let dir = '';
  let cleanup: () => Promise<void> = () => Promise.resolve();
  beforeEach(async () => {
    ({ dir, cleanup } = await makeTempDir());
    await writeFile(join(dir, 'data.bin'), DATA);
  });
  afterEach(async () => cleanup());

  async function publicPem(): Promise<string> {
    return (await openssl(dir, 'pkey', '-in', 'key.pem', '-pubout')).toString();
  }

  async function sigHex(...args: string[]): Promise<string> {
    await openssl(dir, 'dgst', ...args, '-sign', 'key.pem', '-out', 'sig.bin', 'data.bin');
    return (await readFile(join(dir, 'sig.bin'))).toString('hex');
  }

  it.each([
    ['P-256', 'prime256v1', 'ecdsa-sha2-nistp256', '-sha256'],
    ['P-384', 'secp384r1', 'ecdsa-sha2-nistp384', '-sha384'],
    ['P-521', 'secp521r1', 'ecdsa-sha2-nistp521', '-sha512'],
  ])('ecdsa %s: a DER signature made by openssl verifies', async (_name, curve, scheme, digest) => {
    await openssl(
      dir,
      'genpkey',
      '-algorithm',
      'EC',
      '-pkeyopt',
      `ec_paramgen_curve:${curve}`,
      '-out',
      'key.pem',
    );
    const key = keyOf('ecdsa', scheme, await publicPem());
    const sig = await sigHex(digest);
    expect(verifySignature(key, sig, DATA)).toBe(true);
    expect(verifySignature(key, sig, OTHER)).toBe(false);
  });

  it('ecdsa P-384: a signature over the sha256 digest does not verify under ecdsa-sha2-nistp384', async () => {
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
    const key = keyOf('ecdsa', 'ecdsa-sha2-nistp384', await publicPem());
    expect(verifySignature(key, await sigHex('-sha256'), DATA)).toBe(false);
    expect(verifySignature(key, await sigHex('-sha384'), DATA)).toBe(true);
  });

  it('legacy keytype "ecdsa-sha2-nistp256" verifies like "ecdsa"', async () => {
    await openssl(
      dir,
      'genpkey',
      '-algorithm',
      'EC',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-out',
      'key.pem',
    );
    const key = keyOf('ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp256', await publicPem());
    expect(verifySignature(key, await sigHex('-sha256'), DATA)).toBe(true);
  });

  describe('rsa', () => {
    beforeEach(async () => {
      await openssl(
        dir,
        'genpkey',
        '-algorithm',
        'RSA',
        '-pkeyopt',
        'rsa_keygen_bits:2048',
        '-out',
        'key.pem',
      );
    });

    it.each([
      ['sha256', 'digest'],
      ['sha256', 'max'],
      ['sha384', 'digest'],
      ['sha512', 'max'],
    ])('rsassa-pss-%s with salt length %s verifies', async (hash, salt) => {
      const key = keyOf('rsa', `rsassa-pss-${hash}`, await publicPem());
      const sig = await sigHex(
        `-${hash}`,
        '-sigopt',
        'rsa_padding_mode:pss',
        '-sigopt',
        `rsa_pss_saltlen:${salt}`,
      );
      expect(verifySignature(key, sig, DATA)).toBe(true);
      expect(verifySignature(key, sig, OTHER)).toBe(false);
    });

    it.each(['sha256', 'sha384', 'sha512'])('rsa-pkcs1v15-%s verifies', async (hash) => {
      const key = keyOf('rsa', `rsa-pkcs1v15-${hash}`, await publicPem());
      const sig = await sigHex(`-${hash}`);
      expect(verifySignature(key, sig, DATA)).toBe(true);
      expect(verifySignature(key, sig, OTHER)).toBe(false);
    });

    it('a PKCS#1 v1.5 signature does not verify under a PSS scheme, nor the reverse', async () => {
      const pem = await publicPem();
      const pkcs = await sigHex('-sha256');
      const pss = await sigHex(
        '-sha256',
        '-sigopt',
        'rsa_padding_mode:pss',
        '-sigopt',
        'rsa_pss_saltlen:digest',
      );
      expect(verifySignature(keyOf('rsa', 'rsassa-pss-sha256', pem), pkcs, DATA)).toBe(false);
      expect(verifySignature(keyOf('rsa', 'rsa-pkcs1v15-sha256', pem), pss, DATA)).toBe(false);
    });
  });

  it('ed25519: a raw signature made by openssl verifies against the hex public key', async () => {
    await openssl(dir, 'genpkey', '-algorithm', 'ED25519', '-out', 'key.pem');
    const der = await openssl(dir, 'pkey', '-in', 'key.pem', '-pubout', '-outform', 'DER');
    const key = keyOf('ed25519', 'ed25519', der.subarray(der.length - 32).toString('hex'));
    await openssl(
      dir,
      'pkeyutl',
      '-sign',
      '-inkey',
      'key.pem',
      '-rawin',
      '-in',
      'data.bin',
      '-out',
      'sig.bin',
    );
    const sig = (await readFile(join(dir, 'sig.bin'))).toString('hex');
    expect(verifySignature(key, sig, DATA)).toBe(true);
    expect(verifySignature(key, sig, OTHER)).toBe(false);
  });

  it('a private-key PEM is not accepted as a public key', async () => {
    await openssl(
      dir,
      'genpkey',
      '-algorithm',
      'EC',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-out',
      'key.pem',
    );
    const privatePem = (await readFile(join(dir, 'key.pem'))).toString();
    const key = keyOf('ecdsa', 'ecdsa-sha2-nistp256', privatePem);
    expect(verifySignature(key, await sigHex('-sha256'), DATA)).toBe(false);
  });
});
