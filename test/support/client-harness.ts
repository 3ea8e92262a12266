// A repository simulator served on loopback plus a fresh client directory: the fixture for
// updater tests. Each test gets its own temp dir, server and simulator.

import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpFetcher, Updater, type UpdaterOptions } from '../../src/client/index.js';
import { parseMetadata, type RoleType } from '../../src/core/index.js';
import {
  RepositorySimulator,
  startSimulatorServer,
  type SimulatorOptions,
  type SimulatorServer,
} from '../../src/sim/index.js';

export interface Harness {
  readonly sim: RepositorySimulator;
  readonly server: SimulatorServer;
  readonly dir: string;
  readonly metadataDir: string;
  readonly targetDir: string;
  /** A new Updater over the same directories (a new process, as far as trust goes). */
  updater(options?: Partial<UpdaterOptions>): Updater;
  /** Refreshes with a new Updater and closes it. */
  refresh(options?: Partial<UpdaterOptions>): Promise<void>;
  /** `{file: version}` of every metadata file on disk. */
  onDisk(): Promise<Record<string, number>>;
  /** Request paths the server saw since the last call (and clears the log). */
  takeRequests(): string[];
  close(): Promise<void>;
}

export async function startHarness(
  options: SimulatorOptions = {},
  sim = new RepositorySimulator(options),
): Promise<Harness> {
  const server = await startSimulatorServer(sim);
  const dir = await mkdtemp(join(tmpdir(), 'pg-client-'));
  const metadataDir = join(dir, 'metadata');
  const targetDir = join(dir, 'targets');
  await mkdir(metadataDir);
  await mkdir(targetDir);
  await writeFile(join(metadataDir, 'root.json'), sim.rootBytes(1));
  const updaters: Updater[] = [];
  const harness: Harness = {
    sim,
    server,
    dir,
    metadataDir,
    targetDir,
    updater(extra = {}) {
      const fetcher = new HttpFetcher({
        retries: 0,
        connectTimeoutMs: 2_000,
        stallTimeoutMs: 2_000,
      });
      const updater = new Updater({
        metadataDir,
        metadataBaseUrl: server.metadataUrl,
        targetBaseUrl: server.targetsUrl,
        targetDir,
        fetcher,
        ...extra,
      });
      updaters.push(updater);
      const close = updater.close.bind(updater);
      updater.close = async () => {
        await close();
        await fetcher.close();
      };
      return updater;
    },
    async refresh(extra = {}) {
      const updater = harness.updater(extra);
      try {
        await updater.refresh();
      } finally {
        await updater.close();
      }
    },
    async onDisk() {
      const result: Record<string, number> = {};
      for (const name of (await readdir(metadataDir)).sort()) {
        if (!name.endsWith('.json')) continue;
        const bytes = await readFile(join(metadataDir, name));
        const type = (JSON.parse(bytes.toString('utf8')) as { signed: { _type: RoleType } }).signed
          ._type;
        result[name] = parseMetadata(bytes, type).signed.version;
      }
      return result;
    },
    takeRequests() {
      const paths = server.requests.map((r) => r.path);
      server.requests.length = 0;
      return paths;
    },
    async close() {
      for (const updater of updaters) await updater.close().catch(() => undefined);
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return harness;
}
