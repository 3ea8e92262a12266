// Regression tests against real-world repositories, as used by tuf-conformance's
// test_static_repositories.py: metadata produced by tuf-on-ci and by sigstore's root-signing,
// signed with real keys (ecdsa PEM, custom `x-tuf-on-ci-*` fields, empty "sig" entries).
// Fixture provenance: test/fixtures/static/PROVENANCE.md.

import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpFetcher, Updater } from '../../src/client/index.js';
import { startSimulatorServer, type SimulatorServer } from '../../src/sim/index.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/static/', import.meta.url));

interface StaticRepo {
  readonly dir: string;
  readonly files: ReadonlyMap<string, Uint8Array>;
  readonly initialRoot: Uint8Array;
  readonly targetPath: string;
  /** The fixture's `faketime`, e.g. `2025-02-09 09:17:23+00:00`. */
  readonly fakeTime: Date;
}

interface Run {
  readonly server: SimulatorServer;
  readonly metadataDir: string;
  readonly targetDir: string;
  updater(clock: Date): Updater;
  /** `status path` of every request since the last call (and clears the log). */
  takeRequests(): string[];
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function loadStaticRepo(name: string): Promise<StaticRepo> {
  const dir = join(FIXTURES, name);
  const files = new Map<string, Uint8Array>();
  // Only the published trees are served, as by python's http.server over the fixture directory.
  for (const top of ['metadata', 'targets']) {
    const entries = await readdir(join(dir, top), { recursive: true, withFileTypes: true }).catch(
      () => [],
    );
    for (const entry of entries) {
      if (!entry.isFile()) continue;
      const full = join(entry.parentPath, entry.name);
      files.set(relative(dir, full).split(sep).join('/'), await readFile(full));
    }
  }
  const text = async (file: string): Promise<string> =>
    (await readFile(join(dir, file), 'utf8')).trim();
  return {
    dir,
    files,
    initialRoot: await readFile(join(dir, 'initial_root.json')),
    targetPath: await text('targetpath'),
    fakeTime: new Date((await text('faketime')).replace(' ', 'T')),
  };
}

/** Serves the repository on loopback and gives a fresh client dir holding only the initial root. */
async function startRun(repo: StaticRepo, initialRoot = repo.initialRoot): Promise<Run> {
  const server = await startSimulatorServer({ get: (path) => repo.files.get(path) });
  const dir = await mkdtemp(join(tmpdir(), 'pg-static-'));
  cleanups.push(
    () => rm(dir, { recursive: true, force: true }),
    () => server.close(),
  );
  const metadataDir = join(dir, 'metadata');
  const targetDir = join(dir, 'targets');
  await mkdir(metadataDir);
  await mkdir(targetDir);
  await writeFile(join(metadataDir, 'root.json'), initialRoot);
  let seen = 0;
  return {
    server,
    metadataDir,
    targetDir,
    updater(clock) {
      // No retries: the request log must show exactly what the client asked for.
      const fetcher = new HttpFetcher({ retries: 0, env: {}, stallTimeoutMs: 5_000 });
      const updater = new Updater({
        metadataDir,
        metadataBaseUrl: server.metadataUrl,
        targetBaseUrl: server.targetsUrl,
        targetDir,
        fetcher,
        clock: () => clock,
      });
      cleanups.push(() => fetcher.close());
      return updater;
    },
    takeRequests() {
      const out = server.requests.slice(seen).map((r) => `${r.status} ${r.path}`);
      seen = server.requests.length;
      return out;
    },
  };
}

async function filesIn(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function bytesOf(repo: StaticRepo, path: string): Uint8Array {
  const bytes = repo.files.get(path);
  if (!bytes) throw new Error(`fixture is missing ${path}`);
  return bytes;
}

describe('static repository tuf-on-ci-0.11', () => {
  const ARTIFACT =
    'targets/delegatedrole/45f337ee451b4c098d121d09cc224bacc7794503ac58a47a78cfe7ebefb7fab3.artifact';

  it('refreshes, finds the delegated target and downloads it at the recorded time', async () => {
    const repo = await loadStaticRepo('tuf-on-ci-0.11');
    expect(repo.fakeTime.toISOString()).toBe('2025-02-09T09:17:23.000Z');
    const run = await startRun(repo);
    const updater = run.updater(repo.fakeTime);

    const { versions } = await updater.refresh();
    expect(versions).toEqual({ root: 1, timestamp: 2, snapshot: 2, targets: 1 });

    const lookup = await updater.getTargetInfo(repo.targetPath);
    expect(lookup?.path).toBe('delegatedrole/artifact');
    expect(lookup?.chain.map((l) => [l.role, l.version, l.delegator])).toEqual([
      ['targets', 1, null],
      ['delegatedrole', 2, 'targets'],
    ]);
    if (!lookup) throw new Error('unreachable: asserted above');
    const stored = await updater.downloadTarget(lookup);

    // The metadata's hash, read straight from the fixture rather than through the client.
    const listed = JSON.parse(
      new TextDecoder().decode(bytesOf(repo, 'metadata/2.delegatedrole.json')),
    ) as { signed: { targets: Record<string, { length: number; hashes: { sha256: string } }> } };
    const expected = listed.signed.targets['delegatedrole/artifact'];
    const got = await readFile(stored.path);
    expect(got.byteLength).toBe(expected?.length);
    expect(sha256(got)).toBe(expected?.hashes.sha256);
    expect(got).toEqual(Buffer.from(bytesOf(repo, ARTIFACT)));

    expect(run.takeRequests()).toEqual([
      '404 metadata/2.root.json',
      '200 metadata/timestamp.json',
      '200 metadata/2.snapshot.json',
      '200 metadata/1.targets.json',
      '200 metadata/2.delegatedrole.json',
      `200 ${ARTIFACT}`,
    ]);
    // Exactly the verified bytes, under plain role names; the initial root is left as it was.
    expect(await filesIn(run.metadataDir)).toEqual([
      'delegatedrole.json',
      'root.json',
      'snapshot.json',
      'targets.json',
      'timestamp.json',
    ]);
    for (const [file, served] of [
      ['root.json', repo.initialRoot],
      ['timestamp.json', bytesOf(repo, 'metadata/timestamp.json')],
      ['snapshot.json', bytesOf(repo, 'metadata/2.snapshot.json')],
      ['targets.json', bytesOf(repo, 'metadata/1.targets.json')],
      ['delegatedrole.json', bytesOf(repo, 'metadata/2.delegatedrole.json')],
    ] as const)
      expect(await readFile(join(run.metadataDir, file))).toEqual(Buffer.from(served));
  });

  it('a second process reuses the trusted cache: two requests and no download', async () => {
    const repo = await loadStaticRepo('tuf-on-ci-0.11');
    const run = await startRun(repo);
    const first = run.updater(repo.fakeTime);
    const lookup = await first.getTargetInfo(repo.targetPath);
    if (!lookup) throw new Error(`${repo.targetPath}: expected a target, got none`);
    await first.downloadTarget(lookup);
    run.takeRequests();

    const second = run.updater(repo.fakeTime);
    const again = await second.getTargetInfo(repo.targetPath);
    if (!again) throw new Error(`${repo.targetPath}: expected a target, got none`);
    expect(await second.findCachedTarget(again)).toBeDefined();
    expect(run.takeRequests()).toEqual(['404 metadata/2.root.json', '200 metadata/timestamp.json']);
  });

  it('stays valid a year after the recorded time (everything expires in 2044)', async () => {
    const repo = await loadStaticRepo('tuf-on-ci-0.11');
    const run = await startRun(repo);
    const later = new Date(repo.fakeTime.getTime() + 365 * 86_400_000);
    await expect(run.updater(later).refresh()).resolves.toMatchObject({
      versions: { root: 1, timestamp: 2, snapshot: 2, targets: 1 },
    });
  });

  it('fails with expired once the root has expired, and stores no timestamp', async () => {
    const repo = await loadStaticRepo('tuf-on-ci-0.11');
    const run = await startRun(repo);
    // Root v1 expires 2044-08-10T10:05:04Z, before every other role.
    await expect(run.updater(new Date('2044-08-10T10:05:05Z')).refresh()).rejects.toMatchObject({
      name: 'TrustError',
      code: 'expired',
      message: /^root:/,
    });
    expect(run.takeRequests()).toEqual(['404 metadata/2.root.json', '200 metadata/timestamp.json']);
    expect(await filesIn(run.metadataDir)).toEqual(['root.json']);
  });
});

// Only partly reproducible: tuf-conformance's copy of this repository is not in the search index.
// What is here: sigstore's root v12 (three real signatures, two empty) and one real timestamp
// (v401) from sigstore/root-signing. Snapshot, targets and trusted_root.json are missing.
describe('static repository sigstore-root-signing (root v12 and timestamp only)', () => {
  it('trusts root v12 (3 of 5 real signatures, 2 empty) and verifies a real timestamp', async () => {
    const repo = await loadStaticRepo('sigstore-root-signing');
    expect(repo.targetPath).toBe('trusted_root.json');
    const run = await startRun(repo);
    // Inside both the timestamp's validity (expires 2025-07-14T13:28:13Z) and root v12's.
    const updater = run.updater(new Date('2025-07-08T00:00:00Z'));
    // The timestamp verifies; the snapshot it names (v159) is not in the fixture.
    await expect(updater.refresh()).rejects.toMatchObject({
      name: 'DownloadError',
      code: 'not-found',
    });
    expect(run.takeRequests()).toEqual([
      '404 metadata/13.root.json',
      '200 metadata/timestamp.json',
      '404 metadata/159.snapshot.json',
    ]);
    expect(await readFile(join(run.metadataDir, 'timestamp.json'))).toEqual(
      Buffer.from(bytesOf(repo, 'metadata/timestamp.json')),
    );
    expect(await readFile(join(run.metadataDir, 'root.json'))).toEqual(
      Buffer.from(repo.initialRoot),
    );
  });

  it('fails with expired a year after the recorded time (root v12 expires 2025-08-19)', async () => {
    const repo = await loadStaticRepo('sigstore-root-signing');
    expect(repo.fakeTime.toISOString()).toBe('2025-02-09T12:02:08.000Z');
    const run = await startRun(repo);
    const later = new Date(repo.fakeTime.getTime() + 365 * 86_400_000);
    await expect(run.updater(later).refresh()).rejects.toMatchObject({
      name: 'TrustError',
      code: 'expired',
      message: /^root:/,
    });
    expect(run.takeRequests()).toEqual([
      '404 metadata/13.root.json',
      '200 metadata/timestamp.json',
    ]);
    expect(await filesIn(run.metadataDir)).toEqual(['root.json']);
  });

  it('root v12 with one real signature blanked is below threshold and refused before any request', async () => {
    const repo = await loadStaticRepo('sigstore-root-signing');
    const text = new TextDecoder().decode(repo.initialRoot);
    const blanked = text.replace(/"sig": "30[0-9a-f]+"/, '"sig": ""');
    expect(blanked).not.toBe(text);
    const run = await startRun(repo, new TextEncoder().encode(blanked));
    await expect(run.updater(repo.fakeTime).refresh()).rejects.toMatchObject({
      code: 'threshold-not-met',
    });
    expect(run.takeRequests()).toEqual([]);
  });
});
