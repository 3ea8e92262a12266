// Shared helpers of the CLI tests: in-memory I/O, temp directories, a signed root, a tiny server.
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import {
  generateSigner,
  serializeMetadata,
  signMetadata,
  type JsonObject,
  type Signer,
} from '../../src/core/index.js';
import type { CliIo } from '../../src/cli/io.js';

export interface MemoryIo extends CliIo {
  out(): string;
  outBytes(): Buffer;
  err(): string;
}

class Collector extends Writable {
  readonly chunks: Buffer[] = [];
  override _write(
    chunk: Buffer | string,
    _enc: BufferEncoding,
    done: (err?: Error | null) => void,
  ): void {
    this.chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    done();
  }
}

/** A CliIo whose streams collect into memory. */
export function memoryIo(
  cwd: string,
  options: { env?: NodeJS.ProcessEnv; isTTY?: boolean; clock?: () => Date } = {},
): MemoryIo {
  const stdout = new Collector();
  const stderr = new Collector();
  return {
    stdout,
    stderr,
    env: options.env ?? {},
    cwd,
    isTTY: options.isTTY ?? false,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    out: () => Buffer.concat(stdout.chunks).toString('utf8'),
    outBytes: () => Buffer.concat(stdout.chunks),
    err: () => Buffer.concat(stderr.chunks).toString('utf8'),
  };
}

/** A fresh temp directory per test; `cleanup` removes every one made. */
export function tempDirs(): { make(): Promise<string>; cleanup(): Promise<void> } {
  const made: string[] = [];
  return {
    async make() {
      const dir = await mkdtemp(join(tmpdir(), 'pg-cli-'));
      made.push(dir);
      return dir;
    },
    async cleanup() {
      await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
    },
  };
}

/** Root metadata v1 signed by one ed25519 key used for every role. */
export function makeRoot(
  options: { expires?: string; signers?: readonly Signer[]; signWith?: readonly Signer[] } = {},
): Uint8Array {
  const signers = options.signers ?? [generateSigner('ed25519')];
  const keys: JsonObject = {};
  for (const s of signers) keys[s.keyid] = s.key.json;
  const role = { keyids: signers.map((s) => s.keyid), threshold: 1 };
  const signed: JsonObject = {
    _type: 'root',
    spec_version: '1.0.31',
    version: 1,
    expires: options.expires ?? '2099-01-01T00:00:00Z',
    consistent_snapshot: true,
    keys,
    roles: { root: role, timestamp: role, snapshot: role, targets: role },
  };
  return serializeMetadata(signMetadata(signed, options.signWith ?? signers));
}

export interface TinyServer {
  readonly url: string;
  readonly requests: string[];
  close(): Promise<void>;
}

/** A loopback server that serves fixed files by path and records every request path. */
export async function serveFiles(files: Map<string, Uint8Array>): Promise<TinyServer> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    requests.push(path);
    const body = files.get(path);
    if (body === undefined) {
      res.writeHead(404, { 'content-length': 0 }).end();
      return;
    }
    res.writeHead(200, { 'content-length': body.byteLength }).end(body);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
