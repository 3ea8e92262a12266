import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { startStaticServer, type RunningServer } from '../../src/mirror/static-server.js';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

const HASH = 'ab'.repeat(32);
const TIMESTAMP = '{"signed":{"_type":"timestamp","version":7}}';
const SECRET = 'TOP-SECRET-OUTSIDE-THE-TREE';

let tmp: string;
let root: string;
let server: RunningServer | undefined;
let big: Buffer;

beforeEach(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'pg-static-server-'));
  root = path.join(tmp, 'root');
  big = randomBytes(2 * 1024 * 1024 + 17);
  const files: Record<string, string | Buffer> = {
    'index.html': '<h1>mirror</h1>',
    'metadata/1.root.json': '{"root":1}',
    'metadata/root.json': '{"root":"latest"}',
    'metadata/timestamp.json': TIMESTAMP,
    'metadata/12.snapshot.json': '{"snapshot":12}',
    [`targets/pkg/${HASH}.pkg-1.0.tar.gz`]: 'tarball',
    'targets/plain.bin': 'plain',
    'targets/big.bin': big,
    'docs/index.html': '<p>docs</p>',
    'empty/.keep': '',
    'zero.bin': '',
  };
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, name)), { recursive: true });
    await writeFile(path.join(root, name), content);
  }
  // A naive server would reach this through "/../secret".
  await writeFile(path.join(tmp, 'secret'), SECRET);
  await symlink(path.join(tmp, 'secret'), path.join(root, 'link-out'));
  await symlink(path.join(tmp), path.join(root, 'dir-out'));
  await symlink('metadata/timestamp.json', path.join(root, 'link-in.json'));
});

afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(tmp, { recursive: true, force: true });
});

async function start(
  extra: { log?: (line: string) => void; cacheTtlMs?: number } = {},
): Promise<RunningServer> {
  server = await startStaticServer({ root, host: '127.0.0.1', port: 0, ...extra });
  return server;
}

function get(
  target: string,
  options: { method?: string; headers?: http.OutgoingHttpHeaders } = {},
): Promise<Reply> {
  const s = server;
  if (!s) throw new UsageError('invalid-argument', 'test: expected a running server, got none');
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: s.port,
        path: target,
        method: options.method ?? 'GET',
        headers: options.headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

// Sends bytes exactly as written (no client normalisation) and returns the raw answer.
function raw(requestLine: string): Promise<{ status: number; text: string }> {
  const s = server;
  if (!s) throw new UsageError('invalid-argument', 'test: expected a running server, got none');
  return new Promise((resolve, reject) => {
    const socket = net.connect(s.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('connect', () =>
      socket.write(`${requestLine}\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`, 'latin1'),
    );
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text });
    });
  });
}

describe('static server: files and directories', () => {
  it('serves a file with length, strong ETag, Last-Modified and JSON type', async () => {
    await start();
    const r = await get('/metadata/timestamp.json?cache-buster=1');
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe(TIMESTAMP);
    expect(r.headers['content-length']).toBe(String(TIMESTAMP.length));
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.headers.etag).toMatch(/^"[0-9a-z-]+"$/);
    expect(Date.parse(r.headers['last-modified'] ?? '')).toBeGreaterThan(0);
    expect(r.headers['accept-ranges']).toBe('bytes');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
  });

  it('answers 404 for missing files and directories without index.html', async () => {
    await start();
    expect((await get('/metadata/8.root.json')).status).toBe(404);
    expect((await get('/empty/')).status).toBe(404);
    expect((await get('/docs')).status).toBe(404);
    const r = await get('/metadata/8.root.json');
    expect(r.headers['cache-control']).toBe('no-cache');
  });

  it('serves index.html for "/" and "/dir/" as uncached HTML', async () => {
    await start();
    const top = await get('/');
    expect(top.status).toBe(200);
    expect(top.body.toString()).toBe('<h1>mirror</h1>');
    expect(top.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(top.headers['cache-control']).toBe('no-cache');
    expect((await get('/docs/')).body.toString()).toBe('<p>docs</p>');
  });

  it('answers HEAD with the GET headers and no body', async () => {
    await start();
    const r = await get('/metadata/timestamp.json', { method: 'HEAD' });
    expect(r.status).toBe(200);
    expect(r.headers['content-length']).toBe(String(TIMESTAMP.length));
    expect(r.headers.etag).toBe((await get('/metadata/timestamp.json')).headers.etag);
    expect(r.body.length).toBe(0);
    const rawHead = await raw('HEAD /targets/big.bin HTTP/1.1');
    expect(rawHead.text).toMatch(new RegExp(`content-length: ${big.length}\\r\\n`, 'i'));
    expect(rawHead.text.endsWith('\r\n\r\n')).toBe(true);
  });

  it('streams a file above the in-memory limit byte for byte', async () => {
    await start();
    const r = await get('/targets/big.bin');
    expect(r.status).toBe(200);
    expect(r.body.equals(big)).toBe(true);
    expect(r.headers['content-type']).toBe('application/octet-stream');
  });

  it('answers 404, not 500, for a streamed file removed after it was resolved', async () => {
    await start();
    expect((await get('/targets/big.bin', { method: 'HEAD' })).status).toBe(200);
    await rm(path.join(root, 'targets/big.bin'));
    expect((await get('/targets/big.bin')).status).toBe(404);
  });

  it('refuses every method but GET and HEAD with 405 and Allow', async () => {
    await start();
    for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']) {
      const r = await get('/metadata/timestamp.json', { method });
      expect(r.status).toBe(405);
      expect(r.headers.allow).toBe('GET, HEAD');
    }
  });

  it('refuses a root that is not a directory', async () => {
    await expect(startStaticServer({ root: path.join(tmp, 'secret') })).rejects.toBeInstanceOf(
      UsageError,
    );
    await expect(startStaticServer({ root: path.join(tmp, 'absent') })).rejects.toBeInstanceOf(
      UsageError,
    );
  });
  it('refuses an address that is already in use', async () => {
    const s = await start();
    await expect(
      startStaticServer({ root, host: '127.0.0.1', port: s.port }),
    ).rejects.toMatchObject({
      name: 'UsageError',
      code: 'invalid-argument',
    });
  });

  it('answers many concurrent first requests for the same and for missing files', async () => {
    await start();
    const targets = Array.from({ length: 120 }, (_, i) =>
      i % 3 === 0
        ? '/metadata/timestamp.json'
        : i % 3 === 1
          ? `/metadata/${i}.absent.json`
          : '/targets/big.bin',
    );
    const replies = await Promise.all(targets.map((t) => get(t)));
    for (const [i, r] of replies.entries()) {
      if (i % 3 === 0) expect([r.status, r.body.toString()]).toEqual([200, TIMESTAMP]);
      else if (i % 3 === 1) expect(r.status).toBe(404);
      else expect(r.body.equals(big)).toBe(true);
    }
  });
});

describe('static server: caching headers', () => {
  it('marks versioned metadata and hash-prefixed targets immutable, the rest no-cache', async () => {
    await start();
    const immutable = 'public, max-age=31536000, immutable';
    const expected: Record<string, string> = {
      '/metadata/1.root.json': immutable,
      '/metadata/12.snapshot.json': immutable,
      [`/targets/pkg/${HASH}.pkg-1.0.tar.gz`]: immutable,
      '/metadata/timestamp.json': 'no-cache',
      '/metadata/root.json': 'no-cache',
      '/targets/plain.bin': 'no-cache',
      '/index.html': 'no-cache',
    };
    for (const [target, cacheControl] of Object.entries(expected)) {
      const r = await get(target);
      expect([target, r.status, r.headers['cache-control']]).toEqual([target, 200, cacheControl]);
    }
    const tarball = await get(`/targets/pkg/${HASH}.pkg-1.0.tar.gz`);
    expect(tarball.headers['content-type']).toBe('application/octet-stream');
  });

  it('answers 304 to a matching If-None-Match and If-Modified-Since', async () => {
    await start();
    const first = await get('/metadata/timestamp.json');
    const etag = first.headers.etag ?? '';
    for (const inm of [etag, `"other", ${etag}`, `W/${etag}`, '*']) {
      const r = await get('/metadata/timestamp.json', { headers: { 'if-none-match': inm } });
      expect([inm, r.status, r.body.length]).toEqual([inm, 304, 0]);
      expect(r.headers.etag).toBe(etag);
    }
    const changed = await get('/metadata/timestamp.json', {
      headers: { 'if-none-match': '"stale"' },
    });
    expect(changed.status).toBe(200);
    const lm = first.headers['last-modified'] ?? '';
    expect(
      (await get('/metadata/timestamp.json', { headers: { 'if-modified-since': lm } })).status,
    ).toBe(304);
    const older = new Date(Date.parse(lm) - 60_000).toUTCString();
    expect(
      (await get('/metadata/timestamp.json', { headers: { 'if-modified-since': older } })).status,
    ).toBe(200);
    // If-None-Match wins over If-Modified-Since (RFC 9110 §13.2.2).
    const both = await get('/metadata/timestamp.json', {
      headers: { 'if-none-match': '"x"', 'if-modified-since': lm },
    });
    expect(both.status).toBe(200);
  });

  it('sees a file replaced by rename once the cache entry expires', async () => {
    await start({ cacheTtlMs: 20 });
    const before = await get('/metadata/timestamp.json');
    const next = '{"signed":{"_type":"timestamp","version":8}}';
    await writeFile(path.join(root, 'metadata/.timestamp.tmp'), next);
    await rename(
      path.join(root, 'metadata/.timestamp.tmp'),
      path.join(root, 'metadata/timestamp.json'),
    );
    await new Promise((resolve) => setTimeout(resolve, 40));
    const after = await get('/metadata/timestamp.json');
    expect(after.body.toString()).toBe(next);
    expect(after.headers.etag).not.toBe(before.headers.etag);
    const stale = await get('/metadata/timestamp.json', {
      headers: { 'if-none-match': before.headers.etag ?? '' },
    });
    expect(stale.status).toBe(200);
  });
});

describe('static server: ranges', () => {
  const target = '/metadata/timestamp.json';

  it('answers single ranges with 206 and Content-Range', async () => {
    await start();
    const cases: [string, number, number][] = [
      ['bytes=0-9', 0, 9],
      ['bytes=10-', 10, TIMESTAMP.length - 1],
      ['bytes=-5', TIMESTAMP.length - 5, TIMESTAMP.length - 1],
      ['bytes=3-100000', 3, TIMESTAMP.length - 1],
      ['bytes=-100000', 0, TIMESTAMP.length - 1],
    ];
    for (const [range, start, end] of cases) {
      const r = await get(target, { headers: { range } });
      expect([range, r.status]).toEqual([range, 206]);
      expect(r.headers['content-range']).toBe(`bytes ${start}-${end}/${TIMESTAMP.length}`);
      expect(r.body.toString()).toBe(TIMESTAMP.slice(start, end + 1));
      expect(r.headers['content-length']).toBe(String(end - start + 1));
    }
  });

  it('answers unsatisfiable ranges with 416 and "bytes */size"', async () => {
    await start();
    for (const range of [`bytes=${TIMESTAMP.length}-`, 'bytes=99999-100000', 'bytes=-0']) {
      const r = await get(target, { headers: { range } });
      expect([range, r.status]).toEqual([range, 416]);
      expect(r.headers['content-range']).toBe(`bytes */${TIMESTAMP.length}`);
    }
    const empty = await get('/zero.bin', { headers: { range: 'bytes=0-' } });
    expect([empty.status, empty.headers['content-range']]).toEqual([416, 'bytes */0']);
  });

  it('serves the full body for multiple, invalid or foreign-unit ranges and for HEAD', async () => {
    await start();
    for (const range of ['bytes=0-1,4-5', 'bytes=5-2', 'bytes=abc', 'items=0-1', 'bytes=']) {
      const r = await get(target, { headers: { range } });
      expect([range, r.status, r.body.toString()]).toEqual([range, 200, TIMESTAMP]);
    }
    const head = await get(target, { method: 'HEAD', headers: { range: 'bytes=0-1' } });
    expect(head.status).toBe(200);
  });

  it('honours If-Range only when it names the current ETag or Last-Modified', async () => {
    await start();
    const { headers } = await get(target);
    const ok = await get(target, {
      headers: { range: 'bytes=0-1', 'if-range': headers.etag ?? '' },
    });
    expect(ok.status).toBe(206);
    const byDate = await get(target, {
      headers: { range: 'bytes=0-1', 'if-range': headers['last-modified'] ?? '' },
    });
    expect(byDate.status).toBe(206);
    for (const ifRange of [
      '"old-tag"',
      `W/${headers.etag ?? ''}`,
      'Thu, 01 Jan 1970 00:00:00 GMT',
    ]) {
      const r = await get(target, { headers: { range: 'bytes=0-1', 'if-range': ifRange } });
      expect([ifRange, r.status, r.body.toString()]).toEqual([ifRange, 200, TIMESTAMP]);
    }
  });

  it('serves ranges of a streamed file', async () => {
    await start();
    const r = await get('/targets/big.bin', { headers: { range: 'bytes=1048570-1048999' } });
    expect(r.status).toBe(206);
    expect(r.body.equals(big.subarray(1048570, 1049000))).toBe(true);
    const tail = await get('/targets/big.bin', { headers: { range: 'bytes=-7' } });
    expect(tail.body.equals(big.subarray(big.length - 7))).toBe(true);
  });
});

describe('static server: path safety', () => {
  const escapes = [
    'GET /../secret HTTP/1.1',
    'GET /%2e%2e/secret HTTP/1.1',
    'GET /%2E%2E/secret HTTP/1.1',
    'GET /..%2fsecret HTTP/1.1',
    'GET /%2e%2e%2fsecret HTTP/1.1',
    'GET /metadata/../../secret HTTP/1.1',
    'GET /metadata/%2e%2e/%2e%2e/secret HTTP/1.1',
    'GET /a\\..\\secret HTTP/1.1',
    'GET /a%5c..%5csecret HTTP/1.1',
    'GET /%5c..%5csecret HTTP/1.1',
    'GET /%00 HTTP/1.1',
    'GET /metadata/timestamp.json%00.html HTTP/1.1',
    'GET //etc/passwd HTTP/1.1',
    'GET /%2fetc/passwd HTTP/1.1',
    `GET /${'%2e%2e%2f'.repeat(12)}etc/passwd HTTP/1.1`,
    'GET http://x/etc/passwd HTTP/1.1',
    'GET http://127.0.0.1/../secret HTTP/1.1',
    'GET * HTTP/1.1',
    'GET /%zz HTTP/1.1',
    'GET /%e0%a4%a HTTP/1.1',
    'GET /link-out HTTP/1.1',
    'GET /dir-out/secret HTTP/1.1',
    'GET /./metadata/timestamp.json HTTP/1.1',
  ];

  for (const line of escapes) {
    it(`refuses ${JSON.stringify(line)} with a 4xx and never returns outside bytes`, async () => {
      await start();
      const r = await raw(line);
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(r.status).toBeLessThan(500);
      expect(r.text).not.toContain(SECRET);
      expect(r.text).not.toContain('root:x:0:0');
    });
  }

  it('follows a symlink that stays inside the tree', async () => {
    await start();
    const r = await get('/link-in.json');
    expect([r.status, r.body.toString()]).toEqual([200, TIMESTAMP]);
  });

  it('serves names that need percent-decoding once, and only once', async () => {
    await writeFile(path.join(root, 'metadata', '3.a b.json'), 'spaced');
    await writeFile(path.join(root, 'metadata', '%2e%2e'), 'literal');
    await start();
    expect((await get('/metadata/3.a%20b.json')).body.toString()).toBe('spaced');
    expect((await get('/metadata/%252e%252e')).body.toString()).toBe('literal');
  });
});

describe('static server: logging and shutdown', () => {
  it('logs one line per request: method, path, status, bytes, time', async () => {
    const lines: string[] = [];
    await start({ log: (line) => lines.push(line) });
    await get('/metadata/timestamp.json');
    await get('/missing');
    await get('/metadata/timestamp.json', { method: 'POST' });
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(
      new RegExp(`^GET /metadata/timestamp\\.json 200 ${TIMESTAMP.length} \\d+\\.\\dms$`),
    );
    expect(lines[1]).toMatch(/^GET \/missing 404 \d+ \d+\.\dms$/);
    expect(lines[2]).toMatch(/^POST \/metadata\/timestamp\.json 405 \d+ \d+\.\dms$/);
  });

  it('closes idle keep-alive sockets at once and lets an in-flight download finish', async () => {
    const s = await start();
    const agent = new http.Agent({ keepAlive: true });
    await new Promise<void>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port: s.port, path: '/index.html', agent }, (res) => {
          res.resume();
          res.on('end', resolve);
        })
        .on('error', reject);
    });
    // One idle keep-alive socket now exists; one slow download is in flight.
    const socket = net.connect(s.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const ended = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      socket.pause();
    });
    socket.write('GET /targets/big.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    const closed = s.close();
    server = undefined;
    socket.resume();
    socket.on('data', () => socket.resume());
    await ended;
    await closed;
    expect(Date.now() - started).toBeLessThan(5000);
    const text = Buffer.concat(chunks);
    const bodyStart = text.indexOf('\r\n\r\n') + 4;
    expect(text.subarray(bodyStart).equals(big)).toBe(true);
    agent.destroy();
    await expect(get2(s.port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});

function get2(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) =>
        resolve(res.statusCode ?? 0),
      )
      .on('error', reject);
  });
}
