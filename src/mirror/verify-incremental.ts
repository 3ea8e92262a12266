// Incremental artifact check against the last successfully published commit. Metadata is always
// verified in full (verify-metadata.ts); what is skipped is re-checking (role, artifact) pairs
// whose bytes are unchanged, which a previous build already verified with the same result:
// a check is a pure function of the role document and the artifact blob (both content-addressed).
//
// Re-checked: every entry of a role whose file changed, every entry naming an artifact path that
// changed, and the lookup of every changed artifact and of every path a changed role stopped
// listing. When a role with delegations changed, the search paths themselves may differ, so the
// caller falls back to the full check (undefined is returned), as it does for large changes.
import {
  DEFAULT_LIMITS,
  DEFAULT_MAX_DELEGATIONS,
  DownloadError,
  parseTargets,
} from '../core/index.js';
import type { DigestCache } from './blob-digests.js';
import { type TreeChange, diffCommits, entriesAt } from './git-diff.js';
import type { GitReader } from './git-reader.js';
import type { ProblemList } from './problems.js';
import { METADATA_DIR, TARGETS_DIR, type SourceBlob, toArtifact } from './source.js';
import {
  type ArtifactResult,
  type ListedEntry,
  checkEntries,
  checkLookups,
} from './verify-artifacts.js';
import type { VerifiedMetadata } from './verify-metadata.js';

/** Above this many entries or changed paths a full check is cheaper than the bookkeeping. */
const MAX_INCREMENTAL = 20_000;

/** Starts the diff early (it runs while metadata is verified); undefined if it cannot be made. */
export function startDiff(
  reader: GitReader,
  previous: string,
  commit: string,
): Promise<TreeChange[] | undefined> {
  return diffCommits(reader, previous, commit).catch(() => undefined);
}

export interface IncrementalOptions {
  /** From `startDiff`. */
  readonly changes: Promise<TreeChange[] | undefined>;
  readonly previous: string;
  readonly commit: string;
  readonly concurrency: number;
  readonly maxDelegations?: number;
}

/** The incremental check, or undefined when only a full check is sound (or cheaper). */
export async function verifyArtifactsIncremental(
  reader: GitReader,
  verified: VerifiedMetadata,
  cache: DigestCache,
  problems: ProblemList,
  options: IncrementalOptions,
): Promise<ArtifactResult | undefined> {
  const changes = await options.changes;
  if (!changes) return undefined; // the previous commit is gone (history rewritten, gc)
  const changedMeta = new Set<string>();
  const changedArtifacts = new Map<string, (typeof changes)[number]>();
  for (const c of changes) {
    if (c.path.startsWith(METADATA_DIR)) changedMeta.add(c.path.slice(METADATA_DIR.length));
    else if (c.path.startsWith(TARGETS_DIR))
      changedArtifacts.set(c.path.slice(TARGETS_DIR.length), c);
  }
  if (changedArtifacts.size > MAX_INCREMENTAL) return undefined;

  const listed: ListedEntry[] = [];
  const seen = new Set<string>();
  const add = (role: string, path: string): void => {
    const entry = verified.roles.get(role)?.env.signed.targets.get(path);
    const key = `${role}\u0000${path}`;
    if (entry && !seen.has(key)) {
      seen.add(key);
      listed.push({ role, entry });
    }
  };
  const relookup = new Set<string>();
  for (const role of verified.roles.values()) {
    if (!changedMeta.has(role.file)) continue;
    // A changed delegator can change which role a client asks for any path.
    if (role.env.signed.delegations) return undefined;
    // Same cap as the verified current version; an old file over it only costs a full check.
    const old = await reader
      .readFileAt(options.previous, `${METADATA_DIR}${role.file}`, DEFAULT_LIMITS.targets)
      .catch((err: unknown) => {
        if (err instanceof DownloadError && err.code === 'too-large') return undefined;
        throw err;
      });
    if (old === undefined) return undefined;
    let oldTargets;
    try {
      oldTargets = parseTargets(old, role.name).signed;
    } catch {
      return undefined;
    }
    if (oldTargets.delegations) return undefined;
    for (const path of role.env.signed.targets.keys()) add(role.name, path);
    for (const path of oldTargets.targets.keys())
      if (!role.env.signed.targets.has(path)) relookup.add(path);
    if (listed.length > MAX_INCREMENTAL) return undefined;
  }
  // Entries naming a changed artifact, in any role: per role, walk the smaller of the two sets.
  for (const role of verified.roles.values()) {
    const targets = role.env.signed.targets;
    if (targets.size < changedArtifacts.size) {
      for (const path of targets.keys()) if (changedArtifacts.has(path)) add(role.name, path);
    } else {
      for (const path of changedArtifacts.keys()) if (targets.has(path)) add(role.name, path);
    }
  }
  for (const [path, change] of changedArtifacts) if (change.status !== 'D') relookup.add(path);

  // Blob ids for exactly the paths involved (one ls-tree), instead of listing every artifact.
  const wanted = new Set<string>([...listed.map((l) => l.entry.path), ...relookup]);
  const entries = await entriesAt(
    reader,
    options.commit,
    [...wanted].map((p) => `${TARGETS_DIR}${p}`),
  );
  const artifacts = new Map<string, SourceBlob>();
  const lookUp = new Set<string>();
  for (const entry of entries.values()) {
    // Only a changed path can have become a symlink, a submodule or an unsafe name since the
    // last build (which refused all of them).
    const path = entry.path.slice(TARGETS_DIR.length);
    const artifact = toArtifact(entry, changedArtifacts.has(path) ? problems : undefined);
    if (artifact?.blob) artifacts.set(artifact.path, artifact.blob);
    if (artifact?.lookUp) lookUp.add(artifact.path);
  }
  const { outputs, hashed } = await checkEntries(
    reader,
    listed,
    artifacts,
    cache,
    problems,
    options.concurrency,
  );
  // As in a full build, only regular files are looked up (anything else is already a problem).
  const present = [...relookup].filter((p) => lookUp.has(p));
  const skipped = await checkLookups(
    verified,
    present,
    problems,
    options.maxDelegations ?? DEFAULT_MAX_DELEGATIONS,
  );
  let total = 0;
  for (const role of verified.roles.values()) total += role.env.signed.targets.size;
  return { outputs, entries: total, checked: listed.length, hashed, skipped };
}
