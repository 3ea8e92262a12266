// Incremental builds re-check only what changed since the last published commit; each attack
// arriving in a later commit must still be refused exactly as a full build would refuse it.
import { symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runGit } from '../../src/sim/index.js';
import { fixture, problemSummary, tempDirs, utf8, type Fixture } from './helpers.js';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

async function published(): Promise<Fixture> {
  const f = await fixture(dirs);
  const first = await f.build();
  expect(first).toMatchObject({ ok: true, mode: 'full' });
  return f;
}

describe('buildSite incremental mode', () => {
  it('refuses an artifact tampered with in a later commit, although its role did not change', async () => {
    const f = await published();
    await f.commit('tamper', (files) =>
      files.set('targets/releases/app-1.1.tar.gz', utf8('app 1.1 release artifacX\n')),
    );
    const report = await f.build();
    expect(report.mode).toBe('incremental');
    expect(problemSummary(report)).toEqual(['hash-mismatch targets/releases/app-1.1.tar.gz']);
  });

  it('refuses an artifact a role stopped listing while the file stayed in git', async () => {
    const f = await published();
    f.sim.removeTarget('releases', 'releases/app-1.0.tar.gz');
    f.sim.publish();
    await f.commit('entry removed, artifact kept', (files) =>
      files.set('targets/releases/app-1.0.tar.gz', utf8('app 1.0 release artifact\n')),
    );
    const report = await f.build();
    expect(report.mode).toBe('incremental');
    expect(problemSummary(report)).toEqual(['unlisted-artifact targets/releases/app-1.0.tar.gz']);
  });

  it('refuses an artifact deleted from git while an unchanged role still lists it', async () => {
    const f = await published();
    await f.commit('artifact deleted', (files) => files.delete('targets/releases/app-1.0.tar.gz'));
    const report = await f.build();
    expect(report.mode).toBe('incremental');
    expect(problemSummary(report)).toEqual(['missing-artifact targets/releases/app-1.0.tar.gz']);
  });

  it('refuses a new artifact that no role lists', async () => {
    const f = await published();
    await f.commit('stray', (files) =>
      files.set('targets/releases/app-9.9.tar.gz', utf8('unsigned')),
    );
    const report = await f.build();
    expect(report.mode).toBe('incremental');
    expect(problemSummary(report)).toEqual(['unlisted-artifact targets/releases/app-9.9.tar.gz']);
  });

  it('refuses an artifact turned into a symlink', async () => {
    const f = await published();
    await symlink('/etc/passwd', join(f.git, 'targets', 'evil'));
    await runGit(f.git, ['add', '-A']);
    await runGit(f.git, [
      '-c',
      'user.name=t',
      '-c',
      'user.email=t@example.invalid',
      'commit',
      '-q',
      '-m',
      'symlink',
    ]);
    const report = await f.build();
    expect(report.problems).toEqual([
      expect.objectContaining({ file: 'targets/evil', code: 'invalid-value', found: 'a symlink' }),
    ]);
  });

  it('falls back to a full check when a delegating role changed, and still publishes only what changed', async () => {
    const f = await published();
    f.sim.addDelegation('targets', { name: 'docs', paths: ['docs/*'] });
    f.sim.addTarget('docs', 'docs/guide.txt', utf8('guide'));
    f.sim.publish();
    await f.commit('new delegation');
    const report = await f.build();
    expect(report).toMatchObject({ ok: true, mode: 'full', hashedArtifacts: 1 });
    expect(report.written.map((p) => p.replace(/[0-9a-f]{64}/, '<h>')).sort()).toEqual([
      'index.html',
      'metadata/1.docs.json',
      'metadata/3.snapshot.json',
      'metadata/3.targets.json',
      'metadata/timestamp.json',
      'targets/docs/<h>.guide.txt',
    ]);
  });

  it('falls back to a full check when the previous commit is gone from the repository', async () => {
    const f = await published();
    f.sim.publish({ bumpAll: true });
    await f.commit('next');
    await runGit(f.git, [
      '-c',
      'user.name=t',
      '-c',
      'user.email=t@example.invalid',
      'commit',
      '-q',
      '--amend',
      '-m',
      'amended',
    ]);
    expect((await f.build()).ok).toBe(true);
    // Rewrite history so the published commit no longer exists, then prune it.
    await runGit(f.git, ['checkout', '-q', '--orphan', 'fresh']);
    await runGit(f.git, [
      '-c',
      'user.name=t',
      '-c',
      'user.email=t@example.invalid',
      'commit',
      '-q',
      '-m',
      'orphan',
    ]);
    await runGit(f.git, ['branch', '-q', '-D', 'main']);
    await runGit(f.git, ['reflog', 'expire', '--expire=now', '--all']);
    await runGit(f.git, ['gc', '-q', '--prune=now']);
    f.sim.publish({ bumpAll: true });
    await f.commit('after rewrite');
    const report = await f.build();
    expect(report).toMatchObject({ ok: true, mode: 'full' });
  });
});
