import { describe, expect, it } from 'vitest';
import {
  hashHex,
  matchesPathPattern,
  succinctBinIndex,
  succinctBinName,
  succinctBinNameForHash,
  targetPathHash,
} from '../../src/core/index.js';

describe('matchesPathPattern', () => {
  it.each([
    ['*.md', 'README.md', true],
    ['*.md', 'README.MD', false],
    ['*.MD', 'README.md', false],
    ['foo-?.tgz', 'foo-1.tgz', true],
    ['foo-?.tgz', 'foo-alpha.tgz', false],
    ['foo-?.tgz', 'foo-.tgz', false],
    ['*.md', 'releases/README.md', false],
    ['releases/*', 'releases/a/b', false],
    ['releases/*', 'releases/a', true],
    ['releases/*/*.tgz', 'releases/v1/pkg.tgz', true],
    ['*/*', 'a/b', true],
    ['*', '', true],
    ['*', 'a/b', false],
    ['a/b', 'a/b', true],
    ['a/b', 'a/b/', false],
    ['file-[0-9].txt', 'file-7.txt', true],
    ['file-[0-9].txt', 'file-x.txt', false],
    ['file-[!0-9].txt', 'file-x.txt', true],
    ['file-[!0-9].txt', 'file-7.txt', false],
    ['[]]', ']', true],
    ['[!]]', 'a', true],
    ['[!]]', ']', false],
    ['[a-]', '-', true],
    ['[z-a]', 'm', false],
    ['[!z-a]', 'm', true],
    ['x[', 'x[', true],
    ['a.b', 'axb', false],
    ['a+b(c)', 'a+b(c)', true],
    ['a\\*', 'a\\x', true],
    ['^$', '^$', true],
    ['*a*a*a*a*a*a*a*a*b', 'a'.repeat(200), false],
    ['d?', 'dé', true],
    ['?', '😀', true],
    ['x*', 'x\ny', true],
    // Vectors checked against CPython fnmatch.fnmatchcase.
    ['[--0]', '.', true],
    ['[a-c-e]', 'd', false],
    ['[a-c-e]', '-', true],
    ['[!a-c-e]', 'd', true],
    ['[\\]', '\\', true],
    ['[^a]', '^', true],
    ['[^a]', 'b', false],
    ['[[]', '[', true],
    ['[&&a]', '&', true],
    ['[a-]b]', '-]', false],
    ['[a-]b]', 'ab]', true],
    ['[a-]b]', '-b]', true],
    ['[]-a]', '_', true],
  ])('%j vs %j → %s', (pattern, path, expected) => {
    expect(matchesPathPattern(pattern, path)).toBe(expected);
  });

  it('gives the same answer from the compiled-pattern cache', () => {
    expect(matchesPathPattern('pkgs/*.whl', 'pkgs/a.whl')).toBe(true);
    expect(matchesPathPattern('pkgs/*.whl', 'pkgs/a.tgz')).toBe(false);
    expect(matchesPathPattern('pkgs/*.whl', 'pkgs/b.whl')).toBe(true);
  });
});

describe('succinct hash bins (TAP 15)', () => {
  it('takes the leading bits of the path hash', () => {
    const hash = 'f3' + '0'.repeat(62);
    expect(succinctBinIndex(hash, 1)).toBe(1);
    expect(succinctBinIndex(hash, 4)).toBe(0xf);
    expect(succinctBinIndex(hash, 8)).toBe(0xf3);
    expect(succinctBinIndex(hash, 10)).toBe(0x3cc);
    expect(succinctBinIndex('ffffffff' + '0'.repeat(56), 32)).toBe(0xffffffff);
  });

  it('names bins with zero-padded lowercase hex of ceil(bits/4) digits', () => {
    expect(succinctBinName('bins', 0, 8)).toBe('bins-00');
    expect(succinctBinName('bins', 0x3ff, 10)).toBe('bins-3ff');
    expect(succinctBinName('bins', 5, 10)).toBe('bins-005');
    expect(succinctBinName('bins', 1, 1)).toBe('bins-1');
    expect(succinctBinName('bins', 0xab, 16)).toBe('bins-00ab');
  });

  it('maps a target path to its bin like python-tuf get_role_for_target', () => {
    // sha256("foo") = 2c26b46b...; first 8 bits 0x2c, first 10 bits 0x0b0.
    const hash = targetPathHash('foo');
    expect(hash).toBe(hashHex('sha256', 'foo'));
    expect(hash.startsWith('2c26b46b')).toBe(true);
    expect(succinctBinNameForHash('bin', hash, 8)).toBe('bin-2c');
    expect(succinctBinNameForHash('bin', hash, 10)).toBe('bin-0b0');
  });
});
