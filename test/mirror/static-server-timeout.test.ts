// A client that asks for a large file and then stops reading must not hold the server's file
// handle (and connection) for longer than the idle timeout.
import { readdir, readlink, realpath, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startStaticServer, type RunningServer } from '../../src/mirror/index.js';
import { tempDirs } from './helpers.js';

const dirs = tempDirs();
let server: RunningServer | undefined;
const sockets: net.Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await server?.close();
  server = undefined;
  await dirs.cleanup();
});

async function fdsOn(file: string): Promise<number> {
  let n = 0;
  for (const fd of await readdir('/proc/self/fd')) {
    if ((await readlink(join('/proc/self/fd', fd)).catch(() => '')) === file) n++;
  }
  return n;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('static server: slow readers', () => {
  it.runIf(process.platform === 'linux')(
    'drops a client that stops reading a streamed file after the idle timeout, closing the file',
    async () => {
      const root = await dirs.make('pg-mirror-serve-');
      await writeFile(join(root, 'big.bin'), Buffer.alloc(16 * 1024 * 1024, 7));
      const file = await realpath(join(root, 'big.bin'));
      server = await startStaticServer({ root, idleTimeoutMs: 300 });
      const port = server.port;
      const s = net.connect(port, '127.0.0.1');
      sockets.push(s);
      s.pause(); // never reads: the server's writes stall once the socket buffers are full
      s.write('GET /big.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      let open = 0;
      for (let i = 0; i < 50 && open === 0; i++) {
        await sleep(20);
        open = await fdsOn(file);
      }
      expect(open).toBe(1);
      await sleep(1500);
      expect(await fdsOn(file)).toBe(0);
    },
  );
});
