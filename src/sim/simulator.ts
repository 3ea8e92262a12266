// In-memory TUF repository for tests, the demo and benchmarks, in the spirit of python-tuf's
// tests/repository_simulator.py and tuf-conformance's simulator. Tests edit the live `signed`
// objects, then either `publish()` (re-sign what changed, then snapshot, then timestamp) or
// use the low-level steps (`signRole`, `updateSnapshot`, `updateTimestamp`, `publishRoot`) to
// build deliberately inconsistent states. Published bytes are kept for every version.

import {
  TOP_LEVEL_ROLES,
  UsageError,
  canonicalize,
  generateSigner,
  hashHex,
  type Json,
  type JsonObject,
  type Signer,
} from '../core/index.js';
import {
  addKeyToHolder,
  appendDelegatedRole,
  delegationHolder,
  holderKeyids,
  removeKeyFromHolder,
  setSuccinctRoles,
  succinctNames,
  type DelegationSpec,
  type KeyHolder,
} from './delegations.js';
import { gitLayout } from './files.js';
import { objectField } from './json.js';
import { initialSigned, newRecord } from './role-record.js';
import { RoleView } from './role-view.js';
import {
  SimulatorState,
  type BumpMode,
  type SignOptions,
  type SimulatorOptions,
} from './sim-state.js';

export type {
  BumpMode,
  EnvelopeTransform,
  SerializeStyle,
  SignOptions,
  SimulatorOptions,
} from './sim-state.js';

export interface PublishOptions {
  /** Give every targets role, snapshot and timestamp a new version even when unchanged. */
  readonly bumpAll?: boolean;
}

type HashAlgorithm = 'sha256' | 'sha384' | 'sha512';

export class RepositorySimulator extends SimulatorState {
  /** A minimal valid repository: one key per top-level role, every role published at version 1. */
  constructor(options: SimulatorOptions = {}) {
    super(options);
    for (const type of TOP_LEVEL_ROLES) {
      for (const signer of options.signers?.[type] ?? [generateSigner(this.keyAlgorithm)])
        this.addSigner(type, signer);
    }
    this.publishRoot();
    this.commit('targets', 'never');
    this.updateSnapshotMeta();
    this.commit('snapshot', 'never');
    this.updateTimestampMeta();
    this.commit('timestamp', 'never');
  }

  get root(): RoleView {
    return this.role('root');
  }
  get timestamp(): RoleView {
    return this.role('timestamp');
  }
  get snapshot(): RoleView {
    return this.role('snapshot');
  }
  get targets(): RoleView {
    return this.role('targets');
  }

  /** A handle on any role (top-level, delegated or succinct bin). */
  role(name: string): RoleView {
    this.record(name);
    return new RoleView(this, name);
  }

  /** Root's `consistent_snapshot` in the current (possibly unpublished) root. */
  get consistentSnapshot(): boolean {
    return this.signed('root')['consistent_snapshot'] === true;
  }
  set consistentSnapshot(value: boolean) {
    this.signed('root')['consistent_snapshot'] = value;
  }

  // ---- keys ----------------------------------------------------------------------------

  /** Authorizes a key for `role` (in root or in every delegator) and signs with it from now on. */
  addSigner(role: string, signer: Signer = generateSigner(this.keyAlgorithm)): Signer {
    for (const [subject, holder] of this.keyHolders(role))
      addKeyToHolder(subject, holder, signer.keyid, signer.key.json);
    const list = this.signerList(role);
    if (!list.some((s) => s.keyid === signer.keyid)) list.push(signer);
    this.knownSigners.set(signer.keyid, signer);
    return signer;
  }

  /** Removes a key from `role`'s authorized keys and from its signers. */
  removeSigner(role: string, signer: Signer | string): void {
    const keyid = typeof signer === 'string' ? signer : signer.keyid;
    for (const [subject, holder] of this.keyHolders(role))
      removeKeyFromHolder(subject, holder, keyid);
    const list = this.signerList(role);
    const index = list.findIndex((s) => s.keyid === keyid);
    if (index >= 0) list.splice(index, 1);
  }

  /** Sets `role`'s threshold wherever the role is authorized. */
  setThreshold(role: string, threshold: number): void {
    for (const [, holder] of this.keyHolders(role))
      for (const entry of holder.entries) entry['threshold'] = threshold;
  }

  /** Replaces every key of `role` with `count` new ones; returns the new signers. */
  rotateSigners(role: string, count = 1): Signer[] {
    for (const [subject, holder] of this.keyHolders(role)) {
      for (const keyid of holderKeyids(subject, holder))
        removeKeyFromHolder(subject, holder, keyid);
    }
    this.signerList(role).length = 0;
    return Array.from({ length: count }, () => this.addSigner(role));
  }

  // ---- targets and delegations -------------------------------------------------------------

  /** Lists an artifact in `role` (length + hashes) and serves its bytes. Returns the target entry. */
  addTarget(
    role: string,
    path: string,
    bytes: Uint8Array,
    custom?: Json,
    hashAlgorithms: readonly HashAlgorithm[] = ['sha256'],
  ): JsonObject {
    const targets = objectField(role, this.targetsSigned(role), 'targets', true);
    const hashes: Record<string, string> = {};
    for (const alg of hashAlgorithms) hashes[alg] = hashHex(alg, bytes);
    const entry: JsonObject = { length: bytes.byteLength, hashes: { ...hashes } };
    if (custom !== undefined) entry['custom'] = custom;
    targets[path] = entry;
    this.artifacts.set(`${role}\n${path}`, { role, path, bytes, hashes });
    this.touch();
    return entry;
  }

  /** Removes a target from `role` and stops serving its bytes. */
  removeTarget(role: string, path: string): void {
    delete objectField(role, this.targetsSigned(role), 'targets', true)[path];
    this.artifacts.delete(`${role}\n${path}`);
    this.touch();
  }

  /** Delegates from `delegator` to a role (appended last), with new or given signers. */
  addDelegation(delegator: string, spec: DelegationSpec, signers?: readonly Signer[]): RoleView {
    appendDelegatedRole(delegator, this.targetsSigned(delegator), spec);
    let record = this.records.get(spec.name);
    if (record === undefined) {
      record = newRecord(
        spec.name,
        initialSigned('targets', this.daysFromNow(this.expiresInDays), true),
      );
      this.records.set(spec.name, record);
    } else if (
      !this.targetsRoleNames().includes(spec.name) ||
      record.succinctDelegator !== undefined
    ) {
      throw new UsageError(
        'invalid-argument',
        `delegation ${spec.name}: expected a new or ordinary delegated role name, got "${spec.name}"`,
      );
    }
    if (!record.delegators.includes(delegator)) record.delegators.push(delegator);
    const existing = this.signerList(spec.name);
    const use =
      signers ?? (existing.length > 0 ? [...existing] : [generateSigner(this.keyAlgorithm)]);
    const holder = delegationHolder(delegator, this.targetsSigned(delegator), spec.name, false);
    for (const signer of use) {
      addKeyToHolder(delegator, holder, signer.keyid, signer.key.json);
      if (!existing.some((s) => s.keyid === signer.keyid)) existing.push(signer);
      this.knownSigners.set(signer.keyid, signer);
    }
    return new RoleView(this, spec.name);
  }

  /** TAP 15: delegates all of `delegator`'s targets to 2^bitLength bins sharing one key set. */
  addSuccinctDelegation(
    delegator: string,
    bitLength: number,
    namePrefix: string,
    signers?: readonly Signer[],
  ): string[] {
    // The simulator creates every bin; the hash-bin generator covers repositories of real size.
    if (!Number.isSafeInteger(bitLength) || bitLength < 1 || bitLength > 16) {
      throw new UsageError(
        'invalid-argument',
        `succinct delegation: expected bit length 1..16, got ${bitLength}`,
      );
    }
    const entry = setSuccinctRoles(delegator, this.targetsSigned(delegator), bitLength, namePrefix);
    const names = succinctNames(bitLength, namePrefix);
    const shared: Signer[] = [];
    const expires = this.daysFromNow(this.expiresInDays);
    for (const name of names) {
      if (this.records.has(name))
        throw new UsageError(
          'invalid-argument',
          `succinct delegation: expected new role names, got existing "${name}"`,
        );
      const record = newRecord(name, initialSigned('targets', expires, true));
      record.delegators.push(delegator);
      record.succinctDelegator = delegator;
      this.records.set(name, record);
      this.signers.set(name, shared);
    }
    const delegations = objectField(delegator, this.targetsSigned(delegator), 'delegations');
    const holder: KeyHolder = {
      keys: objectField(delegator, delegations, 'keys'),
      entries: [entry],
      allEntries: [entry],
    };
    for (const signer of signers ?? [generateSigner(this.keyAlgorithm)]) {
      addKeyToHolder(delegator, holder, signer.keyid, signer.key.json);
      shared.push(signer);
      this.knownSigners.set(signer.keyid, signer);
    }
    return names;
  }

  // ---- publishing --------------------------------------------------------------------------

  /** Re-signs whatever changed: root (if edited), targets roles, then snapshot and timestamp. */
  publish(options: PublishOptions = {}): void {
    const mode: BumpMode = options.bumpAll === true ? 'always' : 'if-changed';
    const root = this.record('root');
    if (root.last !== undefined && root.last.canonical !== canonicalize(root.signed)) {
      if (this.version(root) === root.last.version) root.signed['version'] = root.last.version + 1;
      this.publishRoot();
    }
    for (const name of this.targetsRoleNames()) this.commit(name, mode);
    this.updateSnapshotMeta();
    this.commit('snapshot', mode);
    this.updateTimestampMeta();
    this.commit('timestamp', mode);
  }

  /** Signs the current root as it is (TUF 5.3.4: with the previous root's keys and the new ones). */
  publishRoot(options: SignOptions = {}): void {
    this.commit('root', 'never', { ...options, signers: options.signers ?? this.rootSigners() });
  }

  /** Increments the root version (if the current one is published) and publishes it; returns it. */
  bumpRoot(options: SignOptions = {}): number {
    const root = this.record('root');
    if (root.last !== undefined && this.version(root) === root.last.version)
      root.signed['version'] = root.last.version + 1;
    this.publishRoot(options);
    return this.version(root);
  }

  /** Signs `role` at its current version, without touching snapshot or timestamp. */
  signRole(role: string, options: SignOptions = {}): void {
    if (role === 'root') this.publishRoot(options);
    else this.commit(role, 'never', options);
  }

  /** Points snapshot meta at the published targets roles, bumps its version and signs it. */
  updateSnapshot(options: SignOptions = {}): void {
    this.updateSnapshotMeta();
    this.commit('snapshot', 'always', options);
  }

  /** Points timestamp meta at the published snapshot, bumps its version and signs it. */
  updateTimestamp(options: SignOptions = {}): void {
    this.updateTimestampMeta();
    this.commit('timestamp', 'always', options);
  }

  // ---- serving -----------------------------------------------------------------------------

  /** The published bytes of `role` (latest, or a given version); throws UsageError if absent. */
  publishedBytes(role: string, version?: number): Uint8Array {
    const record = this.record(role);
    const bytes = version === undefined ? record.last?.bytes : record.versions.get(version);
    if (bytes === undefined)
      throw new UsageError(
        'invalid-argument',
        `${role}: expected published version ${version ?? 'latest'}, got none`,
      );
    return bytes;
  }

  /** Root bytes of a version (default 1): what a client is bootstrapped with. */
  rootBytes(version = 1): Uint8Array {
    return this.publishedBytes('root', version);
  }

  /** The static tree a client sees (see files.ts), with `overrides` applied. */
  files(): Map<string, Uint8Array> {
    const files = new Map(this.baseFiles());
    for (const [path, bytes] of this.overrides) {
      if (bytes === null) files.delete(path);
      else files.set(path, bytes);
    }
    return files;
  }

  /** One file of the static tree (the server's source interface). */
  get(path: string): Uint8Array | undefined {
    const override = this.overrides.get(path);
    if (override !== undefined) return override ?? undefined;
    return this.baseFiles().get(path);
  }

  /** The tuf-on-ci git work-tree layout of the published state (python-style JSON). */
  toGitLayout(): Map<string, Uint8Array> {
    return gitLayout(this.publishedState(), this.serializeStyle === 'python');
  }
}
