// OLPC canonical JSON, byte-compatible with securesystemslib's encode_canonical: object keys
// sorted by Unicode code point, strings escape only `"` and `\`, integers only, no whitespace.
// Signatures in TUF are made over these bytes, so any divergence breaks verification.

import { FormatError } from './errors.js';
import type { Json } from './model.js';

// Attacker-controlled `custom` fields can nest arbitrarily; bound recursion so a deep document
// is a typed error, not a stack overflow.
const MAX_DEPTH = 512;
const NEEDS_ESCAPE = /["\\]/;
const ESCAPES = /["\\]/g;
// Any UTF-16 surrogate unit: only then can code-point order differ from code-unit order.
const SURROGATE = /[\uD800-\uDFFF]/;
const encoder = new TextEncoder();

/** Returns the canonical JSON text of `value`; throws FormatError for floats, unsafe integers, non-JSON values. */
export function canonicalize(value: Json): string {
  const out = { text: '' };
  encodeValue(value, 0, out);
  return out.text;
}

/** Returns the UTF-8 bytes of the canonical JSON of `value`; rejects lone surrogates (not encodable). */
export function canonicalBytes(value: Json): Uint8Array {
  const text = canonicalize(value);
  // TextEncoder would silently replace a lone surrogate with U+FFFD, so two different documents
  // could share signed bytes; python's encoder refuses them, and so do we.
  if (!(text as unknown as { isWellFormed(): boolean }).isWellFormed()) {
    throw new FormatError(
      'unsupported-canonical-value',
      'canonical JSON: expected well-formed Unicode, got a lone surrogate',
    );
  }
  return encoder.encode(text);
}

function encodeString(s: string): string {
  return NEEDS_ESCAPE.test(s) ? `"${s.replace(ESCAPES, '\\$&')}"` : `"${s}"`;
}

// Code-point order (python's str ordering). Only used when some key contains a surrogate.
function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // A surrogate unit starts an astral code point, which sorts after every BMP code point,
    // including U+E000..U+FFFF that UTF-16 unit order would put after it.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

/** Own keys of `obj` sorted by Unicode code point (python's str order). */
export function sortedKeys(obj: { [key: string]: Json }): string[] {
  const keys = Object.keys(obj);
  let astral = false;
  for (const k of keys) {
    if (SURROGATE.test(k)) {
      astral = true;
      break;
    }
  }
  return astral ? keys.sort(compareCodePoints) : keys.sort();
}

// Appends to one accumulator rather than returning strings per node: a single growing string
// is markedly cheaper than joining millions of small ones for a multi-megabyte document.
function encodeValue(value: Json, depth: number, out: { text: string }): void {
  switch (typeof value) {
    case 'string':
      out.text += encodeString(value);
      return;
    case 'number':
      if (!Number.isSafeInteger(value)) {
        throw new FormatError(
          'unsupported-canonical-value',
          `canonical JSON: expected a safe integer, got ${String(value)}`,
        );
      }
      // -0 prints as "0", as python's int does.
      out.text += String(value);
      return;
    case 'boolean':
      out.text += value ? 'true' : 'false';
      return;
    case 'object': {
      if (value === null) {
        out.text += 'null';
        return;
      }
      if (depth >= MAX_DEPTH) {
        throw new FormatError(
          'unsupported-canonical-value',
          `canonical JSON: expected nesting depth <= ${MAX_DEPTH}, got deeper`,
        );
      }
      if (Array.isArray(value)) {
        out.text += '[';
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out.text += ',';
          encodeValue(value[i] as Json, depth + 1, out);
        }
        out.text += ']';
        return;
      }
      out.text += '{';
      const keys = sortedKeys(value);
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i] as string;
        const v = value[key];
        if (v === undefined) {
          throw new FormatError(
            'unsupported-canonical-value',
            `canonical JSON: expected a JSON value at "${key}", got undefined`,
          );
        }
        if (i > 0) out.text += ',';
        out.text += encodeString(key) + ':';
        encodeValue(v, depth + 1, out);
      }
      out.text += '}';
      return;
    }
    default:
      throw new FormatError(
        'unsupported-canonical-value',
        `canonical JSON: expected a JSON value, got ${typeof value}`,
      );
  }
}
