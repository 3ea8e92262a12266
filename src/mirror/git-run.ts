// Runs one-shot git plumbing commands for the git reader: no shell, an argument array, an
// environment that cannot redirect git to other objects, and typed errors that keep stderr.
import { spawn } from 'node:child_process';
import { GitError, UsageError } from '../core/index.js';

export const OID_PATTERN = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;
const STDERR_KEEP = 8192;
const utf8 = new TextDecoder('utf-8', { fatal: true });

// Variables that would make git read another repository, other objects or replaced objects
// than the ones a commit names (the list of `git rev-parse --local-env-vars`, plus namespaces).
const FOREIGN_ENV = new Set(
  (
    'GIT_ALTERNATE_OBJECT_DIRECTORIES GIT_CONFIG GIT_CONFIG_PARAMETERS GIT_CONFIG_COUNT ' +
    'GIT_OBJECT_DIRECTORY GIT_DIR GIT_WORK_TREE GIT_IMPLICIT_WORK_TREE GIT_GRAFT_FILE ' +
    'GIT_INDEX_FILE GIT_NO_REPLACE_OBJECTS GIT_REPLACE_REF_BASE GIT_PREFIX ' +
    'GIT_INTERNAL_SUPER_PREFIX GIT_SHALLOW_FILE GIT_COMMON_DIR GIT_NAMESPACE'
  ).split(' '),
);

/** The environment every git child gets: inherited minus FOREIGN_ENV, never prompting. */
export function gitEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!FOREIGN_ENV.has(k)) env[k] = v;
  // Literal pathspecs: a path like ":(glob)*" is a name, not magic. No replace refs: the bytes
  // read are the bytes the commit hashes.
  env.GIT_TERMINAL_PROMPT = '0';
  env.GIT_LITERAL_PATHSPECS = '1';
  env.GIT_NO_REPLACE_OBJECTS = '1';
  return { ...env, ...extra };
}

/** Turns a failure to start git (ENOENT, EACCES, bad cwd) into a GitError. */
export function spawnFailure(command: string, err: unknown): GitError {
  const detail = err instanceof Error ? err.message : String(err);
  return new GitError('git-failed', `git ${command}: expected to start git, got ${detail}`, {
    cause: err,
  });
}

export interface RunResult {
  code: number;
  stdout: Buffer;
}

export interface RunOptions {
  /** The subcommand, for messages. */
  name: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Exit codes that count as success (default [0]). */
  okCodes?: number[];
  /** Streams stdout here instead of collecting it; a throw stops git and rejects. */
  onStdout?: (chunk: Buffer) => void;
}

// Resolves when git exits with an accepted code; otherwise GitError('git-failed') with stderr.
export function runGit(args: string[], opts: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let stderr = '';
    let failure: Error | undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      if (failure !== undefined) return;
      try {
        if (opts.onStdout) opts.onStdout(chunk);
        else out.push(chunk);
      } catch (err) {
        failure =
          err instanceof Error ? err : new GitError('git-failed', String(err), { cause: err });
        child.kill();
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_KEEP);
    });
    child.on('error', (err) => reject(spawnFailure(opts.name, err)));
    child.on('close', (code, signal) => {
      if (failure !== undefined) return reject(failure);
      const exit = code ?? -1;
      if ((opts.okCodes ?? [0]).includes(exit))
        return resolve({ code: exit, stdout: Buffer.concat(out) });
      const cause = { command: ['git', ...args], exitCode: code, signal, stderr };
      const msg = `git ${opts.name}: expected exit 0, got ${signal ?? exit}: ${stderr.trim()}`;
      reject(new GitError('git-failed', msg, { cause }));
    });
  });
}

/** Splits a NUL-terminated stream into records in linear time; the carry is one partial record. */
export function nulRecords(onRecord: (record: Buffer) => void): (chunk: Buffer) => void {
  let rest: Buffer | undefined;
  return (chunk) => {
    const buf = rest ? Buffer.concat([rest, chunk]) : chunk;
    let start = 0;
    for (let end = buf.indexOf(0, start); end !== -1; end = buf.indexOf(0, start)) {
      onRecord(buf.subarray(start, end));
      start = end + 1;
    }
    rest = start < buf.length ? buf.subarray(start) : undefined;
  };
}

/** Decodes a path from git output; GitError if it is not UTF-8. */
export function decodeGitPath(bytes: Buffer): string {
  try {
    return utf8.decode(bytes);
  } catch (err) {
    // TUF target paths are JSON strings: a name that is not UTF-8 can never be a target.
    const msg = `git tree path: expected UTF-8, got bytes ${bytes.toString('hex')}`;
    throw new GitError('git-failed', msg, { cause: err });
  }
}

export interface TreeEntry {
  path: string;
  mode: string;
  type: 'blob' | 'tree' | 'commit';
  oid: string;
  /** Blobs only. */
  size?: number;
}

const LS_TREE_TYPES = new Set(['blob', 'tree', 'commit']);

/** Receives the raw bytes of a tree path that is not UTF-8 (it can never be a target path). */
export type UndecodablePath = (raw: Buffer) => void;

/**
 * Parses one `git ls-tree -l -z` record: "<mode> SP <type> SP <oid> SP+ <size or ->\t<path>".
 * A path that is not UTF-8 goes to `onUndecodable` (and undefined is returned) when one is given,
 * otherwise it is a GitError.
 */
export function parseLsTreeRecord(rec: Buffer): TreeEntry;
export function parseLsTreeRecord(
  rec: Buffer,
  onUndecodable: UndecodablePath,
): TreeEntry | undefined;
export function parseLsTreeRecord(
  rec: Buffer,
  onUndecodable?: UndecodablePath,
): TreeEntry | undefined {
  const tab = rec.indexOf(9);
  const [mode, type, oid, size] = rec.toString('latin1', 0, Math.max(tab, 0)).split(/ +/);
  if (tab === -1 || mode === undefined || oid === undefined || !LS_TREE_TYPES.has(type ?? '')) {
    const got = JSON.stringify(rec.toString('utf8').slice(0, 300));
    const msg = `git ls-tree: expected "<mode> <type> <oid> <size>\\t<path>", got ${got}`;
    throw new GitError('git-failed', msg);
  }
  const raw = rec.subarray(tab + 1);
  let path: string;
  if (onUndecodable === undefined) path = decodeGitPath(raw);
  else {
    const decoded = tryDecode(raw);
    if (decoded === undefined) {
      onUndecodable(raw);
      return undefined;
    }
    path = decoded;
  }
  const entry: TreeEntry = { path, mode, type: type as TreeEntry['type'], oid };
  if (type === 'blob' && size !== undefined && /^\d+$/.test(size)) entry.size = Number(size);
  return entry;
}

function tryDecode(bytes: Buffer): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** Refuses refs that could be read as options or break a line protocol: GitError('git-bad-ref'). */
export function checkRef(ref: string): void {
  // Option injection: "-..." would be parsed as a flag by git.
  if (ref === '' || ref.startsWith('-') || /[\0\n\r]/.test(ref) || ref.length > 4096) {
    const got = JSON.stringify(ref.slice(0, 200));
    throw new GitError('git-bad-ref', `git ref: expected a revision name, got ${got}`);
  }
}

/** Refuses object ids that are not full hex (short ids or rev expressions): UsageError. */
export function checkOid(oid: string): void {
  if (!OID_PATTERN.test(oid)) {
    const got = JSON.stringify(oid.slice(0, 100));
    throw new UsageError(
      'invalid-argument',
      `git object id: expected 40 or 64 lowercase hex digits, got ${got}`,
    );
  }
}

/** Refuses absolute paths, empty, "." and ".." segments and NUL in a path inside a tree. */
export function checkTreePath(p: string, what: string, allowEmpty: boolean): void {
  const segments = p.split('/');
  if (p.endsWith('/')) segments.pop();
  const bad =
    (p === '' && !allowEmpty) ||
    p.startsWith('/') ||
    p.includes('\0') ||
    (p !== '' && segments.some((s) => s === '' || s === '.' || s === '..'));
  if (bad) {
    const msg = `${what}: expected a relative path inside the tree, got ${JSON.stringify(p)}`;
    throw new UsageError('invalid-argument', msg);
  }
}
