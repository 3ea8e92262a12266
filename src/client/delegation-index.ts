// Which delegated roles may vouch for a target path (TUF 5.6.7.2), in delegation order, at a cost
// that does not grow with the number of hash bins: each delegations object is indexed once
// (names, path_hash_prefixes by prefix length), and the path hash is computed once per lookup.

import {
  type DelegatedRole,
  type Delegations,
  type RoleKeys,
  matchesPathPattern,
  succinctBinIndex,
  succinctBinName,
} from '../core/index.js';

/** A role that may hold the target, in the order the search must visit it. */
export interface RoleCandidate {
  readonly name: string;
  readonly terminating: boolean;
}

interface DelegationIndex {
  readonly byName: ReadonlyMap<string, DelegatedRole>;
  /** Positions of roles matched by `paths` patterns (scanned per lookup). */
  readonly patternRoles: readonly number[];
  /** Prefix length → prefix → role positions (in delegation order). */
  readonly prefixes: ReadonlyMap<number, ReadonlyMap<string, number[]>>;
}

const indexes = new WeakMap<Delegations, DelegationIndex>();

function indexOf(delegations: Delegations): DelegationIndex {
  const cached = indexes.get(delegations);
  if (cached) return cached;
  const byName = new Map<string, DelegatedRole>();
  const patternRoles: number[] = [];
  const prefixes = new Map<number, Map<string, number[]>>();
  (delegations.roles ?? []).forEach((role, position) => {
    byName.set(role.name, role);
    if (role.paths) patternRoles.push(position);
    for (const prefix of role.pathHashPrefixes ?? []) {
      let byPrefix = prefixes.get(prefix.length);
      if (!byPrefix) prefixes.set(prefix.length, (byPrefix = new Map<string, number[]>()));
      const positions = byPrefix.get(prefix);
      if (positions) {
        // A role listing the same prefix twice is still one candidate.
        if (positions[positions.length - 1] !== position) positions.push(position);
      } else byPrefix.set(prefix, [position]);
    }
  });
  const index = { byName, patternRoles, prefixes };
  indexes.set(delegations, index);
  return index;
}

/** The delegated role named `name` in these delegations (a succinct bin name included), if any. */
export function findDelegatedRole(delegations: Delegations, name: string): RoleKeys | undefined {
  const succinct = delegations.succinctRoles;
  if (succinct) {
    const prefix = `${succinct.namePrefix}-`;
    if (!name.startsWith(prefix)) return undefined;
    const suffix = name.slice(prefix.length);
    const index = Number.parseInt(suffix, 16);
    if (!/^[0-9a-f]+$/.test(suffix) || index >= 2 ** succinct.bitLength) return undefined;
    // The canonical spelling only: `bins-0a` and `bins-00a` must not both be valid names.
    return succinctBinName(succinct.namePrefix, index, succinct.bitLength) === name
      ? succinct
      : undefined;
  }
  return indexOf(delegations).byName.get(name);
}

/** TUF 5.6.7.2: the roles whose paths or hash prefixes match, in delegation order. */
export function rolesForTarget(
  delegations: Delegations,
  targetPath: string,
  pathHashHex: string,
): RoleCandidate[] {
  const succinct = delegations.succinctRoles;
  if (succinct) {
    // TAP 15: exactly one bin can hold the path, and bins are terminating.
    const index = succinctBinIndex(pathHashHex, succinct.bitLength);
    return [
      {
        name: succinctBinName(succinct.namePrefix, index, succinct.bitLength),
        terminating: true,
      },
    ];
  }
  const roles = delegations.roles ?? [];
  const index = indexOf(delegations);
  const positions: number[] = [];
  for (const position of index.patternRoles) {
    const role = roles[position];
    if (role?.paths?.some((pattern) => matchesPathPattern(pattern, targetPath)))
      positions.push(position);
  }
  for (const [length, byPrefix] of index.prefixes) {
    const matched = byPrefix.get(pathHashHex.slice(0, length));
    if (matched) positions.push(...matched);
  }
  // Several sources may contribute: restore delegation order and drop repeats.
  if (index.prefixes.size > 1 || (index.prefixes.size > 0 && index.patternRoles.length > 0)) {
    positions.sort((a, b) => a - b);
  }
  const candidates: RoleCandidate[] = [];
  let last = -1;
  for (const position of positions) {
    if (position === last) continue;
    last = position;
    const role = roles[position];
    if (role) candidates.push({ name: role.name, terminating: role.terminating });
  }
  return candidates;
}
