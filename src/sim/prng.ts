// Deterministic pseudo-random numbers and bytes for generated repositories: the same seed
// always gives the same paths, sizes and artifact bytes, so metadata hashes are reproducible.
// Not for cryptography.

import { createHash } from 'node:crypto';

/** A 32-bit integer derived from a seed string. */
export function seedInt(seed: string): number {
  return createHash('sha256').update(seed).digest().readUInt32BE(0);
}

/** A well-mixed 32-bit value of `x` (the splitmix32/murmur3 finalizer). */
export function mix32(x: number): number {
  let h = x >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** `length` pseudo-random bytes from `seed` (sha256 in counter mode). */
export function seededBytes(seed: string, length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  const block = Buffer.alloc(4);
  for (let at = 0, counter = 0; at < length; counter++) {
    block.writeUInt32BE(counter >>> 0, 0);
    const digest = createHash('sha256').update(seed).update(block).digest();
    at += digest.copy(out, at);
  }
  return out;
}
