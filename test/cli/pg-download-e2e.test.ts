import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main-download.js';
import {
  RepositorySimulator,
  startSimulatorServer,
  type SimulatorServer,
} from '../../src/sim/index.js';
import { memoryIo, tempDirs } from './helpers.js';

const dirs = tempDirs();
let server: SimulatorServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  await dirs.cleanup();
});

const HELLO = Buffer.from('hello, verified world\n');
const TOOL = Buffer.alloc(70_000, 7);

async function setup() {
  const sim = new RepositorySimulator();
  sim.addTarget('targets', 'files/hello.txt', HELLO);
  sim.addDelegation('targets', { name: 'releases', paths: ['releases/*'] });
  sim.addTarget('releases', 'releases/tool-1.0.tgz', TOOL, { channel: 'stable' });
  sim.publish();
  server = await startSimulatorServer(sim);
  const cwd = await dirs.make();
  const cache = join(cwd, 'cache');
  await writeFile(join(cwd, 'root.json'), sim.rootBytes(1));
  const exec = async (args: string[], options: { clock?: () => Date } = {}) => {
    const io = memoryIo(cwd, { env: { HOME: cwd }, ...options });
    const code = await run(['--cache-dir', cache, ...args], io);
    return { code, io };
  };
  const init = await exec([
    'init',
    'demo',
    '--metadata-url',
    server.metadataUrl,
    '--root',
    'root.json',
  ]);
  expect(init.code).toBe(0);
  const artifactRequests = () =>
    (server?.requests ?? []).filter((r) => r.path.startsWith('targets/'));
  return { sim, server, cwd, cache, exec, artifactRequests };
}

interface GetJson {
  target: string;
  path: string;
  length: number;
  hashes: Record<string, string>;
  cached: boolean;
  chain: { role: string; version: number; delegator: string | null }[];
}

describe('pg-download get', () => {
  it('downloads, verifies and copies a target into -o DIR under its basename', async () => {
    const { cwd, exec } = await setup();
    const { code, io } = await exec(['get', 'files/hello.txt', '-o', 'out']);
    expect(code).toBe(0);
    expect(await readFile(join(cwd, 'out', 'hello.txt'))).toEqual(HELLO);
    expect(io.out()).toContain(
      `files/hello.txt -> ${join(cwd, 'out', 'hello.txt')} (${HELLO.length} bytes, downloaded)`,
    );
    expect(await readdir(join(cwd, 'out'))).toEqual(['hello.txt']);
  });

  it('serves the second get from the verified cache without an artifact request', async () => {
    const { exec, artifactRequests } = await setup();
    expect((await exec(['get', 'releases/tool-1.0.tgz'])).code).toBe(0);
    const second = await exec(['get', 'releases/tool-1.0.tgz', '--json']);
    expect(second.code).toBe(0);
    const [entry] = JSON.parse(second.io.out()) as GetJson[];
    expect(entry?.cached).toBe(true);
    expect(artifactRequests()).toHaveLength(1);
  });

  it('prints the documented JSON shape with the delegation chain', async () => {
    const { sim, cache, exec } = await setup();
    const { code, io } = await exec(['get', 'releases/tool-1.0.tgz', 'files/hello.txt', '--json']);
    expect(code).toBe(0);
    const entries = JSON.parse(io.out()) as GetJson[];
    expect(entries.map((e) => [e.target, e.cached, e.length])).toEqual([
      ['releases/tool-1.0.tgz', false, TOOL.length],
      ['files/hello.txt', false, HELLO.length],
    ]);
    expect(entries[0]?.chain).toEqual([
      { role: 'targets', version: sim.publishedVersion('targets'), delegator: null },
      { role: 'releases', version: sim.publishedVersion('releases'), delegator: 'targets' },
    ]);
    expect(entries[0]?.path.startsWith(join(cache, 'demo', 'targets'))).toBe(true);
    expect(Object.keys(entries[0]?.hashes ?? {})).toEqual(['sha256']);
  });

  it('writes exactly the verified bytes to stdout with -o -', async () => {
    const { exec } = await setup();
    const { code, io } = await exec(['get', 'releases/tool-1.0.tgz', '-o', '-']);
    expect(code).toBe(0);
    expect(io.outBytes().equals(TOOL)).toBe(true);
    expect(io.err()).toContain('releases/tool-1.0.tgz -> -');
  });

  it('fails with exit 1 and names the searched roles when no role lists the target', async () => {
    const { exec } = await setup();
    const { code, io } = await exec(['get', 'releases/missing.tgz', '-o', 'out']);
    expect(code).toBe(1);
    expect(io.err()).toContain('releases/missing.tgz: not found in any role (searched: targets');
    expect(io.err()).toContain('[target-not-found]');
  });

  it('refuses a tampered artifact (malicious mirror) with exit 1 and leaves nothing in -o DIR or the cache', async () => {
    const { cwd, cache, exec } = await setup();
    server?.faults.add((path) => path.startsWith('targets/'), {
      replaceBody: Buffer.from('hello, verified WORLD\n'),
    });
    await mkdir(join(cwd, 'out'));
    const { code, io } = await exec(['get', 'files/hello.txt', '-o', 'out']);
    expect(code).toBe(1);
    expect(io.err()).toMatch(
      /files\/hello\.txt: expected sha256 [0-9a-f]{64}, got [0-9a-f]{64} \[hash-mismatch\]/,
    );
    expect(await readdir(join(cwd, 'out'))).toEqual([]);
    expect(await readdir(join(cache, 'demo', 'targets'))).toEqual([]);
  });

  it('refuses an oversized artifact (endless data) with exit 1', async () => {
    const { exec } = await setup();
    server?.faults.add((path) => path.startsWith('targets/'), { endless: true });
    const { code, io } = await exec(['get', 'files/hello.txt']);
    expect(code).toBe(1);
    expect(io.err()).toContain('[too-large]');
  });

  it('fails with exit 3 when the mirror is unreachable', async () => {
    const { exec } = await setup();
    await server?.close();
    server = undefined;
    const { code, io } = await exec(['get', 'files/hello.txt']);
    expect(code).toBe(3);
    expect(io.err()).toContain('[network]');
  });

  it('logs every fetch and verified role on stderr with --verbose', async () => {
    const { exec } = await setup();
    const { code, io } = await exec(['get', 'files/hello.txt', '--verbose']);
    expect(code).toBe(0);
    expect(io.err()).toMatch(
      /fetch http:\/\/127\.0\.0\.1:\d+\/metadata\/timestamp\.json \(timestamp\)/,
    );
    expect(io.err()).toMatch(/verified snapshot v\d+/);
  });
});

describe('pg-download info, list, refresh, status', () => {
  it('info shows length, hashes, custom and the chain without downloading the artifact', async () => {
    const { sim, exec, artifactRequests } = await setup();
    const { code, io } = await exec(['info', 'releases/tool-1.0.tgz']);
    expect(code).toBe(0);
    expect(io.out()).toContain(`length  ${TOOL.length}`);
    expect(io.out()).toContain('custom  {"channel":"stable"}');
    expect(io.out()).toContain(
      `chain   targets v${sim.publishedVersion('targets')} -> releases v${sim.publishedVersion('releases')}`,
    );
    expect(artifactRequests()).toEqual([]);
  });

  it('list shows every target with its role', async () => {
    const { exec } = await setup();
    const { code, io } = await exec(['list', '--json']);
    expect(code).toBe(0);
    const doc = JSON.parse(io.out()) as {
      repo: string;
      targets: { path: string; length: number; role: string }[];
    };
    expect(doc.repo).toBe('demo');
    expect([...doc.targets].sort((a, b) => a.path.localeCompare(b.path))).toEqual([
      { path: 'files/hello.txt', length: HELLO.length, role: 'targets' },
      { path: 'releases/tool-1.0.tgz', length: TOOL.length, role: 'releases' },
    ]);
  });

  it('list refuses a repository with more roles than --max-roles (exit 1)', async () => {
    const { exec } = await setup();
    const { code, io } = await exec(['list', '--max-roles', '1']);
    expect(code).toBe(1);
    expect(io.err()).toContain('[delegation-limit]');
  });

  it('refresh prints the new trusted versions after the repository changed, and status shows them', async () => {
    const { sim, exec } = await setup();
    const v = (role: string) => sim.publishedVersion(role) ?? 0;
    const first = `demo: root v1, timestamp v${v('timestamp')}, snapshot v${v('snapshot')}, targets v${v('targets')}`;
    expect((await exec(['refresh'])).io.out()).toContain(first);
    sim.addTarget('targets', 'files/new.txt', Buffer.from('new'));
    sim.publish();
    const { code, io } = await exec(['refresh', '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(io.out())).toMatchObject({
      repo: 'demo',
      versions: {
        root: 1,
        timestamp: v('timestamp'),
        snapshot: v('snapshot'),
        targets: v('targets'),
      },
    });
    expect(v('timestamp')).toBeGreaterThan(1);
    const status = await exec(['status']);
    expect(status.io.out()).toMatch(new RegExp(`timestamp\\s+v${v('timestamp')}, expires`));
  });

  it('refuses a rolled-back timestamp with exit 1 (TUF 5.4.3)', async () => {
    const { sim, exec } = await setup();
    sim.addTarget('targets', 'files/new.txt', Buffer.from('new'));
    sim.publish();
    expect((await exec(['refresh'])).code).toBe(0);
    sim.overrides.set('metadata/timestamp.json', sim.publishedBytes('timestamp', 1));
    const { code, io } = await exec(['refresh']);
    expect(code).toBe(1);
    expect(io.err()).toContain('[rollback]');
  });
});

describe('pg-download --offline', () => {
  it('works from the trusted cache after a refresh with no server running', async () => {
    const { cwd, exec } = await setup();
    expect((await exec(['get', 'releases/tool-1.0.tgz'])).code).toBe(0);
    await server?.close();
    server = undefined;
    const got = await exec([
      'get',
      'releases/tool-1.0.tgz',
      '--offline',
      '-o',
      'offline-out',
      '--json',
    ]);
    expect(got.code).toBe(0);
    expect((JSON.parse(got.io.out()) as GetJson[])[0]?.cached).toBe(true);
    expect((await readFile(join(cwd, 'offline-out', 'tool-1.0.tgz'))).equals(TOOL)).toBe(true);
    expect((await exec(['info', 'files/hello.txt', '--offline'])).code).toBe(0);
    expect((await exec(['refresh', '--offline'])).code).toBe(0);
  });

  it('fails with exit 1 when a delegated role was never fetched', async () => {
    const { exec } = await setup();
    expect((await exec(['refresh'])).code).toBe(0);
    await server?.close();
    server = undefined;
    const { code, io } = await exec(['info', 'releases/tool-1.0.tgz', '--offline']);
    expect(code).toBe(1);
    expect(io.err()).toContain(
      'releases: expected trusted metadata in the cache (offline mode), got none',
    );
  });

  it('fails with exit 1 for a target that is not cached', async () => {
    const { exec } = await setup();
    expect((await exec(['refresh'])).code).toBe(0);
    await server?.close();
    server = undefined;
    const { code, io } = await exec(['get', 'files/hello.txt', '--offline']);
    expect(code).toBe(1);
    expect(io.err()).toContain('[offline-unavailable]');
  });

  it('fails with exit 1 when the cached timestamp has expired', async () => {
    const { sim, exec } = await setup();
    expect((await exec(['get', 'files/hello.txt'])).code).toBe(0);
    const later = new Date(Date.parse(sim.timestamp.expires) + 86_400_000);
    const { code, io } = await exec(['get', 'files/hello.txt', '--offline'], {
      clock: () => later,
    });
    expect(code).toBe(1);
    expect(io.err()).toContain('[expired]');
  });
});
