// Delegation path matching (TUF 4.6.1 `paths`, python-tuf DelegatedRole semantics) and TAP 15
// succinct hash bins. Patterns come from signed delegator metadata and target paths from the
// caller; the matcher is a compiled token list with O(pattern × path) worst case, so no
// pattern can make a lookup backtrack exponentially (a RegExp with several `*` could).

import { hashHex } from './hashes.js';

type Token =
  | { readonly kind: 'star' }
  | { readonly kind: 'any' }
  | { readonly kind: 'char'; readonly cp: number }
  | {
      readonly kind: 'set';
      readonly negated: boolean;
      readonly ranges: readonly (readonly [number, number])[];
    };

const STAR: Token = { kind: 'star' };
const ANY: Token = { kind: 'any' };
const MAX_CACHE = 4096;
const compiled = new Map<string, Token[][]>();

// Translates one fnmatch segment with python fnmatch.fnmatchcase rules: `*`, `?`, `[seq]`,
// `[!seq]` (a `]` first in the set is literal, `a-z` ranges, a reversed range matches nothing),
// an unclosed `[` is literal; everything else, backslash included, is literal.
function compileSegment(segment: string): Token[] {
  const cps = Array.from(segment, (ch) => ch.codePointAt(0) ?? 0);
  const tokens: Token[] = [];
  let i = 0;
  while (i < cps.length) {
    const c = cps[i++] as number;
    if (c === 0x2a /* * */) {
      if (tokens.at(-1) !== STAR) tokens.push(STAR);
    } else if (c === 0x3f /* ? */) {
      tokens.push(ANY);
    } else if (c === 0x5b /* [ */) {
      let j = i;
      if (cps[j] === 0x21 /* ! */) j++;
      if (cps[j] === 0x5d /* ] */) j++;
      while (j < cps.length && cps[j] !== 0x5d) j++;
      if (j >= cps.length) {
        tokens.push({ kind: 'char', cp: c });
        continue;
      }
      let k = i;
      const negated = cps[k] === 0x21;
      if (negated) k++;
      const ranges: [number, number][] = [];
      while (k < j) {
        const lo = cps[k] as number;
        if (cps[k + 1] === 0x2d /* - */ && k + 2 < j) {
          const hi = cps[k + 2] as number;
          if (lo <= hi) ranges.push([lo, hi]);
          k += 3;
        } else {
          ranges.push([lo, lo]);
          k++;
        }
      }
      tokens.push({ kind: 'set', negated, ranges });
      i = j + 1;
    } else {
      tokens.push({ kind: 'char', cp: c });
    }
  }
  return tokens;
}

function tokenMatches(token: Token, cp: number): boolean {
  switch (token.kind) {
    case 'any':
      return true;
    case 'char':
      return token.cp === cp;
    case 'set': {
      let inSet = false;
      for (const [lo, hi] of token.ranges) {
        if (cp >= lo && cp <= hi) {
          inSet = true;
          break;
        }
      }
      return inSet !== token.negated;
    }
    default:
      return false;
  }
}

// Classic wildcard matching: on mismatch, retry from the last `*` one code point further.
// Each `*` only ever resumes forward, giving O(tokens × code points).
function matchSegment(tokens: readonly Token[], text: readonly number[]): boolean {
  let t = 0;
  let p = 0;
  let starT = -1;
  let starP = 0;
  while (p < text.length) {
    const token = tokens[t];
    if (token !== undefined && token.kind === 'star') {
      starT = t++;
      starP = p;
    } else if (token !== undefined && tokenMatches(token, text[p] as number)) {
      t++;
      p++;
    } else if (starT >= 0) {
      t = starT + 1;
      p = ++starP;
    } else {
      return false;
    }
  }
  while (t < tokens.length && tokens[t]?.kind === 'star') t++;
  return t === tokens.length;
}

function compile(pattern: string): Token[][] {
  let hit = compiled.get(pattern);
  if (hit === undefined) {
    hit = pattern.split('/').map(compileSegment);
    if (compiled.size >= MAX_CACHE) compiled.clear();
    compiled.set(pattern, hit);
  }
  return hit;
}

/** True if `targetPath` matches `pattern` segment by segment (same number of `/` segments, fnmatchcase each). */
export function matchesPathPattern(pattern: string, targetPath: string): boolean {
  const segments = compile(pattern);
  const parts = targetPath.split('/');
  if (parts.length !== segments.length) return false;
  for (let i = 0; i < parts.length; i++) {
    const text = Array.from(parts[i] as string, (ch) => ch.codePointAt(0) ?? 0);
    if (!matchSegment(segments[i] as Token[], text)) return false;
  }
  return true;
}

/** TUF 5.7.3: the consistent-snapshot file name of a target, `<dir>/<hash>.<basename>`. */
export function hashPrefixedPath(targetPath: string, hash: string): string {
  const cut = targetPath.lastIndexOf('/');
  return `${targetPath.slice(0, cut + 1)}${hash}.${targetPath.slice(cut + 1)}`;
}

/** sha256 hex of a target path (UTF-8), as used by path_hash_prefixes and succinct bins. */
export function targetPathHash(targetPath: string): string {
  return hashHex('sha256', targetPath);
}

/** TAP 15: the bin number is the first `bitLength` bits of the path's sha256. */
export function succinctBinIndex(pathHashHex: string, bitLength: number): number {
  const first32 = Number.parseInt(pathHashHex.slice(0, 8), 16);
  return first32 >>> (32 - bitLength);
}

/** TAP 15: `<prefix>-<index as lowercase hex, zero-padded to ceil(bitLength / 4) digits>`. */
export function succinctBinName(namePrefix: string, index: number, bitLength: number): string {
  return `${namePrefix}-${index.toString(16).padStart(Math.ceil(bitLength / 4), '0')}`;
}

/** The succinct bin name responsible for a target whose path hashes to `pathHashHex`. */
export function succinctBinNameForHash(
  namePrefix: string,
  pathHashHex: string,
  bitLength: number,
): string {
  return succinctBinName(namePrefix, succinctBinIndex(pathHashHex, bitLength), bitLength);
}
