// Builds of repositories whose names cannot be published as they are: hidden target directories,
// names too long for one file once hash-prefixed, roles that differ only in case, paths that are
// not UTF-8; and a pinned root inside history (trust starts there).
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { exists, fixture, problemSummary, tempDirs, utf8 } from './helpers.js';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

/** Runs git with `input` on stdin; resolves stdout as bytes. */
function git(cwd: string, args: string[], input: Buffer = Buffer.alloc(0)): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, {
      cwd,
      env: {
        ...process.env,
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_AUTHOR_NAME: 'T',
        GIT_AUTHOR_EMAIL: 't@example.invalid',
        GIT_COMMITTER_NAME: 'T',
        GIT_COMMITTER_EMAIL: 't@example.invalid',
      },
    });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`git ${args[0]}: ${err}`)),
    );
    child.stdin.end(input);
  });
}

const nul = Buffer.from([0]);

/** `git ls-tree -z` records of a tree-ish, as raw bytes. */
async function records(repo: string, treeish: string): Promise<Buffer[]> {
  const out = await git(repo, ['ls-tree', '-z', treeish]);
  const recs: Buffer[] = [];
  for (
    let start = 0, end = out.indexOf(0);
    end !== -1;
    start = end + 1, end = out.indexOf(0, start)
  )
    recs.push(out.subarray(start, end));
  return recs;
}

async function mktree(repo: string, recs: Buffer[]): Promise<string> {
  const input = Buffer.concat(recs.flatMap((r) => [r, nul]));
  return (await git(repo, ['mktree', '-z'], input)).toString().trim();
}

describe('build: names that cannot be published as they are', () => {
  it('refuses a signed target under a hidden directory (static hosts do not serve it)', async () => {
    const f = await fixture(dirs);
    f.sim.addTarget('targets', '.well-known/key.txt', utf8('key\n'));
    f.sim.publish();
    await f.commit('hidden directory');
    const report = await f.build();
    expect(report.ok).toBe(false);
    expect(problemSummary(report)).toContain('invalid-value targets/.well-known/key.txt');
    expect(report.problems.map((p) => p.found)).toContain('hidden directory .well-known');
    expect(await readdir(f.out)).toEqual(['.pg-mirror']);
  });

  it('refuses a target whose hash-prefixed file name exceeds 255 bytes', async () => {
    const f = await fixture(dirs);
    // 204 bytes in git; "<64 hex>.<name>" is 269 bytes once published.
    const name = `${'b'.repeat(200)}.bin`;
    f.sim.addTarget('targets', `long/${name}`, utf8('long\n'));
    f.sim.publish();
    await f.commit('long artifact name');
    const report = await f.build();
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      expect.objectContaining({ code: 'invalid-value', found: 'a segment of 269 bytes' }),
    ]);
    expect(await readdir(f.out)).toEqual(['.pg-mirror']);
  });

  it('refuses two roles whose files differ only in case (one file on macOS and Windows)', async () => {
    const f = await fixture(dirs);
    f.sim.addDelegation('targets', { name: 'Docs', paths: ['docs-a/*'] });
    f.sim.addDelegation('targets', { name: 'docs', paths: ['docs-b/*'] });
    f.sim.publish();
    await f.commit('roles differing in case');
    const report = await f.build();
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      expect.objectContaining({ code: 'invalid-value', file: 'metadata/1.docs.json' }),
    ]);
  });

  it('reports a target path that is not UTF-8 as a problem (exit 1), not a git failure', async () => {
    const f = await fixture(dirs);
    const oid = (await git(f.git, ['hash-object', '-w', '--stdin'], Buffer.from('x')))
      .toString()
      .trim();
    const bad = Buffer.concat([Buffer.from(`100644 blob ${oid}\t`), Buffer.from([0x66, 0xff])]);
    const sub = await mktree(f.git, [...(await records(f.git, 'HEAD:targets')), bad]);
    const top = (await records(f.git, 'HEAD')).map((r) =>
      r.toString('latin1').endsWith('\ttargets') ? Buffer.from(`040000 tree ${sub}\ttargets`) : r,
    );
    const root = await mktree(f.git, top);
    const commit = await git(f.git, ['commit-tree', root, '-p', 'HEAD', '-m', 'not utf-8']);
    await git(f.git, ['update-ref', 'HEAD', commit.toString().trim()]);
    const report = await f.build();
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      expect.objectContaining({ code: 'invalid-value', found: 'bytes 746172676574732f66ff' }),
    ]);
  });
});

describe('build: pinned root inside history', () => {
  it('starts trust at the pinned root and publishes no older, unverified root', async () => {
    const f = await fixture(dirs);
    const report = await f.build({ rootBytes: f.sim.rootBytes(2) });
    expect(report.ok).toBe(true);
    expect(report.warnings).toEqual([
      'metadata/root_history/1.root.json: older than the pinned --root; not verified, not published',
    ]);
    expect(await exists(join(f.out, 'metadata', '1.root.json'))).toBe(false);
    expect(await exists(join(f.out, 'metadata', '2.root.json'))).toBe(true);
  });

  it('does not need the history before the pin to be intact', async () => {
    const f = await fixture(dirs);
    await f.commit('history before the pin damaged', (files) =>
      files.set('metadata/root_history/1.root.json', utf8('not a root')),
    );
    expect((await f.build({ rootBytes: f.sim.rootBytes(2) })).ok).toBe(true);
    // Without the pin, trust starts at the damaged v1: refused.
    expect((await f.build()).ok).toBe(false);
  });
});
