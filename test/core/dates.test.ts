import { describe, expect, it } from 'vitest';
import { FormatError, parseTufDate } from '../../src/core/index.js';
import { codeOf } from './helpers.js';

describe('parseTufDate', () => {
  it('parses YYYY-MM-DDTHH:MM:SSZ to epoch milliseconds and keeps the string', () => {
    expect(parseTufDate('x', '2030-01-01T00:00:00Z')).toEqual({
      iso: '2030-01-01T00:00:00Z',
      ms: Date.UTC(2030, 0, 1),
    });
  });

  it('accepts fractional seconds, truncating to milliseconds', () => {
    expect(parseTufDate('x', '2024-02-29T23:59:59.123456Z').ms).toBe(
      Date.UTC(2024, 1, 29, 23, 59, 59, 123),
    );
    expect(parseTufDate('x', '2024-02-29T23:59:59.5Z').ms).toBe(
      Date.UTC(2024, 1, 29, 23, 59, 59, 500),
    );
  });

  it('handles years before 100 without the Date.UTC 1900 offset', () => {
    expect(new Date(parseTufDate('x', '0050-06-01T00:00:00Z').ms).getUTCFullYear()).toBe(50);
  });

  it.each([
    ['an impossible day', '2026-02-30T00:00:00Z'],
    ['Feb 29 in a non-leap year', '2100-02-29T00:00:00Z'],
    ['month 13', '2026-13-01T00:00:00Z'],
    ['hour 24', '2026-01-01T24:00:00Z'],
    ['a leap second', '2026-01-01T23:59:60Z'],
    ['year 0', '0000-01-01T00:00:00Z'],
    ['a numeric offset', '2026-01-01T00:00:00+00:00'],
    ['no zone', '2026-01-01T00:00:00'],
    ['lowercase z', '2026-01-01T00:00:00z'],
    ['a space separator', '2026-01-01 00:00:00Z'],
    ['a date only', '2026-01-01'],
    ['an empty fraction', '2026-01-01T00:00:00.Z'],
    ['trailing text', '2026-01-01T00:00:00Zjunk'],
    ['a trailing newline', '2026-01-01T00:00:00Z\n'],
    ['non-ASCII digits', '２０２６-01-01T00:00:00Z'],
  ])('rejects %s', (_name, value) => {
    expect(codeOf(() => parseTufDate('root.expires', value), FormatError)).toBe('invalid-date');
  });

  it('rejects non-strings with invalid-type and absence with missing-field', () => {
    expect(codeOf(() => parseTufDate('x', 1893456000), FormatError)).toBe('invalid-type');
    expect(codeOf(() => parseTufDate('x', undefined), FormatError)).toBe('missing-field');
  });
});
