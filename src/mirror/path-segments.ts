// The one rule for names that become files of the published tree (target paths from git and
// from signed metadata, role names, every planned output path): each `/`-separated segment must
// be one plain file name on every static host. Attacker-controlled names never climb out of the
// output directory ("..", "\"), never vanish (".", ""), never carry terminal controls, and never
// exceed one file name (255 bytes on ext4, APFS and NTFS alike).
import { displayName } from './display.js';

/** What a name must be, for `<subject>: expected X, got Y` messages. */
export const PLAIN_PATH =
  'a path of plain segments (no "", ".", "..", "\\", control characters or names over 255 bytes)';

/** What a target path must be (its directories are published as they are named). */
export const PLAIN_TARGET_PATH =
  'a path of plain segments (no "", ".", "..", "\\", control characters, names over 255 bytes or directories starting with ".")';

/** Most UTF-8 bytes of one file name. */
const MAX_SEGMENT_BYTES = 255;

/** Why `segment` cannot be one file name, or undefined when it can. `/` is refused here too. */
export function segmentFlaw(segment: string): string | undefined {
  if (segment === '' || segment === '.' || segment === '..')
    return `segment ${JSON.stringify(segment)}`;
  for (let i = 0; i < segment.length; i++) {
    const c = segment.charCodeAt(i);
    // C0, DEL and C1 controls; "\" is a separator on Windows and in some proxies.
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x5c || c === 0x2f)
      return `segment ${displayName(segment)}`;
  }
  // A UTF-16 unit is at most 3 UTF-8 bytes: only long segments need counting.
  if (segment.length * 3 > MAX_SEGMENT_BYTES) {
    const bytes = Buffer.byteLength(segment, 'utf8');
    if (bytes > MAX_SEGMENT_BYTES) return `a segment of ${bytes} bytes`;
  }
  return undefined;
}

/**
 * Why `path` cannot be laid out as files under one directory, or undefined when it can.
 * `hiddenDirs: false` also refuses directory segments starting with "." (static hosts and
 * `pg-mirror serve` answer 404 for them, so a client could never fetch what is under them).
 */
export function pathFlaw(path: string, options: { hiddenDirs: boolean }): string | undefined {
  let start = 0;
  for (;;) {
    const end = path.indexOf('/', start);
    const segment = path.slice(start, end === -1 ? undefined : end);
    const flaw = segmentFlaw(segment);
    if (flaw !== undefined) return flaw;
    if (end === -1) return undefined;
    if (!options.hiddenDirs && segment.startsWith('.'))
      return `hidden directory ${displayName(segment)}`;
    start = end + 1;
  }
}
