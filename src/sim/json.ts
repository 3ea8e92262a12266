// Small helpers for editing metadata JSON in place. Tests mutate the simulator's `signed`
// objects freely, so every accessor checks the shape it needs and fails with a UsageError
// that names the field, instead of a TypeError deep inside the simulator.

import { UsageError, type Json, type JsonObject } from '../core/index.js';

export const SPEC_VERSION = '1.0.31';

/** True for a plain JSON object (not null, not an array). */
export function isJsonObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Returns `obj[key]` as an object; creates it when `create` is set and it is absent. */
export function objectField(
  subject: string,
  obj: JsonObject,
  key: string,
  create = false,
): JsonObject {
  const value = obj[key];
  if (value === undefined && create) {
    const fresh: JsonObject = {};
    obj[key] = fresh;
    return fresh;
  }
  if (!isJsonObject(value))
    throw new UsageError(
      'invalid-argument',
      `${subject}.${key}: expected an object, got ${describe(value)}`,
    );
  return value;
}

/** Returns `obj[key]` as an array (creating it when `create` is set and it is absent). */
export function arrayField(subject: string, obj: JsonObject, key: string, create = false): Json[] {
  const value = obj[key];
  if (value === undefined && create) {
    const fresh: Json[] = [];
    obj[key] = fresh;
    return fresh;
  }
  if (!Array.isArray(value))
    throw new UsageError(
      'invalid-argument',
      `${subject}.${key}: expected an array, got ${describe(value)}`,
    );
  return value;
}

/** Returns `obj[key]` as a number. */
export function numberField(subject: string, obj: JsonObject, key: string): number {
  const value = obj[key];
  if (typeof value !== 'number')
    throw new UsageError(
      'invalid-argument',
      `${subject}.${key}: expected a number, got ${describe(value)}`,
    );
  return value;
}

/** Returns `obj[key]` as a string. */
export function stringField(subject: string, obj: JsonObject, key: string): string {
  const value = obj[key];
  if (typeof value !== 'string')
    throw new UsageError(
      'invalid-argument',
      `${subject}.${key}: expected a string, got ${describe(value)}`,
    );
  return value;
}

/** Formats a date the way TUF metadata writes it: `YYYY-MM-DDTHH:MM:SSZ` (no fraction). */
export function toTufDate(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** `now` plus a (possibly negative, possibly fractional) number of days, as a TUF date. */
export function daysFrom(now: Date, days: number): string {
  return toTufDate(new Date(now.getTime() + Math.round(days * 86_400_000)));
}

function describe(value: Json | undefined): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
