// Length and digests of git blobs, computed once while streaming and remembered by blob id:
// git oids are content addresses, so an unchanged artifact is never read or hashed again.
// sha256 is always computed; sha384 / sha512 only for blobs whose entries list them.
import { createHash, type Hash } from 'node:crypto';
import { mapConcurrent } from '../client/index.js';
import type { GitReader } from './git-reader.js';

export type ExtraAlgorithm = 'sha384' | 'sha512';

export interface BlobDigest {
  readonly length: number;
  readonly sha256: string;
  readonly sha384?: string;
  readonly sha512?: string;
}

/** Digests by blob oid; persisted in the build state. */
export type DigestCache = Map<string, BlobDigest>;

/** Hashes every oid the cache lacks (or lacks a needed algorithm for); returns how many blobs were read. */
export async function digestBlobs(
  reader: GitReader,
  oids: Iterable<string>,
  cache: DigestCache,
  extra: ReadonlyMap<string, ReadonlySet<ExtraAlgorithm>>,
  concurrency: number,
): Promise<number> {
  const todo: string[] = [];
  for (const oid of new Set(oids)) {
    const known = cache.get(oid);
    const need = extra.get(oid);
    if (!known || (need !== undefined && [...need].some((alg) => known[alg] === undefined)))
      todo.push(oid);
  }
  await mapConcurrent(todo, concurrency, async (oid) => {
    const algs: ('sha256' | ExtraAlgorithm)[] = ['sha256', ...(extra.get(oid) ?? [])];
    const hashes: [string, Hash][] = algs.map((alg) => [alg, createHash(alg)]);
    const length = await reader.readBlobStream(oid, (chunk) => {
      for (const [, h] of hashes) h.update(chunk);
    });
    const hex = new Map(hashes.map(([alg, h]) => [alg, h.digest('hex')]));
    const sha384 = hex.get('sha384');
    const sha512 = hex.get('sha512');
    cache.set(oid, {
      length,
      sha256: hex.get('sha256') ?? '',
      ...(sha384 === undefined ? {} : { sha384 }),
      ...(sha512 === undefined ? {} : { sha512 }),
    });
  });
  return todo.length;
}

/** The digest of `alg`, if computed. */
export function digestFor(digest: BlobDigest, alg: string): string | undefined {
  if (alg === 'sha256') return digest.sha256;
  if (alg === 'sha512') return digest.sha512;
  if (alg === 'sha384') return digest.sha384;
  return undefined;
}
