// Mutation fuzzing of the metadata parsers (ARCHITECTURE "Security invariants"): attacker-
// controlled bytes produce a PgError with a code, never a crash or a hang. Deterministic:
// PG_FUZZ_SEED and PG_FUZZ_ITERATIONS replay or widen a run; the defaults are fixed.

import { describe, expect, it } from 'vitest';
import {
  FormatError,
  PgError,
  parseRoot,
  parseSnapshot,
  parseTargets,
  parseTimestamp,
  signatureStatus,
  verifyThreshold,
  type Envelope,
  type JsonObject,
  type Key,
  type RoleKeys,
  type RoleType,
  type Root,
  type Targets,
} from '../../src/core/index.js';
import type { RepositorySimulator } from '../../src/sim/index.js';
import {
  Prng,
  binFor,
  BIN_TARGET,
  fuzzRepository,
  mutateDocument,
  mutateSigned,
  type Mutation,
} from '../support/mutate.js';

const SEED = Number(process.env['PG_FUZZ_SEED'] ?? 0x5eed);
const ITERATIONS = Number(process.env['PG_FUZZ_ITERATIONS'] ?? 1_000);
const SLOW_MS = 1_000;

interface Authority {
  readonly role: RoleKeys;
  readonly keys: ReadonlyMap<string, Key>;
}

interface Seed {
  readonly name: string;
  readonly type: RoleType;
  readonly bytes: Uint8Array;
  readonly authority: Authority;
  readonly signers: string;
}

interface Crash {
  readonly seed: string;
  readonly iteration: number;
  readonly mutation: string;
  readonly step: string;
  readonly error: string;
}

interface Tally {
  cases: number;
  accepted: number;
  parsedUntrusted: number;
  readonly codes: Map<string, number>;
  readonly crashes: Crash[];
  readonly slow: string[];
  maxMs: number;
}

const PARSERS: Record<RoleType, (bytes: Uint8Array, subject?: string) => Envelope> = {
  root: parseRoot,
  timestamp: parseTimestamp,
  snapshot: parseSnapshot,
  targets: parseTargets,
};

function seeds(sim: RepositorySimulator): Seed[] {
  const root1 = parseRoot(sim.rootBytes(1));
  const root2 = parseRoot(sim.rootBytes(2));
  const targets = parseTargets(sim.publishedBytes('targets'));
  const c = parseTargets(sim.publishedBytes('C'));
  const top = (type: RoleType): Authority => ({
    role: root2.signed.roles[type],
    keys: root2.signed.keys,
  });
  const delegated = (delegator: Envelope<Targets>, name: string): Authority => {
    const d = delegator.signed.delegations;
    const role = d?.succinctRoles ?? d?.roles?.find((r) => r.name === name);
    if (d === undefined || role === undefined) throw new Error(`fixture: no delegation ${name}`);
    return { role, keys: d.keys };
  };
  const bin = binFor(BIN_TARGET);
  return [
    {
      name: 'root v1',
      type: 'root',
      bytes: sim.rootBytes(1),
      authority: { role: root1.signed.roles.root, keys: root1.signed.keys },
      signers: 'root',
    },
    {
      name: 'root v2',
      type: 'root',
      bytes: sim.rootBytes(2),
      authority: { role: root1.signed.roles.root, keys: root1.signed.keys },
      signers: 'root',
    },
    {
      name: 'timestamp',
      type: 'timestamp',
      bytes: sim.publishedBytes('timestamp'),
      authority: top('timestamp'),
      signers: 'timestamp',
    },
    {
      name: 'snapshot',
      type: 'snapshot',
      bytes: sim.publishedBytes('snapshot'),
      authority: top('snapshot'),
      signers: 'snapshot',
    },
    {
      name: 'targets',
      type: 'targets',
      bytes: sim.publishedBytes('targets'),
      authority: top('targets'),
      signers: 'targets',
    },
    {
      name: 'A (paths)',
      type: 'targets',
      bytes: sim.publishedBytes('A'),
      authority: delegated(targets, 'A'),
      signers: 'A',
    },
    {
      name: 'B (path_hash_prefixes)',
      type: 'targets',
      bytes: sim.publishedBytes('B'),
      authority: delegated(targets, 'B'),
      signers: 'B',
    },
    {
      name: 'C (succinct_roles)',
      type: 'targets',
      bytes: sim.publishedBytes('C'),
      authority: delegated(targets, 'C'),
      signers: 'C',
    },
    {
      name: bin,
      type: 'targets',
      bytes: sim.publishedBytes(bin),
      authority: delegated(c, bin),
      signers: bin,
    },
  ];
}

function describeThrown(err: unknown): string {
  if (err instanceof Error) {
    const frame = err.stack?.split('\n').find((l) => l.includes('/src/')) ?? '';
    return `${err.constructor.name}: ${err.message.slice(0, 120)} ${frame.trim()}`;
  }
  return `non-Error ${typeof err}: ${String(err).slice(0, 80)}`;
}

// Runs one step, timing it; a PgError is an expected outcome, anything else is a crash.
function probe<T>(
  tally: Tally,
  context: Omit<Crash, 'step' | 'error'>,
  step: string,
  fn: () => T,
): { ok: true; value: T } | { ok: false; code: string | undefined } {
  const start = performance.now();
  try {
    return { ok: true, value: fn() };
  } catch (err) {
    if (err instanceof PgError && typeof err.code === 'string')
      return { ok: false, code: `${err.name}:${err.code}` };
    tally.crashes.push({ ...context, step, error: describeThrown(err) });
    return { ok: false, code: undefined };
  } finally {
    const ms = performance.now() - start;
    tally.maxMs = Math.max(tally.maxMs, ms);
    if (ms > SLOW_MS)
      tally.slow.push(
        `${context.seed} #${context.iteration} ${step}: ${ms.toFixed(0)} ms (${context.mutation})`,
      );
  }
}

function count(tally: Tally, code: string): void {
  tally.codes.set(code, (tally.codes.get(code) ?? 0) + 1);
}

// Parse, then exercise what a client does with a parsed document: per-key status, threshold,
// canonical bytes, and for documents that carry keys (root, delegations), verification with them.
function runCase(
  tally: Tally,
  seed: Seed,
  iteration: number,
  mutation: Mutation,
  valid: Map<string, Envelope>,
): void {
  tally.cases++;
  const context = { seed: seed.name, iteration, mutation: mutation.description };
  const parsed = probe(tally, context, 'parse', () =>
    PARSERS[seed.type](mutation.bytes, seed.name),
  );
  if (!parsed.ok) {
    if (parsed.code !== undefined) count(tally, parsed.code);
    return;
  }
  const env = parsed.value;
  probe(tally, context, 'canonicalSigned', () => env.canonicalSigned());
  probe(tally, context, 'signatureStatus', () =>
    signatureStatus(env, seed.authority.role, seed.authority.keys),
  );
  const verdict = probe(tally, context, 'verifyThreshold', () =>
    verifyThreshold(env, seed.name, seed.authority.role, seed.authority.keys),
  );
  if (verdict.ok) tally.accepted++;
  else tally.parsedUntrusted++;
  count(tally, verdict.ok ? 'accepted' : `parsed, then ${verdict.code ?? 'crash'}`);
  if (seed.type === 'root') {
    const root = env as Envelope<Root>;
    for (const role of Object.values(root.signed.roles))
      probe(tally, context, 'signatureStatus(own keys)', () =>
        signatureStatus(root, role, root.signed.keys),
      );
  }
  const delegations =
    seed.type === 'targets' ? (env as Envelope<Targets>).signed.delegations : undefined;
  if (delegations !== undefined) {
    // The mutated delegator's keys and roles verify an untouched delegated document.
    const roles: RoleKeys[] = [
      ...(delegations.roles ?? []),
      ...(delegations.succinctRoles ? [delegations.succinctRoles] : []),
    ];
    const child = valid.get(delegations.succinctRoles ? binFor(BIN_TARGET) : 'A');
    for (const role of roles.slice(0, 4)) {
      if (child !== undefined)
        probe(tally, context, 'signatureStatus(delegated keys)', () =>
          signatureStatus(child, role, delegations.keys),
        );
    }
  }
}

function fuzzSeed(seed: Seed, sim: RepositorySimulator, valid: Map<string, Envelope>): Tally {
  const tally: Tally = {
    cases: 0,
    accepted: 0,
    parsedUntrusted: 0,
    codes: new Map(),
    crashes: [],
    slow: [],
    maxMs: 0,
  };
  const rng = new Prng(SEED ^ hashCode(seed.name));
  const doc = JSON.parse(new TextDecoder().decode(seed.bytes)) as JsonObject;
  const signers = sim.signers.get(seed.signers) ?? [];
  for (let i = 0; i < ITERATIONS; i++) {
    // One case in four is signed again after the edit, so it reaches the checks behind the signature.
    const mutation = rng.chance(0.25)
      ? mutateSigned(doc, signers, rng)
      : mutateDocument(doc, seed.bytes, rng);
    runCase(tally, seed, i, mutation, valid);
  }
  return tally;
}

function hashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

function summary(name: string, t: Tally): string {
  const codes = [...t.codes]
    .sort((a, b) => b[1] - a[1])
    .map(([c, n]) => `${c}=${n}`)
    .join(', ');
  return `${name}: ${t.cases} cases, ${t.accepted} accepted, ${t.parsedUntrusted} parsed but untrusted, max ${t.maxMs.toFixed(1)} ms; ${codes}`;
}

describe('metadata parsers under mutation (attacker-controlled bytes)', () => {
  const sim = fuzzRepository();
  const all = seeds(sim);
  const valid = new Map<string, Envelope>();
  for (const s of all) valid.set(s.name === 'A (paths)' ? 'A' : s.name, PARSERS[s.type](s.bytes));

  for (const seed of all) {
    it(`${seed.name}: every rejection is a PgError with a code, nothing hangs`, () => {
      const tally = fuzzSeed(seed, sim, valid);
      console.info(summary(seed.name, tally));
      // Grouped by error and location, so one bug is reported once with a count and an example.
      const groups = new Map<string, { n: number; example: Crash }>();
      for (const c of tally.crashes) {
        const g = groups.get(c.error) ?? { n: 0, example: c };
        g.n++;
        groups.set(c.error, g);
      }
      const report = [...groups].map(
        ([e, g]) =>
          `${g.n}× ${e}\n    e.g. #${g.example.iteration} at ${g.example.step}: ${g.example.mutation.slice(0, 200)}`,
      );
      expect(report, 'non-PgError thrown (crash)').toEqual([]);
      expect(tally.slow, 'calls over 1 s (hang)').toEqual([]);
      // Not vacuous: the fuzzer both gets past the parser and gets rejected by it.
      expect(tally.accepted).toBeGreaterThan(0);
      expect(tally.cases - tally.accepted - tally.parsedUntrusted).toBeGreaterThan(ITERATIONS / 4);
      expect(
        [...tally.codes.keys()].filter((c) => c.startsWith('FormatError:')).length,
      ).toBeGreaterThan(2);
    });
  }
});

describe('fuzz reproducers (minimal inputs found by the fuzzer)', () => {
  const sim = fuzzRepository();
  const deep = (n: number): string => '['.repeat(n) + ']'.repeat(n);
  const withHashValue = (raw: string): Uint8Array => {
    const text = new TextDecoder().decode(sim.publishedBytes('timestamp'));
    return new TextEncoder().encode(text.replace(/"sha256":"[0-9a-f]{64}"/, `"sha256":${raw}`));
  };

  it('a hash value nested 10,000 deep is a FormatError, not a RangeError (timestamp, unsigned)', () => {
    // The timestamp is parsed before any signature check: a MITM controls these bytes.
    const bytes = withHashValue(deep(10_000));
    expect(() => parseTimestamp(bytes)).toThrow(FormatError);
  });

  it('a hash value that is a shallow array is a FormatError (control)', () => {
    expect(() => parseTimestamp(withHashValue(deep(3)))).toThrow(FormatError);
  });
});
