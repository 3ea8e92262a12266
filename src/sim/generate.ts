// Generated PEP 458 repositories for the benchmark and the demo: top-level targets delegates
// to 2^n hash bins (`bins-<hex>`, path_hash_prefixes or TAP 15 succinct_roles), each bin lists
// `targetsPerBin` artifacts. Bin metadata is built and signed lazily on first request and
// cached, so a 16,384-bin repository starts in seconds and only pays for what is fetched.

import { createHash } from 'node:crypto';
import {
  generateSigner,
  hashHex,
  succinctBinName,
  serializeMetadata,
  signMetadata,
  type JsonObject,
  type KeyAlgorithm,
  type RoleType,
  type Signer,
  hashPrefixedPath,
} from '../core/index.js';
import { HashBinLayout } from './hash-bins.js';
import { daysFrom } from './json.js';
import { initialSigned } from './role-record.js';
import type { FileSource, StreamBody } from './server.js';

export interface HashBinOptions {
  /** Number of bins, a power of two (PEP 458 uses 16,384). */
  readonly bins: number;
  readonly targetsPerBin: number;
  /** TAP 15 succinct_roles instead of one delegated role entry per bin. */
  readonly succinct: boolean;
  readonly keyAlgorithm?: KeyAlgorithm;
  readonly seed?: string;
  readonly now?: Date;
  readonly expiresInDays?: number;
}

const NAME_PREFIX = 'bins';
const LARGE_CHUNK = 1024 * 1024;

interface LargeTarget {
  readonly path: string;
  readonly length: number;
  readonly sha256: string;
  readonly offset: number;
}

export class HashBinRepository implements FileSource {
  /** `1.root.json`: what a client is bootstrapped with. */
  readonly rootBytes: Uint8Array;
  readonly layout: HashBinLayout;
  readonly succinct: boolean;
  private readonly expires: string;
  private readonly signers: Record<RoleType | 'bins', Signer>;
  private readonly binVersions: Uint32Array;
  private readonly binCache = new Map<string, Uint8Array>();
  private readonly targetsSigned: JsonObject;
  private readonly targetsVersions = new Map<number, Uint8Array>();
  private readonly snapshotSigned: JsonObject;
  private readonly snapshotVersions = new Map<number, Uint8Array>();
  private readonly snapshotMeta: JsonObject;
  private readonly timestampSigned: JsonObject;
  private timestampBytes: Uint8Array = new Uint8Array();
  private readonly large = new Map<string, LargeTarget>();
  private nextChange = 0;

  constructor(options: HashBinOptions) {
    this.layout = new HashBinLayout(
      options.bins,
      options.targetsPerBin,
      options.seed ?? 'repository-playground',
    );
    this.succinct = options.succinct;
    this.expires = daysFrom(options.now ?? new Date(), options.expiresInDays ?? 365);
    const alg = options.keyAlgorithm ?? 'ed25519';
    this.signers = {
      root: generateSigner(alg),
      timestamp: generateSigner(alg),
      snapshot: generateSigner(alg),
      targets: generateSigner(alg),
      bins: generateSigner(alg),
    };
    this.binVersions = new Uint32Array(this.layout.bins).fill(1);

    const root = initialSigned('root', this.expires, true);
    const keys: JsonObject = {};
    const roles: JsonObject = {};
    for (const role of ['root', 'timestamp', 'snapshot', 'targets'] as const) {
      keys[this.signers[role].keyid] = this.signers[role].key.json;
      roles[role] = { keyids: [this.signers[role].keyid], threshold: 1 };
    }
    Object.assign(root, { keys, roles });
    this.rootBytes = sign(root, this.signers.root);

    this.targetsSigned = {
      ...initialSigned('targets', this.expires, true),
      delegations: this.delegations(),
    };
    this.targetsVersions.set(1, sign(this.targetsSigned, this.signers.targets));
    // PEP 458 style: snapshot meta carries versions only (no hashes), one entry per bin.
    this.snapshotMeta = { 'targets.json': { version: 1 } };
    for (let bin = 0; bin < this.layout.bins; bin++)
      this.snapshotMeta[`${this.binName(bin)}.json`] = { version: 1 };
    this.snapshotSigned = {
      ...initialSigned('snapshot', this.expires, true),
      meta: this.snapshotMeta,
    };
    this.snapshotVersions.set(1, sign(this.snapshotSigned, this.signers.snapshot));
    this.timestampSigned = initialSigned('timestamp', this.expires, true);
    this.timestampBytes = sign(this.timestampSigned, this.signers.timestamp);
  }

  get bins(): number {
    return this.layout.bins;
  }

  /** `bins-<hex>`, zero-padded to ceil(bitLength / 4) digits (TAP 15 naming, also used for ordinary bins). */
  binName(bin: number): string {
    return succinctBinName(NAME_PREFIX, bin, this.layout.bitLength);
  }

  /** A deterministic sample of target paths spread over the bins. */
  targetPaths(count = 100): string[] {
    if (this.layout.targetsPerBin === 0) return [];
    const out: string[] = [];
    const stride = Math.max(1, Math.floor(this.layout.bins / Math.max(1, count)));
    for (let i = 0; i < count; i++) {
      const bin = (i * stride + Math.floor(i / this.layout.bins)) % this.layout.bins;
      out.push(this.layout.targetAt(bin, i % this.layout.targetsPerBin).path);
    }
    return out;
  }

  /** The bin a target path belongs to (first bitLength bits of its sha256). */
  binForPath(path: string): number {
    return this.layout.binOf(path);
  }

  /** Builds and caches the bin metadata of these paths now, so a benchmark does not time the generator. */
  warm(paths: readonly string[]): void {
    for (const path of paths) this.binBytes(this.layout.binOf(path));
  }

  /** Current version of a bin's metadata. */
  binVersion(bin: number): number {
    return this.binVersions[bin] ?? 0;
  }

  /** Signed bin metadata for a (current or older) version; built on first request, then cached. */
  binBytes(bin: number, version = this.binVersion(bin)): Uint8Array | undefined {
    if (
      !Number.isSafeInteger(bin) ||
      bin < 0 ||
      bin >= this.layout.bins ||
      version < 1 ||
      version > this.binVersion(bin)
    )
      return undefined;
    const key = `${bin}:${version}`;
    let bytes = this.binCache.get(key);
    if (bytes === undefined) {
      const targets: JsonObject = {};
      for (const t of this.layout.binTargets(bin))
        targets[t.path] = { length: t.length, hashes: { sha256: this.layout.sha256(t) } };
      bytes = sign(
        { ...initialSigned('targets', this.expires, true), version, targets },
        this.signers.bins,
      );
      this.binCache.set(key, bytes);
    }
    return bytes;
  }

  /** New version of one bin (round-robin by default), then a new snapshot and timestamp. */
  changeOneBin(bin: number = this.nextChange++ % this.layout.bins): {
    bin: number;
    name: string;
    version: number;
  } {
    const version = this.binVersion(bin) + 1;
    this.binVersions[bin] = version;
    this.snapshotMeta[`${this.binName(bin)}.json`] = { version };
    this.publishSnapshot();
    return { bin, name: this.binName(bin), version };
  }

  /** Adds a large artifact to top-level targets (content generated in chunks, served streaming). */
  async addLargeTarget(path: string, sizeBytes: number): Promise<JsonObject> {
    const offset = this.large.size * 7919;
    const digest = createHash('sha256');
    for (let at = 0; at < sizeBytes; at += LARGE_CHUNK) {
      digest.update(this.layout.filler(offset + at, Math.min(LARGE_CHUNK, sizeBytes - at)));
      if ((at / LARGE_CHUNK) % 16 === 15) await new Promise((resolve) => setImmediate(resolve));
    }
    const target: LargeTarget = { path, length: sizeBytes, sha256: digest.digest('hex'), offset };
    this.large.set(`targets/${largeFileName(target)}`, target);
    const entry: JsonObject = { length: sizeBytes, hashes: { sha256: target.sha256 } };
    (this.targetsSigned['targets'] as JsonObject)[path] = entry;
    const version = (this.targetsSigned['version'] as number) + 1;
    this.targetsSigned['version'] = version;
    this.targetsVersions.set(version, sign(this.targetsSigned, this.signers.targets));
    this.snapshotMeta['targets.json'] = { version };
    this.publishSnapshot();
    return entry;
  }

  /** The file source interface: metadata and artifacts by path relative to the server root. */
  get(path: string): Uint8Array | undefined {
    if (path.startsWith('metadata/')) return this.metadata(path.slice('metadata/'.length));
    if (!path.startsWith('targets/')) return undefined;
    const name = path.slice('targets/'.length);
    const cut = name.lastIndexOf('/');
    const base = name.slice(cut + 1);
    const dot = base.indexOf('.');
    if (dot < 0) return undefined;
    const target = this.layout.findTarget(name.slice(0, cut + 1) + base.slice(dot + 1));
    if (target === undefined) return undefined;
    const bytes = this.layout.content(target);
    // Consistent snapshots: the name's hash prefix must be the artifact's sha256 (TUF 5.7.3).
    return hashHex('sha256', bytes) === base.slice(0, dot) ? bytes : undefined;
  }

  /** Streaming access to large artifacts (see addLargeTarget). */
  getStream(path: string): StreamBody | undefined {
    const target = this.large.get(path);
    if (target === undefined) return undefined;
    const layout = this.layout;
    return {
      length: target.length,
      async *chunks(): AsyncIterable<Uint8Array> {
        for (let at = 0; at < target.length; at += LARGE_CHUNK) {
          // Yield to the event loop between chunks so other requests are served meanwhile.
          await new Promise((resolve) => setImmediate(resolve));
          yield layout.filler(target.offset + at, Math.min(LARGE_CHUNK, target.length - at));
        }
      },
    };
  }

  /** Sizes for reports: the documents every client fetches, and how many bins are cached. */
  stats(): { draws: number; targetsBytes: number; snapshotBytes: number; cachedBins: number } {
    return {
      draws: this.layout.draws,
      targetsBytes: this.latest(this.targetsVersions).byteLength,
      snapshotBytes: this.latest(this.snapshotVersions).byteLength,
      cachedBins: this.binCache.size,
    };
  }

  private metadata(name: string): Uint8Array | undefined {
    if (name === 'timestamp.json') return this.timestampBytes;
    const match = /^(\d+)\.(.+)\.json$/.exec(name);
    if (match === null) return undefined;
    const version = Number(match[1]);
    const role = match[2] as string;
    if (role === 'root') return version === 1 ? this.rootBytes : undefined;
    if (role === 'snapshot') return this.snapshotVersions.get(version);
    if (role === 'targets') return this.targetsVersions.get(version);
    const bin = /^bins-([0-9a-f]+)$/.exec(role);
    if (bin === null || (bin[1] as string).length !== Math.ceil(this.layout.bitLength / 4))
      return undefined;
    return this.binBytes(Number.parseInt(bin[1] as string, 16), version);
  }

  private publishSnapshot(): void {
    const version = (this.snapshotSigned['version'] as number) + 1;
    this.snapshotSigned['version'] = version;
    this.snapshotVersions.set(version, sign(this.snapshotSigned, this.signers.snapshot));
    this.timestampSigned['version'] = (this.timestampSigned['version'] as number) + 1;
    this.timestampSigned['meta'] = { 'snapshot.json': { version } };
    this.timestampBytes = sign(this.timestampSigned, this.signers.timestamp);
  }

  private delegations(): JsonObject {
    const bins = this.signers.bins;
    const keys: JsonObject = { [bins.keyid]: bins.key.json };
    const bitLength = this.layout.bitLength;
    if (this.succinct) {
      return {
        keys,
        succinct_roles: {
          keyids: [bins.keyid],
          threshold: 1,
          bit_length: bitLength,
          name_prefix: NAME_PREFIX,
        },
      };
    }
    // path_hash_prefixes: each bin covers the hex prefixes of ceil(bitLength/4) digits whose
    // leading bitLength bits equal the bin number.
    const digits = Math.ceil(bitLength / 4);
    const perBin = 2 ** (digits * 4 - bitLength);
    const roles = [];
    for (let bin = 0; bin < this.layout.bins; bin++) {
      const prefixes: string[] = [];
      for (let p = bin * perBin; p < (bin + 1) * perBin; p++)
        prefixes.push(p.toString(16).padStart(digits, '0'));
      roles.push({
        name: this.binName(bin),
        keyids: [bins.keyid],
        threshold: 1,
        terminating: false,
        path_hash_prefixes: prefixes,
      });
    }
    return { keys, roles };
  }

  private latest(versions: Map<number, Uint8Array>): Uint8Array {
    return versions.get(Math.max(...versions.keys())) ?? new Uint8Array();
  }
}

/** Builds a generated hash-bin repository (see HashBinRepository). */
export function generateHashBinRepository(options: HashBinOptions): HashBinRepository {
  return new HashBinRepository(options);
}

function sign(signed: JsonObject, signer: Signer): Uint8Array {
  return serializeMetadata(signMetadata(signed, [signer]), 'compact');
}

function largeFileName(target: LargeTarget): string {
  return hashPrefixedPath(target.path, target.sha256);
}
