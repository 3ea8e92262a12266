// Trusted metadata set: the TUF 1.0 client workflow (TUF 5.3–5.6) as a state machine.
//
// Rules: metadata is loaded in order root → timestamp → snapshot → targets → delegated targets;
// nothing earlier can be loaded once later metadata is in. Every update takes bytes, verifies them
// against what is already trusted and against one reference time, and returns the verified
// envelope; a failed update leaves the set unchanged, except where noted (an expired timestamp or
// snapshot is kept as the reference for rollback checks, as python-tuf does, then rejected).
// This class does no I/O: the updater fetches and persists around it.

import {
  type Envelope,
  type Key,
  type MetaFile,
  type Root,
  type RoleKeys,
  type Snapshot,
  type Targets,
  type Timestamp,
  TrustError,
  UsageError,
  parseRoot,
  parseSnapshot,
  parseTargets,
  parseTimestamp,
  verifyLengthAndHashes,
  verifyThreshold,
} from '../core/index.js';
import { findDelegatedRole } from './delegation-index.js';

/** The keys and threshold a delegator grants a role, plus who granted them. */
export interface Authorization {
  readonly delegator: string;
  readonly role: RoleKeys;
  readonly keys: ReadonlyMap<string, Key>;
}

const TOP = 'targets';

export class TrustedMetadataSet {
  private trustedRoot: Envelope<Root>;
  private trustedTimestamp: Envelope<Timestamp> | undefined;
  private trustedSnapshot: Envelope<Snapshot> | undefined;
  private trustedTargets: Envelope<Targets> | undefined;
  // Keyed by delegator and role: a role is trusted only on the path that verified it (diamonds).
  private readonly delegated = new Map<string, Envelope<Targets>>();
  // Verified documents by role name, so a second path re-verifies bytes instead of refetching.
  private readonly byRoleName = new Map<string, Envelope<Targets>>();

  /** TUF 5.2: loads the trusted root; it must be signed by its own threshold (expiry is not checked yet). */
  constructor(
    rootBytes: Uint8Array,
    readonly referenceTimeMs: number,
  ) {
    // NaN would make every expiry comparison false, silently disabling freeze protection.
    if (!Number.isFinite(referenceTimeMs)) {
      throw new UsageError(
        'invalid-argument',
        `reference time: expected a valid date, got ${String(referenceTimeMs)}`,
      );
    }
    const root = parseRoot(rootBytes);
    verifyThreshold(root, 'root', root.signed.roles.root, root.signed.keys);
    this.trustedRoot = root;
  }

  get root(): Envelope<Root> {
    return this.trustedRoot;
  }
  get timestamp(): Envelope<Timestamp> | undefined {
    return this.trustedTimestamp;
  }
  get snapshot(): Envelope<Snapshot> | undefined {
    return this.trustedSnapshot;
  }
  get targets(): Envelope<Targets> | undefined {
    return this.trustedTargets;
  }

  /** TUF 5.3.4–5.3.5: accepts root N+1 signed by thresholds of root N and of itself. */
  updateRoot(bytes: Uint8Array): Envelope<Root> {
    if (this.trustedTimestamp)
      throw new TrustError('ordering', 'root: cannot update root after timestamp');
    const current = this.trustedRoot.signed;
    const next = parseRoot(bytes);
    verifyThreshold(
      next,
      `root v${next.signed.version} (by root v${current.version} keys)`,
      current.roles.root,
      current.keys,
    );
    if (next.signed.version !== current.version + 1) {
      throw new TrustError(
        'version-mismatch',
        `root: expected version ${current.version + 1}, got ${next.signed.version}`,
      );
    }
    verifyThreshold(
      next,
      `root v${next.signed.version} (by its own keys)`,
      next.signed.roles.root,
      next.signed.keys,
    );
    this.trustedRoot = next;
    return next;
  }

  /** TUF 5.3.10: the final root must not be expired. */
  checkRootExpiry(): void {
    this.checkExpiry('root', this.trustedRoot.signed);
  }

  /** TUF 5.4: new timestamp, with rollback checks against the trusted one. Returns undefined when the version is unchanged. */
  updateTimestamp(bytes: Uint8Array): Envelope<Timestamp> | undefined {
    if (this.trustedSnapshot)
      throw new TrustError('ordering', 'timestamp: cannot update timestamp after snapshot');
    this.checkRootExpiry();
    const root = this.trustedRoot.signed;
    const next = parseTimestamp(bytes);
    verifyThreshold(next, 'timestamp', root.roles.timestamp, root.keys);
    const old = this.trustedTimestamp?.signed;
    if (old) {
      // TUF 5.4.3 (rollback): versions never go backwards; an equal version is "no change".
      if (next.signed.version < old.version) {
        throw new TrustError(
          'rollback',
          `timestamp: expected version >= ${old.version}, got ${next.signed.version}`,
        );
      }
      if (next.signed.version === old.version) return undefined;
      const oldSnap = old.snapshotMeta.version;
      if (next.signed.snapshotMeta.version < oldSnap) {
        throw new TrustError(
          'rollback',
          `timestamp: expected snapshot version >= ${oldSnap}, got ${next.signed.snapshotMeta.version}`,
        );
      }
    }
    // Kept even if expired: it stays the rollback reference for the next timestamp (python-tuf).
    this.trustedTimestamp = next;
    this.checkExpiry('timestamp', next.signed);
    return next;
  }

  /** TUF 5.5: new snapshot, checked against timestamp meta (unless loaded from the trusted cache). */
  updateSnapshot(bytes: Uint8Array, fromTrustedCache = false): Envelope<Snapshot> {
    const timestamp = this.trustedTimestamp;
    if (!timestamp)
      throw new TrustError('ordering', 'snapshot: cannot update snapshot before timestamp');
    if (this.trustedTargets)
      throw new TrustError('ordering', 'snapshot: cannot update snapshot after targets');
    this.checkExpiry('timestamp', timestamp.signed);
    const meta = timestamp.signed.snapshotMeta;
    // TUF 5.5.2: length and hashes from timestamp; cached bytes were checked when first stored.
    if (!fromTrustedCache) verifyLengthAndHashes('snapshot', bytes, meta.length, meta.hashes);
    const root = this.trustedRoot.signed;
    const next = parseSnapshot(bytes);
    verifyThreshold(next, 'snapshot', root.roles.snapshot, root.keys);
    const old = this.trustedSnapshot?.signed;
    if (old) {
      // TUF 5.5.5 (rollback): every role in the old snapshot stays, at an equal or newer version.
      for (const [name, oldMeta] of old.meta) {
        const newMeta = next.signed.meta.get(name);
        if (!newMeta)
          throw new TrustError(
            'rollback',
            `snapshot: expected ${name} to stay listed, got it removed`,
          );
        if (newMeta.version < oldMeta.version) {
          throw new TrustError(
            'rollback',
            `snapshot: expected ${name} version >= ${oldMeta.version}, got ${newMeta.version}`,
          );
        }
      }
    }
    // Kept before the final checks so it serves as the rollback reference (python-tuf order).
    this.trustedSnapshot = next;
    this.checkFinalSnapshot();
    return next;
  }

  /** TUF 5.6: top-level targets, authorized by root. */
  updateTargets(bytes: Uint8Array): Envelope<Targets> {
    return this.updateDelegatedTargets(bytes, TOP, 'root');
  }

  /** Authorization of `role` by `delegator` (root for top-level targets), if the delegator is trusted and names it. */
  authorization(role: string, delegator: string): Authorization | undefined {
    if (delegator === 'root') {
      if (role !== TOP) return undefined;
      const root = this.trustedRoot.signed;
      return { delegator, role: root.roles.targets, keys: root.keys };
    }
    const parent = this.trustedRole(delegator);
    const delegations = parent?.signed.delegations;
    if (!delegations) return undefined;
    const delegated = findDelegatedRole(delegations, role);
    return delegated ? { delegator, role: delegated, keys: delegations.keys } : undefined;
  }

  /** The trusted document for a role name on any path (targets, or a delegated role verified before). */
  trustedRole(role: string): Envelope<Targets> | undefined {
    return role === TOP ? this.trustedTargets : this.byRoleName.get(role);
  }

  /** The document verified for `role` under `delegator`, if any (TUF 5.6.7: verified on this path). */
  trustedDelegation(role: string, delegator: string): Envelope<Targets> | undefined {
    return role === TOP ? this.trustedTargets : this.delegated.get(delegationKey(delegator, role));
  }

  /** The snapshot entry a role must match. */
  snapshotMetaFor(role: string): MetaFile | undefined {
    return this.trustedSnapshot?.signed.meta.get(`${role}.json`);
  }

  /** TUF 5.6.1–5.6.5 for targets or a delegated role verified against its delegator on this path. */
  updateDelegatedTargets(bytes: Uint8Array, role: string, delegator: string): Envelope<Targets> {
    if (!this.trustedSnapshot)
      throw new TrustError('ordering', `${role}: cannot load targets before snapshot`);
    if (role !== TOP && !this.trustedTargets)
      throw new TrustError('ordering', `${role}: cannot load delegated targets before targets`);
    this.checkFinalSnapshot();
    const auth = this.authorization(role, delegator);
    if (!auth)
      throw new TrustError(
        'ordering',
        `${role}: expected a trusted delegation from ${delegator}, got none`,
      );
    const meta = this.snapshotMetaFor(role);
    if (!meta)
      throw new TrustError(
        'missing-meta',
        `snapshot: expected an entry for ${role}.json, got none`,
      );
    verifyLengthAndHashes(role, bytes, meta.length, meta.hashes);
    const next = parseTargets(bytes);
    verifyThreshold(next, role, auth.role, auth.keys);
    if (next.signed.version !== meta.version) {
      throw new TrustError(
        'version-mismatch',
        `${role}: expected version ${meta.version} (from snapshot), got ${next.signed.version}`,
      );
    }
    this.checkExpiry(role, next.signed);
    this.recordDelegation(role, delegator, next);
    return next;
  }

  /** Re-verifies a document already verified on another path against this path's delegator. */
  reverifyForDelegator(role: string, delegator: string): Envelope<Targets> | undefined {
    const known = this.byRoleName.get(role);
    if (!known) return undefined;
    // Same document, same snapshot and reference time: only the delegator's keys are new.
    const auth = this.authorization(role, delegator);
    if (!auth)
      throw new TrustError(
        'ordering',
        `${role}: expected a trusted delegation from ${delegator}, got none`,
      );
    verifyThreshold(known, role, auth.role, auth.keys);
    this.recordDelegation(role, delegator, known);
    return known;
  }

  private recordDelegation(role: string, delegator: string, env: Envelope<Targets>): void {
    if (role === TOP) {
      this.trustedTargets = env;
      return;
    }
    // One document per role name per refresh: a second copy would let paths disagree on its delegations.
    const known = this.byRoleName.get(role);
    if (known && !sameBytes(known.raw, env.raw)) {
      throw new TrustError(
        'inconsistent-role',
        `${role}: expected the same document on every delegation path, got two different ones`,
      );
    }
    this.delegated.set(delegationKey(delegator, role), env);
    this.byRoleName.set(role, env);
  }

  private checkFinalSnapshot(): void {
    const snapshot = this.trustedSnapshot;
    const timestamp = this.trustedTimestamp;
    if (!snapshot || !timestamp) return;
    // TUF 5.5.6 (freeze) and 5.5.4: the snapshot is the one the timestamp names.
    this.checkExpiry('snapshot', snapshot.signed);
    const expected = timestamp.signed.snapshotMeta.version;
    if (snapshot.signed.version !== expected) {
      throw new TrustError(
        'version-mismatch',
        `snapshot: expected version ${expected} (from timestamp), got ${snapshot.signed.version}`,
      );
    }
  }

  private checkExpiry(role: string, signed: { expires: string; expiresMs: number }): void {
    // TUF 5.3.10 / 5.4.4 / 5.5.6 / 5.6.5 (freeze): one reference time for the whole refresh.
    if (signed.expiresMs <= this.referenceTimeMs) {
      throw new TrustError(
        'expired',
        `${role}: expected expiry after ${new Date(this.referenceTimeMs).toISOString()}, got ${signed.expires}`,
      );
    }
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a === b || Buffer.compare(a, b) === 0;
}

function delegationKey(delegator: string, role: string): string {
  return `${delegator}\u0000${role}`;
}
