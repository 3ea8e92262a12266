// Target lookup shared by `get` and `info`: a missing target is a trust failure that says
// which roles were consulted.
import type { TargetLookup, Updater, UpdaterEvent } from '../../client/index.js';
import { TrustError } from '../../core/index.js';
import type { ChainEntry } from '../results.js';

/** Records the roles the updater touches, so a "not found" can say what was searched. */
export class RoleTrace {
  private roles = new Set<string>();

  readonly onEvent = (event: UpdaterEvent): void => {
    if (event.kind === 'visit') this.roles.add(event.role);
  };

  /** Starts a new lookup: forget the roles of the previous one. */
  reset(): void {
    this.roles = new Set<string>();
  }

  /** Roles touched since the last reset, `targets` first (it is always searched). */
  searched(): string[] {
    const others = [...this.roles].filter(
      (role) => !['root', 'timestamp', 'snapshot', 'targets'].includes(role),
    );
    return ['targets', ...others];
  }
}

/** TUF 5.6.7: the target's trusted info; TrustError('target-not-found') when no role lists it. */
export async function lookupTarget(
  updater: Updater,
  targetPath: string,
  trace: RoleTrace,
): Promise<TargetLookup> {
  trace.reset();
  const lookup = await updater.getTargetInfo(targetPath);
  if (lookup === undefined) {
    throw new TrustError(
      'target-not-found',
      `${targetPath}: not found in any role (searched: ${trace.searched().join(', ')})`,
    );
  }
  return lookup;
}

/** The delegation chain as plain data for output. */
export function toChain(lookup: TargetLookup): ChainEntry[] {
  return lookup.chain.map((link) => ({
    role: link.role,
    version: link.version,
    delegator: link.delegator,
  }));
}
