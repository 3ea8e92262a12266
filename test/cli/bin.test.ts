// Spawns the real executables (bin/*.js -> dist/src/cli) once, to check the wiring: the build
// output is what `npm test` runs after its pretest build.
import { execFile } from 'node:child_process';
import { access, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  RepositorySimulator,
  startSimulatorServer,
  type SimulatorServer,
} from '../../src/sim/index.js';
import { tempDirs } from './helpers.js';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '..', '..');
const dirs = tempDirs();
let server: SimulatorServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
  await dirs.cleanup();
});

beforeAll(async () => {
  const built = join(ROOT, 'dist', 'src', 'cli', 'conformance-client.js');
  const exists = await access(built).then(
    () => true,
    () => false,
  );
  // `npm test` builds first (pretest); a direct vitest run may not have: build once here.
  if (!exists)
    await run(process.execPath, [
      join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
      '-p',
      join(ROOT, 'tsconfig.build.json'),
    ]).catch(() => undefined);
  await access(built);
}, 180_000);

async function spawn(
  bin: string,
  args: string[],
  cwd: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(ROOT, 'bin', bin), ...args], {
      cwd,
      env: { ...process.env, HOME: cwd, XDG_CACHE_HOME: '' },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof e.code === 'number' ? e.code : -1,
      stdout: e.stdout ?? '',
      stderr: e.stderr ?? '',
    };
  }
}

describe('bin wiring', () => {
  it('pg-download --help exits 0 and prints usage', async () => {
    const cwd = await dirs.make();
    const result = await spawn('pg-download.js', ['--help'], cwd);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('pg-download <command> [options]');
  });

  it('pg-download exits 2 on a usage error', async () => {
    const cwd = await dirs.make();
    const result = await spawn('pg-download.js', ['frobnicate'], cwd);
    expect(result.code).toBe(2);
  });

  it('pg-conformance-client runs init, refresh and download against a repository', async () => {
    const sim = new RepositorySimulator();
    sim.addTarget('targets', 'a/file.txt', Buffer.from('bin wiring\n'));
    sim.publish();
    server = await startSimulatorServer(sim);
    const tmp = await dirs.make();
    const md = join(tmp, 'metadata');
    const td = join(tmp, 'targets');
    await mkdir(md);
    await mkdir(td);
    await writeFile(join(tmp, 'initial_root.json'), sim.rootBytes(1));
    expect(
      (
        await spawn(
          'pg-conformance-client.js',
          ['--metadata-dir', md, 'init', join(tmp, 'initial_root.json')],
          tmp,
        )
      ).code,
    ).toBe(0);
    expect(
      (
        await spawn(
          'pg-conformance-client.js',
          ['--metadata-url', server.metadataUrl, '--metadata-dir', md, 'refresh'],
          tmp,
        )
      ).code,
    ).toBe(0);
    const download = await spawn(
      'pg-conformance-client.js',
      [
        '--metadata-url',
        server.metadataUrl,
        '--metadata-dir',
        md,
        '--target-name',
        'a/file.txt',
        '--target-dir',
        td,
        '--target-base-url',
        server.targetsUrl,
        'download',
      ],
      tmp,
    );
    expect(download.code).toBe(0);
    expect(await readdir(td)).toEqual(['a%2Ffile.txt']);
  });

  it('pg-conformance-client exits 1 (not 2) on a usage error', async () => {
    const cwd = await dirs.make();
    const result = await spawn('pg-conformance-client.js', ['--no-such-flag'], cwd);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('usage: pg-conformance-client');
  });
});
