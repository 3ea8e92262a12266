import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { removeStaleTemps, writeFileAtomic } from '../../src/client/fs-atomic.js';
import { MetadataStore } from '../../src/client/metadata-store.js';
import { roleFileName, targetFileName } from '../../src/client/role-file-name.js';
import { StorageError } from '../../src/core/index.js';

// Lets one test make the rename step of an atomic write fail, as a full disk or a crash would.
const faults = vi.hoisted(() => ({ failRename: false }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...real,
    rename: async (from: string, to: string): Promise<void> => {
      if (faults.failRename)
        throw Object.assign(new Error('simulated I/O failure'), { code: 'EIO' });
      return real.rename(from, to);
    },
  };
});

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pg-metadata-store-'));
  faults.failRename = false;
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const HOSTILE_ROLES = [
  '../x',
  '/x',
  '/etc/passwd',
  'a/../../b',
  '..\\x',
  '?',
  '#',
  '.',
  '..',
  '',
  '*',
  'role name',
  'x'.repeat(300),
  '%2F'.repeat(100),
  'ünïcødé-ロール-🔑',
  '\ud800', // a lone surrogate is a legal JSON string
  'nul\u0000byte',
  'CON',
];

describe('roleFileName', () => {
  it('keeps ordinary role names readable', () => {
    expect(roleFileName('root')).toBe('root.json');
    expect(roleFileName('bins-3f')).toBe('bins-3f.json');
    expect(roleFileName('a.b_c~d')).toBe('a.b_c~d.json');
  });

  it('percent-encodes separators and URL syntax like encodeURIComponent', () => {
    expect(roleFileName('/x')).toBe('%2Fx.json');
    expect(roleFileName('../x')).toBe('..%2Fx.json');
    expect(roleFileName('?')).toBe('%3F.json');
    expect(roleFileName('#')).toBe('%23.json');
    expect(roleFileName('*')).toBe('%2A.json');
    expect(roleFileName('.')).toBe('%2E.json');
    expect(roleFileName('..')).toBe('%2E%2E.json');
  });

  it('maps every hostile name to one safe file name ending in .json', () => {
    for (const role of HOSTILE_ROLES) {
      const name = roleFileName(role);
      expect(name.endsWith('.json')).toBe(true);
      expect(name.includes('/') || name.includes('\\') || name.includes('\u0000')).toBe(false);
      expect(Buffer.byteLength(name)).toBeLessThanOrEqual(240);
      expect(basename(name)).toBe(name);
    }
  });

  it('is injective on tricky names (no two roles share a file)', () => {
    const names = [
      ...HOSTILE_ROLES,
      '%2E',
      '%2E%2E',
      '%2Fx',
      '%252Fx',
      '%',
      '%25',
      'x.json',
      'x',
      '\ud801',
      '\ufffd',
      '\ud83d\udd11',
      'x'.repeat(299),
      'x'.repeat(301),
      `${'x'.repeat(160)}.${'0'.repeat(64)}`,
      'A',
      'a',
    ];
    const files = new Map<string, string>();
    for (const role of names) {
      const file = roleFileName(role);
      expect(files.get(file), `${JSON.stringify(role)} collides`).toBeUndefined();
      files.set(file, role);
    }
  });

  it('bounds very long names with a digest suffix', () => {
    const name = roleFileName('y'.repeat(10_000));
    expect(name.length).toBeLessThan(240);
    expect(name).toMatch(/^y{160}\.[0-9a-f]{64}\.json$/);
  });
});

describe('targetFileName', () => {
  it('quotes everything outside A-Za-z0-9_.-~', () => {
    expect(targetFileName('path/to/a/target_file.txt')).toBe('path%2Fto%2Fa%2Ftarget_file.txt');
    expect(targetFileName("a b(c)!'*")).toBe('a%20b%28c%29%21%27%2A');
  });

  it('never yields ".", "..", a hidden name or an empty name', () => {
    expect(targetFileName('.')).toBe('%2E');
    expect(targetFileName('..')).toBe('%2E.');
    expect(targetFileName('.hidden')).toBe('%2Ehidden');
    expect(() => targetFileName('')).toThrow(StorageError);
  });
});

describe('MetadataStore', () => {
  it('round-trips exact bytes, including non-canonical whitespace', async () => {
    const store = new MetadataStore(join(dir, 'metadata'));
    const bytes = Buffer.from('{ "signed" :\t{},\n"signatures":[] }\r\n\u00e9', 'utf8');
    await store.write('root', bytes);
    expect(Buffer.from((await store.read('root')) ?? []).equals(bytes)).toBe(true);
    expect(await readdir(store.dir)).toEqual(['root.json']);
  });

  it('returns undefined for an absent role and removes idempotently', async () => {
    const store = new MetadataStore(dir);
    expect(await store.read('timestamp')).toBeUndefined();
    await store.write('timestamp', Buffer.from('1'));
    await store.remove('timestamp');
    await store.remove('timestamp');
    expect(await store.read('timestamp')).toBeUndefined();
  });

  it('keeps every hostile role name as one file inside its directory', async () => {
    const store = new MetadataStore(join(dir, 'metadata'));
    for (const [i, role] of HOSTILE_ROLES.entries()) {
      expect(dirname(store.pathFor(role))).toBe(store.dir);
      await store.write(role, Buffer.from(String(i)));
    }
    const files = await readdir(store.dir);
    expect(files).toHaveLength(HOSTILE_ROLES.length);
    expect(files.every((f) => f.endsWith('.json'))).toBe(true);
    // Nothing escaped: the parent holds only the metadata directory.
    expect(await readdir(dir)).toEqual(['metadata']);
    for (const [i, role] of HOSTILE_ROLES.entries()) {
      expect(Buffer.from((await store.read(role)) ?? []).toString()).toBe(String(i));
    }
  });

  it('a failed write leaves the previous file intact and no temp file behind', async () => {
    const store = new MetadataStore(dir);
    await store.write('snapshot', Buffer.from('old'));
    faults.failRename = true;
    const err: unknown = await store.write('snapshot', Buffer.from('new')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as StorageError).code).toBe('io');
    expect((err as StorageError).cause).toMatchObject({ code: 'EIO' });
    expect(await readFile(join(dir, 'snapshot.json'), 'utf8')).toBe('old');
    expect(await readdir(dir)).toEqual(['snapshot.json']);
  });

  it('a directory occupying the final name makes the write fail without leaving a temp file', async () => {
    await mkdir(join(dir, 'targets.json', 'keep'), { recursive: true });
    const store = new MetadataStore(dir);
    await expect(store.write('targets', Buffer.from('x'))).rejects.toBeInstanceOf(StorageError);
    expect(await readdir(dir)).toEqual(['targets.json']);
    expect(await readdir(join(dir, 'targets.json'))).toEqual(['keep']);
  });
});

describe('writeFileAtomic and removeStaleTemps', () => {
  it('replaces a file with the complete new content', async () => {
    await writeFile(join(dir, 'a.json'), 'before');
    await writeFileAtomic(dir, 'a.json', Buffer.from('after'));
    expect(await readFile(join(dir, 'a.json'), 'utf8')).toBe('after');
  });

  it('removes only old temp files left by crashed runs', async () => {
    await writeFile(join(dir, '.root.json.0123456789abcdef.tmp'), 'partial');
    await writeFile(join(dir, 'root.json'), 'trusted');
    expect(await removeStaleTemps(dir, 60_000)).toBe(0); // too recent: may belong to a live writer
    expect(await removeStaleTemps(dir, -1)).toBe(1);
    expect(await readdir(dir)).toEqual(['root.json']);
  });
});
