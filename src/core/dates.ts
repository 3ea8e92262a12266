// TUF timestamps (TUF 4.2 `expires`): `YYYY-MM-DDTHH:MM:SSZ`, optionally with fractional
// seconds. Anything else, including impossible calendar dates, is a format error.

import { FormatError } from './errors.js';

const TUF_DATE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z$/;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Parses a TUF date; returns the string as received and its epoch milliseconds (fraction truncated to ms). */
export function parseTufDate(subject: string, value: unknown): { iso: string; ms: number } {
  if (typeof value !== 'string') {
    throw new FormatError(
      value === undefined ? 'missing-field' : 'invalid-type',
      `${subject}: expected a date string, got ${value === null ? 'null' : typeof value}`,
    );
  }
  const m = TUF_DATE.exec(value);
  const fail = (): FormatError =>
    new FormatError(
      'invalid-date',
      `${subject}: expected a date like 2030-01-01T00:00:00Z, got ${JSON.stringify(value.slice(0, 40))}`,
    );
  if (m === null) throw fail();
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  // Leap seconds (60) are rejected, as python's datetime does.
  if (
    year < 1 ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > daysInMonth(year, month) ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    throw fail();
  }
  const date = new Date(0);
  // setUTCFullYear, not Date.UTC: Date.UTC maps years 0..99 to 1900..1999.
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, Number((m[7] ?? '').padEnd(3, '0').slice(0, 3)));
  return { iso: value, ms: date.getTime() };
}
