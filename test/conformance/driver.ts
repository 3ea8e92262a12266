// Runs OUR conformance executable the way theupdateframework/tuf-conformance does: a child
// process `node bin/pg-conformance-client.js` with the protocol's exact argv (global options
// before the subcommand), against a RepositorySimulator served under a percent-encoded test
// name, and suite-style inspection of requests and disk state (/work/shared/CONFORMANCE-CLI.md,
// /tmp/pg/conformance-notes.md sections 1 and 6). Needs a build: `npm run build`.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';
import { parseMetadata, type JsonObject, type RoleType } from '../../src/core/index.js';
import {
  RepositorySimulator,
  startSimulatorServer,
  type FileSource,
  type SimulatorOptions,
  type SimulatorServer,
} from '../../src/sim/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'pg-conformance-client.js');
const BUILT = join(ROOT, 'dist', 'src', 'cli', 'conformance-client.js');
/** A hung client would hang the real suite forever; here it fails the test instead. */
const CLIENT_TIMEOUT_MS = 20_000;
const DAY_MS = 86_400_000;

/** Python `urllib.parse.quote(s, safe="")`: encodeURIComponent plus `!'()*`. */
export function pyQuote(s: string): string {
  return encodeURIComponent(s).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** Python `str(datetime)` of an aware UTC datetime, the argument the suite hands to faketime. */
export function pyDatetime(d: Date): string {
  const iso = d.toISOString(); // 2026-12-17T12:07:31.123Z
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${iso.slice(20, 23)}000+00:00`;
}

/** `days` after the real current time (what the suite passes to faketime as now+N days). */
export function daysAhead(days: number): Date {
  return new Date(Date.now() + days * DAY_MS);
}

export interface ClientRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A faketime argument: a Date (formatted like Python's str(datetime)) or the string verbatim. */
export type FakeTime = Date | string;

/** One recorded metadata request as tuf-conformance's `metadata_statistics` records it. */
export type Stat = readonly [role: string, version: number | null];

function runClient(args: readonly string[], fakeTime: FakeTime | undefined): Promise<ClientRun> {
  const argv = [BIN, ...args];
  // faketime (libfaketime via LD_PRELOAD) fakes the libc clock, exactly as the suite does.
  const [cmd, cmdArgs] =
    fakeTime === undefined
      ? [process.execPath, argv]
      : [
          'faketime',
          [
            typeof fakeTime === 'string' ? fakeTime : pyDatetime(fakeTime),
            process.execPath,
            ...argv,
          ],
        ];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, cmdArgs, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), CLIENT_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      // A signal (code null) must never look like 0 or 1.
      resolve({
        code: code ?? -1,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
  });
}

/** Parses a recorded path like tuf-conformance's RepositorySimulator.fetch (consistent snapshots). */
function toStat(path: string): Stat | undefined {
  if (!path.startsWith('metadata/') || !path.endsWith('.json')) return undefined;
  const verAndName = path.slice('metadata/'.length, -'.json'.length);
  if (verAndName === 'timestamp') return ['timestamp', null];
  const dot = verAndName.indexOf('.');
  const versionStr = dot < 0 ? verAndName : verAndName.slice(0, dot);
  const role = dot < 0 ? '' : verAndName.slice(dot + 1);
  return [role, /^\d+$/.test(versionStr) ? Number(versionStr) : null];
}

/** One suite test: its simulator, server (under the quoted test name), MD/TD and the client. */
export class ConformanceTest {
  readonly md: string;
  readonly td: string;
  readonly trustedRootPath: string;
  /** Output of every client run, for failure messages. */
  readonly log: string[] = [];

  constructor(
    readonly name: string,
    readonly sim: RepositorySimulator,
    readonly server: SimulatorServer,
    readonly tmp: string,
  ) {
    this.md = join(tmp, 'metadata');
    this.td = join(tmp, 'targets');
    this.trustedRootPath = join(tmp, 'initial_root.json');
  }

  /** Output of the last client run (second argument of `expect` for readable failures). */
  last(): string {
    return this.log.at(-1) ?? '(no client run)';
  }

  private async exec(args: readonly string[], fakeTime?: FakeTime): Promise<number> {
    const run = await runClient(args, fakeTime);
    this.log.push(`$ ${args.join(' ')}\n-> ${run.code}\n${run.stdout}${run.stderr}`);
    return run.code;
  }

  /** `--metadata-dir MD init TRUSTED_ROOT` with root v1 bytes (or the given bytes). */
  async init(rootBytes: Uint8Array = this.sim.rootBytes(1)): Promise<number> {
    await writeFile(this.trustedRootPath, rootBytes);
    return this.exec(['--metadata-dir', this.md, 'init', this.trustedRootPath]);
  }

  /** `[faketime T] --metadata-url MURL --metadata-dir MD refresh`. */
  refresh(fakeTime?: FakeTime): Promise<number> {
    return this.exec(
      ['--metadata-url', this.server.metadataUrl, '--metadata-dir', this.md, 'refresh'],
      fakeTime,
    );
  }

  /** `[faketime T] ... --target-name P [...] --target-dir TD --target-base-url TURL download`. */
  download(names: string | readonly string[], fakeTime?: FakeTime): Promise<number> {
    const list = typeof names === 'string' ? [names] : names;
    return this.exec(
      [
        '--metadata-url',
        this.server.metadataUrl,
        '--metadata-dir',
        this.md,
        ...list.flatMap((n) => ['--target-name', n]),
        '--target-dir',
        this.td,
        '--target-base-url',
        this.server.targetsUrl,
        'download',
      ],
      fakeTime,
    );
  }

  /** Every request path (relative to the test's base path), in order. */
  paths(): string[] {
    return this.server.requests.map((r) => r.path);
  }

  /** HTTP methods used; the suite's server only implements GET (no HEAD, no probing). */
  methods(): string[] {
    return [...new Set(this.server.requests.map((r) => r.method))];
  }

  /** `repo.metadata_statistics`: (role as in the URL, version or null) per metadata request. */
  stats(): Stat[] {
    return this.paths().flatMap((p) => {
      const s = toStat(p);
      return s === undefined ? [] : [s];
    });
  }

  /** `repo.artifact_statistics`: (target path without prefix, hash prefix) per artifact request. */
  artifactStats(): (readonly [string, string])[] {
    return this.paths()
      .filter((p) => p.startsWith('targets/'))
      .map((p) => {
        const rel = p.slice('targets/'.length);
        const cut = rel.lastIndexOf('/') + 1;
        const base = rel.slice(cut);
        const dot = base.indexOf('.');
        return [rel.slice(0, cut) + base.slice(dot + 1), base.slice(0, dot)] as const;
      });
  }

  clearStats(): void {
    this.server.requests.splice(0);
  }

  /** `client.trusted_roles()`: every `*.json` directly in MD, strictly parsed, as (name, version). */
  async trustedRoles(): Promise<[string, number][]> {
    const names = (await readdir(this.md)).filter((n) => n.endsWith('.json')).sort();
    const out: [string, number][] = [];
    for (const name of names) {
      const bytes = await readFile(join(this.md, name));
      const type = (JSON.parse(bytes.toString('utf8')) as { signed?: { _type?: unknown } }).signed
        ?._type;
      const env = parseMetadata(bytes, type as RoleType, name);
      out.push([name.slice(0, -'.json'.length), env.signed.version]);
    }
    return out;
  }

  /** `client.version(role)`: the version in MD/<role>.json, undefined when absent. */
  async version(role: string): Promise<number | undefined> {
    const roles = await this.trustedRoles();
    return roles.find(([name]) => name === role)?.[1];
  }

  /** The bytes of MD/<file>, undefined when absent. */
  async mdBytes(file: string): Promise<Buffer | undefined> {
    return readFile(join(this.md, file)).catch(() => undefined);
  }

  /** Every file under TD (recursive, dot-files included: stricter than the suite's glob). */
  async targetFiles(): Promise<{ path: string; mtimeNs: bigint }[]> {
    const entries = await readdir(this.td, { recursive: true, withFileTypes: true });
    const files = [];
    for (const e of entries) {
      if (!e.isFile()) continue;
      const path = join(e.parentPath, e.name);
      files.push({ path, mtimeNs: (await stat(path, { bigint: true })).mtimeNs });
    }
    return files.sort((a, b) => (a.mtimeNs < b.mtimeNs ? -1 : a.mtimeNs > b.mtimeNs ? 1 : 0));
  }

  /** `get_downloaded_target_bytes()`: contents of every TD file ordered by mtime, as strings. */
  async downloaded(): Promise<string[]> {
    const files = await this.targetFiles();
    return Promise.all(files.map(async (f) => (await readFile(f.path)).toString('utf8')));
  }
}

/**
 * Returns `newTest(name)`, like the suite's `new_test`. Servers and temp dirs are closed in
 * afterAll, so the tests of a file may run concurrently (each client run is a process).
 */
export function conformanceHarness(): (
  name: string,
  options?: SimulatorOptions,
  source?: FileSource,
) => Promise<ConformanceTest> {
  const open: (() => Promise<void>)[] = [];
  const tests: ConformanceTest[] = [];
  afterAll(async () => {
    // PG_CONFORMANCE_VERBOSE=1 shows every client run (argv, exit code, output).
    if (process.env['PG_CONFORMANCE_VERBOSE'] === '1')
      for (const t of tests) process.stderr.write(`## ${t.name}\n${t.log.join('\n')}\n`);
    await Promise.all(open.splice(0).map((close) => close()));
  });
  return async (name, options = {}, source) => {
    if (!existsSync(BUILT))
      throw new Error(`conformance tests need a build: run \`npm run build\` (missing ${BUILT})`);
    // The suite's defaults: ecdsa keys for every role, metadata valid for 30 days.
    const sim = new RepositorySimulator({
      keyAlgorithm: 'ecdsa-p256',
      expiresInDays: 30,
      ...options,
    });
    const tmp = await mkdtemp(join(tmpdir(), 'pg-conformance-'));
    // `source` replaces the simulator's files (static repositories); the sim is then unused.
    const server = await startSimulatorServer(source ?? sim, { basePath: pyQuote(name) });
    open.push(async () => {
      await server.close();
      await rm(tmp, { recursive: true, force: true });
    });
    const test = new ConformanceTest(name, sim, server, tmp);
    tests.push(test);
    // MD and TD exist (empty) before init, fresh per test.
    await mkdir(test.md);
    await mkdir(test.td);
    return test;
  };
}

/** `obj[key]` as a JSON object (the simulator's live `signed` documents are untyped JSON). */
export function objectAt(obj: JsonObject, ...keys: string[]): JsonObject {
  let cur: JsonObject = obj;
  for (const key of keys) {
    const next = cur[key];
    if (next === null || typeof next !== 'object' || Array.isArray(next))
      throw new TypeError(`test setup: expected an object at ${keys.join('.')}`);
    cur = next;
  }
  return cur;
}

/** The signatures array of an envelope handed to a simulator `transform`. */
export function signaturesOf(env: JsonObject): { keyid: string; sig: string }[] {
  return env['signatures'] as { keyid: string; sig: string }[];
}
