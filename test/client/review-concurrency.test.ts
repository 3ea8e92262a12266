// Security review: Updater used concurrently (several getTargetInfo calls at once, or a lookup
// racing a refresh). Each test names the invariant it checks; see ARCHITECTURE "Security invariants".

import { afterEach, describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  generateSigner,
  hashHex,
  serializeMetadata,
  signMetadata,
  type JsonObject,
  type Signer,
} from '../../src/core/index.js';
import { startHarness, type Harness } from '../support/client-harness.js';

let h: Harness;
afterEach(async () => h?.close());

async function waitForRequest(harness: Harness, path: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (harness.server.requests.some((r) => r.path === path)) return;
    await sleep(5);
  }
  throw new Error(`request for ${path} never arrived`);
}

function signedBytes(signed: JsonObject, signers: readonly Signer[]): Uint8Array {
  return serializeMetadata(signMetadata(signed, signers));
}

describe('review: concurrent lookups and diamond delegations', () => {
  // Attack: the mirror serves two different C documents of the same version (snapshot meta has
  // no hashes, as in PEP 458) to two concurrent lookups. Lookup 2 verifies its copy via B and
  // overwrites the by-name record; lookup 1 (path targets → A → C) then authorizes C's child X
  // with the keys from B's copy of C. X must be verified against A's C, never B's.
  it('a role reached via A is never authorized by a same-named document verified via B', async () => {
    h = await startHarness();
    const keyA = generateSigner('ed25519'); // A's key for C
    const keyB = generateSigner('ed25519'); // B's key for C (the attacker holds this one)
    const legitX = generateSigner('ed25519');
    const evilX = generateSigner('ed25519');
    h.sim.addDelegation('targets', { name: 'A', paths: ['a/*'] });
    h.sim.addDelegation('targets', { name: 'B', paths: ['b/*'] });
    h.sim.addDelegation('A', { name: 'C', paths: ['a/*'] }, [keyA]);
    h.sim.addDelegation('B', { name: 'C', paths: ['b/*'] }, [keyB]);
    h.sim.signers.set('C', [keyA]);
    h.sim.addDelegation('C', { name: 'X', paths: ['a/*'] }, [legitX]);
    h.sim.publish();
    const cVersion = h.sim.publishedVersion('C');
    const xVersion = h.sim.publishedVersion('X');

    // B's copy of C: same version, delegates X to the attacker's key, signed by B's C key.
    const c2 = structuredClone(h.sim.signed('C'));
    const delegations = c2['delegations'] as JsonObject;
    delegations['keys'] = { [evilX.keyid]: evilX.key.json };
    const xEntry = (delegations['roles'] as JsonObject[])[0] as JsonObject;
    xEntry['keyids'] = [evilX.keyid];
    const evil = new TextEncoder().encode('evil');
    const x2 = structuredClone(h.sim.signed('X'));
    x2['targets'] = {
      'a/x': { length: evil.byteLength, hashes: { sha256: hashHex('sha256', evil) } },
    };

    const cPath = `metadata/${cVersion}.C.json`;
    h.server.faults.add(cPath, { delayMs: 300, times: 1 }); // first request: the real C (A's)
    h.server.faults.add(cPath, { delayMs: 600, replaceBody: signedBytes(c2, [keyB]) });
    h.server.faults.add(`metadata/${xVersion}.X.json`, {
      delayMs: 1_200,
      replaceBody: signedBytes(x2, [evilX]),
    });

    const updater = h.updater();
    await updater.refresh();
    const viaA = updater.getTargetInfo('a/x');
    await waitForRequest(h, cPath);
    const viaB = updater.getTargetInfo('b/y');
    const [resultA] = await Promise.allSettled([viaA, viaB]);
    expect(resultA.status).toBe('rejected');
    if (resultA.status === 'rejected')
      expect(resultA.reason).toMatchObject({ code: 'threshold-not-met' });
  });

  it('concurrent lookups on a fresh Updater share one refresh', async () => {
    h = await startHarness();
    h.sim.addTarget('targets', 'f', new Uint8Array([1]));
    h.sim.publish();
    const updater = h.updater();
    await Promise.all(['f', 'g', 'h', 'i'].map((p) => updater.getTargetInfo(p)));
    const timestampRequests = h.takeRequests().filter((p) => p === 'metadata/timestamp.json');
    expect(timestampRequests).toHaveLength(1);
  });

  // A load started by a lookup on the previous trusted set must not be handed to a lookup on
  // the set of a newer refresh: that lookup would use a role version the new snapshot replaced
  // (here: a target whose hash the repository changed).
  it('a lookup after refresh never reuses a role load in flight from the previous trusted set', async () => {
    h = await startHarness();
    h.sim.addDelegation('targets', { name: 'A', paths: ['a/*'] });
    h.sim.addTarget('A', 'a/x', new TextEncoder().encode('v1 content'));
    h.sim.publish();
    const oldA = `metadata/${h.sim.publishedVersion('A')}.A.json`;
    const updater = h.updater();
    await updater.refresh();

    const fixed = new TextEncoder().encode('v2 content');
    h.sim.addTarget('A', 'a/x', fixed);
    h.sim.publish();
    h.server.faults.add(oldA, { delayMs: 800 });

    const refreshing = updater.refresh();
    const stale = updater.getTargetInfo('a/x'); // still on the previous trusted set
    await refreshing;
    const fresh = await updater.getTargetInfo('a/x');
    await stale.catch(() => undefined);
    expect(fresh?.target.hashes['sha256']).toBe(hashHex('sha256', fixed));
  });
});
