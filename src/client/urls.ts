// URL building for metadata and targets. Role names are attacker-influenced (delegated names
// come from metadata), so they are always percent-encoded into a single path segment.

import { hashPrefixedPath, type TargetFile } from '../core/index.js';

/** Percent-encodes everything but A-Za-z0-9 and `_.-~` (Python's `quote(s, safe="")`). */
export function quoteSegment(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** Base URLs always end in `/`, so file names are appended, never resolved against a parent. */
export function withTrailingSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

/** TUF 5.3.3 / 5.5.1 / 5.6.1: `<base><version>.<role>.json`, or `<base><role>.json` when unversioned. */
export function metadataUrl(base: string, role: string, version: number | undefined): string {
  const name = `${quoteSegment(role)}.json`;
  return version === undefined ? `${base}${name}` : `${base}${version}.${name}`;
}

/** TUF 5.7.3: with consistent snapshots the artifact is fetched as `<dir>/<hash>.<basename>`. */
export function targetUrl(base: string, target: TargetFile, consistentSnapshot: boolean): string {
  if (!consistentSnapshot) return `${base}${target.path}`;
  const hash = target.hashes['sha256'] ?? Object.values(target.hashes)[0] ?? '';
  return `${base}${hashPrefixedPath(target.path, hash)}`;
}
