import { createHash, type Hash } from 'node:crypto';
import { FormatError, TrustError } from './errors.js';
import { describe } from './describe-value.js';

// Hash algorithms accepted in `hashes` objects. An unknown algorithm is a verification
// failure, never skipped: skipping would let an attacker list only algorithms we ignore.
const SUPPORTED = new Set(['sha256', 'sha384', 'sha512']);
const HEX = /^[0-9a-f]+$/;
const HEX_LENGTH: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

export function isSupportedHashAlgorithm(name: string): boolean {
  return SUPPORTED.has(name);
}

/** Streams bytes through every listed hash once, then checks length and digests. */
export class Digester {
  private readonly hashers: [string, string, Hash][] = [];
  private received = 0;

  /** Throws TrustError before any byte is read if an algorithm is unknown. */
  constructor(
    private readonly subject: string,
    private readonly expectedLength: number | undefined,
    expectedHashes: Readonly<Record<string, string>> | undefined,
  ) {
    for (const [alg, hex] of Object.entries(expectedHashes ?? {})) {
      if (!SUPPORTED.has(alg)) {
        throw new TrustError(
          'hash-mismatch',
          `${subject}: expected a hash algorithm in {sha256, sha384, sha512}, got "${alg}"`,
        );
      }
      this.hashers.push([alg, hex.toLowerCase(), createHash(alg)]);
    }
  }

  /** Bytes seen so far. */
  get length(): number {
    return this.received;
  }

  update(chunk: Uint8Array): void {
    this.received += chunk.byteLength;
    for (const entry of this.hashers) entry[2].update(chunk);
  }

  /** Returns the computed digests; throws TrustError on a length or hash mismatch. */
  verify(): Record<string, string> {
    if (this.expectedLength !== undefined && this.received !== this.expectedLength) {
      throw new TrustError(
        'length-mismatch',
        `${this.subject}: expected ${this.expectedLength} bytes, got ${this.received}`,
      );
    }
    const digests: Record<string, string> = {};
    for (const [alg, expected, hash] of this.hashers) {
      const actual = hash.digest('hex');
      if (actual !== expected) {
        throw new TrustError(
          'hash-mismatch',
          `${this.subject}: expected ${alg} ${expected}, got ${actual}`,
        );
      }
      digests[alg] = actual;
    }
    return digests;
  }
}

/** Verifies a complete buffer against an optional length and optional hashes (TUF 5.3.x meta checks). */
export function verifyLengthAndHashes(
  subject: string,
  bytes: Uint8Array,
  length: number | undefined,
  hashes: Readonly<Record<string, string>> | undefined,
): void {
  const digester = new Digester(subject, length, hashes);
  digester.update(bytes);
  digester.verify();
}

/** Hex digest of bytes or a string (UTF-8). */
export function hashHex(alg: 'sha256' | 'sha384' | 'sha512', data: Uint8Array | string): string {
  return createHash(alg).update(data).digest('hex');
}

/** Validates a `hashes` object from metadata: non-empty, string values of hex. */
export function checkHashesShape(
  subject: string,
  hashes: Record<string, unknown>,
): Record<string, string> {
  const entries = Object.entries(hashes);
  if (entries.length === 0)
    throw new FormatError('invalid-value', `${subject}: expected at least one hash, got none`);
  // A null-prototype object: a "__proto__" algorithm name must stay an ordinary (rejected) key.
  const out = Object.create(null) as Record<string, string>;
  for (const [alg, value] of entries) {
    if (typeof value !== 'string' || !HEX.test(value.toLowerCase())) {
      throw new FormatError(
        'invalid-value',
        `${subject}.${alg}: expected a hex digest, got ${describe(value)}`,
      );
    }
    // Own properties only: "constructor" or "toString" are unknown algorithms, not lengths.
    const want = Object.hasOwn(HEX_LENGTH, alg) ? HEX_LENGTH[alg] : undefined;
    if (want !== undefined && value.length !== want) {
      throw new FormatError(
        'invalid-value',
        `${subject}.${alg}: expected ${want} hex digits, got ${value.length}`,
      );
    }
    out[alg] = value;
  }
  return out;
}
