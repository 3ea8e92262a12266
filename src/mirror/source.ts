// The repository at one commit, as listed in the git object store (tuf-on-ci layout):
// metadata/ (current metadata, root_history/) and targets/ (artifacts by target path).
import type { GitReader, TreeEntry } from './git-reader.js';
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
  const metadata = toBlobMap(await reader.listTree(commit, 'metadata'), METADATA_DIR, undefined);
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
  return { commit, metadata, rootHistory };
}

/** Lists every artifact under targets/ by target path; every entry there would be published, so a non-regular one is a problem. */
export async function listArtifacts(
  reader: GitReader,
  commit: string,
  problems: ProblemList,
): Promise<Map<string, SourceBlob>> {
  return toBlobMap(await reader.listTree(commit, 'targets'), TARGETS_DIR, problems);
}

/** The artifact blob of one tree entry, or a problem if it is not a regular file. */
export function toArtifactBlob(
  entry: TreeEntry,
  problems: ProblemList | undefined,
): SourceBlob | undefined {
  const map = toBlobMap([entry], TARGETS_DIR, problems);
  return map.values().next().value;
}

function toBlobMap(
  entries: readonly TreeEntry[],
  dir: string,
  problems: ProblemList | undefined,
): Map<string, SourceBlob> {
  const map = new Map<string, SourceBlob>();
  for (const entry of entries) {
    if (!entry.path.startsWith(dir)) continue;
    const rel = entry.path.slice(dir.length);
    // A symlink or submodule has no bytes of its own to publish; serving a symlink's target
    // path as an artifact would publish something no signer looked at.
    if (entry.type !== 'blob' || !REGULAR_FILE.has(entry.mode)) {
      const found =
        entry.mode === '120000'
          ? 'a symlink'
          : entry.type === 'commit'
            ? 'a submodule'
            : `mode ${entry.mode}`;
      problems?.add(null, entry.path, 'invalid-value', 'a regular file', found);
      continue;
    }
    map.set(rel, { path: entry.path, oid: entry.oid, size: entry.size ?? -1 });
  }
  return map;
}
