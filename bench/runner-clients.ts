// The two clients behind one small interface, each loaded only in the child that runs it, so
// the other client's modules never count towards a run's memory or start-up time.

import type { ClientJob, ClientName } from './protocol.js';

/** What a runner does with a client; `T` is the client's own "found target" value. */
export interface BenchClient<T = unknown> {
  refresh(): Promise<void>;
  /** Undefined when no trusted role lists the path. */
  lookup(targetPath: string): Promise<T | undefined>;
  /** Downloads and verifies the target; returns the file it was stored at. */
  download(found: T): Promise<string>;
  close(): Promise<void>;
}

/** Imports the client's module and builds a client for the job's directories and URLs. */
export async function loadClient(name: ClientName, job: ClientJob): Promise<BenchClient> {
  return name === 'ours' ? loadOurs(job) : loadTufJs(job);
}

async function loadOurs(job: ClientJob): Promise<BenchClient> {
  const { Updater } = await import('../src/client/index.js');
  const updater = new Updater({
    metadataDir: job.metadataDir,
    metadataBaseUrl: job.metadataBaseUrl,
    targetBaseUrl: job.targetBaseUrl,
    targetDir: job.targetDir,
  });
  type Lookup = NonNullable<Awaited<ReturnType<typeof updater.getTargetInfo>>>;
  const client: BenchClient<Lookup> = {
    refresh: async () => {
      await updater.refresh();
    },
    lookup: (targetPath) => updater.getTargetInfo(targetPath),
    download: async (found) => (await updater.downloadTarget(found)).path,
    close: () => updater.close(),
  };
  return client;
}

async function loadTufJs(job: ClientJob): Promise<BenchClient> {
  const { Updater } = await import('tuf-js');
  const updater = new Updater({
    metadataDir: job.metadataDir,
    metadataBaseUrl: job.metadataBaseUrl,
    targetBaseUrl: job.targetBaseUrl,
    targetDir: job.targetDir,
  });
  type Found = NonNullable<Awaited<ReturnType<typeof updater.getTargetInfo>>>;
  const client: BenchClient<Found> = {
    refresh: () => updater.refresh(),
    lookup: (targetPath) => updater.getTargetInfo(targetPath),
    download: (found) => updater.downloadTarget(found),
    // tuf-js has no close(); the child exits after the run.
    close: () => Promise.resolve(),
  };
  return client;
}
