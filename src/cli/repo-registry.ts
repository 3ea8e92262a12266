// The local registry of repositories pg-download knows. Layout under the cache directory:
//   <cache>/registry.json              { "default": "<name>" }
//   <cache>/<name>/repository.json     the configuration of one repository
//   <cache>/<name>/metadata/           the trusted metadata cache (root.json, timestamp.json, ...)
//   <cache>/<name>/targets/            the verified target store
// repository.json is deliberately NOT inside metadata/: every *.json there is TUF metadata.
import { mkdir, readFile, readdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { writeFileAtomic } from '../client/index.js';
import { StorageError, UsageError, errnoCode } from '../core/index.js';

/** Repository names become directory names: a conservative allow-list, no dots first, ≤ 64 chars. */
const REPO_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const CONFIG_FILE = 'repository.json';
const REGISTRY_FILE = 'registry.json';
const MAX_CONFIG_BYTES = 64 * 1024;

export interface RepoConfig {
  readonly name: string;
  readonly metadataUrl: string;
  readonly targetsUrl: string;
  /** Where the initial root came from (file path or URL) and its sha256, for `status`. */
  readonly rootSource: string;
  readonly rootSha256: string;
  readonly createdAt: string;
}

export interface RepoPaths {
  readonly dir: string;
  readonly metadataDir: string;
  readonly targetsDir: string;
}

/** The cache root: the flag (relative to cwd), else $XDG_CACHE_HOME, else ~/.cache. */
export function resolveCacheDir(
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
  cwd: string,
): string {
  if (flag !== undefined && flag !== '') return resolve(cwd, flag);
  const xdg = env['XDG_CACHE_HOME'];
  // XDG Base Directory spec: a relative value is invalid and must be ignored.
  if (xdg !== undefined && xdg !== '' && isAbsolute(xdg)) return join(xdg, 'repository-playground');
  const home = env['HOME'] !== undefined && env['HOME'] !== '' ? env['HOME'] : homedir();
  return join(home, '.cache', 'repository-playground');
}

/** Returns the name if it is a safe repository name; UsageError otherwise (hostile names included). */
export function validateRepoName(name: string): string {
  if (!REPO_NAME.test(name)) {
    throw new UsageError(
      'invalid-argument',
      `repository name: expected 1-64 characters of [A-Za-z0-9._-] starting with a letter or digit, got ${JSON.stringify(name).slice(0, 80)}`,
    );
  }
  return name;
}

/** Directory layout of one repository; the name is validated first so it cannot escape the cache. */
export function repoPaths(cacheDir: string, name: string): RepoPaths {
  const dir = join(cacheDir, validateRepoName(name));
  return { dir, metadataDir: join(dir, 'metadata'), targetsDir: join(dir, 'targets') };
}

/** Names of every registered repository (directories holding a repository.json), sorted. */
export async function listRepos(cacheDir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(cacheDir, { withFileTypes: true });
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return [];
    throw new StorageError(
      'io',
      `${cacheDir}: expected a readable cache directory, got ${errnoCode(err) ?? 'an error'}`,
      { cause: err },
    );
  }
  const names: string[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory() || !REPO_NAME.test(entry.name)) continue;
    if ((await readConfigBytes(join(cacheDir, entry.name, CONFIG_FILE))) !== undefined)
      names.push(entry.name);
  }
  return names.sort();
}

/** Reads one repository's configuration; UsageError('unknown-repository') if it is not registered. */
export async function loadRepoConfig(cacheDir: string, name: string): Promise<RepoConfig> {
  const paths = repoPaths(cacheDir, name);
  const file = join(paths.dir, CONFIG_FILE);
  const bytes = await readConfigBytes(file);
  if (bytes === undefined) {
    const known = await listRepos(cacheDir);
    throw new UsageError(
      'unknown-repository',
      `repository "${name}": expected one of [${known.join(', ')}] (see "pg-download init"), got none registered under that name`,
    );
  }
  return toRepoConfig(file, bytes);
}

/** True when a repository of that name is registered. */
export async function repoExists(cacheDir: string, name: string): Promise<boolean> {
  return (await readConfigBytes(join(repoPaths(cacheDir, name).dir, CONFIG_FILE))) !== undefined;
}

/** Writes repository.json atomically and makes the repository the default if there is none yet. */
export async function saveRepoConfig(cacheDir: string, config: RepoConfig): Promise<void> {
  const paths = repoPaths(cacheDir, config.name);
  await mkdirOrThrow(paths.dir);
  await writeFileAtomic(paths.dir, CONFIG_FILE, jsonBytes(config));
  const current = await readDefault(cacheDir);
  if (current === undefined || !(await repoExists(cacheDir, current))) {
    await writeFileAtomic(cacheDir, REGISTRY_FILE, jsonBytes({ default: config.name }));
  }
}

/**
 * Picks the repository a command works on: `--repo NAME`, else the registered default, else
 * the only registered repository. UsageError when there is no way to choose.
 */
export async function selectRepo(cacheDir: string, flag: string | undefined): Promise<string> {
  if (flag !== undefined) {
    validateRepoName(flag);
    if (!(await repoExists(cacheDir, flag))) await loadRepoConfig(cacheDir, flag); // throws unknown-repository
    return flag;
  }
  const fallback = await readDefault(cacheDir);
  if (fallback !== undefined && (await repoExists(cacheDir, fallback))) return fallback;
  const names = await listRepos(cacheDir);
  if (names.length === 1 && names[0] !== undefined) return names[0];
  if (names.length === 0) {
    throw new UsageError(
      'unknown-repository',
      `repository: expected one registered with "pg-download init <name> ..." in ${cacheDir}, got none`,
    );
  }
  throw new UsageError(
    'unknown-repository',
    `repository: expected --repo NAME (one of: ${names.join(', ')}), got none`,
  );
}

/** The registered default repository name, if a valid one is recorded. */
export async function readDefault(cacheDir: string): Promise<string | undefined> {
  const bytes = await readConfigBytes(join(cacheDir, REGISTRY_FILE));
  if (bytes === undefined) return undefined;
  const parsed = parseObject(join(cacheDir, REGISTRY_FILE), bytes);
  const name = parsed['default'];
  return typeof name === 'string' && REPO_NAME.test(name) ? name : undefined;
}

/** Creates the cache directories of a repository. */
export async function ensureRepoDirs(paths: RepoPaths): Promise<void> {
  await mkdirOrThrow(paths.metadataDir);
  await mkdirOrThrow(paths.targetsDir);
}

function toRepoConfig(file: string, bytes: Uint8Array): RepoConfig {
  const obj = parseObject(file, bytes);
  const field = (key: string): string => {
    const value = obj[key];
    if (typeof value !== 'string') {
      throw new StorageError(
        'corrupt-cache',
        `${file}: expected string field "${key}", got ${typeof value}`,
      );
    }
    return value;
  };
  return {
    name: field('name'),
    metadataUrl: field('metadataUrl'),
    targetsUrl: field('targetsUrl'),
    rootSource: field('rootSource'),
    rootSha256: field('rootSha256'),
    createdAt: field('createdAt'),
  };
}

function parseObject(file: string, bytes: Uint8Array): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (err) {
    throw new StorageError('corrupt-cache', `${file}: expected JSON, got unparsable bytes`, {
      cause: err,
    });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new StorageError(
      'corrupt-cache',
      `${file}: expected a JSON object, got ${Array.isArray(parsed) ? 'array' : typeof parsed}`,
    );
  }
  return parsed as Record<string, unknown>;
}

async function readConfigBytes(file: string): Promise<Uint8Array | undefined> {
  try {
    const bytes = await readFile(file);
    if (bytes.byteLength > MAX_CONFIG_BYTES) {
      throw new StorageError(
        'corrupt-cache',
        `${file}: expected at most ${MAX_CONFIG_BYTES} bytes, got ${bytes.byteLength}`,
      );
    }
    return bytes;
  } catch (err) {
    if (err instanceof StorageError) throw err;
    const code = errnoCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new StorageError('io', `${file}: expected a readable file, got ${code ?? 'an error'}`, {
      cause: err,
    });
  }
}

async function mkdirOrThrow(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    throw new StorageError(
      'io',
      `${dir}: expected a writable directory, got ${errnoCode(err) ?? 'an error'}`,
      { cause: err },
    );
  }
}

function jsonBytes(value: unknown): Uint8Array {
  return Buffer.from(`${JSON.stringify(value, null, 2)}\n`, 'utf8');
}
