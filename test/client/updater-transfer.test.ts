import { afterEach, describe, expect, it } from 'vitest';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HttpFetcher } from '../../src/client/index.js';
import type { KeyAlgorithm } from '../../src/core/index.js';
import { startHarness, type Harness } from '../support/client-harness.js';

let h: Harness;
afterEach(async () => h?.close());

const ARTIFACT = new TextEncoder().encode('artifact bytes\n');

async function withTarget(options = {}): Promise<Harness> {
  const harness = await startHarness(options);
  harness.sim.addTarget('targets', 'dir/file.txt', ARTIFACT);
  harness.sim.publish();
  return harness;
}

describe('target download (TUF 5.7)', () => {
  it('downloads from <dir>/<sha256>.<basename> and stores verified bytes', async () => {
    h = await withTarget();
    const updater = h.updater();
    const info = await updater.getTargetInfo('dir/file.txt');
    if (!info) throw new Error('target not found');
    const stored = await updater.downloadTarget(info);
    await updater.close();
    expect(new Uint8Array(await readFile(stored.path))).toEqual(ARTIFACT);
    expect(h.server.requests.at(-1)?.path).toBe(
      `targets/dir/${info.target.hashes['sha256']}.file.txt`,
    );
  });

  it('malicious mirror: wrong artifact bytes are rejected and nothing is stored', async () => {
    h = await withTarget();
    h.server.faults.add((p) => p.startsWith('targets/'), {
      replaceBody: new TextEncoder().encode('artifact bytez\n'),
    });
    const updater = h.updater();
    const info = await updater.getTargetInfo('dir/file.txt');
    if (!info) throw new Error('target not found');
    await expect(updater.downloadTarget(info)).rejects.toMatchObject({ code: 'hash-mismatch' });
    await updater.close();
    expect(await readdir(h.targetDir)).toEqual([]);
  });

  it('endless artifact: more bytes than the listed length abort the transfer, nothing stored', async () => {
    h = await withTarget();
    h.server.faults.add((p) => p.startsWith('targets/'), { endless: true });
    const updater = h.updater();
    const info = await updater.getTargetInfo('dir/file.txt');
    if (!info) throw new Error('target not found');
    await expect(updater.downloadTarget(info)).rejects.toMatchObject({ code: 'too-large' });
    await updater.close();
    expect(await readdir(h.targetDir)).toEqual([]);
  });

  it('a cached file that matches is not downloaded again', async () => {
    h = await withTarget();
    for (let run = 0; run < 2; run++) {
      const updater = h.updater();
      const info = await updater.getTargetInfo('dir/file.txt');
      if (!info) throw new Error('target not found');
      if (!(await updater.findCachedTarget(info))) await updater.downloadTarget(info);
      await updater.close();
    }
    expect(h.server.requests.filter((r) => r.path.startsWith('targets/'))).toHaveLength(1);
  });
});

describe('transfer attacks on metadata', () => {
  it('endless timestamp: aborted at the cap, nothing written', async () => {
    h = await startHarness();
    h.server.faults.add('metadata/timestamp.json', { endless: true });
    await expect(h.refresh()).rejects.toMatchObject({ code: 'too-large' });
    expect(await h.onDisk()).toEqual({ 'root.json': 1 });
  });

  it('a root larger than the configured cap is refused', async () => {
    h = await startHarness();
    h.sim.bumpRoot();
    await expect(h.refresh({ limits: { root: 100 } })).rejects.toMatchObject({ code: 'too-large' });
    expect(await h.onDisk()).toEqual({ 'root.json': 1 });
  });

  it('slow retrieval: a stalled timestamp body times out', async () => {
    h = await startHarness();
    h.server.faults.add('metadata/timestamp.json', { stallAfterBytes: 10 });
    const fetcher = new HttpFetcher({ retries: 0, stallTimeoutMs: 300 });
    const started = Date.now();
    await expect(h.refresh({ fetcher })).rejects.toMatchObject({ code: 'stalled' });
    await fetcher.close();
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await h.onDisk()).toEqual({ 'root.json': 1 });
  });

  it('a dropped connection for timestamp fails the refresh', async () => {
    h = await startHarness();
    h.server.faults.add('metadata/timestamp.json', { dropConnection: true });
    await expect(h.refresh()).rejects.toMatchObject({ name: 'DownloadError' });
  });

  it('a 404 for the next root ends the root loop without retries', async () => {
    h = await startHarness();
    await h.refresh({ fetcher: new HttpFetcher({ retries: 3 }) });
    expect(h.server.requests.filter((r) => r.path === 'metadata/2.root.json')).toHaveLength(1);
  });
});

describe('key types end to end', () => {
  const algorithms: KeyAlgorithm[] = [
    'ecdsa-p256',
    'ecdsa-p384',
    'ecdsa-p521',
    'rsa-pss-sha256',
    'rsa-pkcs1v15-sha256',
  ];
  for (const keyAlgorithm of algorithms) {
    it(`refreshes and downloads a repository signed with ${keyAlgorithm}`, async () => {
      h = await withTarget({ keyAlgorithm });
      const updater = h.updater();
      const info = await updater.getTargetInfo('dir/file.txt');
      if (!info) throw new Error('target not found');
      const stored = await updater.downloadTarget(info);
      await updater.close();
      expect(new Uint8Array(await readFile(join(stored.path)))).toEqual(ARTIFACT);
    });
  }
});
