// Names from git and from signed metadata end up in messages that terminals and CI logs read,
// where a newline followed by "::" is a GitHub Actions command, ESC starts a terminal escape and
// bidi overrides reorder what a reader sees. Such characters are shown as \uXXXX, never raw.

// C0, DEL, C1, LRM/RLM, line/paragraph separators, bidi embeddings, overrides and isolates.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028-\u202e\u2066-\u2069]/;
// eslint-disable-next-line no-control-regex
const UNSAFE_ALL = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;

function escapeChar(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** `text` with every control, separator and bidi character written as \uXXXX: one inert line. */
export function inertText(text: string): string {
  return UNSAFE.test(text) ? text.replace(UNSAFE_ALL, escapeChar) : text;
}

/** A name for a message: as is when plain, else JSON-quoted with no raw control characters. */
export function displayName(name: string): string {
  return UNSAFE.test(name) ? JSON.stringify(name).replace(UNSAFE_ALL, escapeChar) : name;
}
