// The TUF metadata model (TUF spec 1.0.x, section 4). Parsed documents are typed views over
// the received JSON: the original parsed object and the exact received bytes are kept, so
// unknown fields survive and signatures are checked over exactly what was signed.

export type RoleType = 'root' | 'timestamp' | 'snapshot' | 'targets';
export const TOP_LEVEL_ROLES: readonly RoleType[] = ['root', 'timestamp', 'snapshot', 'targets'];

/** A JSON value as produced by JSON.parse. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** A public key (TUF 4.2). `keyval.public` is PEM (ecdsa, rsa) or hex (ed25519). */
export interface Key {
  readonly keyid: string;
  readonly keytype: string;
  readonly scheme: string;
  readonly public: string;
  /** The key object exactly as received (unknown fields included). */
  readonly json: JsonObject;
}

/** Keys and threshold that authorize a role (top-level role entry or delegated role). */
export interface RoleKeys {
  /** Unique keyids, in first-seen order: a keyid listed twice counts once. */
  readonly keyids: readonly string[];
  readonly threshold: number;
}

export interface Signature {
  readonly keyid: string;
  /** Hex signature; `""` is an empty placeholder (counts as not signed, not an error). */
  readonly sig: string;
}

interface SignedBase {
  readonly specVersion: string;
  readonly version: number;
  /** ISO 8601 string as received. */
  readonly expires: string;
  /** `expires` in milliseconds since the epoch. */
  readonly expiresMs: number;
  /** The `signed` object exactly as parsed (unknown fields included). */
  readonly json: JsonObject;
}

export interface Root extends SignedBase {
  readonly type: 'root';
  readonly consistentSnapshot: boolean;
  readonly keys: ReadonlyMap<string, Key>;
  readonly roles: Readonly<Record<RoleType, RoleKeys>>;
}

/** A `meta` entry of timestamp or snapshot (TUF 4.4, 4.5). Hashes and length are optional. */
export interface MetaFile {
  readonly version: number;
  readonly length?: number;
  readonly hashes?: Readonly<Record<string, string>>;
}

export interface Timestamp extends SignedBase {
  readonly type: 'timestamp';
  /** `meta["snapshot.json"]`. */
  readonly snapshotMeta: MetaFile;
}

export interface Snapshot extends SignedBase {
  readonly type: 'snapshot';
  /** Keyed by `<role>.json`, e.g. `targets.json`, `bin-0a3.json`. */
  readonly meta: ReadonlyMap<string, MetaFile>;
}

/** A target entry (TUF 4.6). `hashes` has at least one entry; `custom` is kept as received. */
export interface TargetFile {
  readonly path: string;
  readonly length: number;
  readonly hashes: Readonly<Record<string, string>>;
  readonly custom?: Json;
}

/** A delegated role with an explicit name (TUF 4.6.1). Exactly one of paths / pathHashPrefixes. */
export interface DelegatedRole extends RoleKeys {
  readonly name: string;
  readonly terminating: boolean;
  readonly paths?: readonly string[];
  readonly pathHashPrefixes?: readonly string[];
}

/** Succinct hash-bin delegation (TAP 15): 2^bitLength bins named `<prefix>-<hex>`. */
export interface SuccinctRoles extends RoleKeys {
  readonly bitLength: number;
  readonly namePrefix: string;
}

export interface Delegations {
  readonly keys: ReadonlyMap<string, Key>;
  /** Present for ordinary delegations (order matters: TUF 5.6.7.2 pre-order search). */
  readonly roles?: readonly DelegatedRole[];
  /** Present for succinct hash delegations (TAP 15); never together with `roles`. */
  readonly succinctRoles?: SuccinctRoles;
}

export interface Targets extends SignedBase {
  readonly type: 'targets';
  readonly targets: ReadonlyMap<string, TargetFile>;
  readonly delegations?: Delegations;
}

export type Signed = Root | Timestamp | Snapshot | Targets;

/** A parsed metadata document: the typed `signed` part, its signatures, and the exact bytes. */
export interface Envelope<T extends Signed = Signed> {
  readonly signed: T;
  readonly signatures: readonly Signature[];
  /** Signatures by keyid (duplicates are rejected at parse time). */
  readonly signaturesByKeyid: ReadonlyMap<string, Signature>;
  /** The exact bytes received; these are what a metadata store persists. */
  readonly raw: Uint8Array;
  /** UTF-8 canonical JSON of `signed`, computed once on first use and cached. */
  canonicalSigned(): Uint8Array;
}
