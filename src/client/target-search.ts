// Delegation search (TUF 5.6.7): pre-order depth-first over the roles whose paths match, in the
// order the delegator lists them; a terminating role ends the search after its subtree; each
// role is visited once per lookup; the number of roles visited is bounded.

import {
  type Envelope,
  type Targets,
  TrustError,
  succinctBinName,
  targetPathHash,
} from '../core/index.js';
import { rolesForTarget } from './delegation-index.js';
import type { ChainLink, ListedTarget, TargetLookup } from './updater-types.js';

/** Loads `role` verified against `delegator` ('root' for top-level targets). */
export type RoleLoader = (role: string, delegator: string) => Promise<Envelope<Targets>>;

interface Visit {
  readonly role: string;
  readonly delegator: string;
  readonly chain: readonly ChainLink[];
}

/** Finds the first role on the search path that lists `targetPath`; undefined if none does. */
export async function searchTarget(
  targetPath: string,
  load: RoleLoader,
  maxDelegations: number,
): Promise<TargetLookup | undefined> {
  // The path hash is computed once per lookup, not once per candidate role.
  const pathHash = targetPathHash(targetPath);
  const stack: Visit[] = [{ role: 'targets', delegator: 'root', chain: [] }];
  const visited = new Set<string>();
  while (stack.length > 0 && visited.size <= maxDelegations) {
    const visit = stack.pop() as Visit;
    if (visited.has(visit.role)) continue;
    const env = await load(visit.role, visit.delegator);
    const link: ChainLink = {
      role: visit.role,
      version: env.signed.version,
      delegator: visit.delegator === 'root' ? null : visit.delegator,
    };
    const chain = [...visit.chain, link];
    const target = env.signed.targets.get(targetPath);
    if (target) return { path: targetPath, target, chain };
    visited.add(visit.role);
    const delegations = env.signed.delegations;
    if (!delegations) continue;
    const children: Visit[] = [];
    for (const candidate of rolesForTarget(delegations, targetPath, pathHash)) {
      children.push({ role: candidate.name, delegator: visit.role, chain });
      if (candidate.terminating) {
        // TUF 5.6.7.2.1: a terminating role ends backtracking to anything not yet visited.
        stack.length = 0;
        break;
      }
    }
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i] as Visit);
  }
  if (stack.length > 0) {
    throw new TrustError(
      'delegation-limit',
      `${targetPath}: expected to finish the search within ${maxDelegations} delegated roles, got more`,
    );
  }
  return undefined;
}

/** Lists every target of a small repository; each is confirmed by a real lookup so delegation rules apply. */
export async function listAllTargets(
  load: RoleLoader,
  maxRoles: number,
  maxDelegations: number,
): Promise<ListedTarget[]> {
  const seenPaths = new Set<string>();
  const visited = new Set<string>();
  const queue: { role: string; delegator: string }[] = [{ role: 'targets', delegator: 'root' }];
  while (queue.length > 0) {
    const { role, delegator } = queue.shift() as { role: string; delegator: string };
    if (visited.has(role)) continue;
    visited.add(role);
    if (visited.size > maxRoles) {
      throw new TrustError(
        'delegation-limit',
        `list: expected at most ${maxRoles} roles, got more (use get or info for single targets)`,
      );
    }
    const env = await load(role, delegator);
    for (const path of env.signed.targets.keys()) seenPaths.add(path);
    const delegations = env.signed.delegations;
    for (const child of delegations?.roles ?? []) queue.push({ role: child.name, delegator: role });
    const succinct = delegations?.succinctRoles;
    if (succinct) {
      if (2 ** succinct.bitLength + visited.size > maxRoles) {
        throw new TrustError(
          'delegation-limit',
          `list: expected at most ${maxRoles} roles, got ${2 ** succinct.bitLength} hash bins`,
        );
      }
      for (let i = 0; i < 2 ** succinct.bitLength; i++) {
        queue.push({
          role: succinctBinName(succinct.namePrefix, i, succinct.bitLength),
          delegator: role,
        });
      }
    }
  }
  const listed: ListedTarget[] = [];
  for (const path of [...seenPaths].sort()) {
    const found = await searchTarget(path, load, maxDelegations);
    const role = found?.chain[found.chain.length - 1]?.role;
    if (found && role) listed.push({ path, target: found.target, role });
  }
  return listed;
}
