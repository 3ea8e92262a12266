import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/conformance-client.js';
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

const ARTIFACT = Buffer.from('conformance artifact\n');

// The suite's layout: MD and TD exist (empty) before init; the same for every invocation.
async function setup() {
  const sim = new RepositorySimulator();
  sim.addTarget('targets', 'path/to/a/target_file.txt', ARTIFACT);
  sim.publish();
  server = await startSimulatorServer(sim);
  const tmp = await dirs.make();
  const md = join(tmp, 'metadata');
  const td = join(tmp, 'targets');
  await mkdir(md);
  await mkdir(td);
  await writeFile(join(tmp, 'initial_root.json'), sim.rootBytes(1));
  const murl = server.metadataUrl;
  const turl = server.targetsUrl;
  const exec = async (args: string[]) => {
    const io = memoryIo(tmp);
    return { code: await run(args, io), io };
  };
  const download = (...names: string[]) =>
    exec([
      '--metadata-url',
      murl,
      '--metadata-dir',
      md,
      ...names.flatMap((n) => ['--target-name', n]),
      '--target-dir',
      td,
      '--target-base-url',
      turl,
      'download',
    ]);
  const paths = () => (server?.requests ?? []).map((r) => r.path);
  return { sim, tmp, md, td, murl, exec, download, paths };
}

describe('conformance client protocol', () => {
  it('init stores the trusted root bytes exactly and makes no request', async () => {
    const { sim, tmp, md, exec, paths } = await setup();
    const { code } = await exec(['--metadata-dir', md, 'init', join(tmp, 'initial_root.json')]);
    expect(code).toBe(0);
    expect((await readFile(join(md, 'root.json'))).equals(Buffer.from(sim.rootBytes(1)))).toBe(
      true,
    );
    expect(await readdir(md)).toEqual(['root.json']);
    expect(paths()).toEqual([]);
  });

  it('refresh makes exactly the expected requests and stores only verified metadata', async () => {
    const { sim, tmp, md, murl, exec, paths } = await setup();
    expect((await exec(['--metadata-dir', md, 'init', join(tmp, 'initial_root.json')])).code).toBe(
      0,
    );
    const { code, io } = await exec(['--metadata-url', murl, '--metadata-dir', md, 'refresh']);
    expect(io.err()).toBe('');
    expect(code).toBe(0);
    expect(paths()).toEqual([
      'metadata/2.root.json',
      'metadata/timestamp.json',
      `metadata/${sim.publishedVersion('snapshot')}.snapshot.json`,
      `metadata/${sim.publishedVersion('targets')}.targets.json`,
    ]);
    expect((await readdir(md)).sort()).toEqual([
      'root.json',
      'snapshot.json',
      'targets.json',
      'timestamp.json',
    ]);
    expect(io.out()).toContain('refresh: ok');
  });

  it('download stores the verified artifact once; a second run reuses it without a request', async () => {
    const { tmp, md, td, exec, download, paths } = await setup();
    expect((await exec(['--metadata-dir', md, 'init', join(tmp, 'initial_root.json')])).code).toBe(
      0,
    );
    expect((await download('path/to/a/target_file.txt')).code).toBe(0);
    expect(await readdir(td)).toEqual(['path%2Fto%2Fa%2Ftarget_file.txt']);
    expect((await readFile(join(td, 'path%2Fto%2Fa%2Ftarget_file.txt'))).equals(ARTIFACT)).toBe(
      true,
    );
    expect((await download('path/to/a/target_file.txt')).code).toBe(0);
    expect(paths().filter((p) => p.startsWith('targets/'))).toHaveLength(1);
  });

  it('download of a target no role lists exits 1 and stores nothing', async () => {
    const { tmp, md, td, exec, download } = await setup();
    await exec(['--metadata-dir', md, 'init', join(tmp, 'initial_root.json')]);
    const { code, io } = await download('missing.txt');
    expect(code).toBe(1);
    expect(io.err()).toContain('missing.txt');
    expect(await readdir(td)).toEqual([]);
  });

  it('stops at the first failing target, keeping the earlier ones', async () => {
    const { tmp, md, td, exec, download } = await setup();
    await exec(['--metadata-dir', md, 'init', join(tmp, 'initial_root.json')]);
    const { code } = await download(
      'path/to/a/target_file.txt',
      'missing.txt',
      'path/to/a/target_file.txt',
    );
    expect(code).toBe(1);
    expect(await readdir(td)).toEqual(['path%2Fto%2Fa%2Ftarget_file.txt']);
  });

  it('an invalid initial root makes refresh exit 1 without any request', async () => {
    const { tmp, md, murl, exec, paths } = await setup();
    await writeFile(join(tmp, 'initial_root.json'), '{"signed": {}, "signatures": []}');
    await exec(['--metadata-dir', md, 'init', join(tmp, 'initial_root.json')]);
    const { code } = await exec(['--metadata-url', murl, '--metadata-dir', md, 'refresh']);
    expect(code).toBe(1);
    expect(paths()).toEqual([]);
  });

  it.each([
    [[]],
    [['refresh']],
    [['--metadata-dir', '/nonexistent', 'refresh']],
    [['--metadata-dir', '/tmp', '--bogus', 'x', 'refresh']],
    [['--metadata-dir', '/tmp', 'frobnicate']],
    [['--metadata-dir', '/tmp', '--metadata-url', 'http://127.0.0.1:9/', 'download']],
    [['--metadata-dir', '/tmp', 'init']],
  ])('exits 1 (never 2) on the usage error %j', async (args) => {
    const tmp = await dirs.make();
    const io = memoryIo(tmp);
    expect(await run(args, io)).toBe(1);
    expect(io.err()).toContain('pg-conformance-client:');
  });

  it('exits 1 when the metadata directory has no trusted root', async () => {
    const { md, murl, exec, paths } = await setup();
    const { code } = await exec(['--metadata-url', murl, '--metadata-dir', md, 'refresh']);
    expect(code).toBe(1);
    expect(paths()).toEqual([]);
  });
});
