// Differential test: tuf-js and our updater run against the same generated repositories and must
// agree on accept/reject. Scenarios are limited to cases where tuf-js follows the spec.

import { afterEach, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Updater as TufJsUpdater } from 'tuf-js';
import { HttpFetcher, Updater } from '../../src/client/index.js';
import { generateSigner } from '../../src/core/index.js';
import {
  RepositorySimulator,
  startSimulatorServer,
  type SimulatorServer,
} from '../../src/sim/index.js';

const ARTIFACT = new TextEncoder().encode('hello differential\n');

type Scenario = (sim: RepositorySimulator) => void;

const scenarios: Record<string, Scenario> = {
  'valid repository': () => undefined,
  'valid root rotation': (sim) => void sim.bumpRoot(),
  'expired timestamp': (sim) => {
    sim.timestamp.expires = sim.daysFromNow(-1);
    sim.publish({ bumpAll: true });
  },
  'expired snapshot': (sim) => {
    sim.snapshot.expires = sim.daysFromNow(-1);
    sim.publish({ bumpAll: true });
  },
  'expired targets': (sim) => {
    sim.targets.expires = sim.daysFromNow(-1);
    sim.publish({ bumpAll: true });
  },
  'timestamp signed by an unknown key': (sim) =>
    sim.updateTimestamp({ signers: [generateSigner('ed25519')] }),
  'snapshot signed by an unknown key': (sim) => {
    sim.updateSnapshot({ signers: [generateSigner('ed25519')] });
    sim.updateTimestamp();
  },
  'targets signed by an unknown key': (sim) => {
    sim.targets.version += 1;
    sim.signRole('targets', { signers: [generateSigner('ed25519')] });
    sim.updateSnapshot();
    sim.updateTimestamp();
  },
  'root v2 not signed by root v1 keys': (sim) => {
    sim.rotateSigners('root');
    sim.bumpRoot({ signers: sim.signers.get('root') ?? [] });
  },
  'delegated role signed by an unknown key': (sim) => {
    sim.addDelegation('targets', { name: 'delegated', paths: ['d/*'] });
    sim.signers.set('delegated', [generateSigner('ed25519')]);
    sim.addTarget('delegated', 'd/x.txt', ARTIFACT);
    sim.publish();
  },
  'artifact listed in a delegated role': (sim) => {
    sim.addDelegation('targets', { name: 'delegated', paths: ['d/*'] });
    sim.addTarget('delegated', 'd/x.txt', ARTIFACT);
    sim.publish();
  },
};

let server: SimulatorServer | undefined;
let dir: string | undefined;
afterEach(async () => {
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function clientDirs(
  root: Uint8Array,
  name: string,
): Promise<{ metadataDir: string; targetDir: string }> {
  const metadataDir = join(dir as string, name, 'metadata');
  const targetDir = join(dir as string, name, 'targets');
  await mkdir(metadataDir, { recursive: true });
  await mkdir(targetDir, { recursive: true });
  await writeFile(join(metadataDir, 'root.json'), root);
  return { metadataDir, targetDir };
}

/** Runs refresh + lookup + download; resolves to 'accept' or 'reject'. */
async function decide(run: () => Promise<unknown>): Promise<'accept' | 'reject'> {
  try {
    await run();
    return 'accept';
  } catch {
    return 'reject';
  }
}

describe('differential: tuf-js and our updater agree', () => {
  for (const [name, mutate] of Object.entries(scenarios)) {
    it(name, async () => {
      const sim = new RepositorySimulator();
      sim.addTarget('targets', 'top.txt', ARTIFACT);
      sim.publish();
      const root = sim.rootBytes(1);
      mutate(sim);
      server = await startSimulatorServer(sim);
      dir = await mkdtemp(join(tmpdir(), 'pg-diff-'));
      const path = sim.signed('targets')['delegations'] ? 'd/x.txt' : 'top.txt';
      const srv = server;

      const ours = await clientDirs(root, 'ours');
      const fetcher = new HttpFetcher({ retries: 0 });
      const ourDecision = await decide(async () => {
        const updater = new Updater({
          ...ours,
          metadataBaseUrl: srv.metadataUrl,
          targetBaseUrl: srv.targetsUrl,
          fetcher,
        });
        const info = await updater.getTargetInfo(path);
        if (!info) throw new Error('not found');
        await updater.downloadTarget(info);
      });
      await fetcher.close();

      const theirs = await clientDirs(root, 'tuf-js');
      const theirDecision = await decide(async () => {
        const updater = new TufJsUpdater({
          ...theirs,
          metadataBaseUrl: srv.metadataUrl,
          targetBaseUrl: srv.targetsUrl,
        });
        await updater.refresh();
        const info = await updater.getTargetInfo(path);
        if (!info) throw new Error('not found');
        await updater.downloadTarget(info);
      });

      // Both must also match the expected outcome, so agreement can't come from a broken fixture.
      expect(ourDecision).toBe(
        name.startsWith('valid') || name.startsWith('artifact') ? 'accept' : 'reject',
      );
      expect(theirDecision).toBe(ourDecision);
    });
  }
});
