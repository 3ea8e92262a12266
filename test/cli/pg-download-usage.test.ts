import { readdir } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main-download.js';
import { memoryIo, tempDirs } from './helpers.js';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

async function runIn(args: string[]) {
  const cwd = await dirs.make();
  const io = memoryIo(cwd, { env: { HOME: cwd } });
  const code = await run(['--cache-dir', 'cache', ...args], io);
  return { code, io, cwd };
}

describe('pg-download usage errors', () => {
  it('exits 2 and names the commands when no command is given', async () => {
    const { code, io } = await runIn([]);
    expect(code).toBe(2);
    expect(io.err()).toContain('expected one of init, get, info, refresh, status, list');
    expect(io.out()).toBe('');
  });

  it('suggests the closest command for a typo', async () => {
    const { code, io } = await runIn(['gte', 'x']);
    expect(code).toBe(2);
    expect(io.err()).toMatch(/Did you mean get/);
  });

  it('rejects unknown options (strict)', async () => {
    const { code, io } = await runIn(['status', '--bogus']);
    expect(code).toBe(2);
    expect(io.err()).toMatch(/Unknown argument: bogus/);
  });

  it('rejects get without a target', async () => {
    const { code } = await runIn(['get']);
    expect(code).toBe(2);
  });

  it('rejects init without --metadata-url and --root', async () => {
    const { code, io } = await runIn(['init', 'demo']);
    expect(code).toBe(2);
    expect(io.err()).toMatch(/metadata-url/);
  });

  it('reports a usage error as a JSON document with --json', async () => {
    const { code, io } = await runIn(['get', '--json']);
    expect(code).toBe(2);
    const doc = JSON.parse(io.out()) as { error: { type: string; code: string; exitCode: number } };
    expect(doc.error).toMatchObject({ type: 'UsageError', code: 'invalid-argument', exitCode: 2 });
  });

  it('refuses --quiet together with --verbose', async () => {
    const { code } = await runIn(['status', '--quiet', '--verbose']);
    expect(code).toBe(2);
  });

  it('refuses -o - with more than one target before touching the network', async () => {
    const { code, io } = await runIn(['get', 'a', 'b', '-o', '-']);
    expect(code).toBe(2);
    expect(io.err()).toContain('-o -: expected exactly one TARGET, got 2');
  });

  it('refuses commands when no repository is registered', async () => {
    const { code, io, cwd } = await runIn(['refresh']);
    expect(code).toBe(2);
    expect(io.err()).toContain('pg-download init');
    expect(await readdir(cwd)).not.toContain('cache-is-not-created-by-refresh');
  });
});

describe('pg-download --help', () => {
  it('prints usage, exit codes and examples on stdout with exit 0', async () => {
    const { code, io } = await runIn(['--help']);
    expect(code).toBe(0);
    expect(io.out()).toContain('Exit codes: 0 success; 1 verification');
    for (const command of ['init', 'get', 'info', 'refresh', 'status', 'list'])
      expect(io.out()).toContain(`pg-download ${command}`);
  });

  it('teaches each command with an example', async () => {
    const { code, io } = await runIn(['get', '--help']);
    expect(code).toBe(0);
    expect(io.out()).toContain('Examples:');
    expect(io.out()).toContain('stream one verified target to stdout');
  });

  it('says plainly that trust on first use is not safe', async () => {
    const { io } = await runIn(['init', '--help']);
    expect(io.out()).toContain('--unsafe-trust-on-first-use');
    expect(io.out()).toContain('NOT SAFE');
  });
});
