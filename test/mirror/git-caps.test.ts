// Reading git objects with caps: a blob over its cap is refused without being buffered, and the
// batch process keeps answering; commits from the build state never become git options.
import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { GitReader } from '../../src/mirror/index.js';
import { diffCommits, entriesAt } from '../../src/mirror/git-diff.js';
import { fixture, tempDirs } from './helpers.js';

const run = promisify(execFile);
const dirs = tempDirs();
afterEach(() => dirs.cleanup());

async function revParse(repo: string, rev: string): Promise<string> {
  return (await run('git', ['rev-parse', rev], { cwd: repo })).stdout.trim();
}

describe('GitReader caps', () => {
  it('refuses a blob over maxSize with too-large, then keeps serving reads', async () => {
    const f = await fixture(dirs);
    const oid = await revParse(f.git, 'HEAD:targets/README.txt');
    const reader = await GitReader.open(f.git);
    try {
      const [over, whole] = await Promise.allSettled([
        reader.readBlob(oid, 10),
        reader.readBlob(oid),
      ]);
      expect(over).toMatchObject({ status: 'rejected', reason: { code: 'too-large' } });
      expect(whole.status === 'fulfilled' ? whole.value.length : 0).toBeGreaterThan(10);
      await expect(reader.readFileAt('HEAD', 'targets/README.txt', 10)).rejects.toMatchObject({
        name: 'DownloadError',
        code: 'too-large',
      });
      expect(await reader.readFileAt('HEAD', 'targets/README.txt', 1000)).toBeInstanceOf(Buffer);
    } finally {
      await reader.close();
    }
  });
});

describe('git-diff', () => {
  it('refuses a commit that is not a full object id, before git sees it', async () => {
    const f = await fixture(dirs);
    const head = await revParse(f.git, 'HEAD');
    const elsewhere = await dirs.make('pg-mirror-elsewhere-');
    const reader = await GitReader.open(f.git);
    try {
      const planted = `--output=${join(elsewhere, 'x')}`;
      await expect(diffCommits(reader, planted, head)).rejects.toMatchObject({
        code: 'invalid-argument',
      });
      await expect(entriesAt(reader, planted, ['targets/README.txt'])).rejects.toMatchObject({
        code: 'invalid-argument',
      });
      expect(await readdir(elsewhere)).toEqual([]);
      expect(await diffCommits(reader, head, head)).toEqual([]);
    } finally {
      await reader.close();
    }
  });
});
