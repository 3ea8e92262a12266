// Maps an HTTP request target to a path inside the served tree, or refuses it. Security
// invariant of `pg-mirror serve`: nothing outside the tree is ever read. This is the lexical
// half (the file system half, realpath + containment, is in http-file-cache.ts).

/** A request path that is safe to join under the root: no "", ".", ".." segments, no NUL or "\". */
export interface SafePath {
  /** Relative path with "/" separators, "" for the root directory. */
  rel: string;
  /** The target ended in "/": serve `index.html` of that directory. */
  directory: boolean;
}

export interface RefusedPath {
  refused: 400 | 404;
  reason: string;
}

// NUL, other control characters and backslashes never name a file we serve; a backslash is a
// separator on Windows and in some proxies, so "/a\..\secret" could climb.
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u001f\u007f\\]/;

function refuse(reason: string): RefusedPath {
  return { refused: 400, reason };
}

/** Decodes the path of `target` once and accepts it only if every segment is a plain name. */
export function toSafePath(target: string): SafePath | RefusedPath {
  // Only origin-form ("/path"): absolute-form ("http://x/etc/passwd"), authority-form and "*"
  // are refused, and "//x" is refused below as an empty segment.
  if (target.charCodeAt(0) !== 47 /* / */) return refuse('request target: expected /path');
  let end = target.length;
  const q = target.indexOf('?');
  if (q !== -1) end = q;
  const hash = target.indexOf('#');
  if (hash !== -1 && hash < end) end = hash;
  const raw = target.slice(0, end);
  // Checked before decoding too, so a raw "\" or ".." never depends on the decoder.
  if (FORBIDDEN.test(raw)) return refuse('request path: expected no control characters or "\\"');
  let decoded: string;
  try {
    decoded = raw.includes('%') ? decodeURIComponent(raw) : raw;
  } catch {
    return refuse('request path: expected valid percent-encoding');
  }
  // Checked again after decoding: "%00", "%5c", "%2e%2e" and "..%2f" are caught here.
  if (FORBIDDEN.test(decoded))
    return refuse('request path: expected no control characters or "\\"');
  const directory = decoded.endsWith('/');
  const body = decoded.slice(1, directory ? -1 : undefined);
  if (body === '')
    return directory ? { rel: '', directory } : refuse('request path: expected a name');
  for (const segment of body.split('/')) {
    if (segment === '' || segment === '.' || segment === '..') {
      return refuse('request path: expected plain segments, got "", "." or ".."');
    }
    // Hidden files (the builder's .pg-mirror/ state and lock) are never served: as if absent.
    if (segment.startsWith('.'))
      return { refused: 404, reason: 'request path: hidden files are not served' };
  }
  return { rel: body, directory };
}
