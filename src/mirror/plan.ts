// The published tree of one verified commit, in write order: everything a new timestamp can
// lead a client to is written before that timestamp (artifacts, delegated roles, targets,
// snapshot, roots), then root.json, then timestamp.json last (the commit point).
import { hashHex } from '../core/index.js';
import type { ProblemList } from './problems.js';
import type { PlannedFile } from './tree-files.js';
import type { ArtifactOutput } from './verify-artifacts.js';
import type { VerifiedMetadata } from './verify-metadata.js';

export interface SitePlan {
  /** Write phases in order; each phase completes before the next starts. */
  readonly phases: readonly (readonly PlannedFile[])[];
  /** Versions the new timestamp and snapshot reference, by metadata file role name (never pruned). */
  readonly referenced: ReadonlyMap<string, number>;
}

// A role name becomes one file name on a static host, which decodes the request path once
// (client URL `<V>.<quote(role)>.json` -> file `<V>.<role>.json`): no separators or controls.
function isUnsafeRoleName(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 0x20 || c === 0x7f || c === 0x2f || c === 0x5c) return true;
  }
  return false;
}

/** Builds the plan; unsafe role names and file/directory clashes become problems. */
export function planSite(
  verified: VerifiedMetadata,
  artifacts: readonly ArtifactOutput[],
  extras: readonly { path: string; bytes: Uint8Array }[],
  problems: ProblemList,
): SitePlan {
  const { timestamp, snapshot } = verified;
  const referenced = new Map<string, number>([['snapshot', snapshot.signed.version]]);
  const artifactFiles: PlannedFile[] = artifacts.map((a) => ({
    path: a.path,
    content: { oid: a.oid },
    size: a.length,
    sha256: a.sha256,
    immutable: true,
  }));
  const roleFiles: PlannedFile[] = [];
  for (const role of verified.roles.values()) {
    if (isUnsafeRoleName(role.name)) {
      problems.add(
        role.name,
        `metadata/${role.name}.json`,
        'invalid-value',
        'a role name without "/", "\\" or control characters (one file on a static host)',
        JSON.stringify(role.name),
      );
      continue;
    }
    const version = role.env.signed.version;
    referenced.set(role.name, version);
    roleFiles.push(bytesFile(`metadata/${version}.${role.name}.json`, role.env.raw, true));
  }
  const newestRoot = verified.roots[verified.roots.length - 1];
  const plan: PlannedFile[][] = [
    artifactFiles,
    roleFiles,
    [bytesFile(`metadata/${snapshot.signed.version}.snapshot.json`, snapshot.raw, true)],
    verified.roots.map((r) => bytesFile(`metadata/${r.version}.root.json`, r.bytes, true)),
    extras.map((e) => bytesFile(e.path, e.bytes, false)),
    newestRoot ? [bytesFile('metadata/root.json', newestRoot.bytes, false)] : [],
    [bytesFile('metadata/timestamp.json', timestamp.raw, false)],
  ];
  checkClashes(plan, problems);
  return { phases: plan, referenced };
}

function bytesFile(path: string, bytes: Uint8Array, immutable: boolean): PlannedFile {
  return {
    path,
    content: { bytes },
    size: bytes.byteLength,
    sha256: hashHex('sha256', bytes),
    immutable,
  };
}

// A target path whose directory equals another output's file name cannot be laid out.
function checkClashes(plan: readonly (readonly PlannedFile[])[], problems: ProblemList): void {
  const files = new Set<string>();
  for (const phase of plan) for (const f of phase) files.add(f.path);
  for (const path of files) {
    for (let i = path.indexOf('/'); i !== -1; i = path.indexOf('/', i + 1)) {
      const parent = path.slice(0, i);
      if (files.has(parent))
        problems.add(
          null,
          path,
          'invalid-value',
          `no published file at its parent ${parent}`,
          'a file there',
        );
    }
  }
}
