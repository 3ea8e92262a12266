// The pg-mirror CLI: in-process runs of build / serve / sync (exit codes, text and JSON), and
// the real executables spawned once end to end with pg-download.
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main-mirror.js';
import type { MirrorIo } from '../../src/cli/pg-mirror/context.js';
import { hashHex } from '../../src/core/index.js';
import { startStaticServer } from '../../src/mirror/index.js';
import { ROOT, ensureBuilt } from '../demo/ensure-built.js';
import { fixture, tempDirs, utf8 } from './helpers.js';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

interface TestIo extends MirrorIo {
  out(): string;
  err(): string;
}

function collector(): Writable & { text(): string } {
  const chunks: Buffer[] = [];
  const w = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
      done();
    },
  });
  return Object.assign(w, { text: () => Buffer.concat(chunks).toString('utf8') });
}

function testIo(cwd: string, signal?: AbortSignal): TestIo {
  const stdout = collector();
  const stderr = collector();
  return {
    stdout,
    stderr,
    env: {},
    cwd,
    isTTY: false,
    ...(signal ? { signal } : {}),
    out: () => stdout.text(),
    err: () => stderr.text(),
  };
}

function spawnNode(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: ROOT }, (err, stdout, stderr) => {
      resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('pg-mirror build (CLI)', () => {
  it('publishes and exits 0 with a text summary', async () => {
    const f = await fixture(dirs);
    const io = testIo(f.git);
    expect(await run(['build', '--git', '.', '--out', f.out], io)).toBe(0);
    expect(io.out()).toMatch(/^Published commit [0-9a-f]{12} \(HEAD\) to /);
    expect(io.out()).toContain('root v2, timestamp v2, snapshot v2, targets v2');
  });

  it('exits 1 and lists every problem when verification fails; --json gives the report as data', async () => {
    const f = await fixture(dirs);
    await f.commit('two bad artifacts', (files) => {
      files.set('targets/README.txt', utf8('nope'));
      files.set('targets/stray.bin', utf8('stray'));
    });
    const io = testIo(f.git);
    expect(await run(['build', '--git', f.git, '--out', f.out], io)).toBe(1);
    expect(io.err()).toContain('REFUSED commit');
    expect(io.err()).toContain(
      'targets/README.txt: expected 69 bytes (listed by targets), got 4 bytes (length-mismatch)',
    );
    expect(io.err()).toContain('targets/stray.bin');
    const json = testIo(f.git);
    expect(await run(['build', '--git', f.git, '--out', f.out, '--json'], json)).toBe(1);
    const report = JSON.parse(json.out()) as {
      ok: boolean;
      problems: { code: string; file: string }[];
    };
    expect(report.ok).toBe(false);
    // README.txt's git size already contradicts its signed length: reported, never hashed.
    expect(report.problems.map((p) => p.code).sort()).toEqual([
      'length-mismatch',
      'unlisted-artifact',
    ]);
  });

  it('exits 1 for a timestamp expired at --time', async () => {
    const f = await fixture(dirs);
    const io = testIo(f.git);
    expect(
      await run(['build', '--git', f.git, '--out', f.out, '--time', '2100-01-01T00:00:00Z'], io),
    ).toBe(1);
    expect(io.err()).toContain('(expired)');
  });

  it('exits 2 for usage errors and 3 for operational failures', async () => {
    const f = await fixture(dirs);
    const missing = testIo(f.git);
    expect(await run(['build', '--git', f.git], missing)).toBe(2);
    expect(missing.err()).toContain('out');
    expect(
      await run(['build', '--git', f.git, '--out', f.out, '--time', 'yesterday'], testIo(f.git)),
    ).toBe(2);
    expect(
      await run(['build', '--git', f.git, '--out', f.out, '--keep-versions', '0'], testIo(f.git)),
    ).toBe(2);
    expect(await run(['publish'], testIo(f.git))).toBe(2);
    const notGit = testIo(f.out);
    expect(await run(['build', '--git', f.out, '--out', join(f.out, 'site')], notGit)).toBe(3);
    const json = testIo(f.git);
    expect(
      await run(
        ['build', '--git', f.git, '--ref', '--upload-pack=x', '--out', f.out, '--json'],
        json,
      ),
    ).not.toBe(0);
    expect(JSON.parse(json.out())).toHaveProperty('error.code');
  });

  it('prints help with examples and exits 0', async () => {
    const io = testIo('/');
    expect(await run(['build', '--help'], io)).toBe(0);
    expect(io.out()).toContain('--keep-versions');
    expect(io.out()).toContain('Examples:');
  });
});

describe('pg-mirror serve (CLI)', () => {
  it('prints the URL, serves the tree, logs access on stderr, and stops when signalled', async () => {
    const f = await fixture(dirs);
    expect((await f.build()).ok).toBe(true);
    const controller = new AbortController();
    const io = testIo(f.out, controller.signal);
    const exit = run(['serve', '.', '--port', '0'], io);
    let url: string | undefined;
    for (let i = 0; i < 200 && url === undefined; i++) {
      url = /at (http:\/\/127\.0\.0\.1:\d+\/?)/.exec(io.out())?.[1];
      if (url === undefined) await new Promise((r) => setTimeout(r, 10));
    }
    expect(url).toBeDefined();
    const res = await fetch(new URL('metadata/timestamp.json', url));
    expect(res.status).toBe(200);
    expect(
      Buffer.from(await res.arrayBuffer()).equals(await f.readOut('metadata/timestamp.json')),
    ).toBe(true);
    controller.abort();
    expect(await exit).toBe(0);
    expect(io.err()).toContain('/metadata/timestamp.json');
  });
});

describe('pg-mirror sync --once (CLI)', () => {
  it('exits 0 when it publishes and 1 when the new commit is refused', async () => {
    const f = await fixture(dirs);
    const args = ['sync', '--git', f.git, '--ref', 'main', '--out', f.out, '--once'];
    const first = testIo(f.git);
    expect(await run(args, first)).toBe(0);
    expect(first.out()).toContain(': published');
    await f.commit('stray', (files) => files.set('targets/stray.bin', utf8('stray')));
    const second = testIo(f.git);
    expect(await run([...args, '--json'], second)).toBe(1);
    expect(JSON.parse(second.out())).toMatchObject({ outcome: 'refused' });
  });
});

describe('pg-mirror and pg-download executables', () => {
  beforeAll(ensureBuilt, 180_000);

  it('bin/pg-mirror.js publishes a tree that bin/pg-download.js downloads from', async () => {
    const f = await fixture(dirs);
    const built = await spawnNode([
      join(ROOT, 'bin', 'pg-mirror.js'),
      'build',
      '--git',
      f.git,
      '--out',
      f.out,
      '--json',
    ]);
    expect(built.code, built.stderr).toBe(0);
    expect(JSON.parse(built.stdout)).toMatchObject({ ok: true });
    const server = await startStaticServer({ root: f.out, host: '127.0.0.1', port: 0 });
    try {
      const work = await dirs.make();
      const rootBytes = await f.readOut('metadata/1.root.json');
      await writeFile(join(work, 'root.json'), rootBytes);
      const dl = (...args: string[]) =>
        spawnNode([
          join(ROOT, 'bin', 'pg-download.js'),
          '--cache-dir',
          join(work, 'cache'),
          ...args,
        ]);
      const base = server.url.replace(/\/?$/, '/');
      const init = await dl(
        'init',
        'm',
        '--metadata-url',
        `${base}metadata/`,
        '--root',
        join(work, 'root.json'),
        '--root-sha256',
        hashHex('sha256', rootBytes),
      );
      expect(init.code, init.stderr).toBe(0);
      const get = await dl('get', 'releases/app-1.0.tar.gz', '-o', join(work, 'out'));
      expect(get.code, get.stderr).toBe(0);
      expect(await readFile(join(work, 'out', 'app-1.0.tar.gz'), 'utf8')).toBe(
        'app 1.0 release artifact\n',
      );
    } finally {
      await server.close();
    }
  }, 60_000);
});
