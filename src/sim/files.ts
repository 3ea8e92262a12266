// Turns the simulator's published state into file trees: the static HTTP tree a client sees
// (TUF 5.x consistent-snapshot naming) and the tuf-on-ci git work-tree layout.

import { serializeMetadata, type JsonObject, hashPrefixedPath } from '../core/index.js';
import { isJsonObject } from './json.js';
import type { Artifact, RoleRecord } from './role-record.js';

/** Published state needed to lay out files. */
export interface PublishedState {
  readonly consistentSnapshot: boolean;
  readonly root: RoleRecord;
  readonly timestamp: RoleRecord;
  readonly snapshot: RoleRecord;
  /** `targets` first, then delegated roles in creation order. */
  readonly targetsRoles: readonly RoleRecord[];
  readonly artifacts: Iterable<Artifact>;
}

/** The metadata file name of a role; role names are attacker-ish input, so always URL-encoded. */
export function roleFileName(role: string, version?: number): string {
  const encoded = encodeURIComponent(role);
  return version === undefined ? `${encoded}.json` : `${version}.${encoded}.json`;
}

/** The URL paths (under `targets/`) an artifact is served at. */
export function artifactFileNames(artifact: Artifact, consistentSnapshot: boolean): string[] {
  if (!consistentSnapshot) return [artifact.path];
  // TUF 5.7.3: consistent snapshots prefix the basename with each listed hash.
  return [...new Set(Object.values(artifact.hashes))].map((hash) =>
    hashPrefixedPath(artifact.path, hash),
  );
}

/** The static tree: every root version, timestamp, every snapshot and targets version, artifacts. */
export function staticTree(state: PublishedState): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  for (const [version, bytes] of state.root.versions)
    files.set(`metadata/${version}.root.json`, bytes);
  if (state.timestamp.last !== undefined)
    files.set('metadata/timestamp.json', state.timestamp.last.bytes);
  for (const record of [state.snapshot, ...state.targetsRoles]) {
    for (const [version, bytes] of record.versions)
      files.set(`metadata/${roleFileName(record.name, version)}`, bytes);
    if (!state.consistentSnapshot && record.last !== undefined)
      files.set(`metadata/${roleFileName(record.name)}`, record.last.bytes);
  }
  for (const artifact of state.artifacts) {
    for (const name of artifactFileNames(artifact, state.consistentSnapshot))
      files.set(`targets/${name}`, artifact.bytes);
  }
  return files;
}

/**
 * The tuf-on-ci git layout: unversioned current metadata, `metadata/root_history/N.root.json`,
 * artifacts under `targets/<target path>`, all metadata re-serialized python-style.
 */
export function gitLayout(state: PublishedState, alreadyPython: boolean): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  const style = (bytes: Uint8Array): Uint8Array => (alreadyPython ? bytes : toPythonStyle(bytes));
  for (const [version, bytes] of state.root.versions)
    files.set(`metadata/root_history/${version}.root.json`, style(bytes));
  for (const record of [state.root, state.timestamp, state.snapshot, ...state.targetsRoles]) {
    if (record.last !== undefined)
      files.set(`metadata/${roleFileName(record.name)}`, style(record.last.bytes));
  }
  for (const artifact of state.artifacts) files.set(`targets/${artifact.path}`, artifact.bytes);
  return files;
}

// Signatures cover canonical JSON, so changing whitespace keeps them valid. Bytes that are not
// a JSON object (a test's deliberately broken document) are kept as they are.
function toPythonStyle(bytes: Uint8Array): Uint8Array {
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return bytes;
  }
  return isJsonObject(doc as JsonObject) ? serializeMetadata(doc as JsonObject, 'python') : bytes;
}
