// Mutation fuzzing of the Updater over a loopback server: one served metadata document is
// replaced by mutated bytes (root, timestamp, snapshot, targets, a delegated role, a succinct
// bin), then the client refreshes and looks a target up. Every failure must be a PgError with a
// code, and the metadata directory may only ever hold files that parse and verify against the
// trusted state on disk (or are untouched from the last good refresh), and no temp files.

import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FormatError,
  PgError,
  parseMetadata,
  verifyThreshold,
  type Envelope,
  type JsonObject,
  type Key,
  type RoleKeys,
  type RoleType,
  type Root,
  type Targets,
} from '../../src/core/index.js';
import { roleFileName } from '../../src/sim/index.js';
import { startHarness, type Harness } from '../support/client-harness.js';
import {
  BIN_TARGET,
  FUZZ_NOW,
  Prng,
  binFor,
  fuzzRepository,
  mutateDocument,
  mutateSigned,
  recommit,
} from '../support/mutate.js';

const SEED = Number(process.env['PG_FUZZ_SEED'] ?? 0x5eed);
const ITERATIONS = Number(process.env['PG_FUZZ_UPDATER_ITERATIONS'] ?? 180);
const HANG_MS = 10_000;
const TOP: readonly string[] = ['root', 'timestamp', 'snapshot', 'targets'];
const LOOKUPS = ['a/tool-1.0.tgz', BIN_TARGET, 'top/readme.txt', 'zzz/missing'];

interface Victim {
  readonly role: string;
  readonly path: string;
  readonly bytes: Uint8Array;
}

let h: Harness;
let baseline: Map<string, Uint8Array>;
let victims: Victim[];

beforeAll(async () => {
  h = await startHarness({}, fuzzRepository());
  const updater = h.updater({ clock: () => FUZZ_NOW });
  await updater.refresh();
  for (const path of LOOKUPS) await updater.getTargetInfo(path);
  await updater.close();
  baseline = new Map();
  for (const name of await readdir(h.metadataDir))
    baseline.set(name, await readFile(join(h.metadataDir, name)));
  const sim = h.sim;
  const at = (role: string): Victim => {
    const version = sim.role(role).version;
    return {
      role,
      path: `metadata/${roleFileName(role, version)}`,
      bytes: sim.publishedBytes(role),
    };
  };
  victims = [
    { role: 'root', path: 'metadata/2.root.json', bytes: sim.rootBytes(2) },
    { role: 'timestamp', path: 'metadata/timestamp.json', bytes: sim.publishedBytes('timestamp') },
    at('snapshot'),
    at('targets'),
    at('A'),
    at(binFor(BIN_TARGET)),
  ];
});

afterAll(async () => h?.close());

// The metadata directory as a fresh client (root v1 only) or one with a full cache has it.
async function resetMetadata(cached: boolean): Promise<void> {
  await rm(h.metadataDir, { recursive: true, force: true });
  await mkdir(h.metadataDir);
  if (!cached) return writeFile(join(h.metadataDir, 'root.json'), h.sim.rootBytes(1));
  for (const [name, bytes] of baseline) await writeFile(join(h.metadataDir, name), bytes);
}

function typeOf(role: string): RoleType {
  return (TOP.includes(role) ? role : 'targets') as RoleType;
}

// The authorities a delegated role may be verified with: any targets document on disk naming it.
function delegatedAuthorities(
  role: string,
  docs: Map<string, Envelope>,
): { role: RoleKeys; keys: ReadonlyMap<string, Key> }[] {
  const out: { role: RoleKeys; keys: ReadonlyMap<string, Key> }[] = [];
  for (const [name, env] of docs) {
    if (TOP.includes(name) && name !== 'targets') continue;
    const d = (env as Envelope<Targets>).signed.delegations;
    const named = d?.roles?.find((r) => r.name === role);
    if (d && named) out.push({ role: named, keys: d.keys });
    if (d?.succinctRoles && role.startsWith(`${d.succinctRoles.namePrefix}-`))
      out.push({ role: d.succinctRoles, keys: d.keys });
  }
  return out;
}

// Problems with the metadata directory: foreign or temp files, files that do not parse, files
// that neither match the last good refresh nor verify against the trusted state on disk.
async function diskProblems(): Promise<string[]> {
  const problems: string[] = [];
  const docs = new Map<string, Envelope>();
  const raw = new Map<string, Uint8Array>();
  for (const name of await readdir(h.metadataDir)) {
    if (name.startsWith('.') || !name.endsWith('.json')) {
      problems.push(`unexpected file ${name}`);
      continue;
    }
    const role = decodeURIComponent(name.slice(0, -'.json'.length));
    const bytes = await readFile(join(h.metadataDir, name));
    raw.set(role, bytes);
    try {
      docs.set(role, parseMetadata(bytes, typeOf(role), role));
    } catch (err) {
      problems.push(`${name} does not parse: ${String(err)}`);
    }
  }
  const root = docs.get('root') as Envelope<Root> | undefined;
  for (const [role, env] of docs) {
    const baseBytes = baseline.get(roleFileName(role));
    if (
      baseBytes !== undefined &&
      Buffer.compare(baseBytes, raw.get(role) ?? new Uint8Array()) === 0
    )
      continue;
    const authorities =
      root === undefined
        ? []
        : role === 'root'
          ? [{ role: root.signed.roles.root, keys: root.signed.keys }]
          : TOP.includes(role)
            ? [{ role: root.signed.roles[role as RoleType], keys: root.signed.keys }]
            : delegatedAuthorities(role, docs);
    const verifies = authorities.some((a) => {
      try {
        verifyThreshold(env, role, a.role, a.keys);
        return true;
      } catch {
        return false;
      }
    });
    if (!verifies)
      problems.push(`${role}.json changed and does not verify against the trusted state on disk`);
  }
  return problems;
}

async function refreshAndLookup(path: string): Promise<void> {
  const updater = h.updater({ clock: () => FUZZ_NOW });
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`hang: no result after ${HANG_MS} ms`)), HANG_MS);
  });
  try {
    await Promise.race([
      (async () => {
        await updater.refresh();
        await updater.getTargetInfo(path);
      })(),
      hang,
    ]);
  } finally {
    clearTimeout(timer);
    await updater.close();
  }
}

describe('Updater against mutated metadata on a loopback server', () => {
  it('every failure is a PgError with a code; the cache only holds verified files, no temp files', async () => {
    const rng = new Prng(SEED ^ 0x0bad5eed);
    const codes = new Map<string, number>();
    const failures: string[] = [];
    let accepted = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const victim = victims[i % victims.length] as Victim;
      const doc = JSON.parse(new TextDecoder().decode(victim.bytes)) as JsonObject;
      const resign = rng.chance(0.5);
      const mutation = resign
        ? mutateSigned(doc, h.sim.signers.get(victim.role) ?? [], rng)
        : mutateDocument(doc, victim.bytes, rng);
      h.sim.overrides.clear();
      // A re-signed snapshot or targets-family document is served with a snapshot/timestamp committing to it.
      const files =
        resign && victim.role !== 'root' && victim.role !== 'timestamp'
          ? recommit(h.sim, victim.role, mutation.bytes).files
          : new Map([[victim.path, mutation.bytes]]);
      for (const [path, bytes] of files) h.sim.overrides.set(path, bytes);
      // A new root is only fetched by a client still on root v1.
      const cached = victim.role !== 'root' && rng.chance(0.5);
      await resetMetadata(cached);
      // Unchanged snapshot meta would let the valid cached copy win: drop it so the bytes are fetched.
      if (cached && !resign)
        await rm(join(h.metadataDir, roleFileName(victim.role)), { force: true });
      let outcome = 'accepted';
      try {
        await refreshAndLookup(
          victim.role === 'A'
            ? 'a/tool-1.0.tgz'
            : victim.role.startsWith('bins-')
              ? BIN_TARGET
              : rng.pick(LOOKUPS),
        );
        accepted++;
      } catch (err) {
        if (err instanceof PgError && typeof err.code === 'string')
          outcome = `${err.name}:${err.code}`;
        else {
          outcome = 'crash';
          failures.push(
            `${victim.role} #${i}: ${err instanceof Error ? (err.stack ?? err.message).split('\n').slice(0, 3).join(' | ') : String(err)} — ${mutation.description.slice(0, 160)}`,
          );
        }
      }
      codes.set(`${victim.role} ${outcome}`, (codes.get(`${victim.role} ${outcome}`) ?? 0) + 1);
      for (const problem of await diskProblems())
        failures.push(`${victim.role} #${i}: ${problem} — ${mutation.description.slice(0, 160)}`);
    }
    h.sim.overrides.clear();
    const summary = [...codes]
      .sort()
      .map(([c, n]) => `${c}=${n}`)
      .join(', ');
    console.info(`updater: ${ITERATIONS} cases, ${accepted} accepted; ${summary}`);
    expect(failures).toEqual([]);
    expect(accepted).toBeGreaterThan(0);
    expect(accepted).toBeLessThan(ITERATIONS);
  });
});

describe('fuzz reproducers (Updater)', () => {
  it('a served timestamp whose snapshot hash is nested 7,500 deep fails with a FormatError, not a RangeError', async () => {
    // 15 KB: under the 16 KB timestamp cap, parsed before any signature check (a MITM can serve it).
    const deep = '['.repeat(7_500) + ']'.repeat(7_500);
    const text = new TextDecoder().decode(h.sim.publishedBytes('timestamp'));
    h.sim.overrides.set(
      'metadata/timestamp.json',
      new TextEncoder().encode(text.replace(/"sha256":"[0-9a-f]{64}"/, `"sha256":${deep}`)),
    );
    await resetMetadata(false);
    const err = await refreshAndLookup('a/tool-1.0.tgz').then(
      () => undefined,
      (e: unknown) => e,
    );
    h.sim.overrides.clear();
    expect(await diskProblems()).toEqual([]);
    expect(err).toBeInstanceOf(FormatError);
  });
});
