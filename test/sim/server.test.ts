import { Agent, request, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { parseTimestamp } from '../../src/core/index.js';
import {
  RepositorySimulator,
  startSimulatorServer,
  type FileSource,
  type SimulatorServer,
} from '../../src/sim/index.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  reusedSocket: boolean;
}

function get(url: string, options: { agent?: Agent; method?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: options.method ?? 'GET', agent: options.agent ?? false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
            reusedSocket: req.reusedSocket,
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

// Opens a response and resolves once it has headers, without reading the body to the end.
function open(url: string): Promise<{ res: IncomingMessage; destroy: () => void }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false }, (res) =>
      resolve({ res, destroy: () => req.destroy() }),
    );
    req.on('error', reject);
    req.end();
  });
}

const wait = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const staticSource = (files: Record<string, Uint8Array>): FileSource => ({
  get: (path) => files[path],
});

let servers: SimulatorServer[] = [];
async function serve(source: FileSource, basePath?: string): Promise<SimulatorServer> {
  const server = await startSimulatorServer(source, basePath === undefined ? {} : { basePath });
  servers.push(server);
  return server;
}

afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

describe('startSimulatorServer', () => {
  it('serves the simulator state current at each request, over keep-alive, with Content-Length', async () => {
    const sim = new RepositorySimulator();
    const server = await serve(sim);
    const agent = new Agent({ keepAlive: true });
    try {
      const first = await get(`${server.metadataUrl}timestamp.json`, { agent });
      expect(first.status).toBe(200);
      expect(Number(first.headers['content-length'])).toBe(first.body.length);
      expect(parseTimestamp(first.body).signed.version).toBe(1);
      sim.publish({ bumpAll: true });
      const second = await get(`${server.metadataUrl}timestamp.json`, { agent });
      expect(parseTimestamp(second.body).signed.version).toBe(2);
      expect(second.reusedSocket).toBe(true);
      expect(server.requests).toEqual([
        { method: 'GET', path: 'metadata/timestamp.json', status: 200 },
        { method: 'GET', path: 'metadata/timestamp.json', status: 200 },
      ]);
    } finally {
      agent.destroy();
    }
  });

  it('answers 404 for unknown paths and 405 for other methods; HEAD sends headers only', async () => {
    const server = await serve(staticSource({ 'a.txt': text('abc') }));
    expect((await get(`${server.url}missing`)).status).toBe(404);
    expect((await get(`${server.url}a.txt`, { method: 'POST' })).status).toBe(405);
    const head = await get(`${server.url}a.txt`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe('3');
    expect(head.body.length).toBe(0);
  });

  it('serves below a base path', async () => {
    const server = await serve(staticSource({ 'metadata/x.json': text('{}') }), '/repo/');
    expect(server.metadataUrl).toMatch(/\/repo\/metadata\/$/);
    expect((await get(`${server.metadataUrl}x.json`)).body.toString()).toBe('{}');
    expect((await get(server.url.replace('/repo/', '/metadata/x.json'))).status).toBe(404);
  });

  it('finds role files however the client percent-encodes the role name', async () => {
    const sim = new RepositorySimulator();
    sim.addDelegation('targets', { name: "it's a/role" });
    sim.publish();
    const server = await serve(sim);
    // python's quote(safe="") encodes the apostrophe, encodeURIComponent does not.
    const reply = await get(`${server.metadataUrl}1.it%27s%20a%2Frole.json`);
    expect(reply.status).toBe(200);
    expect(
      (await get(`${server.metadataUrl}1.${encodeURIComponent("it's a/role")}.json`)).status,
    ).toBe(200);
  });

  it('streams bodies from getStream sources', async () => {
    const chunks = [text('hello '), text('streamed '), text('world')];
    const server = await serve({
      get: () => undefined,
      getStream: (path) =>
        path === 'big'
          ? {
              length: 20,
              async *chunks() {
                for (const c of chunks) {
                  await wait(1);
                  yield c;
                }
              },
            }
          : undefined,
    });
    const reply = await get(`${server.url}big`);
    expect(reply.body.toString()).toBe('hello streamed world');
    expect(reply.headers['content-length']).toBe('20');
  });
});

describe('fault injection', () => {
  it('status with times: answers 503 once, then the file', async () => {
    const server = await serve(staticSource({ f: text('ok') }));
    server.faults.add('f', { status: 503, times: 1 });
    expect((await get(`${server.url}f`)).status).toBe(503);
    expect((await get(`${server.url}f`)).body.toString()).toBe('ok');
    expect(server.faults.size).toBe(0);
    expect(server.requests.map((r) => r.status)).toEqual([503, 200]);
  });

  it('dropConnection closes the socket without an answer', async () => {
    const server = await serve(staticSource({ f: text('ok') }));
    server.faults.add('f', { dropConnection: true });
    await expect(get(`${server.url}f`)).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(server.requests[0]?.status).toBe(0);
  });

  it('delayMs waits before answering', async () => {
    const server = await serve(staticSource({ f: text('ok') }));
    server.faults.add('f', { delayMs: 200 });
    const started = Date.now();
    expect((await get(`${server.url}f`)).body.toString()).toBe('ok');
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  it('stallAfterBytes sends N bytes with the full Content-Length, then hangs', async () => {
    const server = await serve(staticSource({ f: new Uint8Array(1000).fill(1) }));
    server.faults.add('f', { stallAfterBytes: 10 });
    const { res, destroy } = await open(`${server.url}f`);
    let received = 0;
    let ended = false;
    res.on('data', (c: Buffer) => (received += c.length));
    res.on('end', () => (ended = true));
    res.on('error', () => undefined);
    await wait(300);
    expect(res.headers['content-length']).toBe('1000');
    expect(received).toBe(10);
    expect(ended).toBe(false);
    destroy();
  });

  it('dripBytesPerSecond delivers the whole body slowly', async () => {
    const body = new Uint8Array(300).fill(7);
    const server = await serve(staticSource({ f: body }));
    server.faults.add((p) => p.startsWith('f'), { dripBytesPerSecond: 1000 });
    const started = Date.now();
    const reply = await get(`${server.url}f`);
    expect(reply.body).toEqual(Buffer.from(body));
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
  });

  it('endless sends an infinite chunked body', async () => {
    const server = await serve(staticSource({ 'metadata/timestamp.json': text('{}') }));
    server.faults.add('metadata/timestamp.json', { endless: true });
    const { res, destroy } = await open(`${server.metadataUrl}timestamp.json`);
    expect(res.headers['content-length']).toBeUndefined();
    expect(res.headers['transfer-encoding']).toBe('chunked');
    const received = await new Promise<number>((resolve) => {
      let n = 0;
      res.on('data', (c: Buffer) => {
        n += c.length;
        if (n >= 4 * 1024 * 1024) resolve(n);
      });
    });
    destroy();
    expect(received).toBeGreaterThanOrEqual(4 * 1024 * 1024);
  });

  it('replaceBody serves other bytes, even for unknown paths', async () => {
    const server = await serve(staticSource({ f: text('real') }));
    server.faults.set('f', { replaceBody: text('evil') });
    server.faults.set('ghost', { replaceBody: text('boo') });
    expect((await get(`${server.url}f`)).body.toString()).toBe('evil');
    expect((await get(`${server.url}ghost`)).body.toString()).toBe('boo');
    server.faults.delete('f');
    expect((await get(`${server.url}f`)).body.toString()).toBe('real');
  });

  it('omitContentLength sends the body chunked', async () => {
    const server = await serve(staticSource({ f: text('no length') }));
    server.faults.add('f', { omitContentLength: true });
    const reply = await get(`${server.url}f`);
    expect(reply.headers['content-length']).toBeUndefined();
    expect(reply.body.toString()).toBe('no length');
  });

  it('close() ends stalled, endless and delayed requests promptly', async () => {
    const server = await startSimulatorServer(
      staticSource({ s: new Uint8Array(100), e: new Uint8Array(1), d: new Uint8Array(1) }),
    );
    server.faults.add('s', { stallAfterBytes: 1 });
    server.faults.add('e', { endless: true });
    server.faults.add('d', { delayMs: 60_000 });
    const stalled = await open(`${server.url}s`);
    const endless = await open(`${server.url}e`);
    const delayed = get(`${server.url}d`).then(
      () => 'answered',
      () => 'failed',
    );
    const stalledClosed = new Promise((resolve) => stalled.res.on('close', resolve));
    endless.res.resume();
    const endlessClosed = new Promise((resolve) => endless.res.on('close', resolve));
    await wait(50);
    const started = Date.now();
    await server.close();
    await Promise.all([stalledClosed, endlessClosed]);
    expect(await delayed).toBe('failed');
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
