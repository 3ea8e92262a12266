// Security review: git trees a hostile signer or a compromised branch can craft with plumbing
// (`git mktree`, hand-written loose objects) that a work tree and `git add` never produce.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PgError } from '../../src/core/index.js';
import { GitReader, buildSite, type BuildReport } from '../../src/mirror/index.js';
import { fixture, tempDirs, utf8, type Fixture } from './helpers.js';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

/** Runs git with `input` on stdin; resolves stdout. */
function git(cwd: string, args: string[], input = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, {
      cwd,
      env: {
        ...process.env,
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_AUTHOR_NAME: 'Mallory',
        GIT_AUTHOR_EMAIL: 'mallory@example.invalid',
        GIT_COMMITTER_NAME: 'Mallory',
        GIT_COMMITTER_EMAIL: 'mallory@example.invalid',
      },
    });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve(Buffer.concat(out).toString('utf8'))
        : reject(new Error(`git ${args.join(' ')}: ${code}: ${err}`)),
    );
    child.stdin.end(input);
  });
}

/** `git ls-tree -z` of a tree-ish as mktree input records. */
async function treeRecords(repo: string, treeish: string): Promise<string[]> {
  return (await git(repo, ['ls-tree', '-z', treeish])).split('\0').filter((r) => r !== '');
}

async function mktree(repo: string, records: string[]): Promise<string> {
  return (
    await git(repo, ['mktree', '-z', '--missing'], records.map((r) => `${r}\0`).join(''))
  ).trim();
}

/**
 * Commits HEAD's tree with `records` added to the tree at `dir` (`metadata` or `targets`) and
 * moves main there: entries git's index refuses (`..`, huge fake blobs) go in this way.
 */
async function commitWithEntries(repo: string, dir: string, records: string[]): Promise<string> {
  const sub = await mktree(repo, [...(await treeRecords(repo, `HEAD:${dir}`)), ...records]);
  const top = (await treeRecords(repo, 'HEAD')).map((r) =>
    r.endsWith(`\t${dir}`) ? `040000 tree ${sub}\t${dir}` : r,
  );
  const root = await mktree(repo, top);
  const commit = (await git(repo, ['commit-tree', root, '-p', 'HEAD', '-m', 'crafted'])).trim();
  await git(repo, ['update-ref', 'refs/heads/main', commit]);
  return commit;
}

async function blob(repo: string, bytes: Uint8Array): Promise<string> {
  const child = git(repo, ['hash-object', '-w', '--stdin'], Buffer.from(bytes).toString('latin1'));
  return (await child).trim();
}

const codes = (r: BuildReport): string[] => r.problems.map((p) => p.code);

describe('review: hostile git trees', () => {
  it('never writes outside --out for a target path with ".." segments taken from a crafted tree', async () => {
    const f: Fixture = await fixture(dirs);
    const bytes = utf8('written outside the output directory\n');
    // A correctly signed entry: the path is just a JSON key to the signer's tooling.
    f.sim.addTarget('targets', '../../escape.txt', bytes);
    f.sim.publish();
    await f.commit('entry for ../../escape.txt', (files) =>
      files.delete('targets/../../escape.txt'),
    );
    const oid = await blob(f.git, bytes);
    const inner = await mktree(f.git, [`100644 blob ${oid}\tescape.txt`]);
    const middle = await mktree(f.git, [`040000 tree ${inner}\t..`]);
    await commitWithEntries(f.git, 'targets', [`040000 tree ${middle}\t..`]);
    expect(await git(f.git, ['ls-tree', '-r', '--name-only', 'HEAD', '--', 'targets'])).toContain(
      'targets/../../escape.txt',
    );

    const parent = await dirs.make('pg-mirror-review-parent-');
    const out = join(parent, 'site');
    const report = await buildSite({ gitPath: f.git, outDir: out });
    // Nothing may appear next to the output directory (targets/../../<sha256>.escape.txt).
    expect(await readdir(parent)).toEqual(['site']);
    expect(report.ok).toBe(false);
    expect(report.problems.map((p) => p.file)).toContain('targets/../../escape.txt');
  });

  it(
    'refuses a metadata blob far beyond its length cap by its listed size, without reading it',
    { timeout: 30_000 },
    async () => {
      const f = await fixture(dirs);
      // A loose object whose header claims 1 PiB (a real one compresses ~1000:1, so a branch
      // can carry tens of GiB of zeros); only its header is ever valid.
      const claimed = 2 ** 50;
      const raw = Buffer.concat([Buffer.from(`blob ${claimed}\0`), Buffer.from('{')]);
      const oid = createHash('sha1').update('pg-mirror review: fake huge blob').digest('hex');
      const objects = join(f.git, '.git', 'objects', oid.slice(0, 2));
      await mkdir(objects, { recursive: true });
      await writeFile(join(objects, oid.slice(2)), deflateSync(raw));
      const records = (await treeRecords(f.git, 'HEAD:metadata')).filter(
        (r) => !r.endsWith('\ttimestamp.json'),
      );
      const sub = await mktree(f.git, [...records, `100644 blob ${oid}\ttimestamp.json`]);
      const top = (await treeRecords(f.git, 'HEAD')).map((r) =>
        r.endsWith('\tmetadata') ? `040000 tree ${sub}\tmetadata` : r,
      );
      const commit = (
        await git(f.git, ['commit-tree', await mktree(f.git, top), '-p', 'HEAD', '-m', 'huge'])
      ).trim();
      await git(f.git, ['update-ref', 'refs/heads/main', commit]);

      // Today cat-file's header makes the reader call Buffer.allocUnsafe(2 ** 50) inside a stream
      // 'data' handler: a RangeError that is an uncaught exception (the CLI process dies).
      const uncaught: unknown[] = [];
      const onUncaught = (err: unknown): void => void uncaught.push(err);
      const listeners = process.listeners('uncaughtException');
      process.removeAllListeners('uncaughtException');
      process.on('uncaughtException', onUncaught);
      let result: unknown;
      try {
        // Today the build then waits forever for an answer the parser dropped: race a timer.
        const hung = new Promise((r) => setTimeout(() => r('hung'), 10_000).unref());
        result = await Promise.race([f.build().catch((err: unknown) => err), hung]);
      } finally {
        process.off('uncaughtException', onUncaught);
        for (const l of listeners) process.on('uncaughtException', l);
      }
      expect(uncaught.map((e) => (e instanceof Error ? e.message : String(e)))).toEqual([]);
      expect(result).not.toBe('hung');
      expect(result).not.toBeInstanceOf(Error);
      const report = result as BuildReport;
      expect(report.ok).toBe(false);
      expect(report.problems[0]?.file).toBe('metadata/timestamp.json');
      expect(await readdir(f.out)).toEqual(['.pg-mirror']);
    },
  );

  it('reports a role name too long for one file name as a problem and leaves --out untouched', async () => {
    const f = await fixture(dirs);
    // 250 ASCII characters: `<role>.json` fits a 255-byte file name in git, but the published
    // `metadata/1.<role>.json` does not.
    const role = `r${'x'.repeat(249)}`;
    f.sim.addDelegation('targets', { name: role, paths: ['long/*'] });
    f.sim.addTarget(role, 'long/a.txt', utf8('long role artifact\n'));
    f.sim.publish();
    await f.commit('long role name');
    // Today: StorageError('io', ENAMETOOLONG) thrown mid-publish, after the artifacts phase
    // (and the other roles' files) were already written.
    const result = await f.build().catch((err: unknown) => err);
    expect(result instanceof PgError ? `${result.code}: ${result.message}` : 'a report').toBe(
      'a report',
    );
    expect((result as BuildReport).ok).toBe(false);
    expect(codes(result as BuildReport)).toContain('invalid-value');
    // A refused build writes nothing but its own state directory.
    expect(await readdir(f.out)).toEqual(['.pg-mirror']);
  });

  it('does not read an artifact whose size in the git listing already contradicts its listed length', async () => {
    const f = await fixture(dirs);
    // The listing says 25 bytes; the branch carries more (a real attack: many GiB of zeros,
    // a few MiB on the wire). ls-tree -l already gives the size: no need to hash it all.
    await f.commit('oversized artifact', (files) =>
      files.set('targets/releases/app-1.1.tar.gz', new Uint8Array(256 * 1024)),
    );
    const oid = (await git(f.git, ['rev-parse', 'HEAD:targets/releases/app-1.1.tar.gz'])).trim();
    const reader = await GitReader.open(f.git);
    const streamed = vi.spyOn(reader, 'readBlobStream');
    const read = vi.spyOn(reader, 'readBlob');
    try {
      const report = await buildSite({ gitPath: f.git, outDir: f.out, reader });
      expect(report.ok).toBe(false);
      expect(codes(report)).toContain('length-mismatch');
      const oids = [...streamed.mock.calls, ...read.mock.calls].map((c) => c[0]);
      expect(oids).not.toContain(oid);
    } finally {
      await reader.close();
    }
  });
});
