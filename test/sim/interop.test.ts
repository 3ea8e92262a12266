// An independent client (tuf-js) must accept what the simulator and the generator publish:
// this guards against the simulator and our own client agreeing on a mistake.

import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Updater } from 'tuf-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  generateHashBinRepository,
  RepositorySimulator,
  startSimulatorServer,
  type FileSource,
  type SimulatorServer,
} from '../../src/sim/index.js';

let dir = '';
let server: SimulatorServer | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pg-sim-interop-'));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function updaterFor(source: FileSource, root: Uint8Array, cache: string): Promise<Updater> {
  server = await startSimulatorServer(source);
  await mkdir(cache, { recursive: true });
  await writeFile(join(cache, 'root.json'), root);
  return new Updater({
    metadataDir: cache,
    metadataBaseUrl: server.metadataUrl.slice(0, -1),
    targetDir: cache,
    targetBaseUrl: server.targetsUrl.slice(0, -1),
  });
}

function defined<T>(value: T | undefined): T {
  expect(value).toBeDefined();
  return value as T;
}

describe('tuf-js interoperability', () => {
  it('accepts a simulator repository with a root rotation, nested and succinct delegations', async () => {
    const sim = new RepositorySimulator({ keyAlgorithm: 'ecdsa-p256', metaHashes: true });
    sim.addDelegation('targets', { name: 'releases', paths: ['releases/*'] });
    sim.addSuccinctDelegation('releases', 2, 'rbin');
    const payload = new TextEncoder().encode('nested artifact');
    const binName = ['rbin-0', 'rbin-1', 'rbin-2', 'rbin-3'];
    for (const name of binName) sim.addTarget(name, 'releases/app.tgz', payload);
    sim.rotateSigners('root', 2);
    sim.setThreshold('root', 2);
    sim.publish();
    const updater = await updaterFor(sim, sim.rootBytes(1), dir);
    await updater.refresh();
    const info = await updater.getTargetInfo('releases/app.tgz');
    expect(info?.length).toBe(payload.byteLength);
    const file = await updater.downloadTarget(defined(info), join(dir, 'app.tgz'));
    expect(new TextDecoder().decode(await readFile(file))).toBe('nested artifact');
    expect(JSON.parse(await readFile(join(dir, 'root.json'), 'utf8'))).toMatchObject({
      signed: { version: 2 },
    });
  });

  it('accepts a generated hash-bin repository (traditional and succinct)', async () => {
    for (const succinct of [false, true]) {
      const repo = generateHashBinRepository({
        bins: 32,
        targetsPerBin: 2,
        succinct,
        seed: `interop-${succinct}`,
      });
      const updater = await updaterFor(repo, repo.rootBytes, join(dir, `cache-${succinct}`));
      await updater.refresh();
      const [path] = repo.targetPaths(1);
      const info = await updater.getTargetInfo(path ?? '');
      expect(info?.path).toBe(path);
      const file = await updater.downloadTarget(defined(info), join(dir, `artifact-${succinct}`));
      expect((await readFile(file)).byteLength).toBe(info?.length);
      await server?.close();
      server = undefined;
    }
  });
});
