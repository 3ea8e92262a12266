import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main-download.js';
import { makeRoot, memoryIo, tempDirs } from './helpers.js';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

async function setup() {
  const cwd = await dirs.make();
  const cache = join(cwd, 'cache');
  const exec = async (args: string[], clock?: () => Date) => {
    const io = memoryIo(cwd, { env: { HOME: cwd }, ...(clock === undefined ? {} : { clock }) });
    const code = await run(['--cache-dir', cache, ...args], io);
    return { code, io };
  };
  const register = async (name: string, expires?: string) => {
    await writeFile(
      join(cwd, `${name}-root.json`),
      makeRoot(expires === undefined ? {} : { expires }),
    );
    const { code } = await exec([
      'init',
      name,
      '--metadata-url',
      `http://127.0.0.1:9/${name}/metadata/`,
      '--root',
      `${name}-root.json`,
    ]);
    expect(code).toBe(0);
  };
  return { cwd, cache, exec, register };
}

interface StatusJson {
  cacheDir: string;
  repos: {
    name: string;
    isDefault: boolean;
    metadataUrl: string;
    cachedTargets: number;
    roles: { role: string; version?: number; expired?: boolean; error?: string }[];
  }[];
}

describe('pg-download status', () => {
  it('says how to start when nothing is registered', async () => {
    const { exec } = await setup();
    const { code, io } = await exec(['status']);
    expect(code).toBe(0);
    expect(io.out()).toContain('No repositories registered');
  });

  it('shows every repository with URLs, trusted versions and the default', async () => {
    const { exec, register } = await setup();
    await register('alpha');
    await register('beta');
    const { code, io } = await exec(['status']);
    expect(code).toBe(0);
    expect(io.out()).toContain('alpha (default)');
    expect(io.out()).toMatch(/\nbeta\n/);
    expect(io.out()).toContain('http://127.0.0.1:9/beta/metadata/');
    expect(io.out()).toMatch(/root\s+v1, expires 2099-01-01T00:00:00Z/);
    expect(io.out()).toMatch(/timestamp\s+not fetched yet/);
  });

  it('flags expired metadata using the reference clock', async () => {
    const { exec, register } = await setup();
    await register('old', '2030-01-01T00:00:00Z');
    const { io } = await exec(['status', '--json'], () => new Date('2031-01-01T00:00:00Z'));
    const doc = JSON.parse(io.out()) as StatusJson;
    expect(doc.repos[0]?.roles[0]).toEqual({
      role: 'root',
      version: 1,
      expires: '2030-01-01T00:00:00Z',
      expired: true,
    });
    const text = await exec(['status'], () => new Date('2031-01-01T00:00:00Z'));
    expect(text.io.out()).toContain('EXPIRED');
  });

  it('reports an unreadable cached file instead of failing, and counts cached targets', async () => {
    const { cache, exec, register } = await setup();
    await register('demo');
    await writeFile(join(cache, 'demo', 'metadata', 'timestamp.json'), 'not json');
    await writeFile(join(cache, 'demo', 'targets', 'a.tgz'), 'x');
    await writeFile(join(cache, 'demo', 'targets', '.a.tgz.0123456789abcdef.tmp'), 'partial');
    await mkdir(join(cache, 'demo', 'targets', 'subdir'));
    const { code, io } = await exec(['status', '--repo', 'demo', '--json']);
    expect(code).toBe(0);
    const doc = JSON.parse(io.out()) as StatusJson;
    expect(doc.repos).toHaveLength(1);
    expect(doc.repos[0]?.cachedTargets).toBe(1);
    expect(doc.repos[0]?.roles[1]?.error).toContain('invalid-json');
  });

  it('refuses an unknown --repo with a usage error listing the known ones', async () => {
    const { exec, register } = await setup();
    await register('alpha');
    const { code, io } = await exec(['status', '--repo', 'gamma']);
    expect(code).toBe(2);
    expect(io.err()).toContain('expected one of [alpha]');
  });

  it('asks for --repo when several are registered and the default is gone', async () => {
    const { cache, exec, register } = await setup();
    await register('alpha');
    await register('beta');
    await writeFile(join(cache, 'registry.json'), '{"default": "removed"}');
    const { code, io } = await exec(['refresh']);
    expect(code).toBe(2);
    expect(io.err()).toContain('expected --repo NAME (one of: alpha, beta)');
  });
});
