// Deterministic mutation fuzzing for attacker-controlled metadata. A seedable PRNG (mulberry32)
// drives structural mutations of a parsed JSON document and byte-level mutations of its bytes.
// Structural mutations are written back as raw JSON text through markers, so inputs that
// JSON.stringify could never produce survive: 1e400, 2^53+1, duplicate keys, own "__proto__"
// keys, lone surrogates and 10,000-deep nesting. Every mutation carries a description, so a
// failing case can be named and replayed from (seed, iteration).

import { createHash, createPrivateKey } from 'node:crypto';
import {
  hashHex,
  serializeMetadata,
  signMetadata,
  signerFromPem,
  succinctBinNameForHash,
  targetPathHash,
  type Json,
  type JsonObject,
  type Signer,
} from '../../src/core/index.js';
import { RepositorySimulator, roleFileName } from '../../src/sim/index.js';

/** mulberry32: a small, fast, seedable PRNG; the same seed always gives the same sequence. */
export class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** A uniformly chosen element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** A mutated input and a one-line description of what was done to it. */
export interface Mutation {
  readonly bytes: Uint8Array;
  readonly description: string;
}

const DEPTH = 10_000;
const LONG = 1 << 20;

/** Raw JSON texts substituted for a value: every type, edge numbers, hostile strings, deep nesting. */
export const RAW_VALUES: readonly (readonly [name: string, raw: string])[] = [
  ['null', 'null'],
  ['true', 'true'],
  ['-1', '-1'],
  ['0', '0'],
  ['-0', '-0'],
  ['1.5', '1.5'],
  ['1.0', '1.0'],
  ['1e2', '1e2'],
  ['1e400', '1e400'],
  ['2^53+1', '9007199254740993'],
  ['-2^53-1', '-9007199254740993'],
  ['""', '""'],
  ['long string', `"${'a'.repeat(LONG)}"`],
  ['[]', '[]'],
  ['{}', '{}'],
  ['deep array', '['.repeat(DEPTH) + ']'.repeat(DEPTH)],
  ['deep object', '{"a":'.repeat(DEPTH) + '1' + '}'.repeat(DEPTH)],
  ['lone surrogate', '"\\ud800"'],
  ['NUL string', '"\\u0000"'],
  ['path traversal', '"../../../etc/passwd"'],
  ['absolute path', '"/etc/passwd"'],
  ['encoded traversal', '"%2e%2e%2f%2e%2e"'],
  ['backslash path', '"..\\\\..\\\\x"'],
  ['astral', '"\\ud83d\\ude00"'],
];

/** Raw JSON strings used as object keys (role names, target paths, meta entries, keyids). */
export const RAW_KEYS: readonly string[] = [
  '"__proto__"',
  '"constructor"',
  '"toString"',
  '"hasOwnProperty"',
  '""',
  '"."',
  '".."',
  '"../x"',
  '"a/../../b"',
  '"\\u0000"',
  '"\\ud800"',
  '"root"',
  '"snapshot.json"',
  `"${'k'.repeat(4096)}"`,
];

const MARK_VALUE = '@@pg-fuzz-value-';
const MARK_KEY = '@@pg-fuzz-key-';

type Path = readonly (string | number)[];

interface Site {
  readonly path: Path;
  readonly value: Json;
}

interface Draft {
  /** The document being edited (a deep copy); markers stand in for raw text. */
  root: Json;
  /** Marker JSON text → raw JSON text. */
  readonly raw: Map<string, string>;
  readonly notes: string[];
}

function isObject(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isMarker(s: string): boolean {
  return s.startsWith(MARK_VALUE) || s.startsWith(MARK_KEY);
}

function showPath(path: Path): string {
  let out = '$';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `[${JSON.stringify(p)}]`;
  return out;
}

// Every value of the document with its path; marker values (already replaced) are skipped.
function sites(root: Json): Site[] {
  const out: Site[] = [];
  const walk = (value: Json, path: (string | number)[]): void => {
    if (typeof value === 'string' && isMarker(value)) return;
    out.push({ path: [...path], value });
    if (Array.isArray(value)) value.forEach((v, i) => walk(v, [...path, i]));
    else if (isObject(value))
      for (const k of Object.keys(value)) if (!isMarker(k)) walk(value[k] as Json, [...path, k]);
  };
  walk(root, []);
  return out;
}

function setAt(draft: Draft, path: Path, value: Json): void {
  if (path.length === 0) {
    draft.root = value;
    return;
  }
  let parent: Json = draft.root;
  for (const p of path.slice(0, -1)) parent = (parent as Record<string | number, Json>)[p] as Json;
  (parent as Record<string | number, Json>)[path[path.length - 1] as string | number] = value;
}

function parentOf(draft: Draft, path: Path): Json {
  let parent: Json = draft.root;
  for (const p of path.slice(0, -1)) parent = (parent as Record<string | number, Json>)[p] as Json;
  return parent;
}

function rawMarker(draft: Draft, raw: string): string {
  const marker = `${MARK_VALUE}${draft.raw.size}`;
  draft.raw.set(JSON.stringify(marker), raw);
  return marker;
}

// Rebuilds `obj` in place with `entry` at the front or back (the order JSON.parse will see).
function insertKey(obj: JsonObject, key: string, value: Json, first: boolean): void {
  if (!first) {
    obj[key] = value;
    return;
  }
  const entries = Object.entries(obj);
  for (const [k] of entries) delete obj[k];
  obj[key] = value;
  for (const [k, v] of entries) obj[k] = v;
}

// A raw key: the marker key is later rewritten, with its colon, to `<raw>:`.
function keyMarker(draft: Draft, rawKey: string): string {
  const marker = `${MARK_KEY}${draft.raw.size}`;
  draft.raw.set(`${JSON.stringify(marker)}:`, `${rawKey}:`);
  return marker;
}

function swapType(value: Json): [string, Json] {
  if (typeof value === 'string') {
    const n = Number(value);
    return ['string→number', Number.isFinite(n) ? n : value.length];
  }
  if (typeof value === 'number') return ['number→string', String(value)];
  if (typeof value === 'boolean') return ['boolean→string', String(value)];
  if (value === null) return ['null→object', {}];
  if (Array.isArray(value)) {
    const obj: JsonObject = {};
    value.forEach((v, i) => (obj[String(i)] = v));
    return ['array→object', obj];
  }
  return ['object→array', Object.values(value)];
}

// Edits inside a string: hex, base64 (PEM), dates, paths and role names all live in strings.
function editString(rng: Prng, s: string): [string, string] {
  const at = rng.int(s.length + 1);
  const alphabet = 'aZ09+/=-_.%\\ \u0000\u00e9G';
  switch (rng.int(8)) {
    case 0:
      return ['truncate', s.slice(0, at)];
    case 1:
      return ['replace a char', s.slice(0, at) + rng.pick([...alphabet]) + s.slice(at + 1)];
    case 2:
      return ['insert a char', s.slice(0, at) + rng.pick([...alphabet]) + s.slice(at)];
    case 3:
      return ['upper-case', s.toUpperCase()];
    case 4:
      return ['double', s + s];
    case 5:
      return ['prefix ../', `../${s}`];
    case 6:
      // A date in the past (expiry) or far future; other strings gain a leading 2000.
      return ['year 2000', /^\d{4}-/.exec(s) !== null ? `2000${s.slice(4)}` : `2000${s}`];
    default:
      return ['append slash', `${s}/`];
  }
}

function editNumber(rng: Prng, n: number): [string, number] {
  return rng.pick<[string, number]>([
    ['+1', n + 1],
    ['-1', n - 1],
    ['negate', -n],
    ['×2^32', n * 2 ** 32],
    ['+0.5', n + 0.5],
    ['max safe', Number.MAX_SAFE_INTEGER],
  ]);
}

// One structural edit of the draft; an operation that does not fit the site becomes a replacement.
function applyOne(draft: Draft, rng: Prng): void {
  const all = sites(draft.root);
  // An earlier edit may have replaced the whole document with raw text: nothing left to edit.
  if (all.length === 0) return;
  const site = rng.pick(all);
  const where = showPath(site.path);
  const parent = site.path.length > 0 ? parentOf(draft, site.path) : undefined;
  const key = site.path[site.path.length - 1];
  const objects = all.filter((s) => isObject(s.value));
  switch (rng.int(9)) {
    case 0:
    case 1: {
      const [name, raw] = rng.pick(RAW_VALUES);
      setAt(draft, site.path, rawMarker(draft, raw));
      draft.notes.push(`replace ${where} with ${name}`);
      return;
    }
    case 2: {
      if (parent === undefined) break;
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete (parent as JsonObject)[key as string];
      draft.notes.push(`delete ${where}`);
      return;
    }
    case 3: {
      // Duplicate key: JSON.parse keeps the last one, python's json too; order decides which wins.
      if (objects.length === 0) break;
      const target = rng.pick(objects);
      const obj = target.value as JsonObject;
      const keys = Object.keys(obj).filter((k) => !isMarker(k));
      if (keys.length === 0) break;
      const dup = rng.pick(keys);
      const first = rng.chance(0.5);
      const [name, raw] = rng.chance(0.5)
        ? (['a copy', JSON.stringify(obj[dup])] as const)
        : rng.pick(RAW_VALUES);
      insertKey(obj, keyMarker(draft, JSON.stringify(dup)), rawMarker(draft, raw), first);
      draft.notes.push(
        `duplicate key ${showPath([...target.path, dup])} (${first ? 'first' : 'last'}) = ${name}`,
      );
      return;
    }
    case 4: {
      if (objects.length === 0) break;
      const target = rng.pick(objects);
      const rawKey = rng.pick(RAW_KEYS);
      const [name, raw] = rng.chance(0.5)
        ? (['{"x":1}', '{"x":1}'] as const)
        : rng.pick(RAW_VALUES);
      insertKey(
        target.value as JsonObject,
        keyMarker(draft, rawKey),
        rawMarker(draft, raw),
        rng.chance(0.5),
      );
      draft.notes.push(`add key ${rawKey.slice(0, 24)} to ${showPath(target.path)} = ${name}`);
      return;
    }
    case 5: {
      const [name, value] = swapType(site.value);
      setAt(draft, site.path, value);
      draft.notes.push(`swap type ${where} ${name}`);
      return;
    }
    case 6: {
      // Rename a key: role names, target paths, keyids and meta entry names are map keys.
      if (!isObject(parent ?? null)) break;
      const obj = parent as JsonObject;
      const rawKey = rng.pick(RAW_KEYS);
      const entries = Object.entries(obj);
      for (const [k] of entries) delete obj[k];
      const marker = keyMarker(draft, rawKey);
      for (const [k, v] of entries) obj[k === key ? marker : k] = v;
      draft.notes.push(`rename key ${where} to ${rawKey.slice(0, 24)}`);
      return;
    }
    case 7: {
      if (typeof site.value !== 'string') break;
      const [name, value] = editString(rng, site.value);
      setAt(draft, site.path, value);
      draft.notes.push(`string ${name} at ${where}`);
      return;
    }
    default: {
      if (typeof site.value !== 'number') break;
      const [name, value] = editNumber(rng, site.value);
      setAt(draft, site.path, rawMarker(draft, String(value)));
      draft.notes.push(`number ${name} at ${where}`);
      return;
    }
  }
  // The chosen operation did not fit the site: fall back to a plain replacement.
  const [name, raw] = rng.pick(RAW_VALUES);
  setAt(draft, site.path, rawMarker(draft, raw));
  draft.notes.push(`replace ${where} with ${name}`);
}

function render(draft: Draft): string {
  let text = JSON.stringify(draft.root);
  for (const [marker, raw] of draft.raw) text = text.split(marker).join(raw);
  return text;
}

/** 1–3 structural edits of a copy of `doc`, as raw JSON text (the input is not modified). */
export function mutateStructure(doc: Json, rng: Prng): { text: string; description: string } {
  const draft: Draft = { root: structuredClone(doc), raw: new Map(), notes: [] };
  const count = rng.chance(0.75) ? 1 : 2 + rng.int(2);
  for (let i = 0; i < count; i++) applyOne(draft, rng);
  return { text: render(draft), description: draft.notes.join('; ') };
}

const INVALID_UTF8: readonly (readonly [string, number[]])[] = [
  ['0xff', [0xff]],
  ['lone continuation', [0x80]],
  ['overlong NUL', [0xc0, 0x80]],
  ['UTF-8 surrogate', [0xed, 0xa0, 0x80]],
  ['above U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
  ['truncated sequence', [0xe2, 0x82]],
];
const BOM = [0xef, 0xbb, 0xbf];

function splice(
  bytes: Uint8Array,
  at: number,
  remove: number,
  insert: readonly number[],
): Uint8Array {
  const out = new Uint8Array(bytes.length - remove + insert.length);
  out.set(bytes.subarray(0, at), 0);
  out.set(insert, at);
  out.set(bytes.subarray(at + remove), at + insert.length);
  return out;
}

/** One byte-level corruption of `bytes` (a copy): bit flips, truncation, bad UTF-8, NUL, BOM, … */
export function mutateBytes(bytes: Uint8Array, rng: Prng): Mutation {
  const at = rng.int(bytes.length + 1);
  switch (rng.int(8)) {
    case 0: {
      const out = Uint8Array.from(bytes);
      const flips = 1 + rng.int(4);
      for (let i = 0; i < flips && out.length > 0; i++) {
        const j = rng.int(out.length);
        out[j] = (out[j] ?? 0) ^ (1 << rng.int(8));
      }
      return { bytes: out, description: `flip ${flips} bit(s)` };
    }
    case 1:
      return { bytes: bytes.slice(0, at), description: `truncate at ${at}/${bytes.length}` };
    case 2: {
      const [name, seq] = rng.pick(INVALID_UTF8);
      return {
        bytes: splice(bytes, at, 0, seq),
        description: `insert invalid UTF-8 (${name}) at ${at}`,
      };
    }
    case 3:
      return { bytes: splice(bytes, at, 0, [0]), description: `insert NUL at ${at}` };
    case 4:
      return { bytes: splice(bytes, 0, 0, BOM), description: 'prefix a UTF-8 BOM' };
    case 5:
      return { bytes: splice(bytes, at, 0, BOM), description: `insert a BOM at ${at}` };
    case 6: {
      const c = rng.pick([...'{}[]":,0-e.\\ ']).charCodeAt(0);
      const n = at < bytes.length ? 1 : 0;
      return {
        bytes: splice(bytes, at, n, [c]),
        description: `set byte ${at} to ${String.fromCharCode(c)}`,
      };
    }
    default: {
      const len = 1 + rng.int(32);
      return {
        bytes: splice(bytes, at, Math.min(len, bytes.length - at), []),
        description: `delete ${len} bytes at ${at}`,
      };
    }
  }
}

/** A structural (about 2 in 3) or byte-level mutation of a document whose bytes are `bytes`. */
export function mutateDocument(doc: Json, bytes: Uint8Array, rng: Prng): Mutation {
  if (rng.chance(0.35)) return mutateBytes(bytes, rng);
  const { text, description } = mutateStructure(doc, rng);
  return { bytes: new TextEncoder().encode(text), description };
}

/**
 * Mutates only `envelope.signed` and signs the result again with `signers`, so the mutation
 * passes the signature check and reaches the checks behind it. Values that cannot be signed
 * (1e400, lone surrogates, …) keep the old signatures. Duplicate keys and other raw text
 * survive in the bytes; the signature covers what JSON.parse makes of them.
 */
export function mutateSigned(
  envelope: JsonObject,
  signers: readonly Signer[],
  rng: Prng,
): Mutation {
  const { text, description } = mutateStructure(envelope['signed'] ?? null, rng);
  let signatures: Json = envelope['signatures'] ?? [];
  let how = 'old signatures';
  try {
    const parsed = JSON.parse(text) as Json;
    if (isObject(parsed)) {
      signatures = signMetadata(parsed, signers).signatures;
      how = 're-signed';
    }
  } catch {
    // Not signable (unparseable, or not canonicalizable): serve it with the old signatures.
  }
  const out = `{"signed":${text},"signatures":${JSON.stringify(signatures)}}`;
  return { bytes: new TextEncoder().encode(out), description: `${description} (${how})` };
}

/** A signer whose private key is derived from `label`: the same label gives the same key. */
export function deterministicSigner(
  label: string,
  alg: 'ed25519' | 'ecdsa-p256' = 'ed25519',
): Signer {
  const seed = createHash('sha256').update(label).digest();
  // PKCS#8 for Ed25519 and SEC1 for P-256 both take the raw private scalar after a fixed prefix.
  const der =
    alg === 'ed25519'
      ? Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed])
      : Buffer.concat([
          Buffer.from('30310201010420', 'hex'),
          seed,
          Buffer.from('a00a06082a8648ce3d030107', 'hex'),
        ]);
  const key = createPrivateKey({
    key: der,
    format: 'der',
    type: alg === 'ed25519' ? 'pkcs8' : 'sec1',
  });
  return signerFromPem(key.export({ type: 'pkcs8', format: 'pem' }).toString(), alg);
}

/** The fixed reference time of the fuzz repository (expiry is one year later). */
export const FUZZ_NOW = new Date('2031-02-03T04:05:06Z');

/** A target path listed by the succinct bin that `binFor` names. */
export const BIN_TARGET = 'c/pkg-1.0.whl';

/** The bin of the succinct delegation under role C that holds `path`. */
export function binFor(path: string): string {
  return succinctBinNameForHash('bins', targetPathHash(path), 3);
}

/**
 * A small repository exercising every parser branch, byte-identical on every run (derived
 * Ed25519 keys, fixed clock): root v1 → v2 (2 keys, threshold 2), meta with length + hashes,
 * targets with `custom`, delegations by `paths` (A, plus an unsigned ECDSA PEM key), by
 * `path_hash_prefixes` (B), and C → TAP 15 succinct bins.
 */
export function fuzzRepository(): RepositorySimulator {
  const s = (label: string): Signer => deterministicSigner(`pg-fuzz ${label}`);
  const sim = new RepositorySimulator({
    now: FUZZ_NOW,
    metaHashes: true,
    signers: {
      root: [s('root 1'), s('root 2')],
      timestamp: [s('timestamp')],
      snapshot: [s('snapshot')],
      targets: [s('targets')],
    },
  });
  sim.setThreshold('root', 2);
  sim.bumpRoot();
  const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
  sim.addTarget('targets', 'top/readme.txt', bytes('top'), { owner: 'x', tags: [1, 'a'] });
  sim.addDelegation('targets', { name: 'A', paths: ['a/*', 'docs/*.md'] }, [s('A')]);
  // An ECDSA key (PEM, base64) authorized for A but never signing: parsed, never counted.
  const ecdsa = deterministicSigner('pg-fuzz A ecdsa', 'ecdsa-p256');
  const delegations = sim.targets.signed['delegations'] as JsonObject;
  (delegations['keys'] as JsonObject)[ecdsa.keyid] = ecdsa.key.json;
  const roleA = (delegations['roles'] as JsonObject[])[0] as JsonObject;
  (roleA['keyids'] as string[]).push(ecdsa.keyid);
  sim.addDelegation('targets', { name: 'B', pathHashPrefixes: ['0', '8a', 'ff'] }, [s('B')]);
  sim.addDelegation('targets', { name: 'C', paths: ['c/*'], terminating: true }, [s('C')]);
  sim.addSuccinctDelegation('C', 3, 'bins', [s('bins')]);
  sim.addTarget('A', 'a/tool-1.0.tgz', bytes('tool'), { 'x-note': 'a' }, ['sha256', 'sha512']);
  sim.addTarget(binFor(BIN_TARGET), BIN_TARGET, bytes('wheel'));
  sim.publish();
  return sim;
}

/** Documents that commit to a replacement document for one role, and where each is served. */
export interface Recommitted {
  /** Server path → bytes: the role's document, a re-signed snapshot (targets roles) and timestamp. */
  readonly files: Map<string, Uint8Array>;
  readonly rolePath: string;
  readonly snapshot?: Uint8Array;
  readonly timestamp: Uint8Array;
}

function versionOf(bytes: Uint8Array, fallback: number): number {
  try {
    const doc = JSON.parse(new TextDecoder().decode(bytes)) as { signed?: { version?: unknown } };
    const v = doc.signed?.version;
    return typeof v === 'number' && Number.isSafeInteger(v) && v >= 1 ? v : fallback;
  } catch {
    return fallback;
  }
}

function signAndSerialize(sim: RepositorySimulator, role: string, signed: JsonObject): Uint8Array {
  return serializeMetadata(signMetadata(signed, sim.signers.get(role) ?? []));
}

function metaEntry(version: number, bytes: Uint8Array): JsonObject {
  return { version, length: bytes.byteLength, hashes: { sha256: hashHex('sha256', bytes) } };
}

/**
 * Re-signs the snapshot (for a targets role) and the timestamp, each one version newer, so that
 * they list `bytes` as `role`'s document (its version when readable, length, sha256). A mutated
 * document served with these passes the length and hash checks and reaches the checks behind them.
 * `declaredVersion` lists another version than the document's own (a version-mismatch case).
 */
export function recommit(
  sim: RepositorySimulator,
  role: string,
  bytes: Uint8Array,
  declaredVersion?: number,
): Recommitted {
  const files = new Map<string, Uint8Array>();
  const timestamp = structuredClone(sim.timestamp.signed);
  timestamp['version'] = sim.timestamp.version + 1;
  if (role === 'snapshot') {
    const version = declaredVersion ?? versionOf(bytes, sim.snapshot.version);
    const rolePath = `metadata/${version}.snapshot.json`;
    files.set(rolePath, bytes);
    timestamp['meta'] = { 'snapshot.json': metaEntry(version, bytes) };
    const ts = signAndSerialize(sim, 'timestamp', timestamp);
    files.set('metadata/timestamp.json', ts);
    return { files, rolePath, timestamp: ts };
  }
  const version = declaredVersion ?? versionOf(bytes, sim.role(role).version);
  const rolePath = `metadata/${roleFileName(role, version)}`;
  files.set(rolePath, bytes);
  const snapshot = structuredClone(sim.snapshot.signed);
  const snapshotVersion = sim.snapshot.version + 1;
  snapshot['version'] = snapshotVersion;
  (snapshot['meta'] as JsonObject)[`${role}.json`] = metaEntry(version, bytes);
  const snap = signAndSerialize(sim, 'snapshot', snapshot);
  files.set(`metadata/${snapshotVersion}.snapshot.json`, snap);
  timestamp['meta'] = { 'snapshot.json': metaEntry(snapshotVersion, snap) };
  const ts = signAndSerialize(sim, 'timestamp', timestamp);
  files.set('metadata/timestamp.json', ts);
  return { files, rolePath, snapshot: snap, timestamp: ts };
}
