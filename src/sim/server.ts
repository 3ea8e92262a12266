// Loopback HTTP/1.1 server over a file source (a RepositorySimulator, a hash-bin generator or
// any `get(path)`), with per-path fault injection for slow-retrieval, endless-data and
// flaky-network tests. The source is read on every request, so tests can mutate it between
// client refreshes. close() clears every timer and destroys every socket.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { FaultSet, type Fault } from './faults.js';

/** A body produced in chunks (large artifacts that should not sit in memory). */
export interface StreamBody {
  /** Total length when known (sent as Content-Length). */
  readonly length?: number;
  chunks(): AsyncIterable<Uint8Array>;
}

/** What the server serves: paths are relative to the server root, e.g. `metadata/1.root.json`. */
export interface FileSource {
  get(path: string): Uint8Array | undefined;
  getStream?(path: string): StreamBody | undefined;
}

export interface RecordedRequest {
  readonly method: string;
  /** Path relative to the base path, as requested (not decoded). */
  readonly path: string;
  /** Response status; 0 while unanswered or when the connection was dropped. */
  status: number;
}

export interface ServerOptions {
  /** Serve under this prefix, e.g. `repo/` gives `http://127.0.0.1:port/repo/metadata/`. */
  readonly basePath?: string;
}

export interface SimulatorServer {
  /** Base URL with a trailing slash. */
  readonly url: string;
  readonly metadataUrl: string;
  readonly targetsUrl: string;
  readonly requests: RecordedRequest[];
  readonly faults: FaultSet;
  close(): Promise<void>;
}

const ENDLESS_CHUNK = new Uint8Array(16_384).fill(0x20);

/** Starts a server on 127.0.0.1 with an OS-assigned port; resolves once it listens. */
export async function startSimulatorServer(
  source: FileSource,
  options: ServerOptions = {},
): Promise<SimulatorServer> {
  const basePath =
    options.basePath === undefined || options.basePath === ''
      ? ''
      : options.basePath.replace(/^\/+|\/+$/g, '') + '/';
  const requests: RecordedRequest[] = [];
  const faults = new FaultSet();
  const sockets = new Set<Socket>();
  const sleepers = new Map<NodeJS.Timeout, () => void>();
  let closed = false;

  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      if (closed) return resolve();
      const timer = setTimeout(() => {
        sleepers.delete(timer);
        resolve();
      }, ms);
      sleepers.set(timer, resolve);
    });

  // Resolves true once the chunk is accepted, false if the connection went away.
  const write = (res: ServerResponse, chunk: Uint8Array): Promise<boolean> => {
    if (closed || res.destroyed) return Promise.resolve(false);
    if (res.write(chunk)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (ok: boolean): void => {
        res.off('drain', onDrain);
        res.off('close', onClose);
        resolve(ok);
      };
      const onDrain = (): void => done(!closed);
      const onClose = (): void => done(false);
      res.once('drain', onDrain);
      res.once('close', onClose);
    });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname.replace(/^\/+/, '');
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path: pathname.startsWith(basePath) ? pathname.slice(basePath.length) : pathname,
      status: 0,
    };
    requests.push(record);
    const answer = (status: number, body: Uint8Array): void => {
      record.status = status;
      res.writeHead(status, { 'content-type': 'text/plain', 'content-length': body.byteLength });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (!pathname.startsWith(basePath)) return answer(404, text('not found'));
    if (record.method !== 'GET' && record.method !== 'HEAD')
      return answer(405, text('method not allowed'));

    const fault: Fault | undefined = faults.take(record.path);
    if (fault?.delayMs !== undefined) await sleep(fault.delayMs);
    if (closed) return;
    if (fault?.dropConnection === true) {
      req.socket.destroy();
      return;
    }
    if (fault?.status !== undefined)
      return answer(fault.status, fault.replaceBody ?? text(`simulated status ${fault.status}`));

    const body = fault?.replaceBody ?? lookup(source, record.path);
    if (fault?.endless === true) {
      record.status = 200;
      res.writeHead(200, { 'content-type': contentType(record.path) });
      while (await write(res, ENDLESS_CHUNK));
      return;
    }
    if (body === undefined) return answer(404, text('not found'));
    const length = body instanceof Uint8Array ? body.byteLength : body.length;
    const headers: Record<string, string | number> = { 'content-type': contentType(record.path) };
    if (fault?.omitContentLength !== true && length !== undefined)
      headers['content-length'] = length;
    record.status = 200;
    res.writeHead(200, headers);
    if (req.method === 'HEAD') return void res.end();

    if (fault?.stallAfterBytes !== undefined) {
      let left = fault.stallAfterBytes;
      for await (const chunk of chunksOf(body)) {
        if (left <= 0 || !(await write(res, chunk.subarray(0, left)))) break;
        left -= chunk.byteLength;
      }
      return; // hang: the socket stays open until the client gives up or close() runs
    }
    if (fault?.dripBytesPerSecond !== undefined) {
      const rate = Math.max(1, fault.dripBytesPerSecond);
      const step = Math.max(1, Math.floor(rate / 10));
      for await (const chunk of chunksOf(body)) {
        for (let at = 0; at < chunk.byteLength; at += step) {
          if (!(await write(res, chunk.subarray(at, at + step)))) return;
          await sleep((step / rate) * 1000);
        }
      }
      return void res.end();
    }
    if (body instanceof Uint8Array) return void res.end(body);
    for await (const chunk of body.chunks()) if (!(await write(res, chunk))) return;
    res.end();
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      // A source that throws is a bug in the test setup; answer 500 rather than hang.
      if (!res.headersSent) {
        res.writeHead(500, { 'content-length': 0 });
        res.end();
      } else {
        res.destroy();
      }
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}/${basePath}`;

  return {
    url,
    metadataUrl: `${url}metadata/`,
    targetsUrl: `${url}targets/`,
    requests,
    faults,
    close: async (): Promise<void> => {
      if (closed) return;
      closed = true;
      for (const [timer, resolve] of sleepers) {
        clearTimeout(timer);
        resolve();
      }
      sleepers.clear();
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections();
      await done;
    },
  };
}

// Clients encode role names and target paths differently (python quote vs encodeURIComponent),
// so after an exact miss try the decoded path, and for metadata the re-encoded file name.
function lookup(source: FileSource, path: string): Uint8Array | StreamBody | undefined {
  const candidates = [path];
  try {
    const decoded = decodeURIComponent(path);
    candidates.push(decoded);
    if (decoded.startsWith('metadata/'))
      candidates.push(`metadata/${encodeURIComponent(decoded.slice('metadata/'.length))}`);
  } catch {
    // not valid percent-encoding: only the exact path can match
  }
  for (const candidate of new Set(candidates)) {
    const found = source.getStream?.(candidate) ?? source.get(candidate);
    if (found !== undefined) return found;
  }
  return undefined;
}

async function* chunksOf(body: Uint8Array | StreamBody): AsyncIterable<Uint8Array> {
  if (body instanceof Uint8Array) yield body;
  else yield* body.chunks();
}

function contentType(path: string): string {
  return path.endsWith('.json') ? 'application/json' : 'application/octet-stream';
}

function text(s: string): Uint8Array {
  return new TextEncoder().encode(s + '\n');
}
