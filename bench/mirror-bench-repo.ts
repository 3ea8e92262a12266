// A large git repository in the tuf-on-ci layout for the pg-mirror benchmark: top-level targets
// delegating to N hash-bin roles (`bins-<hex>`, path_hash_prefixes, PEP 458 shape), many small
// artifacts, written in one `git fast-import` stream (no work tree, no per-file processes).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import {
  GitError,
  UsageError,
  generateSigner,
  serializeMetadata,
  signMetadata,
  type JsonObject,
  type Signer,
} from '../src/core/index.js';

export interface BenchRepoOptions {
  /** A new directory for the bare repository. */
  readonly dir: string;
  /** Power of two. */
  readonly bins: number;
  readonly targets: number;
  readonly seed?: string;
}

interface Bin {
  readonly name: string;
  readonly prefixes: string[];
  readonly targets: Record<string, JsonObject>;
  version: number;
}

export interface BenchRepository {
  readonly dir: string;
  readonly rootBytes: Uint8Array;
  /** Adds a target to one bin and commits new bin, snapshot and timestamp versions; returns the bin name. */
  changeOneBin(): Promise<string>;
}

const SPEC = '1.0.31';
const ROLES = ['root', 'timestamp', 'snapshot', 'targets'] as const;

/** Generates and commits the repository; deterministic for a seed, apart from the keys. */
export async function generateBenchRepository(options: BenchRepoOptions): Promise<BenchRepository> {
  const bits = Math.log2(options.bins);
  if (!Number.isInteger(bits) || bits < 1)
    throw new UsageError(
      'invalid-argument',
      `bins: expected a power of two >= 2, got ${options.bins}`,
    );
  const seed = options.seed ?? 'pg-mirror-bench';
  const prefixLen = Math.ceil(bits / 4);
  const perBin = 16 ** prefixLen / options.bins;
  const width = Math.ceil(bits / 4);
  const bins: Bin[] = [];
  for (let i = 0; i < options.bins; i++) {
    const prefixes: string[] = [];
    for (let p = i * perBin; p < (i + 1) * perBin; p++)
      prefixes.push(p.toString(16).padStart(prefixLen, '0'));
    bins.push({
      name: `bins-${i.toString(16).padStart(width, '0')}`,
      prefixes,
      targets: {},
      version: 1,
    });
  }
  const binOf = (path: string): Bin =>
    bins[Math.floor(Number.parseInt(sha256(path).slice(0, prefixLen), 16) / perBin)] as Bin;
  const expires = new Date(Date.now() + 365 * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const keys = Object.fromEntries(ROLES.map((r) => [r, generateSigner('ed25519')])) as Record<
    (typeof ROLES)[number],
    Signer
  >;
  const binKey = generateSigner('ed25519');

  await mkdir(options.dir, { recursive: true });
  await git(options.dir, ['init', '-q', '--bare', '-b', 'main']);
  const stream = new FastImport(options.dir);
  const files: [string, Uint8Array][] = [];
  for (let i = 0; i < options.targets; i++) {
    const path = `packages/${(i % 251).toString(16)}/pkg-${i}-1.0.tar.gz`;
    const bytes = artifact(`${seed}:${i}`);
    binOf(path).targets[path] = { length: bytes.byteLength, hashes: { sha256: sha256(bytes) } };
    files.push([`targets/${path}`, bytes]);
  }
  const signed = (body: JsonObject, signer: Signer): Uint8Array =>
    serializeMetadata(signMetadata(body, [signer]), 'python');
  const binBytes = (b: Bin): Uint8Array =>
    signed(
      { _type: 'targets', spec_version: SPEC, version: b.version, expires, targets: b.targets },
      binKey,
    );
  const root = signed(
    {
      _type: 'root',
      spec_version: SPEC,
      version: 1,
      expires,
      consistent_snapshot: true,
      keys: Object.fromEntries(ROLES.map((r) => [keys[r].keyid, keys[r].key.json])),
      roles: Object.fromEntries(ROLES.map((r) => [r, { keyids: [keys[r].keyid], threshold: 1 }])),
    },
    keys.root,
  );
  const targets = signed(
    {
      _type: 'targets',
      spec_version: SPEC,
      version: 1,
      expires,
      targets: {},
      delegations: {
        keys: { [binKey.keyid]: binKey.key.json },
        roles: bins.map((b) => ({
          name: b.name,
          keyids: [binKey.keyid],
          threshold: 1,
          terminating: false,
          path_hash_prefixes: b.prefixes,
        })),
      },
    },
    keys.targets,
  );
  let version = 1;
  const snapshotBytes = (): Uint8Array => {
    const meta: JsonObject = { 'targets.json': { version: 1 } };
    for (const b of bins) meta[`${b.name}.json`] = { version: b.version };
    return signed({ _type: 'snapshot', spec_version: SPEC, version, expires, meta }, keys.snapshot);
  };
  const timestampBytes = (): Uint8Array =>
    signed(
      {
        _type: 'timestamp',
        spec_version: SPEC,
        version,
        expires,
        meta: { 'snapshot.json': { version } },
      },
      keys.timestamp,
    );
  files.push(
    ['metadata/root.json', root],
    ['metadata/root_history/1.root.json', root],
    ['metadata/targets.json', targets],
  );
  for (const b of bins) files.push([`metadata/${b.name}.json`, binBytes(b)]);
  files.push(
    ['metadata/snapshot.json', snapshotBytes()],
    ['metadata/timestamp.json', timestampBytes()],
  );
  await stream.commit('Initial repository', files, false);

  let changes = 0;
  return {
    dir: options.dir,
    rootBytes: root,
    async changeOneBin() {
      changes++;
      const path = `packages/new/pkg-change-${changes}.tar.gz`;
      const bytes = artifact(`${seed}:change:${changes}`);
      const bin = binOf(path);
      bin.targets[path] = { length: bytes.byteLength, hashes: { sha256: sha256(bytes) } };
      bin.version++;
      version++;
      await stream.commit(
        `Change ${bin.name}`,
        [
          [`targets/${path}`, bytes],
          [`metadata/${bin.name}.json`, binBytes(bin)],
          ['metadata/snapshot.json', snapshotBytes()],
          ['metadata/timestamp.json', timestampBytes()],
        ],
        true,
      );
      return bin.name;
    },
  };
}

// 64-512 deterministic bytes.
function artifact(seed: string): Buffer {
  const digest = createHash('sha256').update(seed).digest();
  const length = 64 + (digest.readUInt16BE(0) % 449);
  const out = Buffer.alloc(length);
  for (let off = 0; off < length; off += digest.length) digest.copy(out, off);
  return out;
}

function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

// One `git fast-import` per commit, fed through stdin with back-pressure.
class FastImport {
  private commits = 0;
  constructor(private readonly dir: string) {}

  async commit(
    message: string,
    files: readonly (readonly [string, Uint8Array])[],
    parent: boolean,
  ): Promise<void> {
    const child = spawn('git', ['fast-import', '--quiet', '--done'], {
      cwd: this.dir,
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', resolve);
    });
    const write = (chunk: string | Uint8Array): Promise<void> | undefined =>
      child.stdin.write(chunk)
        ? undefined
        : new Promise<void>((resolve) => child.stdin.once('drain', () => resolve()));
    let mark = 0;
    for (const [, bytes] of files) {
      mark++;
      await write(`blob\nmark :${mark}\ndata ${bytes.byteLength}\n`);
      await write(bytes);
      await write('\n');
    }
    const when = 1_700_000_000 + ++this.commits;
    const msg = Buffer.from(message);
    await write(
      `commit refs/heads/main\ncommitter Bench <bench@example.invalid> ${when} +0000\ndata ${msg.byteLength}\n${message}\n`,
    );
    if (parent) await write('from refs/heads/main^0\n');
    for (let i = 0; i < files.length; i++)
      await write(`M 100644 :${i + 1} ${(files[i] as readonly [string, Uint8Array])[0]}\n`);
    await write('\ndone\n');
    child.stdin.end();
    const code = await exited;
    if (code !== 0)
      throw new GitError(
        'git-failed',
        `git fast-import: expected exit 0, got ${code}: ${stderr.trim()}`,
      );
  }
}

function git(dir: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd: dir, stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve()
        : reject(new GitError('git-failed', `git ${args[0] ?? ''}: expected exit 0, got ${code}`)),
    );
  });
}
