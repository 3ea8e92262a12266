// Field readers shared by the metadata parsers. Input is attacker-controlled JSON: every reader
// checks type and range and throws a FormatError naming the field (`<subject>.<field>`). Error
// subjects are only built when throwing, so the happy path stays cheap at 16k entries.

import { checkHashesShape } from './hashes.js';
import { FormatError } from './errors.js';
import type { Json, JsonObject } from './model.js';
import { describe } from './describe-value.js';

export { describe };

/** True for a JSON object (not null, not an array). */
export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function typeError(subject: string, field: string, want: string, got: unknown): FormatError {
  return new FormatError(
    got === undefined ? 'missing-field' : 'invalid-type',
    `${subject}.${field}: expected ${want}, got ${describe(got)}`,
  );
}

/** `obj[field]` as an object; missing-field or invalid-type otherwise. */
export function requireObject(obj: JsonObject, field: string, subject: string): JsonObject {
  const v = obj[field];
  if (!isObject(v)) throw typeError(subject, field, 'an object', v);
  return v;
}

/** `obj[field]` as an object, or undefined when absent; invalid-type otherwise. */
export function optionalObject(
  obj: JsonObject,
  field: string,
  subject: string,
): JsonObject | undefined {
  const v = obj[field];
  if (v === undefined) return undefined;
  if (!isObject(v)) throw typeError(subject, field, 'an object', v);
  return v;
}

/** `obj[field]` as an array; missing-field or invalid-type otherwise. */
export function requireArray(obj: JsonObject, field: string, subject: string): Json[] {
  const v = obj[field];
  if (!Array.isArray(v)) throw typeError(subject, field, 'an array', v);
  return v;
}

/** `obj[field]` as a string; missing-field or invalid-type otherwise. */
export function requireString(obj: JsonObject, field: string, subject: string): string {
  const v = obj[field];
  if (typeof v !== 'string') throw typeError(subject, field, 'a string', v);
  return v;
}

/** `obj[field]` as a boolean; missing-field or invalid-type otherwise. */
export function requireBoolean(obj: JsonObject, field: string, subject: string): boolean {
  const v = obj[field];
  if (typeof v !== 'boolean') throw typeError(subject, field, 'a boolean', v);
  return v;
}

/** A safe integer in [min, max]; JSON like 1e400, 1.5, -1 or 2^60 is 'invalid-number'. */
export function requireInt(
  obj: JsonObject,
  field: string,
  subject: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const v = obj[field];
  if (typeof v !== 'number') throw typeError(subject, field, 'an integer', v);
  if (!Number.isSafeInteger(v) || v < min || v > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in ${min}..${max}`;
    throw new FormatError(
      'invalid-number',
      `${subject}.${field}: expected a safe integer ${range}, got ${String(v)}`,
    );
  }
  return v;
}

/** Role keyids (TUF 4.3): strings, deduplicated in first-seen order so a repeat counts once. */
export function requireKeyids(obj: JsonObject, subject: string): string[] {
  const list = requireArray(obj, 'keyids', subject);
  // Parsing happens before any signature check, so a MITM controls this list: stay linear.
  const seen = new Set<string>();
  for (let i = 0; i < list.length; i++) {
    const id = list[i];
    if (typeof id !== 'string') throw typeError(subject, `keyids[${i}]`, 'a string', id);
    seen.add(id);
  }
  return seen.size === list.length ? (list as string[]) : [...seen];
}

/** A `hashes` object: non-empty, hex values (checkHashesShape). */
export function requireHashes(obj: JsonObject, subject: string): Record<string, string> {
  const hashes = requireObject(obj, 'hashes', subject);
  // A "__proto__" entry would vanish when copied into a plain object, leaving a hashes map
  // that passed the non-empty check but verifies nothing.
  if (Object.hasOwn(hashes, '__proto__')) {
    throw new FormatError(
      'invalid-value',
      `${subject}.hashes: expected hash algorithm names, got "__proto__"`,
    );
  }
  return checkHashesShape(`${subject}.hashes`, hashes);
}

/** Quotes a map key for an error subject: `meta["bin-0a.json"]`. */
export function keyed(subject: string, field: string, key: string): string {
  return `${subject}.${field}[${JSON.stringify(key)}]`;
}
