// State and signing mechanics of the repository simulator: role records, signer lists, the
// commit step (sign + serialize + keep the bytes for that version), snapshot/timestamp meta
// and the file trees. The test-facing API lives in simulator.ts.

import {
  TOP_LEVEL_ROLES,
  UsageError,
  canonicalize,
  hashHex,
  serializeMetadata,
  signMetadata,
  type JsonObject,
  type KeyAlgorithm,
  type RoleType,
  type Signer,
} from '../core/index.js';
import { delegationHolder, type KeyHolder } from './delegations.js';
import { staticTree, type PublishedState } from './files.js';
import { arrayField, daysFrom, isJsonObject, numberField, objectField } from './json.js';
import { initialSigned, newRecord, type Artifact, type RoleRecord } from './role-record.js';

export type SerializeStyle = 'compact' | 'python';
/** never: sign the current version; if-changed: bump and sign only on change; always: bump and sign. */
export type BumpMode = 'never' | 'if-changed' | 'always';

export interface SimulatorOptions {
  /** Root's `consistent_snapshot` (default true). */
  readonly consistentSnapshot?: boolean;
  /** Algorithm of generated keys (default 'ed25519'). */
  readonly keyAlgorithm?: KeyAlgorithm;
  /** Timestamp/snapshot `meta` entries carry length and sha256 (default false). */
  readonly metaHashes?: boolean;
  /** Reference time for expiry dates (default: the current time). */
  readonly now?: Date;
  /** Expiry of every role, in days after `now` (default 365). */
  readonly expiresInDays?: number;
  readonly serializeStyle?: SerializeStyle;
  /** Initial signers per top-level role (default: one generated key each). */
  readonly signers?: Partial<Record<RoleType, readonly Signer[]>>;
}

/** The envelope handed to a `transform`: edit it, return a replacement, or return raw bytes. */
export type EnvelopeTransform = (envelope: JsonObject) => JsonObject | Uint8Array | undefined;

export interface SignOptions {
  /** Sign with these instead of the role's signers (wrong keys, too few, extra). */
  readonly signers?: readonly Signer[];
  /** Tamper with the envelope after signing (duplicate signatures, bad bytes, ...). */
  readonly transform?: EnvelopeTransform;
}

export class SimulatorState {
  /** Signers per role, used whenever the role is signed; tests may edit these lists. Succinct bins share one list. */
  readonly signers = new Map<string, Signer[]>();
  /** Files served instead of the generated ones; a `null` value hides a file. */
  readonly overrides = new Map<string, Uint8Array | null>();
  readonly keyAlgorithm: KeyAlgorithm;
  /** Timestamp/snapshot meta entries carry length + sha256 from the next update on. */
  metaHashes: boolean;
  /** Style of metadata published from now on. */
  serializeStyle: SerializeStyle;
  /** Reference time for `daysFromNow` and new roles' expiry. */
  now: Date;
  expiresInDays: number;

  protected readonly records = new Map<string, RoleRecord>();
  protected readonly artifacts = new Map<string, Artifact>();
  /** Every signer ever added, by keyid (to sign a new root with the previous root's keys). */
  protected readonly knownSigners = new Map<string, Signer>();
  private readonly rootKeyids = new Map<number, string[]>();
  private consistentPublished = true;
  private cache: Map<string, Uint8Array> | undefined;

  constructor(options: SimulatorOptions) {
    this.keyAlgorithm = options.keyAlgorithm ?? 'ed25519';
    this.metaHashes = options.metaHashes ?? false;
    this.serializeStyle = options.serializeStyle ?? 'compact';
    this.now = options.now ?? new Date();
    this.expiresInDays = options.expiresInDays ?? 365;
    const expires = this.daysFromNow(this.expiresInDays);
    for (const type of TOP_LEVEL_ROLES) {
      this.records.set(
        type,
        newRecord(type, initialSigned(type, expires, options.consistentSnapshot ?? true)),
      );
    }
  }

  /** A TUF date `days` after `now` (negative for the past). */
  daysFromNow(days: number): string {
    return daysFrom(this.now, days);
  }

  /** The live, mutable `signed` object of a role. */
  signed(role: string): JsonObject {
    return this.record(role).signed;
  }

  /** The version last published for a role, if any. */
  publishedVersion(role: string): number | undefined {
    return this.records.get(role)?.last?.version;
  }

  /** Names of every targets role: `targets` first, then delegated roles in creation order. */
  targetsRoleNames(): string[] {
    return [...this.records.keys()].filter(
      (name) => name !== 'root' && name !== 'timestamp' && name !== 'snapshot',
    );
  }

  /** Signs `role` (bumping per `mode`) and keeps the bytes as that version; false if nothing changed. */
  protected commit(role: string, mode: BumpMode, options: SignOptions = {}): boolean {
    const record = this.record(role);
    const signers = options.signers ?? this.signerList(role);
    const signerIds = signers
      .map((s) => s.keyid)
      .sort()
      .join(',');
    if (mode !== 'never' && record.last !== undefined) {
      if (
        mode === 'if-changed' &&
        record.last.signerIds === signerIds &&
        record.last.canonical === canonicalize(record.signed)
      )
        return false;
      if (this.version(record) === record.last.version)
        record.signed['version'] = record.last.version + 1;
    }
    const version = this.version(record);
    // Copy first: later edits of the live `signed` object must not change published bytes.
    let doc: JsonObject | Uint8Array = structuredClone(signMetadata(record.signed, signers));
    if (options.transform !== undefined) doc = options.transform(doc) ?? doc;
    const bytes = doc instanceof Uint8Array ? doc : serializeMetadata(doc, this.serializeStyle);
    record.versions.set(version, bytes);
    record.last = { version, canonical: canonicalize(record.signed), signerIds, bytes };
    if (role === 'root') {
      const rootRole = objectField(
        'root.roles',
        objectField('root', record.signed, 'roles'),
        'root',
      );
      this.rootKeyids.set(
        version,
        arrayField('root.roles.root', rootRole, 'keyids').filter(
          (k): k is string => typeof k === 'string',
        ),
      );
      this.consistentPublished = record.signed['consistent_snapshot'] === true;
    }
    this.touch();
    return true;
  }

  /**
   * Signers for a new root (TUF 5.3.4): the keys the previous root (highest published version
   * below the current one) authorizes for root, plus the current root signers.
   */
  protected rootSigners(): Signer[] {
    const current = this.version(this.record('root'));
    let previous: number | undefined;
    for (const v of this.rootKeyids.keys())
      if (v < current && (previous === undefined || v > previous)) previous = v;
    const out = new Map<string, Signer>();
    for (const keyid of previous === undefined ? [] : (this.rootKeyids.get(previous) ?? [])) {
      const signer = this.knownSigners.get(keyid);
      if (signer !== undefined) out.set(keyid, signer);
    }
    for (const signer of this.signerList('root')) out.set(signer.keyid, signer);
    return [...out.values()];
  }

  /** Points snapshot meta at the latest published version of every targets role (other entries kept). */
  protected updateSnapshotMeta(): void {
    const meta = objectField('snapshot', this.signed('snapshot'), 'meta', true);
    for (const name of this.targetsRoleNames()) {
      const last = this.records.get(name)?.last;
      if (last !== undefined) meta[`${name}.json`] = this.metaEntry(last.version, last.bytes);
    }
  }

  /** Points timestamp meta at the latest published snapshot. */
  protected updateTimestampMeta(): void {
    const last = this.record('snapshot').last;
    if (last === undefined) return;
    objectField('timestamp', this.signed('timestamp'), 'meta', true)['snapshot.json'] =
      this.metaEntry(last.version, last.bytes);
  }

  private metaEntry(version: number, bytes: Uint8Array): JsonObject {
    const entry: JsonObject = { version };
    if (this.metaHashes) {
      entry['length'] = bytes.byteLength;
      entry['hashes'] = { sha256: hashHex('sha256', bytes) };
    }
    return entry;
  }

  /** Where `role`'s keys are listed: root for top-level roles, else every delegator. */
  protected keyHolders(role: string): [string, KeyHolder][] {
    const record = this.record(role);
    if ((TOP_LEVEL_ROLES as readonly string[]).includes(role)) {
      const root = this.signed('root');
      const roles = objectField('root', root, 'roles');
      const allEntries = Object.values(roles).filter(isJsonObject);
      return [
        [
          'root',
          {
            keys: objectField('root', root, 'keys', true),
            entries: [objectField('root.roles', roles, role)],
            allEntries,
          },
        ],
      ];
    }
    return record.delegators.map((d) => [
      d,
      delegationHolder(d, this.targetsSigned(d), role, record.succinctDelegator === d),
    ]);
  }

  protected signerList(role: string): Signer[] {
    let list = this.signers.get(role);
    if (list === undefined) {
      list = [];
      this.signers.set(role, list);
    }
    return list;
  }

  protected record(role: string): RoleRecord {
    const record = this.records.get(role);
    if (record === undefined)
      throw new UsageError(
        'invalid-argument',
        `role: expected a role of this repository, got "${role}"`,
      );
    return record;
  }

  protected targetsSigned(role: string): JsonObject {
    if (role === 'root' || role === 'timestamp' || role === 'snapshot') {
      throw new UsageError('invalid-argument', `role: expected a targets role, got "${role}"`);
    }
    return this.signed(role);
  }

  protected version(record: RoleRecord): number {
    return numberField(record.name, record.signed, 'version');
  }

  protected publishedState(): PublishedState {
    return {
      consistentSnapshot: this.consistentPublished,
      root: this.record('root'),
      timestamp: this.record('timestamp'),
      snapshot: this.record('snapshot'),
      targetsRoles: this.targetsRoleNames().map((n) => this.record(n)),
      artifacts: this.artifacts.values(),
    };
  }

  /** The generated static tree (without overrides), rebuilt only after something was published. */
  protected baseFiles(): Map<string, Uint8Array> {
    this.cache ??= staticTree(this.publishedState());
    return this.cache;
  }

  protected touch(): void {
    this.cache = undefined;
  }
}
