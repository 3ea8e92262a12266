// Checks every artifact of the commit against the verified metadata (TUF 5.7.2 length and
// hashes), and that every file under targets/ is found by the client's own delegation search
// (TUF 5.6.7): an artifact no lookup reaches is something no role vouches for. All artifacts
// are checked; each mismatch is its own problem.
import { searchTarget, type RoleLoader } from '../client/index.js';
import {
  DEFAULT_MAX_DELEGATIONS,
  type Envelope,
  type TargetFile,
  type Targets,
  TrustError,
  isSupportedHashAlgorithm,
  hashPrefixedPath,
} from '../core/index.js';
import { type DigestCache, type ExtraAlgorithm, digestBlobs, digestFor } from './blob-digests.js';
import type { GitReader } from './git-reader.js';
import { PLAIN_TARGET_PATH, pathFlaw } from './path-segments.js';
import type { ProblemList } from './problems.js';
import { type ArtifactListing, TARGETS_DIR, type SourceBlob } from './source.js';
import type { VerifiedMetadata } from './verify-metadata.js';

/** One artifact file of the published tree: `targets/<dir>/<hash>.<basename>`. */
export interface ArtifactOutput {
  readonly path: string;
  readonly oid: string;
  readonly length: number;
  readonly sha256: string;
}

export interface ArtifactResult {
  readonly outputs: ArtifactOutput[];
  /** Target entries over all roles. */
  readonly entries: number;
  /** Target entries checked against their artifact in this build. */
  readonly checked: number;
  /** Blobs read and hashed in this build (the rest came from the digest cache). */
  readonly hashed: number;
  /** Artifacts whose lookup passes through a role that failed verification, by that role. */
  readonly skipped: ReadonlyMap<string, number>;
}

export interface VerifyArtifactsOptions {
  readonly concurrency: number;
  readonly maxDelegations?: number;
}

export interface ListedEntry {
  readonly role: string;
  readonly entry: TargetFile;
}

/** Full check: every entry of every role, every artifact in git. The cache keeps exactly the blobs used. */
export async function verifyArtifacts(
  reader: GitReader,
  listing: ArtifactListing,
  verified: VerifiedMetadata,
  cache: DigestCache,
  problems: ProblemList,
  options: VerifyArtifactsOptions,
): Promise<ArtifactResult> {
  const artifacts = listing.blobs;
  const listed: ListedEntry[] = [];
  for (const role of verified.roles.values()) {
    for (const entry of role.env.signed.targets.values()) listed.push({ role: role.name, entry });
  }
  const { outputs, hashed, oids } = await checkEntries(
    reader,
    listed,
    artifacts,
    cache,
    problems,
    options.concurrency,
  );
  for (const oid of cache.keys()) if (!oids.has(oid)) cache.delete(oid);
  const maxDelegations = options.maxDelegations ?? DEFAULT_MAX_DELEGATIONS;
  const paths = [...artifacts.keys(), ...listing.refusedPaths];
  const skipped = await checkLookups(verified, paths, problems, maxDelegations);
  return { outputs, entries: listed.length, checked: listed.length, hashed, skipped };
}

/** Hashes what the cache lacks, then checks each entry; returns the artifact files to publish. */
export async function checkEntries(
  reader: GitReader,
  listed: readonly ListedEntry[],
  artifacts: ReadonlyMap<string, SourceBlob>,
  cache: DigestCache,
  problems: ProblemList,
  concurrency: number,
): Promise<{ outputs: ArtifactOutput[]; hashed: number; oids: Set<string> }> {
  const oids = new Set<string>();
  const extra = new Map<string, Set<ExtraAlgorithm>>();
  for (const { entry } of listed) {
    const blob = artifacts.get(entry.path);
    // A blob whose listed size already contradicts the signed length is never read: it can be
    // many GiB of zeros that cost little on the wire (checkEntry reports the mismatch).
    if (!blob || !sizeMatches(blob, entry.length)) continue;
    oids.add(blob.oid);
    for (const alg of ['sha384', 'sha512'] as const) {
      if (entry.hashes[alg] === undefined) continue;
      const set = extra.get(blob.oid);
      if (set) set.add(alg);
      else extra.set(blob.oid, new Set([alg]));
    }
  }
  const hashed = await digestBlobs(reader, oids, cache, extra, concurrency);
  const outputs = new Map<string, ArtifactOutput>();
  for (const { role, entry } of listed)
    checkEntry(role, entry, artifacts, cache, problems, outputs);
  return { outputs: [...outputs.values()], hashed, oids };
}

// An unknown listed size (-1) does not contradict anything: the blob is hashed.
function sizeMatches(blob: SourceBlob, length: number): boolean {
  return blob.size < 0 || blob.size === length;
}

function checkEntry(
  role: string,
  entry: TargetFile,
  artifacts: ReadonlyMap<string, SourceBlob>,
  cache: DigestCache,
  problems: ProblemList,
  outputs: Map<string, ArtifactOutput>,
): void {
  // Hot loop (one call per target entry): strings for messages are built only on failure.
  const file = (): string => `${TARGETS_DIR}${entry.path}`;
  // The signed path names output directories: never "..", never a hidden directory.
  const flaw = pathFlaw(entry.path, { hiddenDirs: false });
  if (flaw !== undefined) {
    problems.add(role, file(), 'invalid-value', `${PLAIN_TARGET_PATH} (listed by ${role})`, flaw);
    return;
  }
  const blob = artifacts.get(entry.path);
  if (blob && !sizeMatches(blob, entry.length)) {
    problems.add(
      role,
      file(),
      'length-mismatch',
      `${entry.length} bytes (listed by ${role})`,
      `${blob.size} bytes`,
    );
    return;
  }
  const digest = blob ? cache.get(blob.oid) : undefined;
  if (!blob || !digest) {
    problems.add(
      role,
      file(),
      'missing-artifact',
      `the artifact ${role} lists (${entry.length} bytes)`,
      'no file in git',
    );
    return;
  }
  let ok = true;
  if (digest.length !== entry.length) {
    problems.add(
      role,
      file(),
      'length-mismatch',
      `${entry.length} bytes (listed by ${role})`,
      `${digest.length} bytes`,
    );
    ok = false;
  }
  const hashes = entry.hashes;
  for (const alg in hashes) {
    const hex = hashes[alg] as string;
    const actual = digestFor(digest, alg);
    if (!isSupportedHashAlgorithm(alg) || actual === undefined) {
      // An unknown algorithm is never skipped: listing only ignored algorithms would bypass the check.
      problems.add(
        role,
        file(),
        'hash-mismatch',
        'a hash algorithm in {sha256, sha384, sha512}',
        JSON.stringify(alg),
      );
      ok = false;
    } else if (actual !== hex && actual !== hex.toLowerCase()) {
      problems.add(
        role,
        file(),
        'hash-mismatch',
        `${alg} ${hex.toLowerCase()} (listed by ${role})`,
        `${alg} ${actual}`,
      );
      ok = false;
    }
  }
  if (!ok) return;
  // TUF 5.7.3: one file per listed hash, named with the digest as listed (what a client asks for).
  for (const alg in hashes) {
    const path = `${TARGETS_DIR}${hashPrefixedPath(entry.path, hashes[alg] as string)}`;
    if (!outputs.has(path))
      outputs.set(path, { path, oid: blob.oid, length: digest.length, sha256: digest.sha256 });
  }
}

/** Every path must be found by the client's search; returns lookups skipped because of failed roles. */
export async function checkLookups(
  verified: VerifiedMetadata,
  paths: Iterable<string>,
  problems: ProblemList,
  maxDelegations: number,
): Promise<Map<string, number>> {
  const trusted = verified.trusted;
  let blocked: string | undefined;
  // The loader only hands out roles verified against this delegator (TUF 5.6.7: per path).
  const load: RoleLoader = (role, delegator) => {
    const env: Envelope<Targets> | undefined = trusted.trustedDelegation(role, delegator);
    if (env) return Promise.resolve(env);
    blocked = role;
    const msg = `${role}: expected a role verified against ${delegator}, got none`;
    return Promise.reject(new TrustError('missing-meta', msg));
  };
  // Roles that failed verification are already problems; lookups through them are counted, not
  // repeated once per artifact.
  const skipped = new Map<string, number>();
  for (const path of paths) {
    blocked = undefined;
    try {
      const found = await searchTarget(path, load, maxDelegations);
      if (!found)
        problems.add(
          null,
          `${TARGETS_DIR}${path}`,
          'unlisted-artifact',
          'a target entry in the role that owns this path',
          'none (no role on the search path lists it)',
        );
    } catch (err) {
      if (blocked !== undefined && !problems.empty)
        skipped.set(blocked, (skipped.get(blocked) ?? 0) + 1);
      else problems.addError(null, `${TARGETS_DIR}${path}`, err);
    }
  }
  return skipped;
}
