import { createHash } from 'node:crypto';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main-download.js';
import { generateSigner } from '../../src/core/index.js';
import { makeRoot, memoryIo, serveFiles, tempDirs, type TinyServer } from './helpers.js';

const dirs = tempDirs();
let server: TinyServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  await dirs.cleanup();
});

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

async function setup(rootBytes: Uint8Array = makeRoot()) {
  const cwd = await dirs.make();
  await writeFile(join(cwd, 'root.json'), rootBytes);
  const cache = join(cwd, 'cache');
  const exec = async (args: string[]) => {
    const io = memoryIo(cwd, { env: { HOME: cwd } });
    const code = await run(['--cache-dir', cache, ...args], io);
    return { code, io };
  };
  return { cwd, cache, rootBytes, exec };
}

const URL_ARGS = ['--metadata-url', 'http://127.0.0.1:9/metadata'];

describe('pg-download init', () => {
  it('registers a repository from a root file: exact bytes, config outside the metadata dir', async () => {
    const { cache, rootBytes, exec } = await setup();
    const { code, io } = await exec(['init', 'demo', ...URL_ARGS, '--root', 'root.json']);
    expect(code).toBe(0);
    expect(io.out()).toContain('Registered repository "demo" (default)');
    expect(
      Buffer.compare(await readFile(join(cache, 'demo', 'metadata', 'root.json')), rootBytes),
    ).toBe(0);
    // Every *.json in the metadata dir must be TUF metadata: the config lives one level up.
    expect(await readdir(join(cache, 'demo', 'metadata'))).toEqual(['root.json']);
    const config = JSON.parse(
      await readFile(join(cache, 'demo', 'repository.json'), 'utf8'),
    ) as Record<string, string>;
    expect(config).toMatchObject({
      name: 'demo',
      metadataUrl: 'http://127.0.0.1:9/metadata/',
      targetsUrl: 'http://127.0.0.1:9/targets/',
      rootSha256: sha256(rootBytes),
    });
    expect(await readdir(join(cache, 'demo', 'targets'))).toEqual([]);
  });

  it.each([
    ['../evil'],
    ['.hidden'],
    ['a/b'],
    ['x'.repeat(65)],
    ['name with space'],
    ['..'],
    ['caf\u00e9'],
    ['a\u0000b'],
  ])(
    'refuses the hostile repository name %j with a usage error and writes nothing',
    async (name) => {
      const { cwd, exec } = await setup();
      const { code, io } = await exec(['init', name, ...URL_ARGS, '--root', 'root.json']);
      expect(code).toBe(2);
      expect(io.err()).toContain('repository name: expected');
      expect((await readdir(cwd)).sort()).toEqual(['root.json']);
    },
  );

  it('refuses a URL root without --root-sha256 before making any request', async () => {
    const { rootBytes, exec } = await setup();
    server = await serveFiles(new Map([['/metadata/1.root.json', rootBytes]]));
    const { code, io } = await exec([
      'init',
      'demo',
      '--metadata-url',
      `${server.url}/metadata/`,
      '--root',
      `${server.url}/metadata/1.root.json`,
    ]);
    expect(code).toBe(2);
    expect(io.err()).toContain('[unsafe-refused]');
    expect(server.requests).toEqual([]);
  });

  it('accepts a URL root with the matching --root-sha256', async () => {
    const { cache, rootBytes, exec } = await setup();
    server = await serveFiles(new Map([['/metadata/1.root.json', rootBytes]]));
    const { code } = await exec([
      'init',
      'demo',
      '--metadata-url',
      `${server.url}/metadata/`,
      '--root',
      `${server.url}/metadata/1.root.json`,
      '--root-sha256',
      sha256(rootBytes).toUpperCase(),
    ]);
    expect(code).toBe(0);
    expect(
      Buffer.compare(await readFile(join(cache, 'demo', 'metadata', 'root.json')), rootBytes),
    ).toBe(0);
  });

  it('accepts a URL root on first use only with --unsafe-trust-on-first-use, and warns', async () => {
    const { rootBytes, exec } = await setup();
    server = await serveFiles(new Map([['/metadata/1.root.json', rootBytes]]));
    const { code, io } = await exec([
      'init',
      'demo',
      '--metadata-url',
      `${server.url}/metadata/`,
      '--root',
      `${server.url}/metadata/1.root.json`,
      '--unsafe-trust-on-first-use',
    ]);
    expect(code).toBe(0);
    expect(io.out()).toContain('warning: the root was trusted on first use');
  });

  it('refuses a root whose sha256 differs (substituted root) with exit 1 and registers nothing', async () => {
    const { cwd, exec } = await setup();
    const { code, io } = await exec([
      'init',
      'demo',
      ...URL_ARGS,
      '--root',
      'root.json',
      '--root-sha256',
      'ab'.repeat(32),
    ]);
    expect(code).toBe(1);
    expect(io.err()).toMatch(/expected sha256 abab.*, got [0-9a-f]{64} \[hash-mismatch\]/);
    expect((await readdir(cwd)).sort()).toEqual(['root.json']);
  });

  it('refuses a root not signed by its own root keys with exit 1', async () => {
    const { exec } = await setup(makeRoot({ signWith: [generateSigner('ed25519')] }));
    const { code, io } = await exec(['init', 'demo', ...URL_ARGS, '--root', 'root.json']);
    expect(code).toBe(1);
    expect(io.err()).toContain('[threshold-not-met]');
  });

  it('refuses bytes that are not root metadata with exit 1', async () => {
    const { exec } = await setup(Buffer.from('{"signed": {"_type": "targets"}}'));
    const { code } = await exec(['init', 'demo', ...URL_ARGS, '--root', 'root.json']);
    expect(code).toBe(1);
  });

  it('refuses a malformed --root-sha256 and a non-http metadata URL as usage errors', async () => {
    const { exec } = await setup();
    expect(
      (await exec(['init', 'demo', ...URL_ARGS, '--root', 'root.json', '--root-sha256', 'xyz']))
        .code,
    ).toBe(2);
    expect(
      (
        await exec([
          'init',
          'demo',
          '--metadata-url',
          'ftp://example.org/m/',
          '--root',
          'root.json',
        ])
      ).code,
    ).toBe(2);
    expect((await exec(['init', 'demo', ...URL_ARGS, '--root', 'missing.json'])).code).toBe(2);
  });

  it('refuses to replace an existing registration unless --force, which clears the trusted metadata', async () => {
    const { cache, cwd, exec } = await setup();
    expect((await exec(['init', 'demo', ...URL_ARGS, '--root', 'root.json'])).code).toBe(0);
    await writeFile(join(cache, 'demo', 'metadata', 'timestamp.json'), '{}');
    const again = await exec(['init', 'demo', ...URL_ARGS, '--root', 'root.json']);
    expect(again.code).toBe(2);
    expect(again.io.err()).toContain('[exists]');
    const other = makeRoot();
    await writeFile(join(cwd, 'other.json'), other);
    const forced = await exec(['init', 'demo', ...URL_ARGS, '--root', 'other.json', '--force']);
    expect(forced.code).toBe(0);
    expect(await readdir(join(cache, 'demo', 'metadata'))).toEqual(['root.json']);
    expect(
      Buffer.compare(await readFile(join(cache, 'demo', 'metadata', 'root.json')), other),
    ).toBe(0);
  });

  it('prints the registration as JSON with --json', async () => {
    const { rootBytes, exec } = await setup();
    const { code, io } = await exec(['init', 'demo', ...URL_ARGS, '--root', 'root.json', '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(io.out())).toMatchObject({
      name: 'demo',
      rootVersion: 1,
      rootSha256: sha256(rootBytes),
      isDefault: true,
      replaced: false,
    });
  });
});
