// Validators, conditional requests and byte ranges for the static server (RFC 9110 §8.8,
// §13, §14). Pure functions over request headers and a file's size and validators.
import type { IncomingHttpHeaders } from 'node:http';

export interface Validators {
  /** Strong entity tag, quoted. */
  etag: string;
  /** IMF-fixdate of the modification time. */
  lastModified: string;
  /** Modification time in whole seconds (HTTP dates have no sub-second part). */
  mtimeSec: number;
}

/** Derives strong validators from file identity: inode, size and mtime in nanoseconds. */
export function toValidators(ino: bigint, size: bigint, mtimeNs: bigint): Validators {
  const mtimeMs = Number(mtimeNs / 1_000_000n);
  return {
    // The same bytes under a rename-based atomic write get a new inode, hence a new tag.
    etag: `"${ino.toString(36)}-${size.toString(36)}-${mtimeNs.toString(36)}"`,
    lastModified: new Date(mtimeMs).toUTCString(),
    mtimeSec: Math.floor(mtimeMs / 1000),
  };
}

function etagListMatches(list: string, etag: string): boolean {
  if (list.trim() === '*') return true;
  // Weak comparison (RFC 9110 §8.8.3.2) for If-None-Match: W/ prefixes are ignored.
  for (const item of list.split(',')) {
    const tag = item.trim();
    if ((tag.startsWith('W/') ? tag.slice(2) : tag) === etag) return true;
  }
  return false;
}

/** RFC 9110 §13.2.2: true when a GET/HEAD should be answered 304 Not Modified. */
export function isNotModified(headers: IncomingHttpHeaders, v: Validators): boolean {
  const inm = headers['if-none-match'];
  if (inm !== undefined) return etagListMatches(inm, v.etag);
  // If-Modified-Since is only evaluated without If-None-Match.
  const ims = headers['if-modified-since'];
  if (ims === undefined) return false;
  const since = Date.parse(ims);
  return Number.isFinite(since) && v.mtimeSec * 1000 <= since;
}

export type RangeChoice =
  { kind: 'full' } | { kind: 'partial'; start: number; end: number } | { kind: 'unsatisfiable' };

const FULL: RangeChoice = { kind: 'full' };
const UNSATISFIABLE: RangeChoice = { kind: 'unsatisfiable' };
const RANGE_SPEC = /^(\d*)-(\d*)$/;

/** RFC 9110 §14.2: picks what a GET with `Range` (and `If-Range`) gets for a file of `size` bytes. */
export function chooseRange(
  headers: IncomingHttpHeaders,
  size: number,
  v: Validators,
): RangeChoice {
  const range = headers.range;
  if (range === undefined) return FULL;
  // §13.1.5: a strong ETag must match exactly; a weak tag never does; a date must equal ours.
  const ifRange = headers['if-range'];
  if (ifRange !== undefined) {
    const tag = typeof ifRange === 'string' ? ifRange.trim() : '';
    if (tag !== v.etag && tag !== v.lastModified) return FULL;
  }
  const eq = range.indexOf('=');
  if (eq === -1 || range.slice(0, eq).trim().toLowerCase() !== 'bytes') return FULL;
  const specs = range
    .slice(eq + 1)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  // One range only: a multipart/byteranges answer is optional and the full body is allowed.
  if (specs.length !== 1) return FULL;
  const m = RANGE_SPEC.exec(specs[0] ?? '');
  if (!m) return FULL; // syntactically invalid: ignored
  const [, first = '', last = ''] = m;
  if (first === '' && last === '') return FULL;
  if (first === '') {
    // Suffix range "-n": the last n bytes.
    const n = Number(last);
    if (n === 0 || size === 0) return UNSATISFIABLE;
    return { kind: 'partial', start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(first);
  if (last !== '' && Number(last) < start) return FULL; // invalid range-spec: ignored
  if (start >= size) return UNSATISFIABLE;
  const end = last === '' ? size - 1 : Number(last);
  return { kind: 'partial', start, end: Math.min(end, size - 1) };
}
