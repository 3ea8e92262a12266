// `pg-mirror serve DIR`: a static HTTP/1.1 server for a mirror tree. GET and HEAD only; strong
// validators, conditional requests and single byte ranges; immutable caching for versioned
// names. Security invariant: nothing outside the tree is ever read (http-path.ts lexically,
// http-file-cache.ts by realpath). Hot path: a fresh cache hit answers synchronously from
// prebuilt headers and a cached body.
import { constants } from 'node:fs';
import { open, realpath, stat, type FileHandle } from 'node:fs/promises';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { UsageError, errnoCode } from '../core/index.js';
import {
  chooseRange,
  isNotModified,
  toValidators,
  type RangeChoice,
  type Validators,
} from './http-conditional.js';
import {
  baseHeadersFor,
  FileCache,
  isNotFound,
  type Resolved,
  type ServedFile,
} from './http-file-cache.js';

export interface StaticServerOptions {
  root: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (an ephemeral port). */
  port?: number;
  /** One access-log line per request: `method path status bytes ms`. */
  log?: (line: string) => void;
  /** How long a resolved path is trusted before realpath + stat again (default 1000 ms). */
  cacheTtlMs?: number;
  /** A connection with no progress this long (e.g. a client that stops reading) is closed (default 60 s). */
  idleTimeoutMs?: number;
}

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

const MAX_CACHED_BODY = 1024 * 1024;
const MAX_CACHE_BYTES = 128 * 1024 * 1024;
const MAX_CACHE_ENTRIES = 65_536;
const CLOSE_GRACE_MS = 10_000;
const IDLE_TIMEOUT_MS = 60_000;
const ALLOW = 'GET, HEAD';
const FULL: RangeChoice = { kind: 'full' };

const STATUS_TEXT: Record<number, string> = {
  400: 'bad request\n',
  403: 'forbidden\n',
  404: 'not found\n',
  405: 'method not allowed\n',
  416: 'range not satisfiable\n',
  500: 'internal server error\n',
};

// Errors are never cached by intermediaries: a missing `N+1.root.json` appears later.
function sendStatus(res: ServerResponse, status: number, extra: string[] = []): number {
  const body = STATUS_TEXT[status] ?? `${status}\n`;
  res.writeHead(status, [
    'Content-Type',
    'text/plain; charset=utf-8',
    'Content-Length',
    String(body.length),
    'Cache-Control',
    'no-cache',
    'X-Content-Type-Options',
    'nosniff',
    ...extra,
  ]);
  res.end(res.req.method === 'HEAD' ? undefined : body);
  return body.length;
}

// Answers 304/416/206/200 for a file; returns the number of body bytes sent. A cached body
// without conditional or range headers is answered synchronously (the hot path).
function sendFile(
  req: IncomingMessage,
  res: ServerResponse,
  file: ServedFile,
): number | Promise<number> {
  const h = req.headers;
  if (file.body === undefined) return sendFromDisk(req, res, file);
  if (
    h['if-none-match'] === undefined &&
    h['if-modified-since'] === undefined &&
    h.range === undefined
  ) {
    const head = req.method === 'HEAD';
    res.writeHead(200, file.fullHeaders);
    res.end(head ? undefined : file.body);
    return head ? 0 : file.size;
  }
  return sendChosen(req, res, file, file.baseHeaders, file.size, file.body);
}

async function sendFromDisk(
  req: IncomingMessage,
  res: ServerResponse,
  file: ServedFile,
): Promise<number> {
  // The client may be gone already (it hung up while the path was resolved): open nothing.
  if (res.destroyed) return 0;
  // Large file: the validators come from the handle we stream from, so tags and bytes agree.
  const flags = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
  const fh = await open(file.realPath, flags).catch((err: unknown) => {
    if (isNotFound(err)) return undefined; // removed since it was resolved
    throw err;
  });
  if (fh === undefined) return sendStatus(res, 404);
  try {
    const st = await fh.stat({ bigint: true });
    if (!st.isFile()) return sendStatus(res, 404);
    const v = toValidators(st.ino, st.size, st.mtimeNs);
    return await sendChosen(req, res, v, baseHeadersFor(file.logicalPath, v), Number(st.size), fh);
  } finally {
    await fh.close().catch(() => undefined);
  }
}

// Conditional, then range, then the bytes from memory or from an open handle.
async function sendChosen(
  req: IncomingMessage,
  res: ServerResponse,
  v: Validators,
  base: string[],
  size: number,
  body: Buffer | FileHandle,
): Promise<number> {
  const head = req.method === 'HEAD';
  if (isNotModified(req.headers, v)) {
    res.writeHead(304, base.slice(2)); // base starts with Content-Type, which a 304 omits
    res.end();
    return 0;
  }
  // RFC 9110 §14.2: range handling is defined for GET only.
  const choice = head ? FULL : chooseRange(req.headers, size, v);
  if (choice.kind === 'unsatisfiable') {
    return sendStatus(res, 416, ['Content-Range', `bytes */${size}`, 'Accept-Ranges', 'bytes']);
  }
  const start = choice.kind === 'partial' ? choice.start : 0;
  const end = choice.kind === 'partial' ? choice.end : size - 1;
  const length = end - start + 1;
  const headers = [...base, 'Content-Length', String(length)];
  if (choice.kind === 'partial') headers.push('Content-Range', `bytes ${start}-${end}/${size}`);
  res.writeHead(choice.kind === 'partial' ? 206 : 200, headers);
  if (head || length === 0) {
    res.end();
    return 0;
  }
  if (Buffer.isBuffer(body)) {
    res.end(body.subarray(start, end + 1));
    return length;
  }
  // pipeline settles however the response ends, including a client that was already gone
  // (whose 'close' has fired before this line); the caller closes the handle afterwards.
  const stream = body.createReadStream({ start, end, autoClose: false });
  const sent = await pipeline(stream, res).then(
    () => true,
    () => false,
  );
  if (!sent) res.destroy();
  return length;
}

// Log lines carry the request target verbatim only when it is plain printable ASCII.
function printable(target: string): string {
  return /^[\x21-\x7e]*$/.test(target) ? target : JSON.stringify(target);
}

// The real path of the served directory; every answered file must lie under it.
async function resolveRoot(root: string): Promise<string> {
  const refuse = (got: string, cause?: unknown): UsageError =>
    new UsageError('invalid-argument', `serve root ${root}: expected a directory, got ${got}`, {
      cause,
    });
  try {
    const real = await realpath(root);
    if ((await stat(real)).isDirectory()) return real;
  } catch (err) {
    throw refuse(errnoCode(err) ?? 'an error', err);
  }
  throw refuse('a file');
}

function listen(server: http.Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      const msg = `listen ${host}:${port}: expected a free address, got ${err.code ?? err.message}`;
      reject(new UsageError('invalid-argument', msg, { cause: err }));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/** Serves `root` over HTTP until `close()`; every file answered lies inside the real `root`. */
export async function startStaticServer(options: StaticServerOptions): Promise<RunningServer> {
  const rootReal = await resolveRoot(options.root);
  const cache = new FileCache(rootReal, {
    ttlMs: options.cacheTtlMs ?? 1000,
    maxBodyBytes: MAX_CACHED_BODY,
    maxTotalBytes: MAX_CACHE_BYTES,
    maxEntries: MAX_CACHE_ENTRIES,
  });
  const log = options.log;
  let closing = false;

  const answer = (
    req: IncomingMessage,
    res: ServerResponse,
    r: Resolved,
  ): number | Promise<number> =>
    r.status === 200 ? sendFile(req, res, r.file) : sendStatus(res, r.status);

  const handle = (req: IncomingMessage, res: ServerResponse): number | Promise<number> => {
    const method = req.method;
    if (method !== 'GET' && method !== 'HEAD') return sendStatus(res, 405, ['Allow', ALLOW]);
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const found = cache.lookup(q === -1 ? url : url.slice(0, q), performance.now());
    return found instanceof Promise
      ? found.then((r) => answer(req, res, r))
      : answer(req, res, found);
  };

  const server = http.createServer(
    { keepAliveTimeout: 65_000, headersTimeout: 20_000, requestTimeout: 30_000 },
    (req, res) => {
      const started = log ? performance.now() : 0;
      if (closing) res.shouldKeepAlive = false;
      const done = (bytes: number): void => {
        if (!log) return;
        const ms = (performance.now() - started).toFixed(1);
        log(`${req.method ?? '-'} ${printable(req.url ?? '')} ${res.statusCode} ${bytes} ${ms}ms`);
      };
      const fail = (): void => {
        // Unexpected I/O failure: a 500 if nothing was sent yet, else cut the connection.
        if (res.headersSent) res.destroy();
        else sendStatus(res, 500);
        done(0);
      };
      try {
        const sent = handle(req, res);
        if (typeof sent === 'number') done(sent);
        else sent.then(done, fail);
      } catch {
        fail();
      }
    },
  );
  // Socket inactivity (no byte read or written): a client that stops reading would otherwise
  // hold its connection and an open file for as long as it likes. Without a 'timeout' listener
  // Node destroys the socket.
  server.timeout = options.idleTimeoutMs ?? IDLE_TIMEOUT_MS;
  await listen(server, options.host ?? '127.0.0.1', options.port ?? 0);
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        closing = true;
        // Stop accepting, drop idle keep-alive sockets now, let in-flight answers finish.
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS).unref();
      }),
  };
}
