// Names from git and from signed metadata end up in messages that terminals and CI logs read,
// where a newline followed by "::" is a GitHub Actions command, ESC starts a terminal escape and
// bidi overrides reorder what a reader sees. Such characters are shown as \uXXXX, never raw.

// DEL, C1, LRM/RLM, line/paragraph separators, bidi embeddings, overrides and isolates.
const INVISIBLE = '\\u007f-\\u009f\\u200e\\u200f\\u2028-\\u202e\\u2066-\\u2069';
// The same plus C0 (newline, ESC, ...).
const UNSAFE = new RegExp(`[\\u0000-\\u001f${INVISIBLE}]`);
const UNSAFE_ALL = new RegExp(UNSAFE.source, 'g');
// JSON.stringify escapes C0 inside strings (and its own newlines are structure), but leaves these raw.
const JSON_UNSAFE_ALL = new RegExp(`[${INVISIBLE}]`, 'g');

function escapeChar(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** `text` with every control, separator and bidi character written as \uXXXX: one inert line. */
export function inertText(text: string): string {
  return UNSAFE.test(text) ? text.replace(UNSAFE_ALL, escapeChar) : text;
}

/** JSON text with the characters JSON.stringify leaves raw written as \uXXXX (still the same JSON value). */
export function inertJson(json: string): string {
  return json.replace(JSON_UNSAFE_ALL, escapeChar);
}

/** A name for a message: as is when plain, else JSON-quoted with no raw control characters. */
export function displayName(name: string): string {
  return UNSAFE.test(name) ? JSON.stringify(name).replace(UNSAFE_ALL, escapeChar) : name;
}
