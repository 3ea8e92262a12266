// Verifies the metadata of one commit exactly as a fresh client would, with the client's own
// TrustedMetadataSet: root chain (TUF 5.3), timestamp (5.4), snapshot (5.5), targets and every
// delegated role against its delegator (5.6), all at one reference time. Problems that do not
// depend on each other (sibling roles, root.json vs history) are all collected.
import { type TrustedMetadataSet, quoteSegment } from '../client/index.js';
import {
  type Envelope,
  type Snapshot,
  type Targets,
  type Timestamp,
  succinctBinName,
} from '../core/index.js';
import type { GitReader } from './git-reader.js';
import { readCapped } from './metadata-caps.js';
import type { ProblemList } from './problems.js';
import { checkRootJson, step, verifyRootChain } from './verify-root-chain.js';
import { METADATA_DIR, type RepoSource } from './source.js';

export interface VerifiedRole {
  readonly name: string;
  readonly env: Envelope<Targets>;
  /** Every role that delegates to it on a verified path (empty for `targets`). */
  readonly delegators: string[];
  /** The file it was read from, relative to `metadata/`. */
  readonly file: string;
}

export interface VerifiedMetadata {
  readonly trusted: TrustedMetadataSet;
  readonly timestamp: Envelope<Timestamp>;
  readonly snapshot: Envelope<Snapshot>;
  /** Every verified root in history, by version (the bytes published as `N.root.json`). */
  readonly roots: readonly { readonly version: number; readonly bytes: Uint8Array }[];
  /** History files older than a pinned --root (not verified, not published). */
  readonly olderRoots: readonly string[];
  /** Targets roles in discovery order (`targets` first). */
  readonly roles: ReadonlyMap<string, VerifiedRole>;
  /** Delegation edges in discovery order, for the index page. */
  readonly edges: readonly { readonly delegator: string; readonly role: string }[];
  /** Metadata files no verified role uses. */
  readonly unused: readonly string[];
}

export interface VerifyMetadataOptions {
  /** A pinned root (`--root`); default: the first root in history. */
  readonly rootBytes?: Uint8Array;
  readonly referenceTimeMs: number;
}

const TOP = 'targets';
/** A file that was there but refused unread (over its length cap); the problem is recorded. */
const REFUSED = Symbol('refused');
type ReadResult = Uint8Array | undefined | typeof REFUSED;
/** Files under metadata/ that are not metadata (tuf-on-ci signing-event bookkeeping). */
const IGNORED = new Set(['.signing-event-state']);

/** Returns the verified metadata, or undefined when a problem stops verification early. */
export async function verifyMetadata(
  reader: GitReader,
  source: RepoSource,
  options: VerifyMetadataOptions,
  problems: ProblemList,
): Promise<VerifiedMetadata | undefined> {
  const used = new Set<string>(['root.json']);
  // Delegated roles (the default kind) have the targets cap.
  const read = async (
    name: string,
    role: string,
    kind: 'timestamp' | 'snapshot' | 'targets' = TOP,
  ): Promise<ReadResult> => {
    const blob = source.metadata.get(name);
    if (!blob) return undefined;
    used.add(name);
    return (await readCapped(reader, blob, kind, role, problems)) ?? REFUSED;
  };
  const chain = await verifyRootChain(reader, source, options, problems);
  for (const entry of source.rootHistory) used.add(entry.blob.path.slice(METADATA_DIR.length));
  checkRootJson(source, problems);
  if (!chain) return undefined;
  const { trusted, roots, older } = chain;
  if (!trusted.root.signed.consistentSnapshot) {
    // The published tree names every file by version or hash; without consistent snapshots a
    // client would fetch unversioned names the tree does not have.
    problems.add(
      'root',
      'metadata/root.json',
      'invalid-value',
      'consistent_snapshot true',
      'false',
    );
    return undefined;
  }
  if (!step(problems, 'root', 'metadata/root.json', () => trusted.checkRootExpiry()))
    return undefined;
  const tsBytes = await read('timestamp.json', 'timestamp', 'timestamp');
  if (!present(problems, 'timestamp', tsBytes)) return undefined;
  if (
    !step(problems, 'timestamp', 'metadata/timestamp.json', () => trusted.updateTimestamp(tsBytes))
  )
    return undefined;
  const snapBytes = await read('snapshot.json', 'snapshot', 'snapshot');
  if (!present(problems, 'snapshot', snapBytes)) return undefined;
  if (
    !step(problems, 'snapshot', 'metadata/snapshot.json', () => trusted.updateSnapshot(snapBytes))
  )
    return undefined;
  const targetsBytes = await read('targets.json', TOP);
  if (!present(problems, TOP, targetsBytes)) return undefined;
  if (!step(problems, TOP, 'metadata/targets.json', () => trusted.updateTargets(targetsBytes)))
    return undefined;
  const { timestamp, snapshot, targets } = trusted;
  if (!timestamp || !snapshot || !targets) return undefined; // unreachable: each step above succeeded
  const roles = new Map<string, VerifiedRole>([
    [TOP, { name: TOP, env: targets, delegators: [], file: 'targets.json' }],
  ]);
  const edges = await verifyDelegations(trusted, roles, source, read, problems);
  const unused: string[] = [];
  for (const name of source.metadata.keys())
    if (!used.has(name) && !IGNORED.has(name)) unused.push(`${METADATA_DIR}${name}`);
  unused.push(...source.undecodable);
  return { trusted, timestamp, snapshot, roots, olderRoots: older, roles, edges, unused };
}

// Breadth-first over the delegation graph; each (delegator, role) edge is verified once, so a
// role reached from two delegators is verified against each (TUF 5.6.7: per path).
async function verifyDelegations(
  trusted: TrustedMetadataSet,
  roles: Map<string, VerifiedRole>,
  source: RepoSource,
  read: (name: string, role: string) => Promise<ReadResult>,
  problems: ProblemList,
): Promise<{ delegator: string; role: string }[]> {
  const edges: { delegator: string; role: string }[] = [];
  const seen = new Set<string>();
  let level: string[] = [TOP];
  while (level.length > 0) {
    const next: { delegator: string; role: string }[] = [];
    for (const delegator of level) {
      for (const role of childNames(roles.get(delegator)?.env, source, delegator, problems)) {
        const key = `${delegator}\u0000${role}`;
        if (seen.has(key)) continue;
        seen.add(key);
        next.push({ delegator, role });
      }
    }
    const fileNames = next.map((e) => roleFileInGit(source, e.role));
    // All reads are requested at once; each document is verified as soon as it has arrived,
    // so verification overlaps the transfer of the rest.
    const pending = fileNames.map((name, i) => settle(read(name, next[i]?.role ?? '')));
    const newLevel: string[] = [];
    for (let i = 0; i < next.length; i++) {
      const edge = next[i] as (typeof next)[number];
      const file = `${METADATA_DIR}${fileNames[i] ?? ''}`;
      const settled = await pending[i];
      if (settled && 'error' in settled) throw settled.error;
      const data = settled?.value;
      if (data === REFUSED) continue;
      if (data === undefined) {
        problems.add(
          edge.role,
          file,
          'missing-meta',
          `a file (role delegated by ${edge.delegator})`,
          'none',
        );
        continue;
      }
      let env: Envelope<Targets> | undefined;
      step(problems, edge.role, file, () => {
        env = trusted.updateDelegatedTargets(data, edge.role, edge.delegator);
      });
      if (!env) continue;
      edges.push(edge);
      const known = roles.get(edge.role);
      if (known) {
        known.delegators.push(edge.delegator);
        continue;
      }
      roles.set(edge.role, {
        name: edge.role,
        env,
        delegators: [edge.delegator],
        file: fileNames[i] ?? '',
      });
      newLevel.push(edge.role);
    }
    level = newLevel;
  }
  return edges;
}

function childNames(
  env: Envelope<Targets> | undefined,
  source: RepoSource,
  delegator: string,
  problems: ProblemList,
): string[] {
  const delegations = env?.signed.delegations;
  if (!delegations) return [];
  if (delegations.roles) return delegations.roles.map((r) => r.name);
  const succinct = delegations.succinctRoles;
  if (!succinct) return [];
  const count = 2 ** succinct.bitLength;
  // Every bin needs its own file: a bit length beyond the files present cannot be complete.
  if (count > source.metadata.size) {
    problems.add(
      delegator,
      `${METADATA_DIR}${delegator}.json`,
      'delegation-limit',
      `at most ${source.metadata.size} hash bins (one file each)`,
      `2^${succinct.bitLength}`,
    );
    return [];
  }
  const names: string[] = [];
  for (let i = 0; i < count; i++)
    names.push(succinctBinName(succinct.namePrefix, i, succinct.bitLength));
  return names;
}

// tuf-on-ci names a role's file `<role>.json`; a percent-encoded name is accepted too. The name
// only says where the bytes are: they are verified against the snapshot and the delegator.
function roleFileInGit(source: RepoSource, role: string): string {
  for (const name of [role, quoteSegment(role), encodeURIComponent(role)]) {
    if (source.metadata.has(`${name}.json`)) return `${name}.json`;
  }
  return `${role}.json`;
}

/** A promise that never rejects (so reads awaited later cannot become unhandled rejections). */
function settle<T>(p: Promise<T>): Promise<{ value: T } | { error: unknown }> {
  return p.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
}

function present(problems: ProblemList, role: string, bytes: ReadResult): bytes is Uint8Array {
  if (bytes === undefined)
    problems.add(role, `${METADATA_DIR}${role}.json`, 'missing-meta', 'a file', 'none');
  return bytes !== undefined && bytes !== REFUSED;
}
