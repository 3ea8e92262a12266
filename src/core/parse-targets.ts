// Parser for targets metadata, top-level and delegated (TUF 4.6, TAP 15). Delegations are
// validated fully here so the client's search can rely on their shape: exactly one of `roles`
// / `succinct_roles`, unique non-top-level role names, exactly one of `paths` /
// `path_hash_prefixes` per role (python-tuf rules).

import { FormatError } from './errors.js';
import type {
  DelegatedRole,
  Delegations,
  Envelope,
  JsonObject,
  SuccinctRoles,
  TargetFile,
  Targets,
} from './model.js';
import { TOP_LEVEL_ROLES } from './model.js';
import { makeEnvelope, parseEnvelopeCommon } from './parse-envelope.js';
import {
  describe,
  isObject,
  keyed,
  optionalObject,
  requireArray,
  requireBoolean,
  requireHashes,
  requireInt,
  requireObject,
  requireString,
} from './parse-fields.js';
import { parseKeys, parseRoleKeys } from './parse-roles.js';

const HASH_PREFIX = /^[0-9a-f]{1,64}$/;

function parseTargetFile(path: string, value: unknown, subject: string): TargetFile {
  if (!isObject(value))
    throw new FormatError(
      'invalid-type',
      `${keyed(subject, 'targets', path)}: expected an object, got ${describe(value)}`,
    );
  const at = keyed(subject, 'targets', path);
  // TUF 4.6: length and at least one hash are required for targets (unlike meta entries).
  const length = requireInt(value, 'length', at, 0);
  const hashes = requireHashes(value, at);
  const custom = value['custom'];
  return custom === undefined ? { path, length, hashes } : { path, length, hashes, custom };
}

function parseStringList(
  obj: JsonObject,
  field: string,
  subject: string,
  pattern?: RegExp,
): string[] {
  const list = requireArray(obj, field, subject);
  const out: string[] = [];
  for (let i = 0; i < list.length; i++) {
    const item = list[i];
    if (typeof item !== 'string')
      throw new FormatError(
        'invalid-type',
        `${subject}.${field}[${i}]: expected a string, got ${describe(item)}`,
      );
    if (pattern !== undefined && !pattern.test(item)) {
      throw new FormatError(
        'invalid-value',
        `${subject}.${field}[${i}]: expected ${pattern.source}, got ${describe(item)}`,
      );
    }
    out.push(item);
  }
  return out;
}

function parseDelegatedRole(value: unknown, subject: string): DelegatedRole {
  if (!isObject(value))
    throw new FormatError('invalid-type', `${subject}: expected an object, got ${describe(value)}`);
  const name = requireString(value, 'name', subject);
  // Role names reach URLs and file names later; here we only refuse what python-tuf refuses.
  if (name === '' || (TOP_LEVEL_ROLES as readonly string[]).includes(name)) {
    throw new FormatError(
      'invalid-value',
      `${subject}.name: expected a non-empty, non-top-level role name, got ${describe(name)}`,
    );
  }
  const { keyids, threshold } = parseRoleKeys(value, subject);
  const terminating = requireBoolean(value, 'terminating', subject);
  const hasPaths = value['paths'] !== undefined;
  const hasPrefixes = value['path_hash_prefixes'] !== undefined;
  if (hasPaths === hasPrefixes) {
    throw new FormatError(
      'invalid-value',
      `${subject}: expected exactly one of paths, path_hash_prefixes, got ${hasPaths ? 'both' : 'neither'}`,
    );
  }
  if (hasPaths)
    return {
      name,
      keyids,
      threshold,
      terminating,
      paths: parseStringList(value, 'paths', subject),
    };
  return {
    name,
    keyids,
    threshold,
    terminating,
    pathHashPrefixes: parseStringList(value, 'path_hash_prefixes', subject, HASH_PREFIX),
  };
}

function parseSuccinctRoles(value: JsonObject, subject: string): SuccinctRoles {
  const { keyids, threshold } = parseRoleKeys(value, subject);
  const bitLength = requireInt(value, 'bit_length', subject, 1, 32);
  const namePrefix = requireString(value, 'name_prefix', subject);
  return { keyids, threshold, bitLength, namePrefix };
}

function parseDelegations(obj: JsonObject, subject: string): Delegations {
  const keys = parseKeys(requireObject(obj, 'keys', subject), subject);
  const hasRoles = obj['roles'] !== undefined;
  const succinct = optionalObject(obj, 'succinct_roles', subject);
  if (hasRoles === (succinct !== undefined)) {
    throw new FormatError(
      'invalid-value',
      `${subject}: expected exactly one of roles, succinct_roles, got ${hasRoles ? 'both' : 'neither'}`,
    );
  }
  if (succinct !== undefined)
    return { keys, succinctRoles: parseSuccinctRoles(succinct, `${subject}.succinct_roles`) };
  const list = requireArray(obj, 'roles', subject);
  const roles: DelegatedRole[] = [];
  const names = new Set<string>();
  for (let i = 0; i < list.length; i++) {
    const role = parseDelegatedRole(list[i], `${subject}.roles[${i}]`);
    // Two entries with one name would make "which delegation applies" depend on search order.
    if (names.has(role.name))
      throw new FormatError(
        'invalid-value',
        `${subject}.roles[${i}].name: expected a unique role name, got a repeat of ${describe(role.name)}`,
      );
    names.add(role.name);
    roles.push(role);
  }
  return { keys, roles };
}

/** Parses targets metadata bytes (top-level or delegated); `subject` names the role in errors. */
export function parseTargets(bytes: Uint8Array, subject = 'targets'): Envelope<Targets> {
  const { common, signatures, byKeyid } = parseEnvelopeCommon(bytes, 'targets', subject);
  const signed = common.json;
  const targetsObj = requireObject(signed, 'targets', subject);
  const targets = new Map<string, TargetFile>();
  for (const path of Object.keys(targetsObj))
    targets.set(path, parseTargetFile(path, targetsObj[path], subject));
  const delegationsObj = optionalObject(signed, 'delegations', subject);
  const base: Targets = { type: 'targets', ...common, targets };
  const result: Targets =
    delegationsObj === undefined
      ? base
      : { ...base, delegations: parseDelegations(delegationsObj, `${subject}.delegations`) };
  return makeEnvelope(result, signatures, byKeyid, bytes);
}
