import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileFetcher } from '../../src/client/fetcher.js';
import { DownloadError, UsageError } from '../../src/core/index.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pg-file-fetcher-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function failure(promise: Promise<unknown>): Promise<DownloadError> {
  const err: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DownloadError);
  return err as DownloadError;
}

describe('FileFetcher', () => {
  it('reads a file:// URL exactly and counts it', async () => {
    const bytes = Buffer.from('{"signed":{"_type":"timestamp"}}');
    await writeFile(join(dir, 'timestamp.json'), bytes);
    const f = new FileFetcher();
    const got = await f.fetchBytes(pathToFileURL(join(dir, 'timestamp.json')).href, {
      maxLength: 100,
    });
    expect(Buffer.from(got).equals(bytes)).toBe(true);
    expect(f.stats).toEqual({ requests: 1, bytes: bytes.length });
  });

  it('a missing file is not-found, like HTTP 404', async () => {
    const err = await failure(
      new FileFetcher().fetchBytes(pathToFileURL(join(dir, '2.root.json')).href, {
        maxLength: 100,
      }),
    );
    expect(err.code).toBe('not-found');
  });

  it('a directory is not-found', async () => {
    expect(
      (await failure(new FileFetcher().fetchBytes(pathToFileURL(dir).href, { maxLength: 100 })))
        .code,
    ).toBe('not-found');
  });

  it('a file over the cap is too-large before reading', async () => {
    await writeFile(join(dir, 'big'), Buffer.alloc(101));
    const err = await failure(
      new FileFetcher().fetchBytes(pathToFileURL(join(dir, 'big')).href, { maxLength: 100 }),
    );
    expect(err.code).toBe('too-large');
  });

  it('streams in chunks and lets the consumer stop early', async () => {
    await writeFile(join(dir, 'big'), Buffer.alloc(3 * 1024 * 1024));
    const f = new FileFetcher();
    let seen = 0;
    for await (const chunk of await f.fetchStream(pathToFileURL(join(dir, 'big')).href, {
      maxLength: 10_000_000,
    })) {
      seen += chunk.byteLength;
      break;
    }
    expect(seen).toBeGreaterThan(0);
    expect(seen).toBeLessThan(3 * 1024 * 1024);
  });

  it('rejects non-file URLs as a usage error', async () => {
    await expect(
      new FileFetcher().fetchBytes('http://127.0.0.1/x', { maxLength: 1 }),
    ).rejects.toBeInstanceOf(UsageError);
  });

  it('an aborted signal is aborted', async () => {
    await writeFile(join(dir, 'f'), 'x');
    const err = await failure(
      new FileFetcher().fetchBytes(pathToFileURL(join(dir, 'f')).href, {
        maxLength: 1,
        signal: AbortSignal.abort(),
      }),
    );
    expect(err.code).toBe('aborted');
  });
});
