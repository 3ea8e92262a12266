// Editing `delegations` objects of targets metadata (TUF 4.6.1, TAP 15 succinct roles) and
// the key lists that authorize a role, wherever they live (root or a delegator).

import { UsageError, succinctBinName, type Json, type JsonObject } from '../core/index.js';
import { arrayField, isJsonObject, objectField } from './json.js';

/** How a role is delegated; exactly one of `paths` / `pathHashPrefixes` ends up in the metadata. */
export interface DelegationSpec {
  readonly name: string;
  /** fnmatch-style patterns; defaults to `['*']` when neither this nor pathHashPrefixes is given. */
  readonly paths?: readonly string[];
  readonly pathHashPrefixes?: readonly string[];
  readonly terminating?: boolean;
  readonly threshold?: number;
}

/** Where a role's keys are listed: the `keys` object and the role entries holding `keyids`/`threshold`. */
export interface KeyHolder {
  readonly keys: JsonObject;
  /** Every entry that authorizes the role in this container (usually one). */
  readonly entries: JsonObject[];
  /** Every role entry of the container (to know whether a key is still used). */
  readonly allEntries: JsonObject[];
}

/** Appends a delegated role to `delegator` (order preserved: TUF 5.6.7.2 pre-order search). */
export function appendDelegatedRole(
  subject: string,
  delegator: JsonObject,
  spec: DelegationSpec,
): JsonObject {
  const delegations = objectField(subject, delegator, 'delegations', true);
  if (delegations['succinct_roles'] !== undefined) {
    throw new UsageError(
      'invalid-argument',
      `${subject}.delegations: expected ordinary roles, got succinct_roles`,
    );
  }
  objectField(`${subject}.delegations`, delegations, 'keys', true);
  const roles = arrayField(`${subject}.delegations`, delegations, 'roles', true);
  const entry: JsonObject = {
    name: spec.name,
    keyids: [],
    threshold: spec.threshold ?? 1,
    terminating: spec.terminating ?? false,
  };
  if (spec.pathHashPrefixes !== undefined) entry['path_hash_prefixes'] = [...spec.pathHashPrefixes];
  if (spec.paths !== undefined || spec.pathHashPrefixes === undefined)
    entry['paths'] = [...(spec.paths ?? ['*'])];
  roles.push(entry);
  return entry;
}

/** Replaces `delegator`'s delegations with TAP 15 succinct roles; returns the succinct_roles entry. */
export function setSuccinctRoles(
  subject: string,
  delegator: JsonObject,
  bitLength: number,
  namePrefix: string,
): JsonObject {
  const existing = delegator['delegations'];
  if (isJsonObject(existing) && existing['roles'] !== undefined) {
    throw new UsageError(
      'invalid-argument',
      `${subject}.delegations: expected no ordinary roles, got some (succinct_roles excludes them)`,
    );
  }
  const entry: JsonObject = {
    keyids: [],
    threshold: 1,
    bit_length: bitLength,
    name_prefix: namePrefix,
  };
  delegator['delegations'] = { keys: {}, succinct_roles: entry };
  return entry;
}

/** The names of all 2^bitLength bins of a succinct delegation, in bin order. */
export function succinctNames(bitLength: number, namePrefix: string): string[] {
  const names: string[] = [];
  for (let i = 0; i < 2 ** bitLength; i++) names.push(succinctBinName(namePrefix, i, bitLength));
  return names;
}

/** The key holder for `role` inside a delegator's `delegations` (succinct or by name). */
export function delegationHolder(
  subject: string,
  delegator: JsonObject,
  role: string,
  succinct: boolean,
): KeyHolder {
  const delegations = objectField(subject, delegator, 'delegations');
  const keys = objectField(`${subject}.delegations`, delegations, 'keys', true);
  if (succinct) {
    const entry = objectField(`${subject}.delegations`, delegations, 'succinct_roles');
    return { keys, entries: [entry], allEntries: [entry] };
  }
  const allEntries = arrayField(`${subject}.delegations`, delegations, 'roles').filter(
    isJsonObject,
  );
  const entries = allEntries.filter((e) => e['name'] === role);
  if (entries.length === 0)
    throw new UsageError(
      'invalid-argument',
      `${subject}.delegations.roles: expected a role named "${role}", got none`,
    );
  return { keys, entries, allEntries };
}

/** Lists `key` in the holder and authorizes it in every entry (idempotent). */
export function addKeyToHolder(
  subject: string,
  holder: KeyHolder,
  keyid: string,
  keyJson: JsonObject,
): void {
  holder.keys[keyid] = structuredClone(keyJson);
  for (const entry of holder.entries) {
    const keyids = arrayField(subject, entry, 'keyids', true);
    if (!keyids.includes(keyid)) keyids.push(keyid);
  }
}

/** Removes `keyid` from the role's entries, and from `keys` once no entry uses it. */
export function removeKeyFromHolder(subject: string, holder: KeyHolder, keyid: string): void {
  for (const entry of holder.entries) {
    const keyids = arrayField(subject, entry, 'keyids', true);
    entry['keyids'] = keyids.filter((k) => k !== keyid);
  }
  const stillUsed = holder.allEntries.some((e) => {
    const keyids: Json | undefined = e['keyids'];
    return Array.isArray(keyids) && keyids.includes(keyid);
  });
  if (!stillUsed) delete holder.keys[keyid];
}

/** The keyids a holder currently authorizes for the role (first entry; entries agree). */
export function holderKeyids(subject: string, holder: KeyHolder): string[] {
  const entry = holder.entries[0];
  if (entry === undefined) return [];
  return arrayField(subject, entry, 'keyids', true).filter(
    (k): k is string => typeof k === 'string',
  );
}
