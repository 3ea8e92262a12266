// Publishing a verified plan into the tree: which planned files the tree already has, then
// writing the rest phase by phase, the commit point (root.json, timestamp.json) last.
import { mapConcurrent } from '../client/index.js';
import type { GitReader } from './git-reader.js';
import type { ProblemList } from './problems.js';
import type { BuildState } from './state.js';
import {
  type FileStatus,
  type PlannedFile,
  fileStatus,
  flushTree,
  writeFiles,
} from './tree-files.js';

// Immutable means immutable: a versioned or hash-named file that exists with other bytes is a
// rewritten history (or a tampered tree) and refuses the whole publish.
export async function compareWithTree(
  outDir: string,
  phases: readonly (readonly PlannedFile[])[],
  state: BuildState,
  problems: ProblemList,
  concurrency: number,
  trustState: boolean,
): Promise<PlannedFile[][]> {
  const all = phases.flat();
  const statuses = await mapConcurrent(all, concurrency, (f) =>
    fileStatus(outDir, f, state, trustState),
  );
  const status = new Map<string, FileStatus>();
  all.forEach((f, i) => status.set(f.path, statuses[i] ?? 'new'));
  for (const f of all) {
    if (f.immutable && status.get(f.path) === 'changed') {
      problems.add(
        roleOfPath(f.path),
        f.path,
        'immutable-changed',
        `the published bytes (sha256 ${state.files.get(f.path)?.sha256 ?? 'as on disk'}) to stay`,
        `new bytes with sha256 ${f.sha256}`,
      );
    }
  }
  return phases.map((p) => p.filter((f) => status.get(f.path) !== 'same'));
}

// Phases in order; the last two (root.json, timestamp.json) are the commit point and are
// written durably only after everything before them is on disk.
export async function publish(
  outDir: string,
  reader: GitReader,
  phases: PlannedFile[][],
  state: BuildState,
  concurrency: number,
): Promise<void> {
  const commitPoint = phases.slice(-2);
  const written: string[] = [];
  for (const phase of phases.slice(0, -2)) {
    await writeFiles(outDir, phase, reader, state, { concurrency, durable: false });
    for (const f of phase) written.push(f.path);
  }
  await flushTree(outDir, written, concurrency);
  for (const phase of commitPoint)
    await writeFiles(outDir, phase, reader, state, { concurrency, durable: true });
}

function roleOfPath(path: string): string | null {
  const m = /^metadata\/[0-9]+\.(.+)\.json$/.exec(path);
  return m?.[1] ?? null;
}
