import { once } from 'node:events';
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpFetcher, type HttpFetcherOptions } from '../../src/client/fetcher.js';
import { DownloadError, UsageError } from '../../src/core/index.js';

type Handler = (req: IncomingMessage, res: ServerResponse, hit: number) => void;

interface TestServer {
  readonly url: string;
  readonly server: Server;
  /** Requests seen, in order. */
  readonly requests: string[];
  /** TCP connections accepted. */
  connections: number;
  /** Resolves when a response's socket closes (used to see that the client aborted). */
  socketClosed: Promise<void>;
}

const servers: Server[] = [];
const fetchers: HttpFetcher[] = [];

afterEach(async () => {
  await Promise.all(fetchers.splice(0).map((f) => f.close().catch(() => undefined)));
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    server.close();
  }
});

async function serve(handler: Handler): Promise<TestServer> {
  const server = createServer({ keepAliveTimeout: 10_000 });
  let closed!: () => void;
  const state: TestServer = {
    url: '',
    server,
    requests: [],
    connections: 0,
    socketClosed: new Promise<void>((resolve) => (closed = resolve)),
  };
  server.on('connection', (socket: Socket) => {
    state.connections++;
    socket.on('close', () => closed());
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    state.requests.push(req.url ?? '');
    handler(req, res, state.requests.length);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  servers.push(server);
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, { url: `http://127.0.0.1:${port}` });
}

function fetcher(options: HttpFetcherOptions = {}): HttpFetcher {
  // An empty env: the developer's own proxy settings must not leak into tests.
  const f = new HttpFetcher({ retryBaseDelayMs: 5, env: {}, ...options });
  fetchers.push(f);
  return f;
}

async function failure(promise: Promise<unknown>): Promise<DownloadError> {
  const err: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DownloadError);
  return err as DownloadError;
}

describe('HttpFetcher statuses and retries', () => {
  it('returns the exact body of a 200 and counts it', async () => {
    const body = Buffer.from('{"signed":{}}');
    const s = await serve((_req, res) => res.end(body));
    const f = fetcher();
    const bytes = await f.fetchBytes(`${s.url}/1.root.json`, { maxLength: 1000 });
    expect(Buffer.from(bytes).equals(body)).toBe(true);
    expect(f.stats).toEqual({ requests: 1, bytes: body.length });
  });

  it('404 is not-found at once, with exactly one request (no retry)', async () => {
    const s = await serve((_req, res) => res.writeHead(404).end('nope'));
    const err = await failure(fetcher().fetchBytes(`${s.url}/2.root.json`, { maxLength: 1000 }));
    expect(err.code).toBe('not-found');
    expect(err.message).toBe(`${s.url}/2.root.json: expected HTTP 200, got 404`);
    expect(s.requests).toHaveLength(1);
  });

  it('410 is not-found too', async () => {
    const s = await serve((_req, res) => res.writeHead(410).end());
    expect((await failure(fetcher().fetchBytes(`${s.url}/x`, { maxLength: 10 }))).code).toBe(
      'not-found',
    );
  });

  it('403 is http-status and never retried', async () => {
    const s = await serve((_req, res) => res.writeHead(403).end());
    const err = await failure(fetcher().fetchBytes(`${s.url}/x`, { maxLength: 10 }));
    expect(err.code).toBe('http-status');
    expect(s.requests).toHaveLength(1);
  });

  it('206 partial content is not success', async () => {
    const s = await serve((_req, res) => res.writeHead(206).end('part'));
    const err = await failure(fetcher().fetchBytes(`${s.url}/x`, { maxLength: 10 }));
    expect(err.code).toBe('http-status');
    expect(err.message).toContain('got 206');
  });

  it('503 then 200 succeeds with two requests', async () => {
    const s = await serve((_req, res, hit) =>
      hit === 1 ? res.writeHead(503).end('busy') : res.end('ok'),
    );
    const f = fetcher();
    const bytes = await f.fetchBytes(`${s.url}/timestamp.json`, { maxLength: 10 });
    expect(Buffer.from(bytes).toString()).toBe('ok');
    expect(s.requests).toHaveLength(2);
    expect(f.stats.requests).toBe(2);
  });

  it('a persistent 500 fails with http-status after 1 + retries requests', async () => {
    const s = await serve((_req, res) => res.writeHead(500).end());
    const err = await failure(fetcher({ retries: 2 }).fetchBytes(`${s.url}/x`, { maxLength: 10 }));
    expect(err.code).toBe('http-status');
    expect(s.requests).toHaveLength(3);
  });

  it('a connection dropped without a response is retried, then network with the cause kept', async () => {
    const s = await serve((req) => req.socket.destroy());
    const err = await failure(fetcher({ retries: 2 }).fetchBytes(`${s.url}/x`, { maxLength: 10 }));
    expect(err.code).toBe('network');
    expect(err.cause).toBeDefined();
    expect(s.requests).toHaveLength(3);
  });

  it('a refused connection (closed port) is network', async () => {
    const s = await serve((_req, res) => res.end());
    const url = s.url;
    await new Promise<void>((resolve) => s.server.close(() => resolve()));
    const err = await failure(fetcher({ retries: 1 }).fetchBytes(`${url}/x`, { maxLength: 10 }));
    expect(err.code).toBe('network');
    expect(err.message).toContain('ECONNREFUSED');
  });

  it('rejects URLs that are not http(s) as a usage error', async () => {
    await expect(
      fetcher().fetchBytes('ftp://example.org/x', { maxLength: 10 }),
    ).rejects.toBeInstanceOf(UsageError);
  });
});

describe('HttpFetcher argument checks', () => {
  it('refuses a NaN or negative cap instead of fetching without one', async () => {
    const s = await serve((_req, res) => res.end('x'.repeat(1000)));
    const f = fetcher();
    await expect(f.fetchBytes(`${s.url}/x`, { maxLength: Number.NaN })).rejects.toBeInstanceOf(
      UsageError,
    );
    await expect(f.fetchBytes(`${s.url}/x`, { maxLength: -1 })).rejects.toBeInstanceOf(UsageError);
    expect(s.requests).toHaveLength(0);
  });

  it('refuses settings that would disable a guard or retry forever', () => {
    expect(() => new HttpFetcher({ retries: Number.NaN, env: {} })).toThrow(UsageError);
    expect(() => new HttpFetcher({ stallTimeoutMs: 0, env: {} })).toThrow(UsageError);
    expect(() => new HttpFetcher({ minBytesPerSecond: -1, env: {} })).toThrow(UsageError);
  });
});

describe('HttpFetcher redirects', () => {
  it('follows a redirect chain to the final 200', async () => {
    const s = await serve((req, res) => {
      if (req.url === '/a') res.writeHead(301, { location: '/b' }).end();
      else if (req.url === '/b') res.writeHead(307, { location: `${s.url}/c` }).end();
      else res.end('final');
    });
    const bytes = await fetcher().fetchBytes(`${s.url}/a`, { maxLength: 10 });
    expect(Buffer.from(bytes).toString()).toBe('final');
    expect(s.requests).toEqual(['/a', '/b', '/c']);
  });

  it('stops a redirect loop after 5 hops', async () => {
    const s = await serve((_req, res, hit) => res.writeHead(302, { location: `/r${hit}` }).end());
    const err = await failure(fetcher().fetchBytes(`${s.url}/start`, { maxLength: 10 }));
    expect(err.code).toBe('http-status');
    expect(s.requests).toHaveLength(6);
  });

  it('refuses a redirect to a non-http scheme', async () => {
    const s = await serve((_req, res) =>
      res.writeHead(302, { location: 'file:///etc/passwd' }).end(),
    );
    const err = await failure(fetcher().fetchBytes(`${s.url}/x`, { maxLength: 10 }));
    expect(err.code).toBe('http-status');
    expect(err.message).toContain('file:');
  });

  it('applies the same cap after a redirect', async () => {
    const s = await serve((req, res) =>
      req.url === '/a' ? res.writeHead(302, { location: '/b' }).end() : res.end('x'.repeat(100)),
    );
    expect((await failure(fetcher().fetchBytes(`${s.url}/a`, { maxLength: 10 }))).code).toBe(
      'too-large',
    );
  });
});

describe('HttpFetcher length caps (endless data)', () => {
  it('a Content-Length over the cap fails before the body is read and closes the socket', async () => {
    // Headers only: a client that waited for the body would hang until the stall timeout.
    const s = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': '100000000' });
      res.flushHeaders();
    });
    const started = performance.now();
    const err = await failure(
      fetcher({ stallTimeoutMs: 5_000 }).fetchBytes(`${s.url}/snapshot.json`, { maxLength: 1000 }),
    );
    expect(err.code).toBe('too-large');
    expect(err.message).toContain('Content-Length 100000000');
    expect(performance.now() - started).toBeLessThan(2_000);
    await s.socketClosed;
  });

  it('an endless chunked body is aborted just past the cap and the server sees the socket close', async () => {
    let sent = 0;
    const s = await serve((_req, res) => {
      const chunk = Buffer.alloc(16_384, 97);
      const pump = (): void => {
        while (!res.destroyed && res.write(chunk)) sent += chunk.length;
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    });
    const err = await failure(
      fetcher().fetchBytes(`${s.url}/timestamp.json`, { maxLength: 50_000 }),
    );
    expect(err.code).toBe('too-large');
    await s.socketClosed;
    // The client stopped early instead of reading an unbounded stream.
    expect(sent).toBeLessThan(50_000_000);
  });

  it('a consumer that stops streaming early releases the body', async () => {
    const s = await serve((_req, res) => {
      res.write(Buffer.alloc(1000));
      // never ends
    });
    const stream = await fetcher().fetchStream(`${s.url}/big`, { maxLength: 1_000_000 });
    for await (const chunk of stream) {
      expect(chunk.byteLength).toBeGreaterThan(0);
      break;
    }
    await s.socketClosed;
  });
});

describe('HttpFetcher timeouts (hanging servers fail in bounded time)', () => {
  it('no response headers within the stall timeout is stalled', async () => {
    const s = await serve(() => undefined);
    const started = performance.now();
    const err = await failure(
      fetcher({ stallTimeoutMs: 300 }).fetchBytes(`${s.url}/x`, { maxLength: 10 }),
    );
    expect(err.code).toBe('stalled');
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('a body that stops mid-way is stalled', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('only part');
    });
    const started = performance.now();
    const err = await failure(
      fetcher({ stallTimeoutMs: 300 }).fetchBytes(`${s.url}/x`, { maxLength: 100 }),
    );
    expect(err.code).toBe('stalled');
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('a slow drip under minBytesPerSecond fails although bytes keep arriving', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200);
      const timer = setInterval(() => res.write('x'), 20);
      res.on('close', () => clearInterval(timer));
    });
    const started = performance.now();
    const f = fetcher({ stallTimeoutMs: 500, minBytesPerSecond: 1024, rateWindowMs: 400 });
    const err = await failure(f.fetchBytes(`${s.url}/x`, { maxLength: 1_000_000 }));
    expect(err.code).toBe('stalled');
    expect(err.message).toContain('bytes/s');
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('an aborted signal ends a hanging request as aborted', async () => {
    const s = await serve(() => undefined);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const err = await failure(
      fetcher().fetchBytes(`${s.url}/x`, { maxLength: 10, signal: controller.signal }),
    );
    expect(err.code).toBe('aborted');
  });
});

describe('HttpFetcher connection pool and proxies', () => {
  it('keeps one connection alive across sequential requests', async () => {
    const s = await serve((req, res) => res.end(req.url));
    const f = fetcher();
    for (let i = 0; i < 10; i++) {
      expect(Buffer.from(await f.fetchBytes(`${s.url}/${i}`, { maxLength: 100 })).toString()).toBe(
        `/${i}`,
      );
    }
    expect(s.connections).toBe(1);
  });

  it('keeps the connection alive across 404 answers', async () => {
    const s = await serve((_req, res) => res.writeHead(404).end('not here'));
    const f = fetcher();
    for (let i = 0; i < 5; i++)
      await failure(f.fetchBytes(`${s.url}/${i}.root.json`, { maxLength: 100 }));
    expect(s.connections).toBe(1);
  });

  it('sends requests through HTTP_PROXY', async () => {
    const origin = await serve((_req, res) => res.end('via origin'));
    const seen: string[] = [];
    // A tiny forward proxy: absolute-form request line in, plain request to the origin out.
    const proxy = await serve((req, res) => {
      seen.push(req.url ?? '');
      const upstream = httpRequest(
        req.url ?? '',
        { method: req.method, headers: req.headers },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      upstream.on('error', () => res.writeHead(502).end());
      upstream.end();
    });
    const f = fetcher({ env: { HTTP_PROXY: proxy.url } });
    const bytes = await f.fetchBytes(`${origin.url}/targets.json`, { maxLength: 100 });
    expect(Buffer.from(bytes).toString()).toBe('via origin');
    expect(seen).toEqual([`${origin.url}/targets.json`]);
  });

  it('bypasses the proxy for NO_PROXY hosts', async () => {
    const origin = await serve((_req, res) => res.end('direct'));
    const proxy = await serve((_req, res) => res.writeHead(502).end());
    const f = fetcher({ env: { http_proxy: proxy.url, no_proxy: '127.0.0.1' } });
    expect(Buffer.from(await f.fetchBytes(`${origin.url}/x`, { maxLength: 100 })).toString()).toBe(
      'direct',
    );
    expect(proxy.requests).toHaveLength(0);
  });
});
