import { describe, expect, it } from 'vitest';
import { succinctBinNameForHash, targetPathHash } from '../../src/core/index.js';

// Vectors from the public TUF conformance suite's succinct hash-bin traversal cases (TAP 15).
describe('succinct hash bins: conformance vectors', () => {
  const cases: [string, number, string][] = [
    ['boo', 1, 'bin-0'],
    ['too', 1, 'bin-1'],
    ['foo', 2, 'bin-0'],
    ['doo', 2, 'bin-1'],
    ['too', 2, 'bin-2'],
    ['bar', 2, 'bin-3'],
    ['bar', 8, 'bin-fc'],
  ];
  for (const [path, bitLength, bin] of cases) {
    it(`${path} with bit_length ${bitLength} is in ${bin}`, () => {
      expect(succinctBinNameForHash('bin', targetPathHash(path), bitLength)).toBe(bin);
    });
  }
});
