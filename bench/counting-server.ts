// A loopback static server for the benchmark that counts, per run, the requests it answered and
// the body bytes it sent, so both clients are measured by the same neutral party.

import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { pipeline } from 'node:stream/promises';

/** A large file served in chunks instead of one buffer. */
export interface StreamedFile {
  /** Sent as Content-Length when known. */
  readonly length?: number;
  chunks(): AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
}

/** What the server serves; read on every request, so the repository may change between runs. */
export interface ServedTree {
  get(path: string): Uint8Array | undefined;
  getStream?(path: string): StreamedFile | undefined;
}

export interface RequestCounts {
  requests: number;
  bytes: number;
  /** Requests answered 404, e.g. the probe for the next root version. */
  notFound: number;
  /** Request paths in arrival order (for checks like "exactly root 404 + timestamp"). */
  paths: string[];
}

export interface CountingServer {
  /** `http://127.0.0.1:<port>/` */
  readonly url: string;
  readonly metadataUrl: string;
  readonly targetsUrl: string;
  /** Starts a new count and closes idle connections, so the next run starts cold. */
  reset(): void;
  counts(): RequestCounts;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 (port 0) with keep-alive; unknown paths are 404. */
export async function startCountingServer(tree: ServedTree): Promise<CountingServer> {
  let counts = emptyCounts();
  const sockets = new Set<Socket>();
  const server = createServer({ keepAlive: true }, (req, res) => {
    void serve(tree, req, res, counts);
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}/`;
  return {
    url,
    metadataUrl: `${url}metadata/`,
    targetsUrl: `${url}targets/`,
    reset() {
      counts = emptyCounts();
      for (const socket of sockets) socket.destroy();
    },
    counts: () => counts,
    async close() {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

async function serve(
  tree: ServedTree,
  req: IncomingMessage,
  res: ServerResponse,
  counts: RequestCounts,
): Promise<void> {
  const path = requestPath(req.url ?? '/');
  counts.requests++;
  counts.paths.push(path);
  if (req.method !== 'GET') return end(res, 405, counts);
  const bytes = tree.get(path) ?? tree.get(decoded(path));
  if (bytes !== undefined) {
    res.writeHead(200, { 'content-type': contentType(path), 'content-length': bytes.byteLength });
    res.end(bytes);
    counts.bytes += bytes.byteLength;
    return;
  }
  const streamed = tree.getStream?.(path) ?? tree.getStream?.(decoded(path));
  if (streamed === undefined) return end(res, 404, counts);
  res.writeHead(200, {
    'content-type': contentType(path),
    ...(streamed.length !== undefined ? { 'content-length': streamed.length } : {}),
  });
  try {
    await pipeline(counted(streamed.chunks(), counts), res);
  } catch {
    // The client went away mid-body (a killed run); nothing to report here.
  }
}

async function* counted(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  counts: RequestCounts,
): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    counts.bytes += chunk.byteLength;
    yield chunk;
  }
}

function end(res: ServerResponse, status: number, counts: RequestCounts): void {
  if (status === 404) counts.notFound++;
  res.writeHead(status, { 'content-length': 0 });
  res.end();
}

function requestPath(url: string): string {
  return url.split('?')[0]?.replace(/^\/+/, '') ?? '';
}

// Trees may be keyed by encoded names (as served) or decoded ones; clients quote differently.
function decoded(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

function contentType(path: string): string {
  return path.endsWith('.json') ? 'application/json' : 'application/octet-stream';
}

function emptyCounts(): RequestCounts {
  return { requests: 0, bytes: 0, notFound: 0, paths: [] };
}
