import { describe, expect, it } from 'vitest';
import { canonicalBytes, canonicalize, FormatError, type Json } from '../../src/core/index.js';
import { codeOf } from './helpers.js';

describe('canonicalize', () => {
  it('sorts keys and writes no whitespace', () => {
    expect(canonicalize({ b: 1, a: [true, false, null], c: { z: '', y: -3 } })).toBe(
      '{"a":[true,false,null],"b":1,"c":{"y":-3,"z":""}}',
    );
  });

  it('escapes only double quote and backslash, leaving control characters and unicode raw', () => {
    expect(canonicalize('a"b\\c\n\t\u0001é😀')).toBe('"a\\"b\\\\c\n\t\u0001é😀"');
  });

  it('orders keys by code point, not UTF-16 unit (astral after U+E000..U+FFFF)', () => {
    // UTF-16 order would put "😀" (D83D DE00) before "\uE000"; python puts U+1F600 after U+E000.
    expect(canonicalize({ '😀': 1, '\ue000': 2, a: 3, é: 4 })).toBe(
      '{"a":3,"é":4,"\ue000":2,"😀":1}',
    );
  });

  it('orders keys that share a prefix by length', () => {
    expect(canonicalize({ ab: 1, a: 2, '': 3 })).toBe('{"":3,"a":2,"ab":1}');
  });

  it('canonicalizes nested arrays and objects', () => {
    expect(canonicalize([[[]], [{}], { a: [{ c: 1, b: 2 }] }])).toBe(
      '[[[]],[{}],{"a":[{"b":2,"c":1}]}]',
    );
  });

  it('writes -0 as 0 and large safe integers exactly', () => {
    expect(canonicalize([-0, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER])).toBe(
      '[0,9007199254740991,-9007199254740991]',
    );
  });

  it.each([
    ['a float', 1.5],
    ['Infinity (1e400)', JSON.parse('1e400') as number],
    ['NaN', Number.NaN],
    ['an unsafe integer', 2 ** 60],
  ])('rejects %s', (_name, value) => {
    expect(codeOf(() => canonicalize({ x: value }), FormatError)).toBe(
      'unsupported-canonical-value',
    );
  });

  it('rejects non-JSON values smuggled in through casts', () => {
    expect(() => canonicalize({ x: undefined } as unknown as Json)).toThrow(FormatError);
    expect(() => canonicalize((() => 1) as unknown as Json)).toThrow(FormatError);
  });

  it('rejects absurd nesting depth with a typed error instead of a stack overflow', () => {
    const deep = JSON.parse('['.repeat(5000) + ']'.repeat(5000)) as Json;
    expect(() => canonicalize(deep)).toThrow(FormatError);
  });
});

describe('canonicalBytes', () => {
  it('encodes as UTF-8', () => {
    expect(Buffer.from(canonicalBytes({ k: 'é' })).toString('hex')).toBe(
      Buffer.from('{"k":"é"}', 'utf8').toString('hex'),
    );
  });

  it('rejects a lone surrogate instead of signing U+FFFD', () => {
    const value = JSON.parse('{"k":"\\ud800"}') as Json;
    expect(() => canonicalBytes(value)).toThrow(/lone surrogate/);
  });
});
