import { describe, expect, it } from 'vitest';
import { outputPathFor } from '../../src/cli/copy-verified.js';
import { exitCodeFor } from '../../src/cli/exit-codes.js';
import { renderError, renderResult } from '../../src/cli/output.js';
import { formatBytes } from '../../src/cli/progress.js';
import { resolveCacheDir } from '../../src/cli/repo-registry.js';
import type { GetResult } from '../../src/cli/results.js';
import {
  DownloadError,
  FormatError,
  GitError,
  StorageError,
  TrustError,
  UsageError,
} from '../../src/core/index.js';

describe('exitCodeFor', () => {
  it.each([
    [new TrustError('rollback', 'x'), 1],
    [new FormatError('invalid-json', 'x'), 1],
    [new DownloadError('too-large', 'x'), 1],
    [new DownloadError('network', 'x'), 3],
    [new DownloadError('not-found', 'x'), 3],
    [new StorageError('io', 'x'), 3],
    [new GitError('git-failed', 'x'), 3],
    [new UsageError('invalid-argument', 'x'), 2],
    [Object.assign(new Error('EACCES'), { code: 'EACCES', syscall: 'open' }), 3],
    [new TypeError('bug'), 1],
  ] as const)('maps %o to %i', (err, code) => {
    expect(exitCodeFor(err)).toBe(code);
  });
});

describe('renderResult', () => {
  const get: GetResult = {
    kind: 'get',
    toStdout: false,
    entries: [
      {
        target: 'a/b.tgz',
        path: '/out/b.tgz',
        length: 3,
        hashes: { sha256: 'ff' },
        cached: true,
        chain: [{ role: 'targets', version: 2, delegator: null }],
      },
    ],
  };

  it('renders get as the documented JSON array', () => {
    const out = renderResult(get, { json: true, quiet: false });
    expect(JSON.parse(out.stdout)).toEqual([
      {
        target: 'a/b.tgz',
        path: '/out/b.tgz',
        length: 3,
        hashes: { sha256: 'ff' },
        cached: true,
        chain: [{ role: 'targets', version: 2, delegator: null }],
      },
    ]);
    expect(out.stderr).toBe('');
  });

  it('says where each file went and whether it came from the cache', () => {
    expect(renderResult(get, { json: false, quiet: false }).stdout).toBe(
      'a/b.tgz -> /out/b.tgz (3 bytes, from cache)\n',
    );
  });

  it('keeps stdout for the artifact with -o -', () => {
    const out = renderResult({ ...get, toStdout: true }, { json: false, quiet: false });
    expect(out.stdout).toBe('');
    expect(out.stderr).toContain('a/b.tgz');
  });

  it('prints nothing on success with --quiet', () => {
    expect(renderResult(get, { json: false, quiet: true })).toEqual({ stdout: '', stderr: '' });
  });

  it('renders an error with its code, and as a document with --json', () => {
    const err = new TrustError(
      'expired',
      'timestamp: expected expiry after 2030-01-01T00:00:00Z, got 2029-12-31T00:00:00Z',
    );
    expect(renderError(err, { json: false, quiet: false }).stderr).toContain('[expired]');
    const doc = JSON.parse(renderError(err, { json: true, quiet: false }).stdout) as unknown;
    expect(doc).toEqual({
      error: { type: 'TrustError', code: 'expired', message: err.message, exitCode: 1 },
    });
  });
});

describe('outputPathFor', () => {
  it('places a target under its basename inside the directory', () => {
    expect(outputPathFor('/out', 'releases/v1/tool.tgz')).toBe('/out/tool.tgz');
  });

  it.each([
    ['releases/'],
    ['a/..'],
    ['.'],
    ['..'],
    ['a\\..\\..\\x'],
    ['bad\u0000name'],
    ['x/\u001b[31m'],
  ])('refuses the escaping target path %j', (path) => {
    expect(() => outputPathFor('/out', path)).toThrow(UsageError);
  });
});

describe('resolveCacheDir', () => {
  it('prefers the flag, then an absolute XDG_CACHE_HOME, then HOME', () => {
    expect(resolveCacheDir('c', { XDG_CACHE_HOME: '/xdg' }, '/cwd')).toBe('/cwd/c');
    expect(resolveCacheDir(undefined, { XDG_CACHE_HOME: '/xdg', HOME: '/h' }, '/cwd')).toBe(
      '/xdg/repository-playground',
    );
    expect(resolveCacheDir(undefined, { XDG_CACHE_HOME: 'relative', HOME: '/h' }, '/cwd')).toBe(
      '/h/.cache/repository-playground',
    );
  });
});

describe('formatBytes', () => {
  it('uses binary units', () => {
    expect([formatBytes(512), formatBytes(1536), formatBytes(3 * 1024 * 1024)]).toEqual([
      '512 B',
      '1.5 KiB',
      '3.0 MiB',
    ]);
  });
});
