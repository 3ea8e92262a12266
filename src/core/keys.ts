// Public keys and signature schemes (TUF 4.2, securesystemslib key formats). Verification is
// total: bad hex, bad key material or an unknown scheme yields `false`, never an exception,
// because every one of those inputs is attacker-controlled metadata.

import {
  constants,
  createHash,
  createPublicKey,
  verify,
  type KeyObject,
  type VerifyKeyObjectInput,
} from 'node:crypto';
import { canonicalBytes } from './canonical.js';
import { describe } from './describe-value.js';
import { FormatError } from './errors.js';
import { hashHex } from './hashes.js';
import type { Json, JsonObject, Key } from './model.js';
import { isObject } from './parse-fields.js';

type Digest = 'sha256' | 'sha384' | 'sha512';

interface SchemeInfo {
  readonly family: 'ed25519' | 'ecdsa' | 'rsa-pss' | 'rsa-pkcs1v15';
  /** null for ed25519 (the hash is part of the algorithm). */
  readonly digest: Digest | null;
  /** OpenSSL curve name the key must have (ecdsa only). */
  readonly curve?: string;
}

const SCHEMES: ReadonlyMap<string, SchemeInfo> = new Map<string, SchemeInfo>([
  ['ed25519', { family: 'ed25519', digest: null }],
  ['ecdsa-sha2-nistp256', { family: 'ecdsa', digest: 'sha256', curve: 'prime256v1' }],
  ['ecdsa-sha2-nistp384', { family: 'ecdsa', digest: 'sha384', curve: 'secp384r1' }],
  ['ecdsa-sha2-nistp521', { family: 'ecdsa', digest: 'sha512', curve: 'secp521r1' }],
  ['rsassa-pss-sha256', { family: 'rsa-pss', digest: 'sha256' }],
  ['rsassa-pss-sha384', { family: 'rsa-pss', digest: 'sha384' }],
  ['rsassa-pss-sha512', { family: 'rsa-pss', digest: 'sha512' }],
  ['rsa-pkcs1v15-sha256', { family: 'rsa-pkcs1v15', digest: 'sha256' }],
  ['rsa-pkcs1v15-sha384', { family: 'rsa-pkcs1v15', digest: 'sha384' }],
  ['rsa-pkcs1v15-sha512', { family: 'rsa-pkcs1v15', digest: 'sha512' }],
]);

// DER prefix of an Ed25519 SubjectPublicKeyInfo; the 32 raw key bytes follow it.
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const ED25519_HEX = /^[0-9a-fA-F]{64}$/;
const SIG_HEX = /^(?:[0-9a-fA-F]{2})+$/;
// The largest signature we accept: RSA-16384 (2048 bytes) as hex.
const MAX_SIG_HEX = 4096;
const MAX_CACHE = 4096;

/** Validates the shape of a key object (TUF 4.2) and keeps it exactly as received. */
export function parseKey(subject: string, keyid: string, json: unknown): Key {
  if (!isObject(json))
    throw new FormatError(
      'invalid-type',
      `${subject}: expected a key object, got ${describe(json)}`,
    );
  const { keytype, scheme, keyval } = json;
  if (typeof keytype !== 'string') throw badField(subject, 'keytype', keytype);
  if (typeof scheme !== 'string') throw badField(subject, 'scheme', scheme);
  if (!isObject(keyval)) throw badField(subject, 'keyval', keyval, 'an object');
  const pub = keyval['public'];
  if (typeof pub !== 'string') throw badField(subject, 'keyval.public', pub);
  return { keyid, keytype, scheme, public: pub, json };
}

function badField(
  subject: string,
  field: string,
  value: Json | undefined,
  want = 'a string',
): FormatError {
  return new FormatError(
    value === undefined ? 'missing-field' : 'invalid-type',
    `${subject}.${field}: expected ${want}, got ${describe(value)}`,
  );
}

/** True when the keytype/scheme pair is one we can verify; TUF says to skip unknown keys, not fail. */
export function isSupportedKey(key: Key): boolean {
  const info = SCHEMES.get(key.scheme);
  if (info === undefined) return false;
  switch (info.family) {
    case 'ed25519':
      return key.keytype === 'ed25519';
    case 'ecdsa':
      // securesystemslib accepts the generic "ecdsa" keytype and the legacy keytype == scheme.
      return key.keytype === 'ecdsa' || key.keytype === key.scheme;
    default:
      return key.keytype === 'rsa';
  }
}

/** sha256 hex of the canonical JSON of a key object (the conventional TUF keyid). */
export function computeKeyId(keyJson: JsonObject): string {
  return hashHex('sha256', canonicalBytes(keyJson));
}

interface Verifier {
  readonly digest: Digest | null;
  readonly input: VerifyKeyObjectInput | KeyObject;
  /** sha256 of the key's SPKI DER: equal for the same key however its PEM/hex was written. */
  readonly fingerprint: string;
}

// Parsed keys by keytype|scheme|public: with 16k hash bins the same few keys are checked
// thousands of times, and PEM parsing dominates otherwise. Unusable keys are cached as null.
const verifierCache = new Map<string, Verifier | null>();

function verifierFor(key: Key): Verifier | null {
  const cacheKey = `${key.keytype}\u0000${key.scheme}\u0000${key.public}`;
  const hit = verifierCache.get(cacheKey);
  if (hit !== undefined) return hit;
  const made = buildVerifier(key);
  // Bounded: an attacker listing many distinct keys must not grow memory without limit.
  if (verifierCache.size >= MAX_CACHE) verifierCache.clear();
  verifierCache.set(cacheKey, made);
  return made;
}

function buildVerifier(key: Key): Verifier | null {
  if (!isSupportedKey(key)) return null;
  const info = SCHEMES.get(key.scheme);
  if (info === undefined) return null;
  try {
    if (info.family === 'ed25519') {
      if (!ED25519_HEX.test(key.public)) return null;
      const der = Buffer.concat([ED25519_SPKI_PREFIX, Buffer.from(key.public, 'hex')]);
      const obj = createPublicKey({ key: der, format: 'der', type: 'spki' });
      return { digest: null, input: obj, fingerprint: fingerprintOf(obj) };
    }
    // Only SPKI public keys: createPublicKey would also derive a key from a private key or a
    // certificate, which is not what a TUF key entry is.
    if (!key.public.includes('-----BEGIN PUBLIC KEY-----')) return null;
    const obj = createPublicKey({ key: key.public, format: 'pem' });
    if (info.family === 'ecdsa') {
      // The curve must match the scheme: a P-384 key under "ecdsa-sha2-nistp256" is rejected.
      if (obj.asymmetricKeyType !== 'ec' || obj.asymmetricKeyDetails?.namedCurve !== info.curve)
        return null;
      return {
        digest: info.digest,
        input: { key: obj, dsaEncoding: 'der' },
        fingerprint: fingerprintOf(obj),
      };
    }
    if (obj.asymmetricKeyType !== 'rsa') return null;
    if (info.family === 'rsa-pss') {
      // AUTO recovers the salt length from the signature: securesystemslib signs with
      // salt = digest length and older signers with the maximum; both verify.
      return {
        digest: info.digest,
        input: {
          key: obj,
          padding: constants.RSA_PKCS1_PSS_PADDING,
          saltLength: constants.RSA_PSS_SALTLEN_AUTO,
        },
        fingerprint: fingerprintOf(obj),
      };
    }
    return {
      digest: info.digest,
      input: { key: obj, padding: constants.RSA_PKCS1_PADDING },
      fingerprint: fingerprintOf(obj),
    };
  } catch {
    return null;
  }
}

function fingerprintOf(obj: KeyObject): string {
  return createHash('sha256')
    .update(obj.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

/** Identity of the key material (sha256 of SPKI DER), or null if the key is unusable. */
export function keyFingerprint(key: Key): string | null {
  return verifierFor(key)?.fingerprint ?? null;
}

/** True only if `sigHex` is a valid signature by `key` over `data`; never throws. */
export function verifySignature(key: Key, sigHex: string, data: Uint8Array): boolean {
  if (typeof sigHex !== 'string' || sigHex.length > MAX_SIG_HEX || !SIG_HEX.test(sigHex))
    return false;
  const verifier = verifierFor(key);
  if (verifier === null) return false;
  try {
    return verify(verifier.digest, data, verifier.input, Buffer.from(sigHex, 'hex'));
  } catch {
    return false;
  }
}
