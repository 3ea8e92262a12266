// Removes old versions of snapshot and targets metadata from the published tree, after the new
// timestamp is in place. The newest `keep` versions of each role stay (a client that read the
// previous timestamp just before a publish still finds the snapshot and roles it names); what
// the new timestamp and snapshot reference is never removed; roots are never removed (clients
// walk every root version, TUF 5.3.3).
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { toStorageError } from '../client/index.js';
import { errnoCode } from '../core/index.js';
import type { BuildState } from './state.js';

const VERSIONED = /^([1-9][0-9]{0,15})\.(.+)\.json$/;

/** Prunes `metadata/<V>.<role>.json` beyond the newest `keep` per role; returns the removed paths. */
export async function pruneVersions(
  outDir: string,
  referenced: ReadonlyMap<string, number>,
  keep: number,
  state: BuildState,
): Promise<string[]> {
  const dir = join(outDir, 'metadata');
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return [];
    throw toStorageError(dir, 'a readable metadata directory', err);
  }
  const byRole = new Map<string, number[]>();
  for (const name of names) {
    const m = VERSIONED.exec(name);
    if (!m?.[1] || m[2] === undefined || m[2] === 'root') continue;
    const versions = byRole.get(m[2]);
    if (versions) versions.push(Number(m[1]));
    else byRole.set(m[2], [Number(m[1])]);
  }
  const removed: string[] = [];
  for (const [role, versions] of byRole) {
    versions.sort((a, b) => b - a);
    const pinned = referenced.get(role);
    for (const version of versions.slice(keep)) {
      if (version === pinned) continue;
      const path = `metadata/${version}.${role}.json`;
      await rm(join(outDir, path), { force: true }).catch((err: unknown) => {
        throw toStorageError(join(outDir, path), 'a removable file', err);
      });
      state.files.delete(path);
      state.dirty = true;
      removed.push(path);
    }
  }
  return removed;
}
