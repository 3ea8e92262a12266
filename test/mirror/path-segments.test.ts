// Names that become files of the published tree, and names that reach terminals: the shared
// validator (path-segments.ts), the escaping of messages (display.ts) and the last guard of
// every write (tree-files.ts outputPath).
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildText, safeJson } from '../../src/cli/pg-mirror/output.js';
import { StorageError } from '../../src/core/index.js';
import type { BuildReport } from '../../src/mirror/index.js';
import { displayName, inertText } from '../../src/mirror/display.js';
import { pathFlaw, segmentFlaw } from '../../src/mirror/path-segments.js';
import { outputPath } from '../../src/mirror/tree-files.js';

describe('segmentFlaw / pathFlaw', () => {
  it('refuses segments that climb, vanish, separate or carry controls', () => {
    for (const bad of ['', '.', '..', 'a\\b', 'a/b', 'a\u0000', 'a\u001b[2K', 'a\u007f', 'a\u009b'])
      expect(segmentFlaw(bad), JSON.stringify(bad)).toBeDefined();
    for (const good of ['a', '.hidden', '..a', 'a..', 'café', 'x y', 'evil$`$&'])
      expect(segmentFlaw(good), good).toBeUndefined();
  });

  it('refuses a segment over 255 UTF-8 bytes, counting multi-byte characters', () => {
    expect(segmentFlaw('a'.repeat(255))).toBeUndefined();
    expect(segmentFlaw('a'.repeat(256))).toBe('a segment of 256 bytes');
    expect(segmentFlaw('é'.repeat(128))).toBe('a segment of 256 bytes');
  });

  it('finds ".." anywhere in a path, and hidden directories only when asked to', () => {
    expect(pathFlaw('../../escape.txt', { hiddenDirs: true })).toBe('segment ".."');
    expect(pathFlaw('a/b/..', { hiddenDirs: true })).toBe('segment ".."');
    expect(pathFlaw('a//b', { hiddenDirs: true })).toBe('segment ""');
    expect(pathFlaw('.well-known/x', { hiddenDirs: true })).toBeUndefined();
    expect(pathFlaw('.well-known/x', { hiddenDirs: false })).toBe('hidden directory .well-known');
    // A hidden basename is published as "<hash>..name": not hidden.
    expect(pathFlaw('dir/.name', { hiddenDirs: false })).toBeUndefined();
  });
});

describe('inertText / displayName', () => {
  it('writes newlines, ESC, C1, line separators and bidi overrides as \\uXXXX', () => {
    const text = inertText('a\n::error x\u001b[2K\u009b\u2028\u202e');
    expect(text).toBe('a\\u000a::error x\\u001b[2K\\u009b\\u2028\\u202e');
    expect(text.split('\n')).toHaveLength(1);
  });

  it('leaves plain names alone and JSON-quotes the others', () => {
    expect(displayName('targets/a b.txt')).toBe('targets/a b.txt');
    expect(displayName('x\ny')).toBe('"x\\ny"');
    expect(displayName('x\u2029')).toBe('"x\\u2029"');
  });
});

describe('outputPath', () => {
  it('refuses any planned path that resolves outside the output directory', () => {
    const out = resolve('/tmp/pg-mirror-out');
    expect(outputPath(out, 'targets/a/b.txt')).toBe(join(out, 'targets', 'a', 'b.txt'));
    for (const bad of ['targets/../../escape.txt', '../x', '/etc/passwd', '.', ''])
      expect(() => outputPath(out, bad), bad).toThrow(StorageError);
    try {
      outputPath(out, 'targets/../../escape.txt');
    } catch (err) {
      expect(err).toMatchObject({ code: 'unsafe-path' });
    }
  });
});

describe('pg-mirror output', () => {
  const report = (over: Partial<BuildReport>): BuildReport =>
    ({
      ok: true,
      ref: 'HEAD',
      commit: '0'.repeat(40),
      versions: null,
      roles: 1,
      targets: 0,
      artifactFiles: 0,
      written: [],
      unchanged: 0,
      pruned: [],
      hashedArtifacts: 0,
      durationMs: 1,
      problems: [],
      omittedProblems: 0,
      warnings: [],
      ...over,
    }) as BuildReport;

  it('prints each warning and problem as one inert line, whatever the library put in it', () => {
    const text = buildText(
      report({
        ok: false,
        warnings: ['w\n::warning x'],
        problems: [
          {
            role: 'r\u001b]0;x\u0007',
            file: 'f',
            code: 'c',
            expected: 'e',
            found: 'g',
            message: 'm\u2028::error y',
          },
        ],
      }),
      '/out',
    );
    const all = text.stdout + text.stderr;
    // eslint-disable-next-line no-control-regex
    expect(all).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u2028]/);
    expect(all.split('\n').filter((l) => l.startsWith('::'))).toEqual([]);
    expect(text.stderr).toBe('warning: w\\u000a::warning x\n');
  });

  it('escapes line separators and C1 controls in --json output, keeping the same value', () => {
    const value = { name: 'a\u2028b\u009bc' };
    const json = safeJson(value, 2);
    expect(json).not.toMatch(/[\u2028\u009b]/);
    expect(JSON.parse(json)).toEqual(value);
  });
});
