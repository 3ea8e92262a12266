// Parsers for root, timestamp and snapshot metadata (TUF 4.3, 4.4, 4.5). Strict on the fields
// the client relies on; unknown fields are kept in `json` and covered by the signature.

import { FormatError } from './errors.js';
import { parseKey } from './keys.js';
import type {
  Envelope,
  JsonObject,
  Key,
  MetaFile,
  Root,
  RoleKeys,
  RoleType,
  Snapshot,
  Timestamp,
} from './model.js';
import { TOP_LEVEL_ROLES } from './model.js';
import { makeEnvelope, parseEnvelopeCommon } from './parse-envelope.js';
import {
  describe,
  isObject,
  keyed,
  requireHashes,
  requireInt,
  requireKeyids,
  requireObject,
} from './parse-fields.js';

/** Parses a `keys` object (keyid → key) into a Map; unknown key types are kept, not rejected. */
export function parseKeys(keysObj: JsonObject, subject: string): Map<string, Key> {
  const keys = new Map<string, Key>();
  for (const keyid of Object.keys(keysObj)) {
    keys.set(keyid, parseKey(keyed(subject, 'keys', keyid), keyid, keysObj[keyid]));
  }
  return keys;
}

/** Parses `{keyids, threshold}` (TUF 4.3 role entry). */
export function parseRoleKeys(obj: JsonObject, subject: string): RoleKeys {
  return {
    keyids: requireKeyids(obj, subject),
    threshold: requireInt(obj, 'threshold', subject, 1),
  };
}

/** Parses a meta entry (TUF 4.4/4.5): version required; length and hashes optional. */
function parseMetaFile(value: unknown, subject: string): MetaFile {
  if (!isObject(value))
    throw new FormatError('invalid-type', `${subject}: expected an object, got ${describe(value)}`);
  const version = requireInt(value, 'version', subject, 1);
  const hasLength = value['length'] !== undefined;
  const hasHashes = value['hashes'] !== undefined;
  if (!hasLength && !hasHashes) return { version };
  const length = hasLength ? requireInt(value, 'length', subject, 0) : undefined;
  const hashes = hasHashes ? requireHashes(value, subject) : undefined;
  if (length === undefined) return { version, hashes: hashes as Record<string, string> };
  if (hashes === undefined) return { version, length };
  return { version, length, hashes };
}

function parseRoles(signed: JsonObject, subject: string): Record<RoleType, RoleKeys> {
  const rolesObj = requireObject(signed, 'roles', subject);
  for (const name of Object.keys(rolesObj)) {
    if (!(TOP_LEVEL_ROLES as readonly string[]).includes(name)) {
      throw new FormatError(
        'invalid-value',
        `${subject}.roles: expected only top-level roles, got ${describe(name)}`,
      );
    }
  }
  const role = (name: RoleType): RoleKeys =>
    parseRoleKeys(requireObject(rolesObj, name, `${subject}.roles`), `${subject}.roles.${name}`);
  return {
    root: role('root'),
    timestamp: role('timestamp'),
    snapshot: role('snapshot'),
    targets: role('targets'),
  };
}

/** Parses root metadata bytes (structure only; signatures are checked by the trusted set). */
export function parseRoot(bytes: Uint8Array, subject = 'root'): Envelope<Root> {
  const { common, signatures, byKeyid } = parseEnvelopeCommon(bytes, 'root', subject);
  const signed = common.json;
  const cs = signed['consistent_snapshot'];
  // Optional in python-tuf; absent means false for a client.
  if (cs !== undefined && typeof cs !== 'boolean') {
    throw new FormatError(
      'invalid-type',
      `${subject}.consistent_snapshot: expected a boolean, got ${describe(cs)}`,
    );
  }
  const root: Root = {
    type: 'root',
    ...common,
    consistentSnapshot: cs ?? false,
    keys: parseKeys(requireObject(signed, 'keys', subject), subject),
    roles: parseRoles(signed, subject),
  };
  return makeEnvelope(root, signatures, byKeyid, bytes);
}

/** Parses timestamp metadata bytes; `meta["snapshot.json"]` is required (TUF 4.4). */
export function parseTimestamp(bytes: Uint8Array, subject = 'timestamp'): Envelope<Timestamp> {
  const { common, signatures, byKeyid } = parseEnvelopeCommon(bytes, 'timestamp', subject);
  const meta = requireObject(common.json, 'meta', subject);
  const entry = meta['snapshot.json'];
  if (entry === undefined)
    throw new FormatError(
      'missing-field',
      `${subject}.meta: expected a "snapshot.json" entry, got none`,
    );
  const timestamp: Timestamp = {
    type: 'timestamp',
    ...common,
    snapshotMeta: parseMetaFile(entry, keyed(subject, 'meta', 'snapshot.json')),
  };
  return makeEnvelope(timestamp, signatures, byKeyid, bytes);
}

/** Parses snapshot metadata bytes into a Map of `<role>.json` → MetaFile (linear in entries). */
export function parseSnapshot(bytes: Uint8Array, subject = 'snapshot'): Envelope<Snapshot> {
  const { common, signatures, byKeyid } = parseEnvelopeCommon(bytes, 'snapshot', subject);
  const metaObj = requireObject(common.json, 'meta', subject);
  const meta = new Map<string, MetaFile>();
  for (const name of Object.keys(metaObj)) {
    const value = metaObj[name];
    if (!isObject(value))
      throw new FormatError(
        'invalid-type',
        `${keyed(subject, 'meta', name)}: expected an object, got ${describe(value)}`,
      );
    meta.set(name, parseMetaFileFast(value, subject, name));
  }
  const snapshot: Snapshot = { type: 'snapshot', ...common, meta };
  return makeEnvelope(snapshot, signatures, byKeyid, bytes);
}

// Same rules as parseMetaFile, but the error subject is only built on failure (16k entries).
function parseMetaFileFast(value: JsonObject, subject: string, name: string): MetaFile {
  const v = value['version'];
  if (
    typeof v === 'number' &&
    Number.isSafeInteger(v) &&
    v >= 1 &&
    value['length'] === undefined &&
    value['hashes'] === undefined
  ) {
    return { version: v };
  }
  return parseMetaFile(value, keyed(subject, 'meta', name));
}
