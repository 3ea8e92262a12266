import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import {
  UsageError,
  hashHex,
  parseRoot,
  parseSnapshot,
  parseTargets,
  parseTimestamp,
  succinctBinIndex,
  targetPathHash,
  verifyThreshold,
  type Envelope,
  type RoleKeys,
  type Targets,
} from '../../src/core/index.js';
import {
  generateHashBinRepository,
  startSimulatorServer,
  type HashBinRepository,
  type SimulatorServer,
} from '../../src/sim/index.js';

function must(bytes: Uint8Array | undefined): Uint8Array {
  if (bytes === undefined) throw new Error('test setup: expected a file');
  return bytes;
}

// Walks root → timestamp → snapshot → targets with signature checks, as a client would.
function topLevel(repo: HashBinRepository): {
  targets: Envelope<Targets>;
  snapshotVersion: number;
  binVersion: (name: string) => number | undefined;
} {
  const root = parseRoot(repo.rootBytes);
  verifyThreshold(root, 'root', root.signed.roles.root, root.signed.keys);
  const ts = parseTimestamp(must(repo.get('metadata/timestamp.json')));
  verifyThreshold(ts, 'timestamp', root.signed.roles.timestamp, root.signed.keys);
  const snap = parseSnapshot(
    must(repo.get(`metadata/${ts.signed.snapshotMeta.version}.snapshot.json`)),
  );
  verifyThreshold(snap, 'snapshot', root.signed.roles.snapshot, root.signed.keys);
  const targets = parseTargets(
    must(repo.get(`metadata/${snap.signed.meta.get('targets.json')?.version}.targets.json`)),
  );
  verifyThreshold(targets, 'targets', root.signed.roles.targets, root.signed.keys);
  return {
    targets,
    snapshotVersion: snap.signed.version,
    binVersion: (name) => snap.signed.meta.get(`${name}.json`)?.version,
  };
}

function bin(
  repo: HashBinRepository,
  targets: Envelope<Targets>,
  index: number,
  version = 1,
): Envelope<Targets> {
  const name = repo.binName(index);
  const env = parseTargets(must(repo.get(`metadata/${version}.${name}.json`)), name);
  const delegations = targets.signed.delegations;
  const role: RoleKeys | undefined =
    delegations?.succinctRoles ?? delegations?.roles?.find((r) => r.name === name);
  verifyThreshold(env, name, role ?? { keyids: [], threshold: 1 }, delegations?.keys ?? new Map());
  return env;
}

let servers: SimulatorServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

describe('generateHashBinRepository', () => {
  it('puts every target of bin X in bin X by its sha256 path hash (succinct)', () => {
    const repo = generateHashBinRepository({
      bins: 64,
      targetsPerBin: 5,
      succinct: true,
      seed: 's1',
    });
    const { targets } = topLevel(repo);
    expect(targets.signed.delegations?.succinctRoles).toMatchObject({
      bitLength: 6,
      namePrefix: 'bins',
    });
    for (let b = 0; b < 64; b++) {
      const paths = [...bin(repo, targets, b).signed.targets.keys()];
      expect(paths).toHaveLength(5);
      for (const path of paths) {
        expect(path).toMatch(/^packages\/[0-9a-f]{2}\/.+-\d+\.tar\.gz$/);
        expect(succinctBinIndex(targetPathHash(path), 6)).toBe(b);
      }
    }
  });

  it('delegates with path_hash_prefixes that partition the hash space (traditional)', () => {
    const repo = generateHashBinRepository({ bins: 1024, targetsPerBin: 1, succinct: false });
    const { targets } = topLevel(repo);
    const roles = targets.signed.delegations?.roles ?? [];
    expect(roles).toHaveLength(1024);
    expect(roles[0]?.name).toBe('bins-000');
    const prefixes = roles.flatMap((r) => r.pathHashPrefixes ?? []);
    expect(prefixes).toHaveLength(4096);
    expect(new Set(prefixes).size).toBe(4096);
    for (const b of [0, 1, 511, 1023]) {
      const role = roles[b];
      for (const path of bin(repo, targets, b).signed.targets.keys()) {
        const hash = targetPathHash(path);
        expect(role?.pathHashPrefixes?.some((p) => hash.startsWith(p))).toBe(true);
      }
    }
  });

  it('builds bin metadata lazily, caches it, and is deterministic for a seed', () => {
    const a = generateHashBinRepository({
      bins: 16,
      targetsPerBin: 3,
      succinct: true,
      seed: 'same',
    });
    const b = generateHashBinRepository({
      bins: 16,
      targetsPerBin: 3,
      succinct: true,
      seed: 'same',
    });
    const c = generateHashBinRepository({
      bins: 16,
      targetsPerBin: 3,
      succinct: true,
      seed: 'other',
    });
    expect(a.stats().cachedBins).toBe(0);
    const first = a.get('metadata/1.bins-7.json');
    expect(a.stats().cachedBins).toBe(1);
    expect(a.get('metadata/1.bins-7.json')).toBe(first);
    const entries = (repo: HashBinRepository): unknown => [
      ...parseTargets(must(repo.binBytes(7))).signed.targets.values(),
    ];
    expect(entries(b)).toEqual(entries(a));
    expect(entries(c)).not.toEqual(entries(a));
    expect(a.targetPaths(10)).toEqual(b.targetPaths(10));
  });

  it('snapshot lists targets.json and every bin, version only (PEP 458)', () => {
    const repo = generateHashBinRepository({ bins: 256, targetsPerBin: 1, succinct: false });
    const snap = parseSnapshot(must(repo.get('metadata/1.snapshot.json')));
    expect(snap.signed.meta.size).toBe(257);
    expect(snap.signed.meta.get('bins-ff.json')).toEqual({ version: 1 });
    expect(snap.signed.meta.get('targets.json')).toEqual({ version: 1 });
  });

  it('serves artifacts under their sha256 name with the listed length and hash', () => {
    const repo = generateHashBinRepository({ bins: 16, targetsPerBin: 4, succinct: true });
    const { targets } = topLevel(repo);
    for (const path of repo.targetPaths(8)) {
      const entry = bin(repo, targets, repo.binForPath(path)).signed.targets.get(path);
      const sha = entry?.hashes['sha256'] ?? '';
      const cut = path.lastIndexOf('/');
      const bytes = must(
        repo.get(`targets/${path.slice(0, cut + 1)}${sha}.${path.slice(cut + 1)}`),
      );
      expect(bytes.byteLength).toBe(entry?.length);
      expect(bytes.byteLength).toBeGreaterThanOrEqual(1024);
      expect(bytes.byteLength).toBeLessThanOrEqual(64 * 1024);
      expect(hashHex('sha256', bytes)).toBe(sha);
      expect(
        repo.get(`targets/${path.slice(0, cut + 1)}${'0'.repeat(64)}.${path.slice(cut + 1)}`),
      ).toBeUndefined();
    }
    expect(repo.get('targets/packages/00/unknown-1.tar.gz')).toBeUndefined();
    expect(repo.get('metadata/1.bins-99.json')).toBeUndefined();
  });

  it('changeOneBin publishes a new bin version, snapshot and timestamp, keeping the old bin', () => {
    const repo = generateHashBinRepository({ bins: 16, targetsPerBin: 2, succinct: false });
    const changed = repo.changeOneBin(3);
    expect(changed).toEqual({ bin: 3, name: 'bins-3', version: 2 });
    const { targets, snapshotVersion, binVersion } = topLevel(repo);
    expect(snapshotVersion).toBe(2);
    expect(binVersion('bins-3')).toBe(2);
    expect(binVersion('bins-4')).toBe(1);
    expect(bin(repo, targets, 3, 2).signed.version).toBe(2);
    expect(bin(repo, targets, 3, 1).signed.version).toBe(1);
    expect(repo.get('metadata/3.bins-3.json')).toBeUndefined();
  });

  it('addLargeTarget lists a streamed artifact in targets and serves it in chunks', async () => {
    const repo = generateHashBinRepository({ bins: 16, targetsPerBin: 1, succinct: true });
    const size = 3 * 1024 * 1024 + 17;
    const entry = await repo.addLargeTarget('large/blob.bin', size);
    const { targets } = topLevel(repo);
    expect(targets.signed.version).toBe(2);
    const listed = targets.signed.targets.get('large/blob.bin');
    expect(listed?.length).toBe(size);
    expect(listed?.hashes).toEqual(entry['hashes']);
    const server = await startSimulatorServer(repo);
    servers.push(server);
    const response = await fetch(`${server.targetsUrl}large/${listed?.hashes['sha256']}.blob.bin`);
    expect(response.headers.get('content-length')).toBe(String(size));
    const body = Buffer.from(await response.arrayBuffer());
    expect(body.byteLength).toBe(size);
    expect(createHash('sha256').update(body).digest('hex')).toBe(listed?.hashes['sha256']);
  });

  it('rejects a bin count that is not a power of two', () => {
    expect(() =>
      generateHashBinRepository({ bins: 1000, targetsPerBin: 1, succinct: true }),
    ).toThrow(UsageError);
  });
});
