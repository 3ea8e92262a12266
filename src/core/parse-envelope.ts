// Parses the metadata envelope (TUF 4.2: `{"signed": {...}, "signatures": [...]}`) and the
// fields every role shares. The exact input bytes are kept; canonical bytes of `signed` are
// computed on first use only, since a cached document may never need re-verification.

import { canonicalBytes } from './canonical.js';
import { parseTufDate } from './dates.js';
import { FormatError, TrustError } from './errors.js';
import type { Envelope, JsonObject, RoleType, Signature, Signed } from './model.js';
import { describe, isObject, requireArray, requireInt, requireString } from './parse-fields.js';

// fatal: invalid UTF-8 is an error, not U+FFFD. ignoreBOM keeps a BOM in the text, where
// JSON.parse rejects it, as python's json.loads does.
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const SPEC_MAJOR = '1';

export interface Common {
  readonly specVersion: string;
  readonly version: number;
  readonly expires: string;
  readonly expiresMs: number;
  readonly json: JsonObject;
}

/** Decodes UTF-8 JSON; throws FormatError('invalid-json') for anything that is not. */
export function decodeJson(subject: string, bytes: Uint8Array): unknown {
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch (err) {
    throw new FormatError('invalid-json', `${subject}: expected UTF-8 JSON, got invalid UTF-8`, {
      cause: err,
    });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new FormatError(
      'invalid-json',
      `${subject}: expected JSON, got unparseable text (${(err as Error).message})`,
      { cause: err },
    );
  }
}

function parseSignatures(
  list: unknown[],
  subject: string,
): { signatures: Signature[]; byKeyid: Map<string, Signature> } {
  const signatures: Signature[] = [];
  const byKeyid = new Map<string, Signature>();
  for (let i = 0; i < list.length; i++) {
    const item = list[i];
    const at = `${subject}.signatures[${i}]`;
    if (!isObject(item))
      throw new FormatError('invalid-type', `${at}: expected an object, got ${describe(item)}`);
    const keyid = requireString(item, 'keyid', at);
    const sig = requireString(item, 'sig', at);
    // Two signatures under one keyid would be ambiguous: which one counts? python-tuf rejects.
    if (byKeyid.has(keyid))
      throw new FormatError(
        'duplicate-signature',
        `${at}: expected one signature per keyid, got a second for ${keyid}`,
      );
    const entry: Signature = { keyid, sig };
    signatures.push(entry);
    byKeyid.set(keyid, entry);
  }
  return { signatures, byKeyid };
}

function parseSpecVersion(signed: JsonObject, subject: string): string {
  const spec = requireString(signed, 'spec_version', subject);
  const parts = spec.split('.');
  const ok = (parts.length === 2 || parts.length === 3) && parts.every((p) => /^[0-9]+$/.test(p));
  if (!ok || parts[0] !== SPEC_MAJOR) {
    throw new FormatError(
      'invalid-value',
      `${subject}.spec_version: expected ${SPEC_MAJOR}.x or ${SPEC_MAJOR}.x.y, got ${describe(spec)}`,
    );
  }
  return spec;
}

/** Parses the envelope and the common signed fields; checks `_type` (TUF 5.3.x "wrong type"). */
export function parseEnvelopeCommon(
  bytes: Uint8Array,
  expected: RoleType,
  subject: string,
): { common: Common; signatures: Signature[]; byKeyid: Map<string, Signature> } {
  const doc = decodeJson(subject, bytes);
  if (!isObject(doc))
    throw new FormatError(
      'invalid-type',
      `${subject}: expected a JSON object, got ${describe(doc)}`,
    );
  const signed = doc['signed'];
  if (!isObject(signed)) {
    throw new FormatError(
      signed === undefined ? 'missing-field' : 'invalid-type',
      `${subject}.signed: expected an object, got ${describe(signed)}`,
    );
  }
  const type = requireString(signed, '_type', subject);
  if (type !== expected)
    throw new TrustError(
      'wrong-type',
      `${subject}: expected _type "${expected}", got ${describe(type)}`,
    );
  const { signatures, byKeyid } = parseSignatures(
    requireArray(doc, 'signatures', subject),
    subject,
  );
  const specVersion = parseSpecVersion(signed, subject);
  const version = requireInt(signed, 'version', subject, 1);
  const expires = parseTufDate(`${subject}.expires`, signed['expires']);
  return {
    common: { specVersion, version, expires: expires.iso, expiresMs: expires.ms, json: signed },
    signatures,
    byKeyid,
  };
}

/** Assembles an Envelope; `raw` is the caller's buffer (not copied: callers must not reuse it). */
export function makeEnvelope<T extends Signed>(
  signed: T,
  signatures: Signature[],
  byKeyid: Map<string, Signature>,
  raw: Uint8Array,
): Envelope<T> {
  let canonical: Uint8Array | undefined;
  return {
    signed,
    signatures,
    signaturesByKeyid: byKeyid,
    raw,
    canonicalSigned(): Uint8Array {
      canonical ??= canonicalBytes(signed.json);
      return canonical;
    },
  };
}
