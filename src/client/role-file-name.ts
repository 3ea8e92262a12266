import { createHash } from 'node:crypto';
import { StorageError } from '../core/index.js';

// Role names and target paths come from signed-but-attacker-influenced metadata. They only
// ever reach the file system through these two functions, which map every string to ONE
// file name directly inside its directory (no separators, never `.`, `..` or empty) and are
// injective: the escape character `%` is itself always escaped, so decoding is unambiguous.

/** Longest encoded name kept verbatim; longer ones are truncated and suffixed with a digest. */
const MAX_ENCODED = 200;
/** Truncated names keep this much of the encoding, so they are always longer than MAX_ENCODED. */
const TRUNCATED_PREFIX = 160;

const HEX = '0123456789ABCDEF';
const TOP_LEVEL_FILES = new Set(['root', 'timestamp', 'snapshot', 'targets']);

/** `encodeURIComponent`'s unreserved set minus `*`: A-Z a-z 0-9 - _ . ! ~ ' ( ) */
const ROLE_SAFE = safeTable("-_.!~'()");
/** The stricter set for target paths: A-Z a-z 0-9 _ . - ~ */
const TARGET_SAFE = safeTable('_.-~');

function safeTable(extra: string): Uint8Array {
  const table = new Uint8Array(128);
  for (let c = 0; c < 128; c++) {
    const ch = String.fromCharCode(c);
    if (/[A-Za-z0-9]/.test(ch) || extra.includes(ch)) table[c] = 1;
  }
  return table;
}

function pushByte(out: string[], byte: number): void {
  out.push('%', HEX.charAt(byte >> 4), HEX.charAt(byte & 15));
}

// Percent-encodes every code unit outside `safe` as UTF-8 bytes. Lone surrogates (legal in
// JSON strings) are encoded as their 3-byte WTF-8 form instead of being replaced by U+FFFD,
// which would make two different names collide.
function percentEncode(value: string, safe: Uint8Array): string {
  const out: string[] = [];
  let run = 0; // start of the current run of safe characters
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    if (unit < 128 && safe[unit] === 1) continue;
    if (run < i) out.push(value.slice(run, i));
    let cp = unit;
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < value.length) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        cp = 0x10000 + ((unit - 0xd800) << 10) + (next - 0xdc00);
        i++;
      }
    }
    if (cp < 0x80) {
      pushByte(out, cp);
    } else if (cp < 0x800) {
      pushByte(out, 0xc0 | (cp >> 6));
      pushByte(out, 0x80 | (cp & 63));
    } else if (cp < 0x10000) {
      pushByte(out, 0xe0 | (cp >> 12));
      pushByte(out, 0x80 | ((cp >> 6) & 63));
      pushByte(out, 0x80 | (cp & 63));
    } else {
      pushByte(out, 0xf0 | (cp >> 18));
      pushByte(out, 0x80 | ((cp >> 12) & 63));
      pushByte(out, 0x80 | ((cp >> 6) & 63));
      pushByte(out, 0x80 | (cp & 63));
    }
    run = i + 1;
  }
  if (run === 0) return value;
  if (run < value.length) out.push(value.slice(run));
  return out.join('');
}

// Encoded names longer than MAX_ENCODED become `<prefix>.<sha256 of the full encoding>`, which
// is always longer than MAX_ENCODED, so it cannot equal any verbatim name; two truncated names
// collide only if sha256 does. The digest covers the (ASCII, injective) encoding, not the raw
// string, so lone surrogates cannot collide through UTF-8 replacement.
function bounded(encoded: string): string {
  if (encoded.length <= MAX_ENCODED) return encoded;
  let cut = TRUNCATED_PREFIX;
  // Do not split a %XX escape, purely so the prefix stays readable.
  const lastPercent = encoded.lastIndexOf('%', cut - 1);
  if (lastPercent > cut - 3) cut = lastPercent;
  return `${encoded.slice(0, cut)}.${createHash('sha256').update(encoded).digest('hex')}`;
}

/** Maps a role name to one file name `<encoded>.json` directly inside a metadata directory; injective. */
export function roleFileName(role: string): string {
  let encoded: string;
  if (role === '.') encoded = '%2E';
  else if (role === '..') encoded = '%2E%2E';
  else encoded = percentEncode(role, ROLE_SAFE);
  // On case-insensitive file systems "Root" would replace root.json: escape the first letter.
  if (TOP_LEVEL_FILES.has(encoded.toLowerCase()) && !TOP_LEVEL_FILES.has(encoded)) {
    encoded = `%${encoded.charCodeAt(0).toString(16).toUpperCase()}${encoded.slice(1)}`;
  }
  return `${bounded(encoded)}.json`;
}

/** Maps a target path to one flat file name (never hidden, `.`, `..` or empty); injective. */
export function targetFileName(targetPath: string): string {
  if (targetPath.length === 0) {
    throw new StorageError('unsafe-path', 'target path: expected a non-empty path, got ""');
  }
  let encoded = percentEncode(targetPath, TARGET_SAFE);
  // A leading dot is escaped too: that rules out `.` and `..`, keeps stored targets visible,
  // and keeps them disjoint from the `.<name>.<random>.tmp` files of atomic writes.
  if (encoded.startsWith('.')) encoded = `%2E${encoded.slice(1)}`;
  return bounded(encoded);
}
