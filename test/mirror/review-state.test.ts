// Security review: the build state under <out>/.pg-mirror is a cache kept between CI runs (the
// README recommends keeping site/ between runs, e.g. through a CI cache another workflow can
// write). A damaged or planted state may cost a re-hash, never a write outside --out or a
// skipped check.
import { createHash } from 'node:crypto';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fixture, problemSummary, tempDirs, utf8 } from './helpers.js';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

/** A state file that passes its own checksum (the format of src/mirror/state.ts). */
async function plantState(out: string, commit: string): Promise<void> {
  const body = `commit ${commit}\ncount 0\n`;
  const sum = createHash('sha256').update(body).digest('hex');
  await writeFile(join(out, '.pg-mirror', 'state'), `pg-mirror-state 3 ${sum}\n${body}`);
}

describe('review: planted build state', () => {
  it('never passes a state "commit" to git as an option (diff-tree --output= writes anywhere)', async () => {
    const f = await fixture(dirs);
    expect((await f.build()).ok).toBe(true);
    await f.commit('tampered artifact', (files) =>
      files.set('targets/releases/app-1.1.tar.gz', utf8('app 1.1 release artifacX\n')),
    );
    const elsewhere = await dirs.make('pg-mirror-review-elsewhere-');
    await plantState(f.out, `--output=${join(elsewhere, 'written-by-git.txt')}`);
    const report = await f.build();
    // Today git diff-tree takes the planted "commit" as --output=<file>: it writes there, and the
    // empty diff it prints makes the incremental check skip the tampered artifact.
    expect.soft(await readdir(elsewhere)).toEqual([]);
    expect(report.ok).toBe(false);
    expect(problemSummary(report)).toEqual(['hash-mismatch targets/releases/app-1.1.tar.gz']);
  });
});
