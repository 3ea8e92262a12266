import { describe, expect, it } from 'vitest';
import { FormatError, parseTargets, TrustError, type JsonObject } from '../../src/core/index.js';
import { bytesOf, envelope, signedFor } from './helpers.js';

const SHA = 'ab'.repeat(32);
const KEY = { keytype: 'ed25519', scheme: 'ed25519', keyval: { public: 'cd'.repeat(32) } };

function role(name: string, extra: JsonObject = { paths: ['*'] }): JsonObject {
  return { name, keyids: ['k1'], threshold: 1, terminating: false, ...extra };
}

function targetsWith(extra: JsonObject): Uint8Array {
  return bytesOf(envelope(signedFor('targets', extra)));
}

function codeOf(extra: JsonObject): string {
  try {
    parseTargets(targetsWith(extra), 'bin-1f');
  } catch (err) {
    if (err instanceof FormatError || err instanceof TrustError) return err.code;
    throw err;
  }
  return 'parsed';
}

describe('parseTargets: targets', () => {
  it('parses target files with length, hashes and custom kept as received', () => {
    const custom = { 'x-signer': '@a', nested: [1, 2] };
    const env = parseTargets(
      targetsWith({
        targets: {
          'a/b.tgz': { length: 12, hashes: { sha256: SHA }, custom },
          'c.txt': { length: 0, hashes: { sha512: 'ef'.repeat(64) } },
        },
      }),
    );
    expect(env.signed.targets.get('a/b.tgz')).toEqual({
      path: 'a/b.tgz',
      length: 12,
      hashes: { sha256: SHA },
      custom,
    });
    expect(env.signed.targets.get('c.txt')).toEqual({
      path: 'c.txt',
      length: 0,
      hashes: { sha512: 'ef'.repeat(64) },
    });
    expect(env.signed.delegations).toBeUndefined();
  });

  it.each<[string, JsonObject, string]>([
    ['targets missing', { targets: undefined as unknown as JsonObject }, 'missing-field'],
    ['targets an array', { targets: [] }, 'invalid-type'],
    ['a target that is a string', { targets: { a: 'x' } }, 'invalid-type'],
    ['a target without length', { targets: { a: { hashes: { sha256: SHA } } } }, 'missing-field'],
    [
      'a target with negative length',
      { targets: { a: { length: -5, hashes: { sha256: SHA } } } },
      'invalid-number',
    ],
    [
      'a target with 2^53 length',
      { targets: { a: { length: 2 ** 53, hashes: { sha256: SHA } } } },
      'invalid-number',
    ],
    ['a target without hashes', { targets: { a: { length: 1 } } }, 'missing-field'],
    ['a target with empty hashes', { targets: { a: { length: 1, hashes: {} } } }, 'invalid-value'],
    [
      'a target with a short sha256',
      { targets: { a: { length: 1, hashes: { sha256: 'abcd' } } } },
      'invalid-value',
    ],
    [
      'a target with a numeric hash',
      { targets: { a: { length: 1, hashes: { sha256: 1 } } } },
      'invalid-value',
    ],
  ])('%s → %s', (_name, extra, code) => {
    expect(codeOf(extra)).toBe(code);
  });

  it('names the delegated role and target in errors', () => {
    expect(() =>
      parseTargets(targetsWith({ targets: { 'pkg.whl': { length: 1 } } }), 'bin-1f'),
    ).toThrow(/^bin-1f\.targets\["pkg\.whl"\]\.hashes: expected an object, got nothing/);
  });
});

describe('parseTargets: delegations', () => {
  it('parses ordered roles with paths or path_hash_prefixes, deduplicating keyids', () => {
    const delegations = {
      keys: { k1: KEY },
      roles: [
        role('b', { paths: ['b/*'], terminating: true }),
        role('a', { path_hash_prefixes: ['00', 'ff'], keyids: ['k1', 'k2', 'k1'] }),
      ],
    };
    const d = parseTargets(targetsWith({ delegations })).signed.delegations;
    expect(d?.keys.get('k1')?.public).toBe('cd'.repeat(32));
    expect(d?.roles).toEqual([
      { name: 'b', keyids: ['k1'], threshold: 1, terminating: true, paths: ['b/*'] },
      {
        name: 'a',
        keyids: ['k1', 'k2'],
        threshold: 1,
        terminating: false,
        pathHashPrefixes: ['00', 'ff'],
      },
    ]);
    expect(d?.succinctRoles).toBeUndefined();
  });

  it('parses succinct_roles (TAP 15)', () => {
    const delegations = {
      keys: {},
      succinct_roles: { keyids: ['k1'], threshold: 1, bit_length: 12, name_prefix: 'bins' },
    };
    expect(parseTargets(targetsWith({ delegations })).signed.delegations?.succinctRoles).toEqual({
      keyids: ['k1'],
      threshold: 1,
      bitLength: 12,
      namePrefix: 'bins',
    });
  });

  const succinct = (extra: JsonObject): JsonObject => ({
    keys: {},
    succinct_roles: { keyids: ['k1'], threshold: 1, bit_length: 8, name_prefix: 'bins', ...extra },
  });
  it.each<[string, JsonObject, string]>([
    ['delegations an array', { delegations: [] }, 'invalid-type'],
    ['keys missing', { delegations: { roles: [] } }, 'missing-field'],
    ['neither roles nor succinct_roles', { delegations: { keys: {} } }, 'invalid-value'],
    [
      'both roles and succinct_roles',
      { delegations: { ...succinct({}), roles: [] } },
      'invalid-value',
    ],
    ['roles an object', { delegations: { keys: {}, roles: {} } }, 'invalid-type'],
    ['a role that is a string', { delegations: { keys: {}, roles: ['a'] } }, 'invalid-type'],
    [
      'a role without name',
      {
        delegations: {
          keys: {},
          roles: [{ keyids: [], threshold: 1, terminating: false, paths: [] }],
        },
      },
      'missing-field',
    ],
    ['an empty role name', { delegations: { keys: {}, roles: [role('')] } }, 'invalid-value'],
    [
      'a top-level role name',
      { delegations: { keys: {}, roles: [role('snapshot')] } },
      'invalid-value',
    ],
    [
      'two roles with one name',
      { delegations: { keys: {}, roles: [role('a'), role('b'), role('a')] } },
      'invalid-value',
    ],
    [
      'terminating missing',
      { delegations: { keys: {}, roles: [{ name: 'a', keyids: [], threshold: 1, paths: [] }] } },
      'missing-field',
    ],
    [
      'terminating a string',
      { delegations: { keys: {}, roles: [role('a', { paths: [], terminating: 'yes' })] } },
      'invalid-type',
    ],
    [
      'both paths and path_hash_prefixes',
      { delegations: { keys: {}, roles: [role('a', { paths: [], path_hash_prefixes: [] })] } },
      'invalid-value',
    ],
    [
      'neither paths nor path_hash_prefixes',
      { delegations: { keys: {}, roles: [role('a', {})] } },
      'invalid-value',
    ],
    [
      'a numeric path',
      { delegations: { keys: {}, roles: [role('a', { paths: [1] })] } },
      'invalid-type',
    ],
    [
      'an uppercase hash prefix',
      { delegations: { keys: {}, roles: [role('a', { path_hash_prefixes: ['AB'] })] } },
      'invalid-value',
    ],
    [
      'a non-hex hash prefix',
      { delegations: { keys: {}, roles: [role('a', { path_hash_prefixes: ['xy'] })] } },
      'invalid-value',
    ],
    [
      'an empty hash prefix',
      { delegations: { keys: {}, roles: [role('a', { path_hash_prefixes: [''] })] } },
      'invalid-value',
    ],
    [
      'threshold 0 in a role',
      { delegations: { keys: {}, roles: [role('a', { paths: [], threshold: 0 })] } },
      'invalid-number',
    ],
    ['bit_length 0', { delegations: succinct({ bit_length: 0 }) }, 'invalid-number'],
    ['bit_length 33', { delegations: succinct({ bit_length: 33 }) }, 'invalid-number'],
    ['bit_length 1.5', { delegations: succinct({ bit_length: 1.5 }) }, 'invalid-number'],
    [
      'name_prefix missing',
      { delegations: succinct({ name_prefix: undefined as unknown as string }) },
      'missing-field',
    ],
    ['succinct_roles an array', { delegations: { keys: {}, succinct_roles: [] } }, 'invalid-type'],
    [
      'a delegated key of wrong shape',
      { delegations: { keys: { k1: { keytype: 'ed25519' } }, roles: [] } },
      'missing-field',
    ],
  ])('%s → %s', (_name, extra, code) => {
    expect(codeOf(extra)).toBe(code);
  });

  it('parses 16,384 hash-bin roles into the same order', () => {
    const roles: JsonObject[] = [];
    for (let i = 0; i < 16384; i++) {
      const h = i.toString(16).padStart(4, '0');
      roles.push(role(`bins-${h}`, { path_hash_prefixes: [h], terminating: true }));
    }
    const d = parseTargets(targetsWith({ delegations: { keys: { k1: KEY }, roles } })).signed
      .delegations;
    expect(d?.roles).toHaveLength(16384);
    expect(d?.roles?.[16383]).toEqual({
      name: 'bins-3fff',
      keyids: ['k1'],
      threshold: 1,
      terminating: true,
      pathHashPrefixes: ['3fff'],
    });
  });
});

describe('parseTargets: wrong type', () => {
  it('a snapshot served as targets → wrong-type', () => {
    expect(codeOf({ _type: 'snapshot' })).toBe('wrong-type');
  });
});
