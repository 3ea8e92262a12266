import { once } from 'node:events';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileFetcher, HttpFetcher } from '../../src/client/fetcher.js';
import { TargetStore } from '../../src/client/target-store.js';
import { DownloadError, hashHex, TrustError, type TargetFile } from '../../src/core/index.js';

let dir: string;
let server: Server | undefined;
let fetcher: HttpFetcher | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pg-target-store-'));
});

afterEach(async () => {
  await fetcher?.close();
  fetcher = undefined;
  server?.closeAllConnections();
  server?.close();
  server = undefined;
  await rm(dir, { recursive: true, force: true });
});

function targetFor(path: string, bytes: Uint8Array): TargetFile {
  return {
    path,
    length: bytes.byteLength,
    hashes: { sha256: hashHex('sha256', bytes), sha512: hashHex('sha512', bytes) },
  };
}

/** Serves `body(path)` for every request; counts requests. */
async function mirror(
  body: (res: ServerResponse) => void,
): Promise<{ url: string; requests: () => number }> {
  let count = 0;
  server = createServer((_req, res) => {
    count++;
    body(res);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  fetcher = new HttpFetcher({ env: {}, retries: 0 });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/targets/file`,
    requests: () => count,
  };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.unreachable('expected a rejection'),
    (e: unknown) => e,
  );
}

describe('TargetStore.download', () => {
  it('stores a verified download under its encoded name and reports progress', async () => {
    const bytes = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
    const m = await mirror((res) => res.end(bytes));
    const store = new TargetStore(join(dir, 'targets'));
    const target = targetFor('path/to/a/target_file.txt', bytes);
    const progress: number[] = [];
    const stored = await store.download(fetcher!, m.url, target, {
      onProgress: (received, total) => progress.push(received / total),
    });
    expect(stored).toEqual({
      path: join(dir, 'targets', 'path%2Fto%2Fa%2Ftarget_file.txt'),
      length: bytes.length,
      downloaded: true,
    });
    expect((await readFile(stored.path)).equals(bytes)).toBe(true);
    expect(progress.at(-1)).toBe(1);
    expect(await readdir(join(dir, 'targets'))).toEqual(['path%2Fto%2Fa%2Ftarget_file.txt']);
  });

  it('a malicious mirror serving other bytes of the right length gets TrustError and leaves nothing', async () => {
    const good = Buffer.from('the real artifact');
    const evil = Buffer.from('the evil artifact');
    const m = await mirror((res) => res.end(evil));
    const store = new TargetStore(dir);
    const err = await rejection(store.download(fetcher!, m.url, targetFor('a.tgz', good)));
    expect(err).toBeInstanceOf(TrustError);
    expect((err as TrustError).code).toBe('hash-mismatch');
    expect(await readdir(dir)).toEqual([]);
  });

  it('a short body is a length mismatch and leaves nothing', async () => {
    const good = Buffer.from('complete artifact');
    const m = await mirror((res) => res.end(good.subarray(0, 5)));
    const store = new TargetStore(dir);
    const err = await rejection(store.download(fetcher!, m.url, targetFor('a.tgz', good)));
    expect((err as TrustError).code).toBe('length-mismatch');
    expect(await readdir(dir)).toEqual([]);
  });

  it('an endless body is aborted at the trusted length and leaves nothing', async () => {
    const good = Buffer.alloc(100_000, 1);
    const m = await mirror((res) => {
      const chunk = Buffer.alloc(65_536, 1);
      const pump = (): void => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    });
    const store = new TargetStore(dir);
    const err = await rejection(store.download(fetcher!, m.url, targetFor('big.bin', good)));
    expect(err).toBeInstanceOf(DownloadError);
    expect((err as DownloadError).code).toBe('too-large');
    expect(await readdir(dir)).toEqual([]);
  });

  it('a 404 leaves nothing and keeps the DownloadError', async () => {
    const m = await mirror((res) => res.writeHead(404).end());
    const store = new TargetStore(dir);
    const err = await rejection(
      store.download(fetcher!, m.url, targetFor('gone', Buffer.from('x'))),
    );
    expect((err as DownloadError).code).toBe('not-found');
    expect(await readdir(dir)).toEqual([]);
  });

  it('writes to a caller-chosen destination path', async () => {
    const bytes = Buffer.from('artifact');
    const m = await mirror((res) => res.end(bytes));
    const dest = join(dir, 'out', 'my-name.bin');
    const stored = await new TargetStore(join(dir, 'store')).download(
      fetcher!,
      m.url,
      targetFor('x/y', bytes),
      { destPath: dest },
    );
    expect(stored.path).toBe(dest);
    expect(await readFile(dest, 'utf8')).toBe('artifact');
    expect(await readdir(join(dir, 'out'))).toEqual(['my-name.bin']);
  });
});

describe('TargetStore.findCached', () => {
  it('reuses a cached file with the right hashes without any request', async () => {
    const bytes = Buffer.from('cached artifact');
    const m = await mirror((res) => res.end(bytes));
    const store = new TargetStore(dir);
    const target = targetFor('pkg/a-1.0.tgz', bytes);
    await store.download(fetcher!, m.url, target);
    expect(m.requests()).toBe(1);
    expect(await store.findCached(target)).toBe(store.pathFor('pkg/a-1.0.tgz'));
    expect(m.requests()).toBe(1);
  });

  it('rejects a cached file with the right length but wrong content; a download overwrites it', async () => {
    const bytes = Buffer.from('genuine content');
    const m = await mirror((res) => res.end(bytes));
    const store = new TargetStore(dir);
    const target = targetFor('pkg.tgz', bytes);
    await writeFile(store.pathFor(target.path), Buffer.from('tampered conten'));
    expect(await store.findCached(target)).toBeUndefined();
    await store.download(fetcher!, m.url, target);
    expect(await readFile(store.pathFor(target.path), 'utf8')).toBe('genuine content');
    expect(await store.findCached(target)).toBe(store.pathFor(target.path));
    expect(await readdir(dir)).toEqual(['pkg.tgz']);
  });

  it('treats a missing or wrongly sized file as a miss', async () => {
    const store = new TargetStore(dir);
    const target = targetFor('t', Buffer.from('abc'));
    expect(await store.findCached(target)).toBeUndefined();
    await writeFile(store.pathFor('t'), 'abcd');
    expect(await store.findCached(target)).toBeUndefined();
  });
});

describe('TargetStore with FileFetcher', () => {
  it('downloads from a file:// mirror with the same verification', async () => {
    const bytes = Buffer.from('offline mirror artifact');
    const source = join(dir, 'source.bin');
    await writeFile(source, bytes);
    const store = new TargetStore(join(dir, 'store'));
    const stored = await store.download(
      new FileFetcher(),
      pathToFileURL(source).href,
      targetFor('s.bin', bytes),
    );
    expect((await readFile(stored.path)).equals(bytes)).toBe(true);
    const err = await rejection(
      store.download(
        new FileFetcher(),
        pathToFileURL(source).href,
        targetFor('s2.bin', Buffer.from('short')),
      ),
    );
    expect((err as DownloadError).code).toBe('too-large');
    expect(await readdir(join(dir, 'store'))).toEqual(['s.bin']);
  });
});
