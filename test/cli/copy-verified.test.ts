import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { copyVerified, streamVerified } from '../../src/cli/copy-verified.js';
import { hashHex, type TargetFile } from '../../src/core/index.js';

const GOOD = Buffer.from('the published artifact\n');
const target: TargetFile = {
  path: 'dir/file.txt',
  length: GOOD.length,
  hashes: { sha256: hashHex('sha256', GOOD) },
};

function sink(): { out: Writable; received: Buffer[] } {
  const received: Buffer[] = [];
  const out = new Writable({
    write(chunk: Buffer, _enc, done) {
      received.push(chunk);
      done();
    },
  });
  return { out, received };
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pg-copy-'));
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

describe('delivering a cached target', () => {
  it('streams a matching cache file to the output', async () => {
    await writeFile(join(dir, 'cached'), GOOD);
    const { out, received } = sink();
    await streamVerified(join(dir, 'cached'), out, target);
    expect(Buffer.concat(received)).toEqual(GOOD);
  });

  it('writes not one byte to the output when the cache file no longer matches', async () => {
    await writeFile(join(dir, 'cached'), Buffer.from('the publisheD artifact\n'));
    const { out, received } = sink();
    await expect(streamVerified(join(dir, 'cached'), out, target)).rejects.toMatchObject({
      code: 'hash-mismatch',
    });
    expect(received).toEqual([]);
  });

  it('leaves nothing under the destination name when the copy does not verify', async () => {
    await writeFile(
      join(dir, 'cached'),
      Buffer.from('tampered, and longer than the listed length\n'),
    );
    const out = join(dir, 'out');
    await rm(out, { force: true });
    const { mkdir } = await import('node:fs/promises');
    await mkdir(out);
    await expect(
      copyVerified(join(dir, 'cached'), join(out, 'file.txt'), target),
    ).rejects.toMatchObject({ name: 'TrustError' });
    expect(await readdir(out)).toEqual([]);
  });
});
