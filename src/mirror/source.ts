// The repository at one commit, as listed in the git object store (tuf-on-ci layout):
// metadata/ (current metadata, root_history/) and targets/ (artifacts by target path).
import type { GitReader, TreeEntry } from './git-reader.js';
import { PLAIN_TARGET_PATH, pathFlaw } from './path-segments.js';
import type { ProblemList } from './problems.js';

/** One blob of the commit. */
export interface SourceBlob {
  readonly path: string;
  readonly oid: string;
  readonly size: number;
}

export interface RepoSource {
  readonly commit: string;
  /** Keyed by path relative to `metadata/` (`root.json`, `root_history/3.root.json`, `<role>.json`). */
  readonly metadata: ReadonlyMap<string, SourceBlob>;
  /** Root history by version, in increasing order. */
  readonly rootHistory: readonly { readonly version: number; readonly blob: SourceBlob }[];
  /** Files under metadata/ whose names are not UTF-8 (never a role file), as displayable paths. */
  readonly undecodable: readonly string[];
}

export const METADATA_DIR = 'metadata/';
export const TARGETS_DIR = 'targets/';
const REGULAR_FILE = new Set(['100644', '100755']);
const HISTORY = /^root_history\/([1-9][0-9]{0,15})\.root\.json$/;

/** Lists the metadata at `commit` (artifacts are listed separately, only when needed). */
export async function readSource(
  reader: GitReader,
  commit: string,
  problems: ProblemList,
): Promise<RepoSource> {
  // Non-regular entries under metadata/ are skipped (a needed file then shows up as missing).
  // Metadata names are only lookup keys: published role files are named from verified role names.
  const undecodable: string[] = [];
  const listing = await reader.listTree(commit, 'metadata', (raw) =>
    undecodable.push(lossyPath(raw)),
  );
  const metadata = toBlobMap(listing, METADATA_DIR);
  const rootHistory: { version: number; blob: SourceBlob }[] = [];
  for (const [name, blob] of metadata) {
    const m = HISTORY.exec(name);
    if (m?.[1] !== undefined) rootHistory.push({ version: Number(m[1]), blob });
    else if (name.startsWith('root_history/')) {
      problems.add(
        'root',
        blob.path,
        'invalid-value',
        'root_history/<N>.root.json',
        JSON.stringify(name),
      );
    }
  }
  rootHistory.sort((a, b) => a.version - b.version);
  return { commit, metadata, rootHistory, undecodable };
}

export interface ArtifactListing {
  /** Regular files with publishable paths, by target path. */
  readonly blobs: Map<string, SourceBlob>;
  /** Regular files refused for their path (a problem each): never published, still looked up. */
  readonly refusedPaths: readonly string[];
}

/** One entry under targets/: its target path, its blob when publishable, whether to look it up. */
export interface ArtifactEntry {
  readonly path: string;
  readonly blob: SourceBlob | undefined;
  /** Regular files are looked up even when refused for their path: every file needs a signer. */
  readonly lookUp: boolean;
}

/** Lists every artifact under targets/ by target path; every entry there would be published, so a non-regular one is a problem. */
export async function listArtifacts(
  reader: GitReader,
  commit: string,
  problems: ProblemList,
): Promise<ArtifactListing> {
  // TUF target paths are JSON strings: a name that is not UTF-8 can be no target's artifact.
  const listing = await reader.listTree(commit, 'targets', (raw) =>
    problems.add(
      null,
      lossyPath(raw),
      'invalid-value',
      'a UTF-8 path',
      `bytes ${raw.subarray(0, 200).toString('hex')}`,
    ),
  );
  const blobs = new Map<string, SourceBlob>();
  const refusedPaths: string[] = [];
  for (const entry of listing) {
    const artifact = toArtifact(entry, problems);
    if (artifact?.blob) blobs.set(artifact.path, artifact.blob);
    else if (artifact?.lookUp) refusedPaths.push(artifact.path);
  }
  return { blobs, refusedPaths };
}

/**
 * Classifies one tree entry under targets/ (undefined elsewhere). Its path becomes output
 * directories and a file name, so it must be plain: an entry named ".." by `git mktree` would
 * otherwise climb out of the output directory. Problems are recorded when `problems` is given.
 */
export function toArtifact(
  entry: TreeEntry,
  problems: ProblemList | undefined,
): ArtifactEntry | undefined {
  if (!entry.path.startsWith(TARGETS_DIR)) return undefined;
  const path = entry.path.slice(TARGETS_DIR.length);
  const regular = isRegularFile(entry, problems);
  const flaw = pathFlaw(path, { hiddenDirs: false });
  if (flaw !== undefined) {
    problems?.add(null, entry.path, 'invalid-value', PLAIN_TARGET_PATH, flaw);
    return { path, blob: undefined, lookUp: regular };
  }
  const blob = regular ? toSourceBlob(entry) : undefined;
  return { path, blob, lookUp: regular };
}

function toBlobMap(entries: readonly TreeEntry[], dir: string): Map<string, SourceBlob> {
  const map = new Map<string, SourceBlob>();
  for (const entry of entries) {
    if (entry.path.startsWith(dir) && isRegularFile(entry, undefined))
      map.set(entry.path.slice(dir.length), toSourceBlob(entry));
  }
  return map;
}

// A symlink or submodule has no bytes of its own to publish; serving a symlink's target path as
// an artifact would publish something no signer looked at.
function isRegularFile(entry: TreeEntry, problems: ProblemList | undefined): boolean {
  if (entry.type === 'blob' && REGULAR_FILE.has(entry.mode)) return true;
  const found =
    entry.mode === '120000'
      ? 'a symlink'
      : entry.type === 'commit'
        ? 'a submodule'
        : `mode ${entry.mode}`;
  problems?.add(null, entry.path, 'invalid-value', 'a regular file', found);
  return false;
}

function toSourceBlob(entry: TreeEntry): SourceBlob {
  return { path: entry.path, oid: entry.oid, size: entry.size ?? -1 };
}

// A path that is not UTF-8, for messages only (U+FFFD for bad bytes): never used as a key.
function lossyPath(raw: Buffer): string {
  return new TextDecoder('utf-8').decode(raw);
}
