// The simulator's per-role state: the mutable `signed` object tests edit, and every version
// published so far (a real mirror keeps old versions, and rollback tests need them).

import type { JsonObject, RoleType } from '../core/index.js';
import { SPEC_VERSION } from './json.js';

/** What was published last for a role; used to decide whether `publish()` must re-sign. */
export interface PublishedVersion {
  readonly version: number;
  /** Canonical JSON of `signed` at signing time (change detection). */
  readonly canonical: string;
  /** Sorted keyids of the signers used, joined (a signer change also means re-signing). */
  readonly signerIds: string;
  readonly bytes: Uint8Array;
}

export interface RoleRecord {
  readonly name: string;
  /** The mutable `signed` part; tests may edit any field. */
  signed: JsonObject;
  /** Targets roles that delegate to this role (empty for top-level roles). */
  readonly delegators: string[];
  /** Set for a TAP 15 bin: the delegator whose `succinct_roles` covers it. */
  succinctDelegator?: string;
  /** Published bytes by version; re-publishing a version replaces it. */
  readonly versions: Map<number, Uint8Array>;
  last?: PublishedVersion;
}

/** An artifact the repository serves, with the hashes its targets entry lists. */
export interface Artifact {
  readonly role: string;
  readonly path: string;
  readonly bytes: Uint8Array;
  readonly hashes: Readonly<Record<string, string>>;
}

/** A fresh `signed` object of the given type at version 1 (TUF 4.3–4.6 field names). */
export function initialSigned(
  type: RoleType,
  expires: string,
  consistentSnapshot: boolean,
): JsonObject {
  const base: JsonObject = { _type: type, spec_version: SPEC_VERSION, version: 1, expires };
  switch (type) {
    case 'root': {
      const role = (): JsonObject => ({ keyids: [], threshold: 1 });
      return {
        ...base,
        consistent_snapshot: consistentSnapshot,
        keys: {},
        roles: { root: role(), timestamp: role(), snapshot: role(), targets: role() },
      };
    }
    case 'timestamp':
      return { ...base, meta: { 'snapshot.json': { version: 1 } } };
    case 'snapshot':
      return { ...base, meta: { 'targets.json': { version: 1 } } };
    case 'targets':
      return { ...base, targets: {} };
  }
}

/** A new record for `name` around `signed`. */
export function newRecord(name: string, signed: JsonObject): RoleRecord {
  return { name, signed, delegators: [], versions: new Map() };
}
