// Mutation fuzzing of the trusted metadata set (TUF 5.3–5.6 state machine): mutated bytes are fed
// to each update method in the correct order. Every failure must be a PgError with a code, a
// failed update must leave the role untrusted, and nothing may take long. Half the cases are
// signed again and committed to by a re-signed snapshot and timestamp, so they pass signature,
// length and hash checks and reach the rollback, version, expiry and delegation checks.

import { describe, expect, it } from 'vitest';
import { TrustedMetadataSet } from '../../src/client/index.js';
import { PgError, type JsonObject } from '../../src/core/index.js';
import type { RepositorySimulator } from '../../src/sim/index.js';
import {
  BIN_TARGET,
  FUZZ_NOW,
  Prng,
  binFor,
  fuzzRepository,
  mutateDocument,
  mutateSigned,
  recommit,
  type Mutation,
} from '../support/mutate.js';

const SEED = Number(process.env['PG_FUZZ_SEED'] ?? 0x5eed);
const ITERATIONS = Number(process.env['PG_FUZZ_ITERATIONS'] ?? 300);
const SLOW_MS = 1_000;
const NOW = FUZZ_NOW.getTime();

type Stage = 'root' | 'updateRoot' | 'timestamp' | 'snapshot' | 'targets' | 'A' | 'bin';

interface Tally {
  cases: number;
  accepted: number;
  readonly codes: Map<string, number>;
  readonly failures: string[];
  maxMs: number;
}

interface Inputs {
  root1: Uint8Array;
  root2: Uint8Array;
  timestamp: Uint8Array;
  snapshot: Uint8Array;
  targets: Uint8Array;
  A: Uint8Array;
  C: Uint8Array;
  bin: Uint8Array;
  /** Valid documents a client may hold from an earlier refresh (the rollback references). */
  cachedTimestamp: Uint8Array;
  cachedSnapshot: Uint8Array;
}

function validInputs(sim: RepositorySimulator): Inputs {
  return {
    root1: sim.rootBytes(1),
    root2: sim.rootBytes(2),
    timestamp: sim.publishedBytes('timestamp'),
    snapshot: sim.publishedBytes('snapshot'),
    targets: sim.publishedBytes('targets'),
    A: sim.publishedBytes('A'),
    C: sim.publishedBytes('C'),
    bin: sim.publishedBytes(binFor(BIN_TARGET)),
    cachedTimestamp: sim.publishedBytes('timestamp'),
    cachedSnapshot: sim.publishedBytes('snapshot'),
  };
}

// The role, its signers' name in the simulator, and which input it replaces.
const STAGES: Record<Stage, { role: string; input: Exclude<keyof Inputs, `cached${string}`> }> = {
  root: { role: 'root', input: 'root1' },
  updateRoot: { role: 'root', input: 'root2' },
  timestamp: { role: 'timestamp', input: 'timestamp' },
  snapshot: { role: 'snapshot', input: 'snapshot' },
  targets: { role: 'targets', input: 'targets' },
  A: { role: 'A', input: 'A' },
  bin: { role: binFor(BIN_TARGET), input: 'bin' },
};

// Walks the client workflow up to and including `stage`, with `inputs` (one of them mutated).
// `hold.set` keeps the set as a failed step left it; `hold.problems` collects broken invariants.
function walk(stage: Stage, inputs: Inputs, cachedFirst: boolean, hold: Hold): void {
  const set = new TrustedMetadataSet(inputs.root1, NOW);
  hold.set = set;
  if (stage === 'root') return;
  set.updateRoot(inputs.root2);
  if (stage === 'updateRoot') return;
  set.checkRootExpiry();
  // A cached (valid) timestamp and snapshot first make the rollback checks run against them.
  if (cachedFirst && stage === 'timestamp') set.updateTimestamp(inputs.cachedTimestamp);
  set.updateTimestamp(inputs.timestamp);
  if (stage === 'timestamp') return;
  if (cachedFirst && stage === 'snapshot') {
    try {
      set.updateSnapshot(inputs.cachedSnapshot, true);
    } catch (err) {
      // Expected when the new timestamp names another version; the old snapshot stays the reference.
      if (!(err instanceof PgError)) throw err;
    }
  }
  set.updateSnapshot(inputs.snapshot);
  if (stage === 'snapshot') return;
  const targets = set.updateTargets(inputs.targets);
  if (stage === 'targets') {
    // Every role the (possibly mutated) targets delegates to is looked up and loaded.
    for (const role of targets.signed.delegations?.roles ?? []) {
      set.authorization(role.name, 'targets');
      try {
        set.updateDelegatedTargets(inputs.A, role.name, 'targets');
      } catch (err) {
        if (!(err instanceof PgError)) throw err;
        if (set.trustedDelegation(role.name, 'targets') !== undefined)
          hold.problems.push(`${role.name}: trusted after a failed update`);
      }
    }
    return;
  }
  if (stage === 'A') {
    set.updateDelegatedTargets(inputs.A, 'A', 'targets');
    return;
  }
  set.updateDelegatedTargets(inputs.C, 'C', 'targets');
  set.updateDelegatedTargets(inputs.bin, STAGES.bin.role, 'C');
}

interface Hold {
  set?: TrustedMetadataSet;
  readonly problems: string[];
}

// What must hold after the walk failed at `stage`: the mutated role is not trusted.
function untrustedAfterFailure(stage: Stage, set: TrustedMetadataSet): string | undefined {
  if (stage === 'updateRoot' && set.root.signed.version !== 1)
    return 'root advanced after a failed update';
  if (stage === 'targets' && set.targets !== undefined)
    return 'targets trusted after a failed update';
  if (stage === 'A' && set.trustedDelegation('A', 'targets') !== undefined)
    return 'A trusted after a failed update';
  if (stage === 'bin' && set.trustedDelegation(STAGES.bin.role, 'C') !== undefined)
    return 'bin trusted after a failed update';
  return undefined;
}

function runCase(
  tally: Tally,
  stage: Stage,
  inputs: Inputs,
  mutation: Mutation,
  cachedFirst: boolean,
  iteration: number,
): void {
  tally.cases++;
  const start = performance.now();
  let outcome = 'accepted';
  const hold: Hold = { problems: [] };
  try {
    walk(stage, inputs, cachedFirst, hold);
    tally.accepted++;
  } catch (err) {
    if (err instanceof PgError && typeof err.code === 'string') {
      outcome = `${err.name}:${err.code}`;
      const broken = hold.set === undefined ? undefined : untrustedAfterFailure(stage, hold.set);
      if (broken !== undefined)
        tally.failures.push(`${stage} #${iteration}: ${broken} — ${mutation.description}`);
    } else {
      const frame =
        err instanceof Error ? (err.stack?.split('\n').find((l) => l.includes('/src/')) ?? '') : '';
      tally.failures.push(
        `${stage} #${iteration}: ${err instanceof Error ? `${err.constructor.name}: ${err.message}` : String(err)} ${frame.trim()} — ${mutation.description.slice(0, 160)}`,
      );
      outcome = 'crash';
    }
  }
  for (const problem of hold.problems)
    tally.failures.push(`${stage} #${iteration}: ${problem} — ${mutation.description}`);
  const ms = performance.now() - start;
  tally.maxMs = Math.max(tally.maxMs, ms);
  if (ms > SLOW_MS)
    tally.failures.push(
      `${stage} #${iteration}: ${ms.toFixed(0)} ms — ${mutation.description.slice(0, 160)}`,
    );
  tally.codes.set(outcome, (tally.codes.get(outcome) ?? 0) + 1);
}

describe('TrustedMetadataSet under mutated metadata', () => {
  const sim = fuzzRepository();
  const valid = validInputs(sim);

  for (const stage of Object.keys(STAGES) as Stage[]) {
    it(`${stage}: every failure is a PgError with a code and leaves the role untrusted`, () => {
      const { role, input } = STAGES[stage];
      const rng = new Prng(SEED ^ (stage.length * 0x9e3779b1));
      const doc = JSON.parse(new TextDecoder().decode(valid[input])) as JsonObject;
      const signers = sim.signers.get(role) ?? [];
      const tally: Tally = { cases: 0, accepted: 0, codes: new Map(), failures: [], maxMs: 0 };
      for (let i = 0; i < ITERATIONS; i++) {
        const resign = rng.chance(0.5);
        const mutation = resign
          ? mutateSigned(doc, signers, rng)
          : mutateDocument(doc, valid[input], rng);
        const inputs: Inputs = { ...valid, [input]: mutation.bytes };
        // Re-signed targets-family documents and snapshots also get a snapshot/timestamp that commits to them.
        if (
          resign &&
          !stage.startsWith('root') &&
          stage !== 'updateRoot' &&
          stage !== 'timestamp'
        ) {
          // Sometimes the snapshot/timestamp keep listing the published version instead.
          const declared = rng.chance(0.2)
            ? stage === 'snapshot'
              ? sim.snapshot.version
              : sim.role(role).version
            : undefined;
          const chain = recommit(sim, role, mutation.bytes, declared);
          inputs.timestamp = chain.timestamp;
          if (chain.snapshot !== undefined) inputs.snapshot = chain.snapshot;
        }
        const cachedFirst = rng.chance(0.5);
        runCase(tally, stage, inputs, mutation, cachedFirst, i);
      }
      const codes = [...tally.codes]
        .sort((a, b) => b[1] - a[1])
        .map(([c, n]) => `${c}=${n}`)
        .join(', ');
      console.info(
        `trusted set ${stage}: ${tally.cases} cases, ${tally.accepted} accepted, max ${tally.maxMs.toFixed(1)} ms; ${codes}`,
      );
      expect(tally.failures).toEqual([]);
      expect(tally.accepted).toBeGreaterThan(0);
      expect(tally.accepted).toBeLessThan(tally.cases);
    });
  }
});
