import { describe, expect, it } from 'vitest';
import {
  canonicalBytes,
  FormatError,
  parseMetadata,
  parseRoot,
  parseSnapshot,
  parseTimestamp,
  TrustError,
  type JsonObject,
  type RoleType,
} from '../../src/core/index.js';
import { bytesOf, codeOf, envelope, EXPIRES, signedFor } from './helpers.js';

type Doc = { signed: JsonObject; signatures: JsonObject[] } & JsonObject;

function docFor(role: RoleType): Doc {
  return envelope(signedFor(role), [{ keyid: 'k1', sig: 'abcd' }]) as Doc;
}

/** Parses `role` metadata after `mutate`, returning the FormatError/TrustError code. */
function codeAfter(role: RoleType, mutate: (doc: Doc) => void): string {
  const doc = docFor(role);
  mutate(doc);
  const bytes = bytesOf(doc);
  try {
    parseMetadata(bytes, role);
  } catch (err) {
    if (err instanceof FormatError || err instanceof TrustError) return err.code;
    throw err;
  }
  return 'parsed';
}

const rawCode = (text: string | Uint8Array): string =>
  codeOf(
    () => parseRoot(typeof text === 'string' ? new TextEncoder().encode(text) : text),
    FormatError,
  );

describe('parseMetadata: documents that are not JSON objects', () => {
  it.each([
    ['empty input', ''],
    ['truncated JSON', '{"signed": {'],
    ['a UTF-8 BOM before the JSON', '\ufeff{}'],
    ['trailing garbage', '{} x'],
  ])('%s → invalid-json', (_name, text) => {
    expect(rawCode(text)).toBe('invalid-json');
  });

  it('invalid UTF-8 → invalid-json', () => {
    expect(rawCode(Uint8Array.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]))).toBe('invalid-json');
  });

  it.each([
    ['an array', '[]'],
    ['a string', '"root"'],
    ['null', 'null'],
    ['a number', '1'],
  ])('%s → invalid-type', (_name, text) => {
    expect(rawCode(text)).toBe('invalid-type');
  });
});

describe('parseMetadata: envelope and common fields', () => {
  it.each<[string, (d: Doc) => void, string]>([
    ['signed missing', (d) => delete (d as JsonObject)['signed'], 'missing-field'],
    ['signed an array', (d) => ((d as JsonObject)['signed'] = []), 'invalid-type'],
    ['signatures missing', (d) => delete (d as JsonObject)['signatures'], 'missing-field'],
    ['signatures an object', (d) => ((d as JsonObject)['signatures'] = {}), 'invalid-type'],
    [
      'a signature not an object',
      (d) => d.signatures.push('sig' as unknown as JsonObject),
      'invalid-type',
    ],
    ['a signature without keyid', (d) => d.signatures.push({ sig: 'ab' }), 'missing-field'],
    [
      'a signature with numeric sig',
      (d) => d.signatures.push({ keyid: 'k2', sig: 12 }),
      'invalid-type',
    ],
    [
      'two signatures with one keyid',
      (d) => d.signatures.push({ keyid: 'k1', sig: 'ef01' }),
      'duplicate-signature',
    ],
    ['_type missing', (d) => delete d.signed['_type'], 'missing-field'],
    ['_type of another role', (d) => (d.signed['_type'] = 'snapshot'), 'wrong-type'],
    ['_type with different case', (d) => (d.signed['_type'] = 'Root'), 'wrong-type'],
    ['spec_version missing', (d) => delete d.signed['spec_version'], 'missing-field'],
    ['spec_version of major 2', (d) => (d.signed['spec_version'] = '2.0.0'), 'invalid-value'],
    ['spec_version not semver', (d) => (d.signed['spec_version'] = '1.0.x'), 'invalid-value'],
    [
      'spec_version with four parts',
      (d) => (d.signed['spec_version'] = '1.0.0.0'),
      'invalid-value',
    ],
    ['version missing', (d) => delete d.signed['version'], 'missing-field'],
    ['version 0', (d) => (d.signed['version'] = 0), 'invalid-number'],
    ['version negative', (d) => (d.signed['version'] = -1), 'invalid-number'],
    ['version a float', (d) => (d.signed['version'] = 1.5), 'invalid-number'],
    ['version the string "1"', (d) => (d.signed['version'] = '1'), 'invalid-type'],
    ['version a boolean', (d) => (d.signed['version'] = true), 'invalid-type'],
    ['version null', (d) => (d.signed['version'] = null), 'invalid-type'],
    ['version 2^53', (d) => (d.signed['version'] = 2 ** 53), 'invalid-number'],
    ['expires missing', (d) => delete d.signed['expires'], 'missing-field'],
    ['expires impossible', (d) => (d.signed['expires'] = '2026-02-30T00:00:00Z'), 'invalid-date'],
    [
      'expires with offset',
      (d) => (d.signed['expires'] = '2030-01-01T00:00:00+01:00'),
      'invalid-date',
    ],
    ['expires a number', (d) => (d.signed['expires'] = 1893456000), 'invalid-type'],
  ])('%s → %s', (_name, mutate, code) => {
    expect(codeAfter('root', mutate)).toBe(code);
  });

  it.each([
    ['1e400', 'invalid-number'],
    ['12345678901234567890', 'invalid-number'],
    ['-0', 'invalid-number'],
    ['1.0', 'parsed'],
  ])('version written as %s → %s', (literal, code) => {
    const text = JSON.stringify(docFor('timestamp')).replace(
      '"version":1,',
      `"version":${literal},`,
    );
    expect(text).toContain(`"version":${literal},`);
    let got = 'parsed';
    try {
      parseTimestamp(new TextEncoder().encode(text));
    } catch (err) {
      got = (err as FormatError).code;
    }
    expect(got).toBe(code);
  });

  it('keeps raw bytes, unknown fields, signatures by keyid, and caches canonical bytes', () => {
    const doc = docFor('timestamp');
    doc.signed['x-custom'] = { z: 1, a: [true] };
    doc['x-envelope'] = 'kept in raw';
    const bytes = bytesOf(doc);
    const env = parseTimestamp(bytes);
    expect(env.raw).toBe(bytes);
    expect(env.signed.json['x-custom']).toEqual({ z: 1, a: [true] });
    expect(env.signaturesByKeyid.get('k1')).toEqual({ keyid: 'k1', sig: 'abcd' });
    expect(env.signatures).toEqual([{ keyid: 'k1', sig: 'abcd' }]);
    expect(Buffer.from(env.canonicalSigned()).equals(Buffer.from(canonicalBytes(doc.signed)))).toBe(
      true,
    );
    expect(env.canonicalSigned()).toBe(env.canonicalSigned());
    expect(env.signed).toMatchObject({
      type: 'timestamp',
      version: 1,
      specVersion: '1.0.31',
      expires: EXPIRES,
      expiresMs: Date.UTC(2030, 0, 1),
    });
  });

  it('a float hidden in an unknown field parses but cannot be canonicalized (never silently signed)', () => {
    const doc = docFor('timestamp');
    doc.signed['x-float'] = 0.5;
    const env = parseTimestamp(bytesOf(doc));
    expect(codeOf(() => env.canonicalSigned(), FormatError)).toBe('unsupported-canonical-value');
  });
});

describe('parseRoot', () => {
  it('builds keys, roles and consistent_snapshot', () => {
    const doc = docFor('root');
    doc.signed['keys'] = {
      k1: { keytype: 'ed25519', scheme: 'ed25519', keyval: { public: 'ab' } },
      k9: { keytype: 'pq', scheme: 'pq', keyval: { public: 'x' } },
    };
    (doc.signed['roles'] as JsonObject)['targets'] = { keyids: ['k1', 'k9', 'k1'], threshold: 2 };
    const root = parseRoot(bytesOf(doc)).signed;
    expect(root.consistentSnapshot).toBe(true);
    expect([...root.keys.keys()]).toEqual(['k1', 'k9']);
    expect(root.keys.get('k9')?.keytype).toBe('pq');
    expect(root.roles.targets).toEqual({ keyids: ['k1', 'k9'], threshold: 2 });
    expect(root.roles.root).toEqual({ keyids: ['k1'], threshold: 1 });
  });

  it('deduplicates a huge attacker-supplied keyids list to its distinct entries', () => {
    const doc = docFor('root');
    (doc.signed['roles'] as JsonObject)['snapshot'] = {
      keyids: [...Array.from({ length: 200_000 }, () => 'k1'), 'k2'],
      threshold: 1,
    };
    expect(parseRoot(bytesOf(doc)).signed.roles.snapshot.keyids).toEqual(['k1', 'k2']);
  });

  it('treats a missing consistent_snapshot as false', () => {
    const doc = docFor('root');
    delete doc.signed['consistent_snapshot'];
    expect(parseRoot(bytesOf(doc)).signed.consistentSnapshot).toBe(false);
  });

  const roles = (d: Doc): JsonObject => d.signed['roles'] as JsonObject;
  it.each<[string, (d: Doc) => void, string]>([
    [
      'consistent_snapshot a string',
      (d) => (d.signed['consistent_snapshot'] = 'true'),
      'invalid-type',
    ],
    ['keys missing', (d) => delete d.signed['keys'], 'missing-field'],
    ['keys an array', (d) => (d.signed['keys'] = []), 'invalid-type'],
    [
      'a key without keyval',
      (d) => (d.signed['keys'] = { k1: { keytype: 'ed25519', scheme: 'ed25519' } }),
      'missing-field',
    ],
    ['roles missing', (d) => delete d.signed['roles'], 'missing-field'],
    ['the timestamp role missing', (d) => delete roles(d)['timestamp'], 'missing-field'],
    ['an extra role', (d) => (roles(d)['mirror'] = { keyids: [], threshold: 1 }), 'invalid-value'],
    ['threshold 0', (d) => (roles(d)['root'] = { keyids: ['k1'], threshold: 0 }), 'invalid-number'],
    [
      'threshold "1"',
      (d) => (roles(d)['root'] = { keyids: ['k1'], threshold: '1' }),
      'invalid-type',
    ],
    ['threshold missing', (d) => (roles(d)['root'] = { keyids: ['k1'] }), 'missing-field'],
    [
      'keyids not an array',
      (d) => (roles(d)['root'] = { keyids: 'k1', threshold: 1 }),
      'invalid-type',
    ],
    ['a numeric keyid', (d) => (roles(d)['root'] = { keyids: [1], threshold: 1 }), 'invalid-type'],
  ])('%s → %s', (_name, mutate, code) => {
    expect(codeAfter('root', mutate)).toBe(code);
  });
});

describe('parseTimestamp', () => {
  it('reads meta["snapshot.json"] with optional length and hashes', () => {
    const doc = docFor('timestamp');
    doc.signed['meta'] = {
      'snapshot.json': { version: 4, length: 10, hashes: { sha256: 'ab'.repeat(32) } },
    };
    expect(parseTimestamp(bytesOf(doc)).signed.snapshotMeta).toEqual({
      version: 4,
      length: 10,
      hashes: { sha256: 'ab'.repeat(32) },
    });
  });

  const meta = (d: Doc): JsonObject => d.signed['meta'] as JsonObject;
  it.each<[string, (d: Doc) => void, string]>([
    ['meta missing', (d) => delete d.signed['meta'], 'missing-field'],
    [
      'snapshot.json missing',
      (d) => (d.signed['meta'] = { 'targets.json': { version: 1 } }),
      'missing-field',
    ],
    ['snapshot.json version missing', (d) => (meta(d)['snapshot.json'] = {}), 'missing-field'],
    ['snapshot.json not an object', (d) => (meta(d)['snapshot.json'] = 3), 'invalid-type'],
    [
      'length negative',
      (d) => (meta(d)['snapshot.json'] = { version: 1, length: -1 }),
      'invalid-number',
    ],
    [
      'length null',
      (d) => (meta(d)['snapshot.json'] = { version: 1, length: null }),
      'invalid-type',
    ],
    [
      'hashes empty',
      (d) => (meta(d)['snapshot.json'] = { version: 1, hashes: {} }),
      'invalid-value',
    ],
    [
      'hashes not hex',
      (d) => (meta(d)['snapshot.json'] = { version: 1, hashes: { sha256: 'zz' } }),
      'invalid-value',
    ],
    [
      'hashes only __proto__',
      (d) =>
        (meta(d)['snapshot.json'] = JSON.parse(
          '{"version":1,"hashes":{"__proto__":"ab"}}',
        ) as JsonObject),
      'invalid-value',
    ],
  ])('%s → %s', (_name, mutate, code) => {
    expect(codeAfter('timestamp', mutate)).toBe(code);
  });
});

describe('parseSnapshot', () => {
  it('parses every meta entry into a Map', () => {
    const doc = docFor('snapshot');
    const entries: JsonObject = { 'targets.json': { version: 2 } };
    for (let i = 0; i < 300; i++) entries[`bin-${i.toString(16)}.json`] = { version: i + 1 };
    entries['__proto__.json'] = { version: 7, length: 3 };
    doc.signed['meta'] = entries;
    const snapshot = parseSnapshot(bytesOf(doc)).signed;
    expect(snapshot.meta.size).toBe(302);
    expect(snapshot.meta.get('bin-12b.json')).toEqual({ version: 300 });
    expect(snapshot.meta.get('__proto__.json')).toEqual({ version: 7, length: 3 });
  });

  it.each<[string, JsonObject, string]>([
    ['an entry without version', { 'a.json': { length: 1 } }, 'missing-field'],
    ['an entry with version 0', { 'a.json': { version: 0 } }, 'invalid-number'],
    ['an entry that is an array', { 'a.json': [] }, 'invalid-type'],
    ['an entry with a string length', { 'a.json': { version: 1, length: '5' } }, 'invalid-type'],
  ])('%s → %s', (_name, meta, code) => {
    expect(codeAfter('snapshot', (d) => (d.signed['meta'] = meta))).toBe(code);
  });

  it('names the failing entry in the message', () => {
    expect(() =>
      parseSnapshot(
        bytesOf({
          ...docFor('snapshot'),
          signed: signedFor('snapshot', { meta: { 'bin-7.json': { version: -2 } } }),
        }),
      ),
    ).toThrow(/snapshot\.meta\["bin-7\.json"\]\.version: expected a safe integer >= 1, got -2/);
  });
});
