// The root chain of one commit (TUF 5.3): every N -> N+1 step of metadata/root_history/ with the
// client's TrustedMetadataSet, from the first history entry or from a pinned root, and
// root.json byte-equal to the newest history root.
import { TrustedMetadataSet } from '../client/index.js';
import { parseRoot } from '../core/index.js';
import type { GitReader } from './git-reader.js';
import type { ProblemList } from './problems.js';
import type { RepoSource } from './source.js';

export interface RootChain {
  readonly trusted: TrustedMetadataSet;
  /** Every root in history, by version (the bytes published as `N.root.json`). */
  readonly roots: { version: number; bytes: Uint8Array }[];
}

/** Runs one state-machine step; a failure becomes a problem and returns false. */
export function step(
  problems: ProblemList,
  role: string,
  file: string,
  fn: () => unknown,
): boolean {
  try {
    fn();
    return true;
  } catch (err) {
    // Anything thrown while verifying attacker-controlled bytes refuses the build, never crashes it.
    problems.addError(role, file, err);
    return false;
  }
}

/** TUF 5.3.4-5.3.5: the verified chain, or undefined (with problems) when it is broken. */
export async function verifyRootChain(
  reader: GitReader,
  source: RepoSource,
  options: { readonly rootBytes?: Uint8Array; readonly referenceTimeMs: number },
  problems: ProblemList,
): Promise<
  { trusted: TrustedMetadataSet; roots: { version: number; bytes: Uint8Array }[] } | undefined
> {
  const history = source.rootHistory;
  const first = history[0];
  if (!first) {
    problems.add(
      'root',
      'metadata/root_history/',
      'missing-meta',
      'at least one <N>.root.json',
      'none',
    );
    return undefined;
  }
  const roots: { version: number; bytes: Uint8Array; path: string }[] = await Promise.all(
    history.map(async (h) => ({
      version: h.version,
      bytes: await reader.readBlob(h.blob.oid),
      path: h.blob.path,
    })),
  );
  let ok = true;
  for (let i = 1; i < roots.length; i++) {
    const prev = roots[i - 1]?.version ?? 0;
    const cur = roots[i];
    if (cur && cur.version !== prev + 1) {
      problems.add(
        'root',
        cur.path,
        'missing-meta',
        `root_history/${prev + 1}.root.json after version ${prev}`,
        `version ${cur.version} next`,
      );
      ok = false;
    }
  }
  let start = roots[0] as (typeof roots)[number];
  let startPath = start.path;
  if (options.rootBytes) {
    let pinnedVersion: number;
    try {
      pinnedVersion = parseRoot(options.rootBytes, '--root').signed.version;
    } catch (err) {
      problems.addError('root', '--root', err);
      return undefined;
    }
    const last = roots[roots.length - 1] as (typeof roots)[number];
    const same = roots.find((r) => r.version === pinnedVersion);
    if (pinnedVersion > last.version) {
      problems.add(
        'root',
        '--root',
        'rollback',
        `a pinned root at most version ${last.version} (newest in history)`,
        `version ${pinnedVersion}`,
      );
      return undefined;
    }
    if (same && !Buffer.from(same.bytes).equals(options.rootBytes)) {
      // The pin is the trust anchor: a history file at its version with other bytes is a rewrite.
      problems.add(
        'root',
        same.path,
        'hash-mismatch',
        'the exact bytes of --root',
        'different bytes',
      );
      return undefined;
    }
    if (!same) {
      start = { version: pinnedVersion, bytes: options.rootBytes, path: '--root' };
      startPath = '--root';
    }
  }
  if (!ok) return undefined;
  let trusted: TrustedMetadataSet;
  try {
    trusted = new TrustedMetadataSet(start.bytes, options.referenceTimeMs);
  } catch (err) {
    problems.addError('root', startPath, err);
    return undefined;
  }
  for (const r of roots) {
    if (r.version <= start.version) continue;
    if (!step(problems, 'root', r.path, () => trusted.updateRoot(r.bytes))) return undefined;
  }
  if (trusted.root.signed.version !== (roots[roots.length - 1]?.version ?? 0)) {
    problems.add(
      'root',
      '--root',
      'missing-meta',
      `root_history to continue at version ${trusted.root.signed.version + 1}`,
      `first history version ${first.version}`,
    );
    return undefined;
  }
  return { trusted, roots: roots.map(({ version, bytes }) => ({ version, bytes })) };
}

// root.json is what humans and bootstrapping tools read: it must be the newest history root.
export function checkRootJson(source: RepoSource, problems: ProblemList): void {
  const rootJson = source.metadata.get('root.json');
  const newest = source.rootHistory[source.rootHistory.length - 1];
  if (!rootJson) {
    problems.add('root', 'metadata/root.json', 'missing-meta', 'a file', 'none');
    return;
  }
  // Git blob ids are content addresses: equal bytes if and only if equal oids.
  if (newest && rootJson.oid !== newest.blob.oid) {
    problems.add(
      'root',
      'metadata/root.json',
      'version-mismatch',
      `the bytes of ${newest.blob.path} (newest root)`,
      'different bytes',
    );
  }
}
