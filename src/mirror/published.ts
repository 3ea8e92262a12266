// Rollback checks against what the tree already publishes: clients that refreshed from the
// current tree hold its versions as their trusted state, and would reject (TUF 5.3.5, 5.4.3,
// 5.5.5) a publish that goes backwards. Refusing here keeps the good tree in place instead.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { toStorageError } from '../client/index.js';
import {
  type Envelope,
  type Snapshot,
  type Timestamp,
  parseSnapshot,
  errnoCode,
  parseTimestamp,
} from '../core/index.js';
import type { ProblemList } from './problems.js';
import type { VerifiedMetadata } from './verify-metadata.js';

const ROOT_FILE = /^([1-9][0-9]{0,15})\.root\.json$/;

/** Adds a problem for every way `verified` would roll back the published tree. */
export async function checkAgainstPublished(
  outDir: string,
  verified: VerifiedMetadata,
  problems: ProblemList,
  warnings: string[],
): Promise<void> {
  const metaDir = join(outDir, 'metadata');
  const newRoot = verified.roots[verified.roots.length - 1]?.version ?? 0;
  for (const name of await listDir(metaDir)) {
    const m = ROOT_FILE.exec(name);
    if (m?.[1] !== undefined && Number(m[1]) > newRoot) {
      problems.add(
        'root',
        `metadata/${name}`,
        'rollback',
        `published roots up to version ${newRoot} (newest in git)`,
        `version ${m[1]} already published`,
      );
    }
  }
  const oldTs = await readPublished(metaDir, 'timestamp.json', (b) => parseTimestamp(b), warnings);
  if (!oldTs) return;
  const ts = verified.timestamp;
  const oldVersion = oldTs.signed.version;
  if (ts.signed.version < oldVersion) {
    problems.add(
      'timestamp',
      'metadata/timestamp.json',
      'rollback',
      `version >= ${oldVersion} (published)`,
      `version ${ts.signed.version}`,
    );
  } else if (ts.signed.version === oldVersion && !Buffer.from(ts.raw).equals(oldTs.raw)) {
    problems.add(
      'timestamp',
      'metadata/timestamp.json',
      'rollback',
      `a new version or the published bytes of version ${oldVersion}`,
      'other bytes at the same version',
    );
  }
  const oldSnapVersion = oldTs.signed.snapshotMeta.version;
  const snap = verified.snapshot.signed;
  if (snap.version < oldSnapVersion) {
    problems.add(
      'snapshot',
      `metadata/${snap.version}.snapshot.json`,
      'rollback',
      `version >= ${oldSnapVersion} (published)`,
      `version ${snap.version}`,
    );
    return;
  }
  const oldSnap = await readPublished(
    metaDir,
    `${oldSnapVersion}.snapshot.json`,
    (b) => parseSnapshot(b),
    warnings,
  );
  if (!oldSnap) return;
  for (const [name, meta] of oldSnap.signed.meta) {
    const now = snap.meta.get(name);
    const role = name.replace(/\.json$/, '');
    if (!now)
      problems.add(
        role,
        `metadata/${snap.version}.snapshot.json`,
        'rollback',
        `${name} to stay listed (published snapshot v${oldSnapVersion} lists it)`,
        'it removed',
      );
    else if (now.version < meta.version)
      problems.add(
        role,
        `metadata/${snap.version}.snapshot.json`,
        'rollback',
        `${name} version >= ${meta.version} (published)`,
        `version ${now.version}`,
      );
  }
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return [];
    throw toStorageError(dir, 'a readable directory', err);
  }
}

async function readPublished<T extends Envelope<Timestamp | Snapshot>>(
  dir: string,
  name: string,
  parse: (bytes: Uint8Array) => T,
  warnings: string[],
): Promise<T | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(join(dir, name));
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw toStorageError(join(dir, name), 'a readable file', err);
  }
  try {
    return parse(bytes);
  } catch (err) {
    // Our own earlier output, damaged: it is replaced, and its versions cannot be compared.
    warnings.push(
      `metadata/${name}: published file does not parse (${err instanceof Error ? err.message : String(err)}); rollback check skipped`,
    );
    return undefined;
  }
}
