import { describe, expect, it } from 'vitest';
import {
  TrustError,
  UsageError,
  generateSigner,
  hashHex,
  parseRoot,
  parseSnapshot,
  parseTargets,
  parseTimestamp,
  verifyLengthAndHashes,
  verifyThreshold,
  type Envelope,
  type JsonObject,
  type Root,
} from '../../src/core/index.js';
import { RepositorySimulator } from '../../src/sim/index.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const decode = (b: Uint8Array | undefined): string => new TextDecoder().decode(b);

function trustedRoot(sim: RepositorySimulator, version?: number): Envelope<Root> {
  return parseRoot(sim.rootBytes(version));
}

function verifyTopLevel(sim: RepositorySimulator, root: Envelope<Root>): void {
  const ts = parseTimestamp(sim.get('metadata/timestamp.json') ?? new Uint8Array());
  verifyThreshold(ts, 'timestamp', root.signed.roles.timestamp, root.signed.keys);
  const snap = parseSnapshot(
    sim.get(`metadata/${ts.signed.snapshotMeta.version}.snapshot.json`) ?? new Uint8Array(),
  );
  verifyThreshold(snap, 'snapshot', root.signed.roles.snapshot, root.signed.keys);
  const targetsVersion = snap.signed.meta.get('targets.json')?.version;
  const targets = parseTargets(
    sim.get(`metadata/${targetsVersion}.targets.json`) ?? new Uint8Array(),
  );
  verifyThreshold(targets, 'targets', root.signed.roles.targets, root.signed.keys);
}

describe('RepositorySimulator', () => {
  it('publishes a minimal repository that parses and verifies with the core', () => {
    const sim = new RepositorySimulator();
    const root = trustedRoot(sim);
    verifyThreshold(root, 'root', root.signed.roles.root, root.signed.keys);
    expect(root.signed.version).toBe(1);
    expect(root.signed.consistentSnapshot).toBe(true);
    expect(root.signed.specVersion).toBe('1.0.31');
    expect(root.signed.expires).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    verifyTopLevel(sim, root);
    expect([...sim.files().keys()].sort()).toEqual([
      'metadata/1.root.json',
      'metadata/1.snapshot.json',
      'metadata/1.targets.json',
      'metadata/timestamp.json',
    ]);
  });

  it.each(['ecdsa-p256', 'rsa-pss-sha256'] as const)('signs with %s keys', (keyAlgorithm) => {
    const sim = new RepositorySimulator({ keyAlgorithm });
    const root = trustedRoot(sim);
    expect(
      [...root.signed.keys.values()].every(
        (k) => k.keytype === (keyAlgorithm === 'rsa-pss-sha256' ? 'rsa' : 'ecdsa'),
      ),
    ).toBe(true);
    verifyTopLevel(sim, root);
  });

  it('publish() bumps only the roles whose content changed, then snapshot and timestamp', () => {
    const sim = new RepositorySimulator();
    sim.addDelegation('targets', { name: 'a', paths: ['a/*'] });
    sim.addDelegation('targets', { name: 'b', paths: ['b/*'] });
    sim.publish();
    expect([
      sim.targets.version,
      sim.role('a').version,
      sim.snapshot.version,
      sim.timestamp.version,
    ]).toEqual([2, 1, 2, 2]);
    sim.addTarget('b', 'b/file.txt', text('hello'));
    sim.publish();
    expect([
      sim.targets.version,
      sim.role('a').version,
      sim.role('b').version,
      sim.snapshot.version,
      sim.timestamp.version,
    ]).toEqual([2, 1, 2, 3, 3]);
    const snap = parseSnapshot(sim.publishedBytes('snapshot'));
    expect(Object.fromEntries([...snap.signed.meta].map(([k, v]) => [k, v.version]))).toEqual({
      'targets.json': 2,
      'a.json': 1,
      'b.json': 2,
    });
    sim.publish();
    expect(sim.timestamp.version).toBe(3);
    sim.publish({ bumpAll: true });
    expect([
      sim.targets.version,
      sim.role('a').version,
      sim.snapshot.version,
      sim.timestamp.version,
    ]).toEqual([3, 2, 4, 4]);
  });

  it('keeps every published version of snapshot and targets roles (a real mirror does)', () => {
    const sim = new RepositorySimulator();
    sim.addTarget('targets', 'f', text('1'));
    sim.publish();
    sim.addTarget('targets', 'g', text('2'));
    sim.publish();
    const files = sim.files();
    for (const v of [1, 2, 3]) {
      expect(
        parseTargets(files.get(`metadata/${v}.targets.json`) ?? new Uint8Array()).signed.version,
      ).toBe(v);
      expect(
        parseSnapshot(files.get(`metadata/${v}.snapshot.json`) ?? new Uint8Array()).signed.version,
      ).toBe(v);
    }
  });

  it('a test-set version is used as is (rollback states), not bumped', () => {
    const sim = new RepositorySimulator();
    sim.publish({ bumpAll: true });
    sim.timestamp.version = 1;
    sim.signRole('timestamp');
    expect(
      parseTimestamp(sim.get('metadata/timestamp.json') ?? new Uint8Array()).signed.version,
    ).toBe(1);
    sim.snapshot.version = 7;
    sim.publish();
    expect(sim.snapshot.version).toBe(7);
    expect(sim.get('metadata/7.snapshot.json')).toBeDefined();
  });

  it('low-level steps build inconsistent states: targets signed without a new snapshot', () => {
    const sim = new RepositorySimulator();
    sim.addTarget('targets', 'f', text('x'));
    sim.targets.version += 1;
    sim.signRole('targets');
    const snap = parseSnapshot(sim.publishedBytes('snapshot'));
    expect(snap.signed.meta.get('targets.json')?.version).toBe(1);
    sim.updateSnapshot();
    sim.updateTimestamp();
    expect(
      parseSnapshot(sim.publishedBytes('snapshot')).signed.meta.get('targets.json')?.version,
    ).toBe(2);
    expect(parseTimestamp(sim.publishedBytes('timestamp')).signed.snapshotMeta.version).toBe(2);
  });

  it('metaHashes puts length and sha256 of the published bytes in snapshot and timestamp meta', () => {
    const sim = new RepositorySimulator({ metaHashes: true });
    sim.addTarget('targets', 'f', text('x'));
    sim.publish();
    const ts = parseTimestamp(sim.publishedBytes('timestamp'));
    const snapBytes = sim.publishedBytes('snapshot', ts.signed.snapshotMeta.version);
    verifyLengthAndHashes(
      'snapshot',
      snapBytes,
      ts.signed.snapshotMeta.length,
      ts.signed.snapshotMeta.hashes,
    );
    const meta = parseSnapshot(snapBytes).signed.meta.get('targets.json');
    expect(meta?.hashes?.['sha256']).toBe(hashHex('sha256', sim.publishedBytes('targets')));
    expect(() =>
      verifyLengthAndHashes(
        'snapshot',
        text('tampered'),
        ts.signed.snapshotMeta.length,
        ts.signed.snapshotMeta.hashes,
      ),
    ).toThrow(TrustError);
  });

  it('bumpRoot after a root key rotation is signed by the old and the new root keys', () => {
    const sim = new RepositorySimulator();
    const v1 = trustedRoot(sim, 1);
    const [newKey] = sim.rotateSigners('root', 1);
    expect(sim.bumpRoot()).toBe(2);
    const v2 = trustedRoot(sim, 2);
    // TUF 5.3.4: the new root must be signed by a threshold of the old root's keys and its own.
    verifyThreshold(v2, 'root', v1.signed.roles.root, v1.signed.keys);
    verifyThreshold(v2, 'root', v2.signed.roles.root, v2.signed.keys);
    expect(v2.signed.roles.root.keyids).toEqual([newKey?.keyid]);
    // v3 no longer carries v1's key.
    sim.bumpRoot();
    const v3 = trustedRoot(sim, 3);
    expect(() => verifyThreshold(v3, 'root', v1.signed.roles.root, v1.signed.keys)).toThrow(
      TrustError,
    );
    expect(sim.files().has('metadata/3.root.json')).toBe(true);
  });

  it('publish() republishes an edited root with a bumped version', () => {
    const sim = new RepositorySimulator();
    sim.root.expires = sim.daysFromNow(10);
    sim.publish();
    expect(trustedRoot(sim, 2).signed.expires).toBe(sim.daysFromNow(10));
    sim.publish();
    expect(sim.files().has('metadata/3.root.json')).toBe(false);
  });

  it('a timestamp key rotation needs a new root; publish() re-signs timestamp with the new key', () => {
    const sim = new RepositorySimulator();
    const old = sim.signers.get('timestamp')?.[0];
    sim.rotateSigners('timestamp');
    sim.publish();
    const root = trustedRoot(sim, 2);
    const ts = parseTimestamp(sim.publishedBytes('timestamp'));
    expect(ts.signed.version).toBe(2);
    verifyThreshold(ts, 'timestamp', root.signed.roles.timestamp, root.signed.keys);
    expect(root.signed.keys.has(old?.keyid ?? '')).toBe(false);
  });

  it('signing with wrong keys or below threshold produces metadata the core rejects', () => {
    const sim = new RepositorySimulator();
    const root = trustedRoot(sim);
    sim.signRole('timestamp', { signers: [generateSigner('ed25519')] });
    const ts = parseTimestamp(sim.publishedBytes('timestamp'));
    expect(() =>
      verifyThreshold(ts, 'timestamp', root.signed.roles.timestamp, root.signed.keys),
    ).toThrow(TrustError);
    sim.addSigner('snapshot');
    sim.setThreshold('snapshot', 2);
    sim.publishRoot();
    const root1 = trustedRoot(sim);
    expect(root1.signed.roles.snapshot.threshold).toBe(2);
    sim.signRole('snapshot', { signers: sim.signers.get('snapshot')?.slice(0, 1) ?? [] });
    const snap = parseSnapshot(sim.publishedBytes('snapshot'));
    expect(() =>
      verifyThreshold(snap, 'snapshot', root1.signed.roles.snapshot, root1.signed.keys),
    ).toThrow(/expected 2 valid/);
  });

  it('transform tampers with the envelope or replaces the bytes', () => {
    const sim = new RepositorySimulator();
    sim.signRole('timestamp', {
      transform: (env) => {
        const sigs = env['signatures'] as JsonObject[];
        sigs.push({ ...sigs[0] });
        return env;
      },
    });
    expect(() => parseTimestamp(sim.publishedBytes('timestamp'))).toThrow(/duplicate|signature/i);
    sim.signRole('timestamp', { transform: () => text('{not json') });
    expect(decode(sim.get('metadata/timestamp.json'))).toBe('{not json');
  });

  it('delegations keep their order, carry paths or hash prefixes, and verify against the delegator', () => {
    const sim = new RepositorySimulator();
    sim.addDelegation('targets', { name: 'first', paths: ['a/*'], terminating: true });
    sim.addDelegation('targets', { name: 'second', pathHashPrefixes: ['00', 'ff'] });
    sim.addDelegation('first', { name: 'nested', paths: ['a/b*'], threshold: 1 });
    sim.addTarget('nested', 'a/bc', text('nested content'));
    sim.publish();
    const targets = parseTargets(sim.publishedBytes('targets'));
    const roles = targets.signed.delegations?.roles ?? [];
    expect(roles.map((r) => r.name)).toEqual(['first', 'second']);
    expect(roles[0]?.terminating).toBe(true);
    expect(roles[1]?.pathHashPrefixes).toEqual(['00', 'ff']);
    const first = parseTargets(sim.get('metadata/1.first.json') ?? new Uint8Array(), 'first');
    verifyThreshold(
      first,
      'first',
      roles[0] ?? { keyids: [], threshold: 1 },
      targets.signed.delegations?.keys ?? new Map(),
    );
    const nestedRole = first.signed.delegations?.roles?.[0];
    const nested = parseTargets(sim.get('metadata/1.nested.json') ?? new Uint8Array(), 'nested');
    verifyThreshold(
      nested,
      'nested',
      nestedRole ?? { keyids: [], threshold: 1 },
      first.signed.delegations?.keys ?? new Map(),
    );
    expect(nested.signed.targets.get('a/bc')?.length).toBe(14);
  });

  it('addSigner on a delegated role adds the key in every delegator', () => {
    const sim = new RepositorySimulator();
    sim.addDelegation('targets', { name: 'shared' });
    sim.addDelegation('targets', { name: 'other' });
    sim.addDelegation('other', { name: 'shared' });
    const extra = sim.addSigner('shared');
    const inTargets = (sim.signed('targets')['delegations'] as JsonObject)['keys'] as JsonObject;
    const inOther = (sim.signed('other')['delegations'] as JsonObject)['keys'] as JsonObject;
    expect(Object.keys(inTargets)).toContain(extra.keyid);
    expect(Object.keys(inOther)).toContain(extra.keyid);
    sim.removeSigner('shared', extra);
    expect(Object.keys(inTargets)).not.toContain(extra.keyid);
    expect(sim.signers.get('shared')?.map((s) => s.keyid)).not.toContain(extra.keyid);
  });

  it('succinct delegation creates every bin, shares one key, and bins verify', () => {
    const sim = new RepositorySimulator();
    const names = sim.addSuccinctDelegation('targets', 3, 'bin');
    expect(names).toEqual(['bin-0', 'bin-1', 'bin-2', 'bin-3', 'bin-4', 'bin-5', 'bin-6', 'bin-7']);
    sim.addTarget('bin-5', 'some/file', text('data'));
    sim.publish();
    const targets = parseTargets(sim.publishedBytes('targets'));
    const succinct = targets.signed.delegations?.succinctRoles;
    expect(succinct).toMatchObject({ bitLength: 3, namePrefix: 'bin', threshold: 1 });
    const bin = parseTargets(sim.get('metadata/1.bin-5.json') ?? new Uint8Array(), 'bin-5');
    verifyThreshold(
      bin,
      'bin-5',
      succinct ?? { keyids: [], threshold: 1 },
      targets.signed.delegations?.keys ?? new Map(),
    );
    expect(parseSnapshot(sim.publishedBytes('snapshot')).signed.meta.size).toBe(9);
    expect(() => sim.addDelegation('targets', { name: 'x' })).toThrow(UsageError);
  });

  it('serves targets under hash-prefixed names, or plain paths without consistent snapshots', () => {
    const sim = new RepositorySimulator();
    const data = text('artifact');
    sim.addTarget('targets', 'dir/sub/file.tgz', data, { note: 'custom' }, ['sha256', 'sha512']);
    sim.publish();
    const files = sim.files();
    expect(files.get(`targets/dir/sub/${hashHex('sha256', data)}.file.tgz`)).toEqual(data);
    expect(files.get(`targets/dir/sub/${hashHex('sha512', data)}.file.tgz`)).toEqual(data);
    expect(
      parseTargets(sim.publishedBytes('targets')).signed.targets.get('dir/sub/file.tgz')?.custom,
    ).toEqual({ note: 'custom' });

    const plain = new RepositorySimulator({ consistentSnapshot: false });
    plain.addTarget('targets', 'dir/file.tgz', data);
    plain.publish();
    const plainFiles = plain.files();
    expect(plainFiles.get('targets/dir/file.tgz')).toEqual(data);
    expect(
      parseSnapshot(plainFiles.get('metadata/snapshot.json') ?? new Uint8Array()).signed.version,
    ).toBe(2);
    expect(
      parseTargets(plainFiles.get('metadata/targets.json') ?? new Uint8Array()).signed.version,
    ).toBe(2);
    plain.removeTarget('targets', 'dir/file.tgz');
    expect(plain.files().has('targets/dir/file.tgz')).toBe(false);
  });

  it('URL-encodes role names in metadata file names', () => {
    const sim = new RepositorySimulator();
    sim.addDelegation('targets', { name: '../../etc/passwd' });
    sim.addDelegation('targets', { name: 'a b/ü' });
    sim.publish();
    const names = [...sim.files().keys()];
    expect(names).toContain('metadata/1...%2F..%2Fetc%2Fpasswd.json');
    expect(names).toContain(`metadata/1.${encodeURIComponent('a b/ü')}.json`);
  });

  it('overrides replace or hide served files without touching the published state', () => {
    const sim = new RepositorySimulator();
    sim.overrides.set('metadata/timestamp.json', text('junk'));
    sim.overrides.set('metadata/1.snapshot.json', null);
    expect(decode(sim.get('metadata/timestamp.json'))).toBe('junk');
    expect(sim.get('metadata/1.snapshot.json')).toBeUndefined();
    expect(sim.files().has('metadata/1.snapshot.json')).toBe(false);
    sim.overrides.clear();
    expect(
      parseTimestamp(sim.get('metadata/timestamp.json') ?? new Uint8Array()).signed.version,
    ).toBe(1);
  });

  it('python style serialization matches json.dumps(indent=1, sort_keys=True)', () => {
    const sim = new RepositorySimulator({ serializeStyle: 'python' });
    const body = decode(sim.publishedBytes('timestamp'));
    expect(body.startsWith('{\n "signatures": [\n  {\n   "keyid": ')).toBe(true);
    expect(body).toContain('\n "signed": {\n  "_type": "timestamp",\n  "expires": ');
    parseTimestamp(sim.publishedBytes('timestamp'));
  });

  it('edits after signing do not change the published bytes', () => {
    const sim = new RepositorySimulator();
    const before = decode(sim.publishedBytes('targets'));
    sim.signed('targets')['x-extra'] = 'later';
    expect(decode(sim.publishedBytes('targets'))).toBe(before);
  });

  it('rejects unknown roles and non-targets roles with a UsageError', () => {
    const sim = new RepositorySimulator();
    expect(() => sim.role('nope')).toThrow(UsageError);
    expect(() => sim.addTarget('snapshot', 'x', text('x'))).toThrow(UsageError);
    expect(() => sim.publishedBytes('root', 9)).toThrow(UsageError);
  });

  it('expiry follows now and expiresInDays', () => {
    const now = new Date('2030-06-01T12:00:00.123Z');
    const sim = new RepositorySimulator({ now, expiresInDays: 2 });
    expect(sim.timestamp.expires).toBe('2030-06-03T12:00:00Z');
    sim.timestamp.expires = new Date('2030-06-01T00:00:00Z');
    expect(sim.timestamp.expires).toBe('2030-06-01T00:00:00Z');
    expect(sim.daysFromNow(-1)).toBe('2030-05-31T12:00:00Z');
  });
});
