// The published tree of one verified commit, in write order: everything a new timestamp can
// lead a client to is written before that timestamp (artifacts, delegated roles, targets,
// snapshot, roots), then root.json, then timestamp.json last (the commit point).
import { hashHex } from '../core/index.js';
import { displayName } from './display.js';
import { PLAIN_PATH, pathFlaw, segmentFlaw } from './path-segments.js';
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

/** Builds the plan; unsafe names, names too long for a file and clashing paths become problems. */
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
    const version = role.env.signed.version;
    // A role name becomes one file name on a static host, which decodes the request path once
    // (client URL `<V>.<quote(role)>.json` -> file `<V>.<role>.json`): no separators or controls.
    const name = `${version}.${role.name}.json`;
    const flaw = segmentFlaw(name);
    if (flaw !== undefined) {
      problems.add(
        role.name,
        `metadata/${role.name}.json`,
        'invalid-value',
        `a role name that makes one file name metadata/${version}.<role>.json (no "/", "\\" or control characters, at most 255 bytes)`,
        `role ${displayName(role.name)} (${flaw})`,
      );
      continue;
    }
    referenced.set(role.name, version);
    roleFiles.push(bytesFile(`metadata/${name}`, role.env.raw, true));
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
  checkLayout(plan, problems);
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

// Every path must be a plain name of at most 255 bytes per segment, and two outputs must not
// land on one file where file systems fold case or Unicode normalization (macOS, Windows), nor
// a file on another output's directory.
function checkLayout(plan: readonly (readonly PlannedFile[])[], problems: ProblemList): void {
  const byFolded = new Map<string, PlannedFile>();
  for (const phase of plan) {
    for (const f of phase) {
      const flaw = pathFlaw(f.path, { hiddenDirs: true });
      if (flaw !== undefined) {
        problems.add(null, f.path, 'invalid-value', PLAIN_PATH, flaw);
        continue;
      }
      const key = fold(f.path);
      const other = byFolded.get(key);
      if (!other) byFolded.set(key, f);
      // The same bytes under two spellings (a hash listed in upper and lower case) is harmless.
      else if (other.path !== f.path && other.sha256 !== f.sha256)
        problems.add(
          null,
          f.path,
          'invalid-value',
          'no other published path equal to it ignoring case and Unicode normalization',
          displayName(other.path),
        );
    }
  }
  for (const [key, f] of byFolded) {
    for (let i = key.indexOf('/'); i !== -1; i = key.indexOf('/', i + 1)) {
      const parent = byFolded.get(key.slice(0, i));
      if (parent)
        problems.add(
          null,
          f.path,
          'invalid-value',
          `no published file at its parent ${displayName(parent.path)}`,
          'a file there',
        );
    }
  }
}

// Folding keeps every "/" in place, so the folded parent of a path is a prefix of its fold.
function fold(path: string): string {
  // eslint-disable-next-line no-control-regex
  return (/^[\u0000-\u007f]*$/.test(path) ? path : path.normalize('NFC')).toLowerCase();
}
