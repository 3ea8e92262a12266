import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  StorageError,
  parseRoot,
  parseSnapshot,
  parseTargets,
  parseTimestamp,
  verifyThreshold,
} from '../../src/core/index.js';
import {
  commitTree,
  createTufOnCiSimulator,
  writeGitRepository,
  writeStaticTree,
} from '../../src/sim/index.js';

const execFileP = promisify(execFile);

async function gitShow(dir: string, spec: string): Promise<Buffer> {
  const { stdout } = await execFileP('git', ['show', spec], { cwd: dir, encoding: 'buffer' });
  return stdout;
}

async function gitLog(dir: string): Promise<string[]> {
  const { stdout } = await execFileP('git', ['log', '--format=%s'], { cwd: dir });
  return stdout.trim().split('\n');
}

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pg-sim-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeGitRepository', () => {
  it('commits the tuf-on-ci layout, readable with git show', async () => {
    const { simulator, commit } = await writeGitRepository(join(dir, 'repo'), {
      date: new Date('2030-01-01T00:00:00Z'),
    });
    const repo = join(dir, 'repo');
    expect(commit).toMatch(/^[0-9a-f]{40}$/);
    const rootBytes = await gitShow(repo, 'HEAD:metadata/root.json');
    const root = parseRoot(rootBytes);
    expect(root.signed.version).toBe(2);
    // python-style JSON, as tuf-on-ci writes it.
    expect(rootBytes.toString().startsWith('{\n "signatures": [\n')).toBe(true);
    expect(root.signed.json['x-tuf-on-ci-expiry-period']).toBe(365);
    expect(
      [...root.signed.keys.values()].some((k) => k.json['x-tuf-on-ci-keyowner'] === '@bob'),
    ).toBe(true);

    // The root history holds the rotation, and v2 is signed by v1's root keys.
    const v1 = parseRoot(await gitShow(repo, 'HEAD:metadata/root_history/1.root.json'));
    const v2 = parseRoot(await gitShow(repo, 'HEAD:metadata/root_history/2.root.json'));
    verifyThreshold(v2, 'root', v1.signed.roles.root, v1.signed.keys);
    expect(Buffer.from(v2.raw).equals(rootBytes)).toBe(true);

    const ts = parseTimestamp(await gitShow(repo, 'HEAD:metadata/timestamp.json'));
    verifyThreshold(ts, 'timestamp', root.signed.roles.timestamp, root.signed.keys);
    expect(ts.signed.snapshotMeta).toEqual({ version: ts.signed.snapshotMeta.version });
    const snap = parseSnapshot(await gitShow(repo, 'HEAD:metadata/snapshot.json'));
    expect([...snap.signed.meta.keys()].sort()).toEqual(['releases.json', 'targets.json']);
    const targets = parseTargets(await gitShow(repo, 'HEAD:metadata/targets.json'));
    const releasesRole = targets.signed.delegations?.roles?.[0];
    const releases = parseTargets(await gitShow(repo, 'HEAD:metadata/releases.json'), 'releases');
    verifyThreshold(
      releases,
      'releases',
      releasesRole ?? { keyids: [], threshold: 1 },
      targets.signed.delegations?.keys ?? new Map(),
    );
    expect((await gitShow(repo, 'HEAD:targets/releases/app-1.0.tar.gz')).toString()).toBe(
      'app 1.0 release artifact\n',
    );
    expect((await gitShow(repo, 'HEAD:targets/README.txt')).length).toBe(
      targets.signed.targets.get('README.txt')?.length,
    );
    expect(simulator.publishedVersion('root')).toBe(2);
  });

  it('commitTree records later states as new commits and removes files no longer present', async () => {
    const repo = join(dir, 'repo');
    const { simulator } = await writeGitRepository(repo);
    simulator.removeTarget('targets', 'README.txt');
    simulator.addTarget('releases', 'releases/app-2.0.tar.gz', new TextEncoder().encode('2.0'));
    simulator.publish();
    await commitTree(repo, simulator.toGitLayout(), 'Release 2.0');
    // A bad state on purpose: timestamp bytes replaced by junk.
    const bad = simulator.toGitLayout();
    bad.set('metadata/timestamp.json', new TextEncoder().encode('junk'));
    const head = await commitTree(repo, bad, 'Broken timestamp');
    expect(await gitLog(repo)).toEqual([
      'Broken timestamp',
      'Release 2.0',
      'Initial repository state',
    ]);
    expect((await gitShow(repo, `${head}:metadata/timestamp.json`)).toString()).toBe('junk');
    await expect(gitShow(repo, 'HEAD:targets/README.txt')).rejects.toThrow();
    expect((await gitShow(repo, 'HEAD~2:targets/README.txt')).length).toBeGreaterThan(0);
    expect(
      parseTargets(
        await gitShow(repo, 'HEAD:metadata/releases.json'),
        'releases',
      ).signed.targets.has('releases/app-2.0.tar.gz'),
    ).toBe(true);
  });

  it('createTufOnCiSimulator has online timestamp/snapshot keys and a delegated role', () => {
    const sim = createTufOnCiSimulator();
    const root = parseRoot(sim.rootBytes(2));
    expect(root.signed.roles.timestamp.keyids).toEqual(root.signed.roles.snapshot.keyids);
    const online = root.signed.keys.get(root.signed.roles.timestamp.keyids[0] ?? '');
    expect(online?.json['x-tuf-on-ci-online-uri']).toBe('sim:online-key');
    expect(sim.targetsRoleNames()).toEqual(['targets', 'releases']);
  });
});

describe('writeStaticTree', () => {
  it('writes nested files', async () => {
    await writeStaticTree(
      dir,
      new Map([
        ['metadata/1.root.json', new Uint8Array([1, 2])],
        ['targets/a/b/c.txt', new Uint8Array([3])],
      ]),
    );
    expect([...(await readFile(join(dir, 'targets/a/b/c.txt')))]).toEqual([3]);
    expect([...(await readFile(join(dir, 'metadata/1.root.json')))]).toEqual([1, 2]);
  });

  it.each(['../escape', 'a/../../escape', '/abs', 'a//b', 'a/./b'])(
    'refuses the path %s',
    async (path) => {
      await expect(
        writeStaticTree(join(dir, 'out'), new Map([[path, new Uint8Array([1])]])),
      ).rejects.toThrow(StorageError);
      await expect(readFile(join(dir, 'escape'))).rejects.toThrow();
    },
  );
});
