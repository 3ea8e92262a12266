// Reads a git repository's object store at one commit without a work tree: blobs come through
// ONE long-lived `git cat-file --batch` process (git-batch.ts), listings through `-z` plumbing
// commands (git-run.ts). git runs without a shell, with argument arrays, and every caller
// string is validated so that it can never become an option.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { DownloadError, GitError, errnoCode } from '../core/index.js';
import { CatFileBatch, type BlobChunkSink } from './git-batch.js';
import {
  checkOid,
  checkRef,
  checkTreePath,
  decodeGitPath,
  gitEnv,
  nulRecords,
  OID_PATTERN,
  parseLsTreeRecord,
  runGit,
  type RunOptions,
  type RunResult,
  type TreeEntry,
  type UndecodablePath,
} from './git-run.js';

export type { BlobChunkSink } from './git-batch.js';
export type { TreeEntry, UndecodablePath } from './git-run.js';

export interface CommitInfo {
  oid: string;
  /** Committer date, strict ISO 8601 (`%cI`). */
  date: string;
  subject: string;
}

/** Directory listings kept for readFileAt (per commit and directory). */
const MAX_CACHED_DIRS = 64;

/** Read-only access to one repository's objects; create with `GitReader.open`, end with `close`. */
export class GitReader {
  private readonly env = gitEnv({});
  private readonly globalArgs: string[];
  private readonly batch: CatFileBatch;
  private readonly commits = new Set<string>();
  private readonly dirs = new Map<string, Promise<Map<string, TreeEntry>>>();
  private closed = false;

  private constructor(readonly gitDir: string) {
    this.globalArgs = ['-c', 'core.quotepath=off', '--no-replace-objects', `--git-dir=${gitDir}`];
    this.batch = new CatFileBatch(this.globalArgs, gitDir, this.env);
  }

  /** Opens the repository at exactly `repoPath` (work tree or bare), never a parent repository. */
  static async open(repoPath: string): Promise<GitReader> {
    const abs = path.resolve(repoPath);
    try {
      await stat(abs);
    } catch (err) {
      const got = errnoCode(err) ?? 'an error';
      throw new GitError('git-failed', `git repository ${abs}: expected a directory, got ${got}`, {
        cause: err,
      });
    }
    // The ceiling stops discovery at `abs`: a plain directory inside another repository fails.
    const env = gitEnv({ GIT_CEILING_DIRECTORIES: path.dirname(abs) });
    const args = ['rev-parse', '--absolute-git-dir'];
    const { stdout } = await runGit(args, { name: 'rev-parse', cwd: abs, env });
    return new GitReader(stdout.toString('utf8').replace(/\n$/, ''));
  }

  /** Returns the full oid of the commit `ref` names; GitError('git-bad-ref') if there is none. */
  async resolveCommit(ref: string): Promise<string> {
    checkRef(ref);
    if (this.commits.has(ref)) return ref; // an oid once verified as a commit stays one
    const args = ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`];
    const r = await this.git(args, { okCodes: [0, 1] });
    const oid = r.stdout.toString('utf8').trim();
    if (r.code !== 0 || !OID_PATTERN.test(oid)) {
      const name = JSON.stringify(ref.slice(0, 200));
      throw new GitError('git-bad-ref', `git ref ${name}: expected a commit, got none`);
    }
    this.commits.add(oid);
    return oid;
  }

  /**
   * Lists every entry under `prefix` ("" for all) at `commit`, recursively, blobs with sizes.
   * Paths that are not UTF-8 go to `onUndecodable` when given, otherwise they are a GitError.
   */
  async listTree(
    commit: string,
    prefix: string,
    onUndecodable?: UndecodablePath,
  ): Promise<TreeEntry[]> {
    checkTreePath(prefix, 'tree prefix', true);
    const oid = await this.resolveCommit(commit);
    const dir = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
    const entries: TreeEntry[] = [];
    const onStdout = nulRecords((rec) => {
      const entry = onUndecodable ? parseLsTreeRecord(rec, onUndecodable) : parseLsTreeRecord(rec);
      // Literal pathspecs already restrict the listing; this keeps the contract regardless.
      if (entry && (dir === '' || entry.path.startsWith(dir) || entry.path === prefix))
        entries.push(entry);
    });
    const args = ['ls-tree', '-r', '-l', '-z', '--full-tree', oid];
    await this.git(prefix === '' ? args : [...args, '--', prefix], { onStdout });
    return entries;
  }

  /**
   * Returns the exact bytes of blob `oid`; GitError('git-missing-object') if absent or not a blob,
   * DownloadError('too-large') without reading it if it is larger than `maxSize`.
   */
  async readBlob(oid: string, maxSize?: number): Promise<Buffer> {
    checkOid(oid);
    const r = await this.request(oid, undefined, maxSize);
    return r.data ?? Buffer.alloc(0);
  }

  /** Streams blob `oid` to `onChunk` in order without holding it whole; resolves with its size. */
  async readBlobStream(oid: string, onChunk: BlobChunkSink): Promise<number> {
    checkOid(oid);
    const r = await this.request(oid, onChunk);
    return r.size;
  }

  /** Returns the bytes of the blob at `filePath` in `commit` (at most `maxSize`, as readBlob), or undefined if no file is there. */
  async readFileAt(
    commit: string,
    filePath: string,
    maxSize?: number,
  ): Promise<Buffer | undefined> {
    checkTreePath(filePath, 'file path', false);
    if (filePath.endsWith('/')) return undefined;
    const oid = await this.resolveCommit(commit);
    const slash = filePath.lastIndexOf('/');
    const entry = (await this.listDir(oid, filePath.slice(0, slash + 1))).get(filePath);
    // A symlink is a blob too: its bytes are the link text, it is never followed.
    if (entry?.type !== 'blob') return undefined;
    if (maxSize !== undefined && entry.size !== undefined && entry.size > maxSize) {
      const msg = `git file ${JSON.stringify(filePath)}: expected at most ${maxSize} bytes, got ${entry.size}`;
      throw new DownloadError('too-large', msg);
    }
    return this.readBlob(entry.oid, maxSize);
  }

  /** Returns the commit's full oid, committer date (ISO 8601) and subject line. */
  async commitInfo(commit: string): Promise<CommitInfo> {
    const oid = await this.resolveCommit(commit);
    const format = '--format=%H%x00%cI%x00%s';
    const r = await this.git(['log', '-1', '--no-show-signature', '--no-notes', format, oid, '--']);
    const text = r.stdout.toString('utf8');
    const [got, date, subject] = text.replace(/\n$/, '').split('\0');
    if (got !== oid || date === undefined || subject === undefined) {
      const msg = `git log ${oid}: expected "<oid>\\0<date>\\0<subject>", got ${JSON.stringify(text)}`;
      throw new GitError('git-failed', msg);
    }
    return { oid, date, subject };
  }

  /** Paths changed between two commits (git diff-tree -r --name-only -z), for incremental publishing. */
  async changedPaths(from: string, to: string): Promise<string[]> {
    const [a, b] = await Promise.all([this.resolveCommit(from), this.resolveCommit(to)]);
    const paths: string[] = [];
    const onStdout = nulRecords((rec) => {
      if (rec.length > 0) paths.push(decodeGitPath(rec));
    });
    // No rename detection: a rename must report both the old and the new path.
    const args = [
      'diff-tree',
      '-r',
      '-z',
      '--name-only',
      '--no-renames',
      '--no-ext-diff',
      '--no-textconv',
    ];
    await this.git([...args, a, b], { onStdout });
    return paths;
  }

  /** Lets the batch process answer every pending read, then stops it; later calls fail. */
  async close(): Promise<void> {
    this.closed = true;
    await this.batch.close();
  }

  private closedError(): GitError {
    return new GitError('git-failed', 'git reader: expected an open reader, got closed');
  }

  private request(
    oid: string,
    sink: BlobChunkSink | undefined,
    maxSize?: number,
  ): Promise<{ data?: Buffer; size: number }> {
    if (this.closed) return Promise.reject(this.closedError());
    return this.batch.request(oid, sink, maxSize);
  }

  // One non-recursive ls-tree per (commit, directory): looking a path up through cat-file
  // "<commit>:<path>" would inflate and scan the whole directory tree on every call, which is
  // quadratic for a 16,384-entry metadata directory.
  private listDir(commit: string, dir: string): Promise<Map<string, TreeEntry>> {
    const key = `${commit}\0${dir}`;
    let listing = this.dirs.get(key);
    if (listing === undefined) {
      const entries = new Map<string, TreeEntry>();
      // A name that is not UTF-8 can never be looked up (callers ask with strings).
      const onStdout = nulRecords((rec) => {
        const entry = parseLsTreeRecord(rec, () => undefined);
        if (entry) entries.set(entry.path, entry);
      });
      const args = ['ls-tree', '-l', '-z', '--full-tree', commit];
      listing = this.git(dir === '' ? args : [...args, '--', dir], { onStdout }).then(
        () => entries,
      );
      listing.catch(() => this.dirs.delete(key)); // failures are not remembered
      this.dirs.set(key, listing);
      const oldest = this.dirs.keys().next().value;
      if (this.dirs.size > MAX_CACHED_DIRS && oldest !== undefined) this.dirs.delete(oldest);
    }
    return listing;
  }

  private git(
    args: string[],
    extra: Pick<RunOptions, 'okCodes' | 'onStdout'> = {},
  ): Promise<RunResult> {
    if (this.closed) return Promise.reject(this.closedError());
    const opts: RunOptions = { name: args[0] ?? 'git', cwd: this.gitDir, env: this.env, ...extra };
    return runGit([...this.globalArgs, ...args], opts);
  }
}
