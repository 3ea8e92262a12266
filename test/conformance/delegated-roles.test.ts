// Delegated-role edge cases of tuf-conformance: diamond delegations (PR #405), a role missing
// from snapshot, hostile role names (test_quoting_issues.py) and TAP 15 succinct bins
// (notes 3.6, 3.9, 3.11).
import { readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { generateSigner } from '../../src/core/index.js';
import { conformanceHarness, objectAt, pyQuote, type ConformanceTest } from './driver.js';

const newTest = conformanceHarness();

// t→A [team-a/*], t→B [team-b/*]; A→C and B→C (one new key each). C lists a file for each team.
async function diamond(name: string, signedByB: boolean): Promise<ConformanceTest> {
  const t = await newTest(name);
  const keyA = generateSigner('ecdsa-p256');
  const keyB = generateSigner('ecdsa-p256');
  t.sim.addDelegation('targets', { name: 'A', paths: ['team-a/*'] });
  t.sim.addDelegation('targets', { name: 'B', paths: ['team-b/*'] });
  t.sim.addDelegation('A', { name: 'C', paths: ['team-a/*'] }, [keyA]);
  t.sim.addDelegation('B', { name: 'C', paths: ['team-b/*'] }, [keyB]);
  if (!signedByB) t.sim.signers.set('C', [keyA]); // B's key is listed by B but never signs C
  t.sim.addTarget('C', 'team-a/file', Buffer.from('team a'));
  t.sim.addTarget('C', 'team-b/file', Buffer.from('team b'));
  t.sim.publish();
  await t.init();
  return t;
}

describe.concurrent('conformance: diamond delegations', () => {
  it('test_cached_role_is_verified_against_current_delegator: B never accepts A-only C', async () => {
    const t = await diamond('test_cached_role_is_verified_against_current_delegator', false);
    expect(await t.download(['team-a/file', 'team-b/file']), t.last()).toBe(1);
    // Per-delegator verification: team-a succeeds, team-b fails in the same process (refusing
    // diamonds outright would also be accepted by the suite; our client verifies per delegator).
    expect(await t.downloaded()).toEqual(['team a']);
    // C is fetched once, then re-verified against B's keys without a second request.
    expect(t.stats().slice(4)).toEqual([
      ['A', 1],
      ['C', 1],
      ['B', 1],
    ]);
    expect(t.artifactStats().map(([p]) => p)).toEqual(['team-a/file']);
  });

  it('diamond, B first: the lookup through B fails before anything is downloaded', async () => {
    const t = await diamond(
      'test_cached_role_is_verified_against_current_delegator[b-first]',
      false,
    );
    expect(await t.download(['team-b/file', 'team-a/file']), t.last()).toBe(1);
    expect(await t.downloaded()).toEqual([]);
    expect(t.artifactStats()).toEqual([]);
  });

  it('diamond signed by both delegators: both targets download in one process', async () => {
    const t = await diamond('test_cached_role_is_verified_against_current_delegator[both]', true);
    expect(await t.download(['team-a/file', 'team-b/file']), t.last()).toBe(0);
    expect(await t.downloaded()).toEqual(['team a', 'team b']);
    expect(t.stats().filter(([r]) => r === 'C')).toEqual([['C', 1]]);
  });
});

describe.concurrent('conformance: delegated role not in snapshot', () => {
  it('test_delegation_not_in_snapshot: no request for the role and no file for it', async () => {
    const t = await newTest('test_delegation_not_in_snapshot');
    t.sim.addDelegation('targets', { name: 'X', paths: ['x/*'] });
    t.sim.addTarget('X', 'x/file', Buffer.from('x'));
    t.sim.publish(); // T2, X1, S2, TS2
    delete objectAt(t.sim.snapshot.signed, 'meta')['X.json'];
    t.sim.snapshot.version = 3;
    t.sim.signRole('snapshot'); // S3 without X.json
    objectAt(t.sim.timestamp.signed, 'meta')['snapshot.json'] = { version: 3 };
    t.sim.timestamp.version = 3;
    t.sim.signRole('timestamp');
    await t.init();
    expect(await t.refresh(), t.last()).toBe(0);
    t.clearStats();
    expect(await t.download('x/file'), t.last()).toBe(1);
    expect(t.stats()).toEqual([
      ['root', 2],
      ['timestamp', null],
    ]);
    expect((await t.trustedRoles()).map(([r]) => r)).toEqual([
      'root',
      'snapshot',
      'targets',
      'timestamp',
    ]);
    expect(await t.downloaded()).toEqual([]);
  });
});

describe.concurrent('conformance: unusual role names', () => {
  it.each(['?', '#', '/delegatedrole', '../delegatedrole'])(
    'test_unusual_role_name[%s]: quoted in the URL, one file directly in MD',
    async (role) => {
      const t = await newTest(`test_unusual_role_name[${role}]`);
      t.sim.addDelegation('targets', { name: role, paths: ['*'] });
      t.sim.publish();
      await t.init();
      expect(await t.download('nonexistent target'), t.last()).toBe(1);
      expect(t.paths()).toContain(`metadata/1.${pyQuote(role)}.json`);
      expect(t.stats()).toContainEqual([pyQuote(role), 1]);
      const roles = await t.trustedRoles(); // parses every *.json directly in MD
      expect(roles).toHaveLength(5);
      // Other clients use quote(role); ours does too for these names.
      expect(roles).toContainEqual([pyQuote(role), 1]);
      // Nothing escaped MD: the temp dir holds only MD, TD and the initial root.
      expect((await readdir(t.tmp)).sort()).toEqual(['initial_root.json', 'metadata', 'targets']);
      expect(await readdir(t.td)).toEqual([]);
    },
  );
});

describe.concurrent('conformance: succinct hash-bin delegations (TAP 15)', () => {
  it.each([
    [1, 'boo', 'bin-0'],
    [1, 'too', 'bin-1'],
    [2, 'foo', 'bin-0'],
    [2, 'doo', 'bin-1'],
    [2, 'too', 'bin-2'],
    [2, 'bar', 'bin-3'],
    [8, 'bar', 'bin-fc'],
  ])(
    'test_succinct_roles_graph_traversal[bits %i, %s]: only %s is requested',
    async (bits, path, bin) => {
      const t = await newTest(`test_succinct_roles_graph_traversal[${bits}-${path}]`);
      t.sim.addSuccinctDelegation('targets', bits, 'bin');
      t.sim.publish();
      await t.init();
      expect(await t.refresh(), t.last()).toBe(0);
      t.clearStats();
      expect(await t.download(path), t.last()).toBe(1);
      expect(t.stats().slice(2)).toEqual([[bin, 1]]);
      expect(await t.version(bin)).toBe(1);
    },
  );
});
