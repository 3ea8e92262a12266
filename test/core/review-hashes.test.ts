// Security review: hash algorithm names are attacker-chosen JSON keys. Names that exist on
// Object.prototype must behave like any other unknown algorithm: accepted by the shape check
// (as "sha1" is, and as python-tuf does), then refused when verifying.

import { describe, expect, it } from 'vitest';
import { Digester, checkHashesShape, parseTargets } from '../../src/core/index.js';

const INHERITED = ['constructor', 'toString', 'valueOf', 'hasOwnProperty'];

describe('review: hash algorithm names inherited from Object.prototype', () => {
  for (const alg of INHERITED) {
    it(`"${alg}" is an unknown algorithm, like "sha1", not a malformed document`, () => {
      expect(() => checkHashesShape('t.hashes', { sha1: 'abcd' })).not.toThrow();
      const hashes = checkHashesShape('t.hashes', { [alg]: 'abcd' });
      expect(Object.keys(hashes)).toEqual([alg]);
      let code: unknown;
      try {
        new Digester('t', 4, hashes);
      } catch (err) {
        code = (err as { code?: unknown }).code;
      }
      expect(code).toBe('hash-mismatch');
    });
  }

  it('one target with a "constructor" hash does not make the whole targets role unparseable', () => {
    const doc = {
      signed: {
        _type: 'targets',
        spec_version: '1.0.31',
        version: 1,
        expires: '2030-01-01T00:00:00Z',
        targets: {
          good: { length: 1, hashes: { sha256: 'a'.repeat(64) } },
          odd: { length: 1, hashes: { constructor: 'abcd' } },
        },
      },
      signatures: [],
    };
    const env = parseTargets(new TextEncoder().encode(JSON.stringify(doc)));
    expect(env.signed.targets.get('good')?.length).toBe(1);
  });
});
