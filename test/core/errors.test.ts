import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { StorageError, errnoCode } from '../../src/core/index.js';

describe('errnoCode', () => {
  it('returns the code of a real file-system error', async () => {
    const missing = join(tmpdir(), `pg-missing-${process.pid}-${Date.now()}`, 'nothing.json');
    const err: unknown = await readFile(missing).catch((e: unknown) => e);
    expect(errnoCode(err)).toBe('ENOENT');
  });

  it('returns the code of a PgError', () => {
    expect(errnoCode(new StorageError('io', 'x: expected y, got z'))).toBe('io');
  });

  it('returns undefined for errors without a string code and for non-objects', () => {
    expect(errnoCode(new Error('plain'))).toBeUndefined();
    expect(errnoCode(Object.assign(new Error('numeric'), { code: 42 }))).toBeUndefined();
    expect(errnoCode('ENOENT')).toBeUndefined();
    expect(errnoCode(null)).toBeUndefined();
    expect(errnoCode(undefined)).toBeUndefined();
  });
});
