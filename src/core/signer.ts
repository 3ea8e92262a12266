// Key generation and signing for tests, the demo and benchmarks (node:crypto only). Produces
// the key JSON and signature encodings python-tuf/securesystemslib produce: ed25519 raw hex
// keys and raw signatures, ECDSA and RSA keys as SPKI PEM, ECDSA signatures DER-encoded.

import {
  constants,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  type KeyObject,
  type SignKeyObjectInput,
} from 'node:crypto';
import { canonicalBytes, sortedKeys } from './canonical.js';
import { UsageError } from './errors.js';
import { computeKeyId, parseKey } from './keys.js';
import type { Json, JsonObject, Key } from './model.js';

export type KeyAlgorithm =
  'ed25519' | 'ecdsa-p256' | 'ecdsa-p384' | 'ecdsa-p521' | 'rsa-pss-sha256' | 'rsa-pkcs1v15-sha256';

export interface Signer {
  readonly keyid: string;
  readonly key: Key;
  /** Returns the hex signature over `data`. */
  sign(data: Uint8Array): string;
}

export interface GenerateOptions {
  /** RSA modulus size; securesystemslib's default is 3072. */
  readonly rsaBits?: number;
}

interface AlgorithmInfo {
  readonly keytype: string;
  readonly scheme: string;
  readonly digest: 'sha256' | 'sha384' | 'sha512' | null;
  readonly curve?: string;
}

const ALGORITHMS: Readonly<Record<KeyAlgorithm, AlgorithmInfo>> = {
  ed25519: { keytype: 'ed25519', scheme: 'ed25519', digest: null },
  'ecdsa-p256': {
    keytype: 'ecdsa',
    scheme: 'ecdsa-sha2-nistp256',
    digest: 'sha256',
    curve: 'P-256',
  },
  'ecdsa-p384': {
    keytype: 'ecdsa',
    scheme: 'ecdsa-sha2-nistp384',
    digest: 'sha384',
    curve: 'P-384',
  },
  'ecdsa-p521': {
    keytype: 'ecdsa',
    scheme: 'ecdsa-sha2-nistp521',
    digest: 'sha512',
    curve: 'P-521',
  },
  'rsa-pss-sha256': { keytype: 'rsa', scheme: 'rsassa-pss-sha256', digest: 'sha256' },
  'rsa-pkcs1v15-sha256': { keytype: 'rsa', scheme: 'rsa-pkcs1v15-sha256', digest: 'sha256' },
};

function publicValue(alg: KeyAlgorithm, publicKey: KeyObject): string {
  if (alg === 'ed25519') {
    // The raw 32-byte key is the last 32 bytes of its SPKI DER encoding.
    const der = publicKey.export({ type: 'spki', format: 'der' });
    return der.subarray(der.length - 32).toString('hex');
  }
  return publicKey.export({ type: 'spki', format: 'pem' }).toString();
}

function signInput(alg: KeyAlgorithm, privateKey: KeyObject): SignKeyObjectInput | KeyObject {
  if (alg.startsWith('ecdsa-')) return { key: privateKey, dsaEncoding: 'der' };
  // securesystemslib signs PSS with salt length = digest length.
  if (alg === 'rsa-pss-sha256')
    return {
      key: privateKey,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
    };
  if (alg === 'rsa-pkcs1v15-sha256')
    return { key: privateKey, padding: constants.RSA_PKCS1_PADDING };
  return privateKey;
}

function makeSigner(
  alg: KeyAlgorithm,
  privateKey: KeyObject,
  extraKeyFields: JsonObject | undefined,
): Signer {
  const info = ALGORITHMS[alg];
  const json: JsonObject = {
    ...(extraKeyFields ?? {}),
    keytype: info.keytype,
    scheme: info.scheme,
    keyval: { public: publicValue(alg, createPublicKey(privateKey)) },
  };
  // Extra fields (e.g. x-tuf-on-ci-keyowner) are part of the keyid, as tuf-on-ci computes it.
  const keyid = computeKeyId(json);
  const key = parseKey(`key ${keyid}`, keyid, json);
  const input = signInput(alg, privateKey);
  return {
    keyid,
    key,
    sign: (data: Uint8Array): string => sign(info.digest, data, input).toString('hex'),
  };
}

/** Generates a fresh key pair; the signer's key JSON and keyid are what TUF metadata lists. */
export function generateSigner(
  alg: KeyAlgorithm,
  extraKeyFields?: JsonObject,
  options?: GenerateOptions,
): Signer {
  const info = ALGORITHMS[alg];
  let privateKey: KeyObject;
  if (alg === 'ed25519') privateKey = generateKeyPairSync('ed25519').privateKey;
  else if (info.curve !== undefined)
    privateKey = generateKeyPairSync('ec', { namedCurve: info.curve }).privateKey;
  else
    privateKey = generateKeyPairSync('rsa', { modulusLength: options?.rsaBits ?? 3072 }).privateKey;
  return makeSigner(alg, privateKey, extraKeyFields);
}

/** Builds a signer from a PEM private key (PKCS#8, SEC1 or PKCS#1); throws UsageError if it does not fit `alg`. */
export function signerFromPem(
  privatePem: string,
  alg: KeyAlgorithm,
  extraKeyFields?: JsonObject,
): Signer {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: privatePem, format: 'pem' });
  } catch (err) {
    throw new UsageError(
      'invalid-argument',
      'private key: expected a PEM private key, got unparseable input',
      { cause: err },
    );
  }
  const info = ALGORITHMS[alg];
  const type = privateKey.asymmetricKeyType;
  const want = alg === 'ed25519' ? 'ed25519' : info.curve !== undefined ? 'ec' : 'rsa';
  const curve = privateKey.asymmetricKeyDetails?.namedCurve;
  const curveOk =
    info.curve === undefined ||
    curve === { 'P-256': 'prime256v1', 'P-384': 'secp384r1', 'P-521': 'secp521r1' }[info.curve];
  if (type !== want || !curveOk) {
    throw new UsageError(
      'invalid-argument',
      `private key: expected a ${alg} key, got ${type ?? 'unknown'}${curve !== undefined ? ` (${curve})` : ''}`,
    );
  }
  return makeSigner(alg, privateKey, extraKeyFields);
}

/** Signs the canonical bytes of `signed` with every signer (in order) and returns the envelope. */
export function signMetadata(
  signed: JsonObject,
  signers: readonly Signer[],
): { signatures: { keyid: string; sig: string }[]; signed: JsonObject } {
  const bytes = canonicalBytes(signed);
  return { signatures: signers.map((s) => ({ keyid: s.keyid, sig: s.sign(bytes) })), signed };
}

/**
 * Serializes a metadata document. 'python' matches python-tuf's JSONSerializer
 * (`json.dumps(indent=1, sort_keys=True)`, ASCII-only); 'compact' is JSON.stringify.
 */
export function serializeMetadata(
  doc: JsonObject,
  style: 'python' | 'compact' = 'compact',
): Uint8Array {
  const text = style === 'python' ? pythonDumps(doc, '') : JSON.stringify(doc);
  return new TextEncoder().encode(text);
}

// python json.dumps with ensure_ascii=True: escapes ", \, control characters, and everything
// outside printable ASCII (including DEL) as lowercase \uXXXX (UTF-16 units).
function pythonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c <= 0x7e) {
      if (c === 0x22) out += '\\"';
      else if (c === 0x5c) out += '\\\\';
      else out += s[i];
      continue;
    }
    const short = PY_SHORT_ESCAPES[c];
    out += short ?? `\\u${c.toString(16).padStart(4, '0')}`;
  }
  return out + '"';
}

const PY_SHORT_ESCAPES: Readonly<Record<number, string>> = {
  8: '\\b',
  9: '\\t',
  10: '\\n',
  12: '\\f',
  13: '\\r',
};

function pythonDumps(value: Json, indent: string): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return pythonString(value);
  const inner = indent + ' ';
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return (
      '[\n' + value.map((v) => inner + pythonDumps(v, inner)).join(',\n') + '\n' + indent + ']'
    );
  }
  // Python sorts str keys by code point, as canonical JSON does.
  const keys = sortedKeys(value);
  if (keys.length === 0) return '{}';
  return (
    '{\n' +
    keys
      .map((k) => inner + pythonString(k) + ': ' + pythonDumps(value[k] as Json, inner))
      .join(',\n') +
    '\n' +
    indent +
    '}'
  );
}
