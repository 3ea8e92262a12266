// Security review: role names become metadata file names. On case-insensitive file systems
// (macOS APFS/HFS+ default, Windows NTFS) `Root.json` IS `root.json`. The parser refuses only
// the exact top-level names, so a delegated role named "Root", "Timestamp" or "SNAPSHOT" is
// legal metadata; storing it must not replace the trusted root (client bricked) or the trusted
// timestamp/snapshot (rollback reference erased, TUF 5.4.3 / 5.5.5).

import { describe, expect, it } from 'vitest';
import { roleFileName } from '../../src/client/role-file-name.js';
import { parseTargets } from '../../src/core/index.js';

const TOP = ['root', 'timestamp', 'snapshot', 'targets'];

function caseVariants(name: string): string[] {
  const first = `${name.charAt(0).toUpperCase()}${name.slice(1)}`;
  return [first, name.toUpperCase(), `${name.slice(0, -1)}${name.slice(-1).toUpperCase()}`];
}

describe('review: role file names on case-insensitive file systems', () => {
  it('a delegated role named "Root" parses, and is not stored in a file that folds to root.json', () => {
    const doc = {
      signed: {
        _type: 'targets',
        spec_version: '1.0.31',
        version: 1,
        expires: '2030-01-01T00:00:00Z',
        targets: {},
        delegations: {
          keys: {},
          roles: [{ name: 'Root', keyids: [], threshold: 1, terminating: false, paths: ['*'] }],
        },
      },
      signatures: [],
    };
    const env = parseTargets(new TextEncoder().encode(JSON.stringify(doc)));
    const name = env.signed.delegations?.roles?.[0]?.name ?? '';
    expect(name).toBe('Root');
    expect(roleFileName(name).toLowerCase()).not.toBe('root.json');
  });

  for (const top of TOP) {
    it(`no case variant of "${top}" is stored in a file that folds to ${top}.json`, () => {
      expect(roleFileName(top)).toBe(`${top}.json`);
      // The fix must keep ordinary names readable: conformance expects A.json for role A.
      expect(roleFileName('A')).toBe('A.json');
      for (const variant of caseVariants(top))
        expect(roleFileName(variant).toLowerCase()).not.toBe(`${top}.json`);
    });
  }
});
