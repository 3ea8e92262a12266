import { execFile } from 'node:child_process';
import * as childProcess from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GitError, UsageError } from '../../src/core/errors.js';
import { GitReader } from '../../src/mirror/git-reader.js';

// Count the git processes the reader starts (execFile in the helpers below is not counted).
vi.mock('node:child_process', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:child_process')>();
  return { ...actual, spawn: vi.fn(actual.spawn) };
});

const run = promisify(execFile);
const gitEnv = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };

async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await run(
    'git',
    ['-c', 'user.name=Test', '-c', 'user.email=t@example.com', ...args],
    {
      cwd,
      env: gitEnv,
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  return stdout;
}

async function writeFiles(dir: string, files: Record<string, string | Buffer>): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), content);
  }
}

async function commitAll(dir: string, message: string): Promise<string> {
  await git(dir, 'add', '-A');
  await git(dir, 'commit', '-q', '--allow-empty', '-m', message);
  return (await git(dir, 'rev-parse', 'HEAD')).trim();
}

async function blobOid(dir: string, rev: string): Promise<string> {
  return (await git(dir, 'rev-parse', rev)).trim();
}

function catFileSpawns(): number {
  return vi
    .mocked(childProcess.spawn)
    .mock.calls.filter((call) => (call[1] as string[] | undefined)?.includes('cat-file')).length;
}

let tmp: string;
let repo: string;
let reader: GitReader | undefined;

beforeEach(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'pg-git-reader-'));
  repo = path.join(tmp, 'repo');
  await mkdir(repo);
  await git(repo, '-c', 'init.defaultBranch=main', 'init', '-q');
  vi.mocked(childProcess.spawn).mockClear();
});

afterEach(async () => {
  await reader?.close();
  reader = undefined;
  await rm(tmp, { recursive: true, force: true });
});

async function openReader(): Promise<GitReader> {
  reader = await GitReader.open(repo);
  return reader;
}

const binary = Buffer.from(Array.from({ length: 512 }, (_, i) => i % 256));

describe('GitReader.readBlob', () => {
  it('returns binary, empty and 5 MB blobs byte for byte', async () => {
    const big = randomBytes(5 * 1024 * 1024);
    await writeFiles(repo, { 'bin.dat': binary, 'empty.txt': '', 'targets/big.bin': big });
    await commitAll(repo, 'blobs');
    const r = await openReader();
    const [b, e, g] = await Promise.all([
      r.readBlob(await blobOid(repo, 'HEAD:bin.dat')),
      r.readBlob(await blobOid(repo, 'HEAD:empty.txt')),
      r.readBlob(await blobOid(repo, 'HEAD:targets/big.bin')),
    ]);
    expect(b.equals(binary)).toBe(true);
    expect(e.length).toBe(0);
    expect(g.equals(big)).toBe(true);
  });

  it('serves 1,000 concurrent reads through one cat-file process', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 1000; i++) files[`targets/f${i}.txt`] = `content ${i}\n`.repeat(i % 7);
    await writeFiles(repo, files);
    const commit = await commitAll(repo, 'many');
    const r = await openReader();
    const entries = await r.listTree(commit, 'targets/');
    expect(entries).toHaveLength(1000);
    const blobs = await Promise.all(entries.map((e) => r.readBlob(e.oid)));
    for (const [i, e] of entries.entries()) {
      const n = Number(/f(\d+)\.txt$/.exec(e.path)?.[1]);
      expect(blobs[i]?.toString('utf8')).toBe(`content ${n}\n`.repeat(n % 7));
    }
    expect(catFileSpawns()).toBe(1);
  });

  it('refuses a missing object with git-missing-object and keeps working', async () => {
    await writeFiles(repo, { 'a.txt': 'a' });
    await commitAll(repo, 'a');
    const r = await openReader();
    const oid = await blobOid(repo, 'HEAD:a.txt');
    const missing = r.readBlob('0123456789abcdef0123456789abcdef01234567');
    const present = r.readBlob(oid);
    await expect(missing).rejects.toMatchObject({ name: 'GitError', code: 'git-missing-object' });
    expect((await present).toString()).toBe('a');
    expect(catFileSpawns()).toBe(1);
  });

  it('refuses a tree object where a blob is expected', async () => {
    await writeFiles(repo, { 'dir/a.txt': 'a' });
    await commitAll(repo, 'a');
    const r = await openReader();
    await expect(r.readBlob(await blobOid(repo, 'HEAD:dir'))).rejects.toMatchObject({
      code: 'git-missing-object',
    });
  });

  it('refuses names that are not full object ids (rev expressions, short ids, options)', async () => {
    await writeFiles(repo, { 'a.txt': 'a' });
    await commitAll(repo, 'a');
    const r = await openReader();
    for (const bad of ['HEAD:a.txt', 'abc123', '--batch-all-objects', `${'a'.repeat(40)}\nHEAD`]) {
      await expect(r.readBlob(bad)).rejects.toBeInstanceOf(UsageError);
    }
    expect(catFileSpawns()).toBe(0);
  });
  it('fails pending reads when cat-file dies and starts a fresh process for the next read', async () => {
    await writeFiles(repo, { 'a.txt': 'a', 'big.bin': randomBytes(4 * 1024 * 1024) });
    await commitAll(repo, 'a');
    const r = await openReader();
    const small = await blobOid(repo, 'HEAD:a.txt');
    const bigOid = await blobOid(repo, 'HEAD:big.bin');
    expect((await r.readBlob(small)).toString()).toBe('a');
    const batch = vi
      .mocked(childProcess.spawn)
      .mock.results.map((res) => res.value as childProcess.ChildProcess)
      .find((child) => child.spawnargs.includes('cat-file'));
    const pending = r.readBlob(bigOid);
    batch?.kill('SIGKILL');
    await expect(pending).rejects.toMatchObject({ name: 'GitError', code: 'git-failed' });
    expect((await r.readBlob(small)).toString()).toBe('a');
    expect(catFileSpawns()).toBe(2);
  });
});

describe('GitReader.readBlobStream', () => {
  it('streams a 5 MB blob with backpressure and keeps later answers in order', async () => {
    const big = randomBytes(5 * 1024 * 1024 + 3);
    await writeFiles(repo, { 'big.bin': big, 'small.txt': 'small' });
    await commitAll(repo, 'big');
    const r = await openReader();
    const chunks: Buffer[] = [];
    const streamed = r.readBlobStream(await blobOid(repo, 'HEAD:big.bin'), async (chunk) => {
      chunks.push(chunk);
      await new Promise((resolve) => setImmediate(resolve)); // a slow consumer
    });
    const after = r.readBlob(await blobOid(repo, 'HEAD:small.txt'));
    expect(await streamed).toBe(big.length);
    expect(Buffer.concat(chunks).equals(big)).toBe(true);
    expect((await after).toString()).toBe('small');
  });

  it('rejects with the sink error and stays in sync for the next read', async () => {
    await writeFiles(repo, { 'a.bin': randomBytes(300_000), 'b.txt': 'b' });
    await commitAll(repo, 'ab');
    const r = await openReader();
    const boom = new UsageError('invalid-argument', 'sink: expected room, got full');
    const failed = r.readBlobStream(await blobOid(repo, 'HEAD:a.bin'), () => {
      throw boom;
    });
    await expect(failed).rejects.toBe(boom);
    expect((await r.readBlob(await blobOid(repo, 'HEAD:b.txt'))).toString()).toBe('b');
  });
});

describe('GitReader.resolveCommit', () => {
  it('resolves HEAD, a branch and a full oid to the same commit', async () => {
    await writeFiles(repo, { 'a.txt': 'a' });
    const commit = await commitAll(repo, 'a');
    const r = await openReader();
    expect(await r.resolveCommit('HEAD')).toBe(commit);
    expect(await r.resolveCommit('main')).toBe(commit);
    expect(await r.resolveCommit(commit)).toBe(commit);
  });

  it('refuses an unknown ref and a tree oid with git-bad-ref', async () => {
    await writeFiles(repo, { 'd/a.txt': 'a' });
    await commitAll(repo, 'a');
    const r = await openReader();
    await expect(r.resolveCommit('no-such-branch')).rejects.toMatchObject({ code: 'git-bad-ref' });
    await expect(r.resolveCommit(await blobOid(repo, 'HEAD:d'))).rejects.toMatchObject({
      code: 'git-bad-ref',
    });
  });

  it('refuses refs starting with "-" (option injection) without running them', async () => {
    await writeFiles(repo, { 'a.txt': 'a' });
    await commitAll(repo, 'a');
    const r = await openReader();
    const out = path.join(tmp, 'injected');
    for (const bad of ['-h', `--output=${out}`, '--all', '', 'HEAD\n--all']) {
      const err = await r.resolveCommit(bad).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GitError);
      expect((err as GitError).code).toBe('git-bad-ref');
    }
    await expect(stat(out)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('GitReader.listTree', () => {
  it('lists blobs under a prefix with sizes, robust to spaces, unicode and newlines', async () => {
    await writeFiles(repo, {
      'metadata/1.root.json': '{"a":1}',
      'metadata/timestamp.json': '{}',
      'metadata-old/x.json': 'old',
      'targets/dir one/ünï cødé.txt': 'héllo',
      'targets/new\nline.txt': 'nl',
      'README.md': 'readme',
    });
    const commit = await commitAll(repo, 'tree');
    const r = await openReader();
    const meta = await r.listTree(commit, 'metadata/');
    expect(meta.map((e) => [e.path, e.type, e.size, e.mode])).toEqual([
      ['metadata/1.root.json', 'blob', 7, '100644'],
      ['metadata/timestamp.json', 'blob', 2, '100644'],
    ]);
    const targets = await r.listTree(commit, 'targets');
    expect(targets.map((e) => [e.path, e.size])).toEqual([
      ['targets/dir one/ünï cødé.txt', Buffer.byteLength('héllo')],
      ['targets/new\nline.txt', 2],
    ]);
    expect(await r.listTree(commit, '')).toHaveLength(6);
  });

  it('treats pathspec magic in a prefix as a literal name', async () => {
    await writeFiles(repo, { 'a.txt': 'a', 'b/c.txt': 'c' });
    const commit = await commitAll(repo, 'magic');
    const r = await openReader();
    expect(await r.listTree(commit, ':(glob)**')).toEqual([]);
    expect(await r.listTree(commit, '*')).toEqual([]);
  });

  it('refuses prefixes that leave the tree', async () => {
    await writeFiles(repo, { 'a.txt': 'a' });
    const commit = await commitAll(repo, 'a');
    const r = await openReader();
    for (const bad of ['../x', '/etc', 'a/../../b', 'a//b']) {
      await expect(r.listTree(commit, bad)).rejects.toBeInstanceOf(UsageError);
    }
  });
});

describe('GitReader.readFileAt', () => {
  it('reads files at a commit, including unicode and newline names, and undefined for absent ones', async () => {
    await writeFiles(repo, {
      'metadata/root.json': 'v1',
      'targets/a b/ü.txt': 'unicode',
      'targets/x\ny': 'newline',
      'targets/sub/z.txt': 'z',
    });
    const first = await commitAll(repo, 'v1');
    await writeFiles(repo, { 'metadata/root.json': 'v2' });
    await commitAll(repo, 'v2');
    const r = await openReader();
    expect((await r.readFileAt(first, 'metadata/root.json'))?.toString()).toBe('v1');
    expect((await r.readFileAt('HEAD', 'metadata/root.json'))?.toString()).toBe('v2');
    expect((await r.readFileAt(first, 'targets/a b/ü.txt'))?.toString()).toBe('unicode');
    expect((await r.readFileAt(first, 'targets/x\ny'))?.toString()).toBe('newline');
    expect(await r.readFileAt(first, 'targets/nope.txt')).toBeUndefined();
    expect(await r.readFileAt(first, 'targets/sub')).toBeUndefined();
    await expect(r.readFileAt(first, 'targets/../metadata/root.json')).rejects.toBeInstanceOf(
      UsageError,
    );
    await expect(r.readFileAt('missing-ref', 'metadata/root.json')).rejects.toMatchObject({
      code: 'git-bad-ref',
    });
  });
  it('lists each directory once per commit however many files are read from it', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 200; i++) files[`metadata/1.bin-${i.toString(16)}.json`] = `{"bin":${i}}`;
    await writeFiles(repo, files);
    const commit = await commitAll(repo, 'bins');
    const r = await openReader();
    vi.mocked(childProcess.spawn).mockClear();
    const names = Object.keys(files);
    const read = await Promise.all(names.map((n) => r.readFileAt(commit, n)));
    expect(read.map((b) => b?.toString())).toEqual(Object.values(files));
    expect(await r.readFileAt(commit, 'metadata/1.bin-0.json/inner')).toBeUndefined();
    const lsTrees = vi
      .mocked(childProcess.spawn)
      .mock.calls.filter((call) => (call[1] as string[] | undefined)?.includes('ls-tree'));
    expect(lsTrees).toHaveLength(2); // "metadata/" and "metadata/1.bin-0.json/"
  });
});

describe('GitReader.changedPaths and commitInfo', () => {
  it('reports modified, added, deleted and both sides of a rename', async () => {
    await writeFiles(repo, {
      'keep.txt': 'k',
      'mod.txt': '1',
      'del.txt': 'd',
      'old name.txt': 'rename me',
    });
    const from = await commitAll(repo, 'one');
    await writeFiles(repo, { 'mod.txt': '2', 'added/ñew.txt': 'n' });
    await rm(path.join(repo, 'del.txt'));
    await git(repo, 'mv', 'old name.txt', 'new name.txt');
    const to = await commitAll(repo, 'two');
    const r = await openReader();
    const changed = await r.changedPaths(from, to);
    expect(changed.sort()).toEqual([
      'added/ñew.txt',
      'del.txt',
      'mod.txt',
      'new name.txt',
      'old name.txt',
    ]);
    expect(await r.changedPaths(to, to)).toEqual([]);
  });

  it('returns the oid, ISO committer date and subject of a commit', async () => {
    await writeFiles(repo, { 'a.txt': 'a' });
    await git(repo, 'add', '-A');
    await run(
      'git',
      [
        '-c',
        'user.name=T',
        '-c',
        'user.email=t@e',
        'commit',
        '-q',
        '-m',
        'Sign rôot v2\n\nbody text',
      ],
      { cwd: repo, env: { ...gitEnv, GIT_COMMITTER_DATE: '2024-03-04T05:06:07+01:00' } },
    );
    const r = await openReader();
    const info = await r.commitInfo('HEAD');
    expect(info).toEqual({
      oid: await r.resolveCommit('HEAD'),
      date: '2024-03-04T05:06:07+01:00',
      subject: 'Sign rôot v2',
    });
  });
});

describe('GitReader.open and close', () => {
  it('opens a bare repository and refuses a plain directory inside another repository', async () => {
    await writeFiles(repo, { 'a.txt': 'bare content' });
    const commit = await commitAll(repo, 'a');
    const bare = path.join(tmp, 'bare.git');
    await run('git', ['clone', '-q', '--bare', repo, bare], { env: gitEnv });
    const b = await GitReader.open(bare);
    try {
      expect((await b.readFileAt(commit, 'a.txt'))?.toString()).toBe('bare content');
    } finally {
      await b.close();
    }
    await mkdir(path.join(repo, 'plain'));
    await expect(GitReader.open(path.join(repo, 'plain'))).rejects.toMatchObject({
      code: 'git-failed',
    });
    await expect(GitReader.open(path.join(tmp, 'absent'))).rejects.toMatchObject({
      code: 'git-failed',
    });
  });

  it('answers reads pending at close, then refuses new ones', async () => {
    await writeFiles(repo, { 'a.txt': 'a' });
    await commitAll(repo, 'a');
    const r = await openReader();
    const oid = await blobOid(repo, 'HEAD:a.txt');
    const pending = r.readBlob(oid);
    await r.close();
    expect((await pending).toString()).toBe('a');
    await expect(r.readBlob(oid)).rejects.toMatchObject({ code: 'git-failed' });
    await expect(r.resolveCommit('HEAD')).rejects.toMatchObject({ code: 'git-failed' });
  });
});
