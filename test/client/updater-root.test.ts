import { afterEach, describe, expect, it } from 'vitest';
import { generateSigner, type Signer } from '../../src/core/index.js';
import { RepositorySimulator } from '../../src/sim/index.js';
import { startHarness, type Harness } from '../support/client-harness.js';

let h: Harness;
afterEach(async () => h?.close());

/** Root v1 with `count` root keys and a threshold; returns the signers. */
function rootWith(sim: RepositorySimulator, keys: Signer[], threshold: number): void {
  for (const old of [...(sim.signers.get('root') ?? [])]) sim.removeSigner('root', old);
  for (const key of keys) sim.addSigner('root', key);
  sim.setThreshold('root', threshold);
}

const pool = Array.from({ length: 8 }, () => generateSigner('ed25519'));
const k = (...indexes: number[]): Signer[] => indexes.map((i) => pool[i] as Signer);

interface Step {
  readonly keys: number[];
  readonly threshold: number;
  readonly signers: number[];
}

async function chain(v1: Step, steps: Step[]): Promise<Harness> {
  const sim = new RepositorySimulator();
  rootWith(sim, k(...v1.keys), v1.threshold);
  sim.root.version = 1;
  sim.publishRoot({ signers: k(...v1.signers) });
  const harness = await startHarness({}, sim);
  for (const step of steps) {
    rootWith(sim, k(...step.keys), step.threshold);
    sim.bumpRoot({ signers: k(...step.signers) });
  }
  return harness;
}

describe('root rotation (TUF 5.3.4: N+1 signed by thresholds of N and of N+1)', () => {
  const cases: [string, Step, Step[], number | 'fail'][] = [
    [
      '1-of-1 key rotation',
      { keys: [0], threshold: 1, signers: [0] },
      [{ keys: [1], threshold: 1, signers: [0, 1] }],
      2,
    ],
    [
      '1-of-1 rotation with unused extra signatures',
      { keys: [0], threshold: 1, signers: [0] },
      [{ keys: [1], threshold: 1, signers: [3, 0, 1, 4] }],
      2,
    ],
    [
      'fails when not signed with the old key',
      { keys: [0], threshold: 1, signers: [0] },
      [{ keys: [1], threshold: 1, signers: [1] }],
      'fail',
    ],
    [
      'fails when not signed with the new key',
      { keys: [0], threshold: 1, signers: [0] },
      [{ keys: [1], threshold: 1, signers: [0] }],
      'fail',
    ],
    [
      '3-of-5 with one key rotated',
      { keys: [0, 1, 2, 3, 4], threshold: 3, signers: [0, 1, 2] },
      [{ keys: [0, 1, 2, 3, 5], threshold: 3, signers: [1, 2, 3, 5] }],
      2,
    ],
    [
      '3-of-5 all keys rotated through an intermediate step',
      { keys: [0, 1, 2, 3, 4], threshold: 3, signers: [0, 1, 2] },
      [
        { keys: [0, 1, 2, 5, 6], threshold: 3, signers: [0, 1, 2] },
        { keys: [5, 6, 7, 3, 4], threshold: 3, signers: [0, 1, 5, 6, 7] },
      ],
      3,
    ],
    [
      '1-of-3 threshold increase to 2-of-3',
      { keys: [0, 1, 2], threshold: 1, signers: [0] },
      [{ keys: [0, 1, 2], threshold: 2, signers: [0, 1] }],
      2,
    ],
    [
      'fails when the new higher threshold is not reached',
      { keys: [0, 1, 2], threshold: 1, signers: [0] },
      [{ keys: [0, 1, 2], threshold: 2, signers: [0] }],
      'fail',
    ],
    [
      '2-of-3 threshold decrease to 1-of-3',
      { keys: [0, 1, 2], threshold: 2, signers: [0, 1] },
      [{ keys: [0, 1, 2], threshold: 1, signers: [0, 1] }],
      2,
    ],
    [
      'fails when the old threshold is not reached',
      { keys: [0, 1, 2], threshold: 2, signers: [0, 1] },
      [{ keys: [0, 1, 2], threshold: 1, signers: [0] }],
      'fail',
    ],
  ];
  for (const [name, v1, steps, outcome] of cases) {
    it(name, async () => {
      h = await chain(v1, steps);
      if (outcome === 'fail') {
        await expect(h.refresh()).rejects.toMatchObject({ code: 'threshold-not-met' });
        // Every root verified before the failing one is kept.
        expect((await h.onDisk())['root.json']).toBe(steps.length);
      } else {
        await h.refresh();
        expect((await h.onDisk())['root.json']).toBe(outcome);
      }
    });
  }

  it('an expired intermediate root is allowed', async () => {
    h = await startHarness();
    h.sim.root.expires = h.sim.daysFromNow(-1);
    h.sim.bumpRoot();
    h.sim.root.expires = h.sim.daysFromNow(30);
    h.sim.bumpRoot();
    await h.refresh();
    expect((await h.onDisk())['root.json']).toBe(3);
  });

  it('a root whose version differs from its URL is rejected', async () => {
    h = await startHarness();
    h.sim.bumpRoot();
    h.sim.overrides.set(
      'metadata/2.root.json',
      (() => {
        h.sim.root.version = 3;
        h.sim.publishRoot();
        return h.sim.publishedBytes('root', 3);
      })(),
    );
    h.sim.overrides.set('metadata/3.root.json', null);
    await expect(h.refresh()).rejects.toMatchObject({ code: 'version-mismatch' });
    expect(await h.onDisk()).toEqual({ 'root.json': 1 });
  });

  it('stops after maxRootRotations versions', async () => {
    h = await startHarness();
    for (let i = 0; i < 5; i++) h.sim.bumpRoot();
    await h.refresh({ maxRootRotations: 3 });
    expect((await h.onDisk())['root.json']).toBe(4);
  });
});
