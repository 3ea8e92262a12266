// Per-key signature status and threshold checks (TUF 5.3.4, 5.4.2, 5.5.2, 5.6.3). A role's
// threshold counts distinct authorized keys with a valid signature over the canonical `signed`.

import { TrustError } from './errors.js';
import { isSupportedKey, keyFingerprint, verifySignature } from './keys.js';
import type { Envelope, Key, RoleKeys } from './model.js';

export type KeyStatusKind =
  'valid' | 'invalid' | 'missing' | 'empty' | 'unknown-key' | 'unsupported-key';

export interface KeyStatus {
  readonly keyid: string;
  readonly status: KeyStatusKind;
  /**
   * Set on a valid signature whose key material is the same as an earlier valid key's (the
   * same key listed under two keyids): it does not count toward the threshold again.
   */
  readonly duplicateOf?: string;
}

/** One status per authorized keyid (role order, each keyid once); never throws for bad signatures. */
export function signatureStatus(
  env: Envelope,
  role: RoleKeys,
  keys: ReadonlyMap<string, Key>,
): KeyStatus[] {
  const statuses: KeyStatus[] = [];
  const seen = new Set<string>();
  // Fingerprint of each counted key → its keyid. TUF counts unique keys; a keyid is only a
  // label, so one key listed twice under different keyids must count once (go-tuf, tough).
  const counted = new Map<string, string>();
  let data: Uint8Array | undefined;
  for (const keyid of role.keyids) {
    // A keyid listed twice must not count twice toward the threshold.
    if (seen.has(keyid)) continue;
    seen.add(keyid);
    const sig = env.signaturesByKeyid.get(keyid);
    const key = keys.get(keyid);
    let status: KeyStatusKind;
    // Key problems first: such a keyid can never contribute, whatever is signed.
    if (key === undefined) status = 'unknown-key';
    else if (!isSupportedKey(key)) status = 'unsupported-key';
    else if (sig === undefined) status = 'missing';
    else if (sig.sig === '') status = 'empty';
    else {
      data ??= env.canonicalSigned();
      status = verifySignature(key, sig.sig, data) ? 'valid' : 'invalid';
    }
    if (status === 'valid' && key !== undefined) {
      const fingerprint = keyFingerprint(key) ?? keyid;
      const first = counted.get(fingerprint);
      if (first !== undefined) {
        statuses.push({ keyid, status, duplicateOf: first });
        continue;
      }
      counted.set(fingerprint, keyid);
    }
    statuses.push({ keyid, status });
  }
  return statuses;
}

/** Number of valid signatures by distinct keys in a status list (duplicates not counted). */
export function countValid(statuses: readonly KeyStatus[]): number {
  let n = 0;
  for (const s of statuses) if (s.status === 'valid' && s.duplicateOf === undefined) n++;
  return n;
}

/** Returns the statuses if at least `role.threshold` distinct keys signed validly; else throws TrustError('threshold-not-met'). */
export function verifyThreshold(
  env: Envelope,
  roleName: string,
  role: RoleKeys,
  keys: ReadonlyMap<string, Key>,
): KeyStatus[] {
  const statuses = signatureStatus(env, role, keys);
  const valid = countValid(statuses);
  if (valid < role.threshold) {
    const detail = statuses
      .map(
        (s) =>
          `${s.keyid.slice(0, 8)}: ${s.duplicateOf === undefined ? s.status : 'duplicate key'}`,
      )
      .join(', ');
    throw new TrustError(
      'threshold-not-met',
      `${roleName}: expected ${role.threshold} valid signature(s), got ${valid} (${detail || 'no authorized keys'})`,
    );
  }
  return statuses;
}
