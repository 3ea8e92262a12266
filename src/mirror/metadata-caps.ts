// Metadata blobs are read whole, so each has the length cap a client applies to the same
// document when it downloads it (TUF 5.2, endless data): a branch can carry a blob of many GiB
// (zeros compress ~1000:1) or a crafted object header claiming petabytes.
import { DEFAULT_LIMITS, DownloadError, type Limits } from '../core/index.js';
import type { GitReader } from './git-reader.js';
import type { ProblemList } from './problems.js';
import type { SourceBlob } from './source.js';

/** Reads `blob` within the cap of `kind`; over it: a `too-large` problem and undefined, unread. */
export async function readCapped(
  reader: GitReader,
  blob: SourceBlob,
  kind: keyof Limits,
  role: string,
  problems: ProblemList,
): Promise<Uint8Array | undefined> {
  const cap = DEFAULT_LIMITS[kind];
  const refuse = (size: number | string): undefined => {
    problems.add(
      role,
      blob.path,
      'too-large',
      `at most ${cap} bytes (${kind} length cap)`,
      `${size} bytes`,
    );
    return undefined;
  };
  // The listed size (ls-tree -l) decides before anything is read.
  if (blob.size > cap) return refuse(blob.size);
  try {
    // The cap again at the object header, for a size the listing did not give.
    return await reader.readBlob(blob.oid, cap);
  } catch (err) {
    if (err instanceof DownloadError && err.code === 'too-large') return refuse('more than that');
    throw err;
  }
}
