// The root chain of one commit (TUF 5.3): every N -> N+1 step of metadata/root_history/ with the
// client's TrustedMetadataSet, from the first history entry or from a pinned root (history
// older than the pin is ignored), and root.json byte-equal to the newest history root.
import { TrustedMetadataSet } from '../client/index.js';
import { parseRoot } from '../core/index.js';
import type { GitReader } from './git-reader.js';
import { readCapped } from './metadata-caps.js';
import type { ProblemList } from './problems.js';
import type { RepoSource } from './source.js';

export interface RootChain {
  readonly trusted: TrustedMetadataSet;
  /** Every verified root in history, by version (the bytes published as `N.root.json`). */
  readonly roots: { version: number; bytes: Uint8Array }[];
  /** History files older than a pinned --root: not verified, so not published. */
  readonly older: string[];
}

/** Runs one state-machine step; a failure becomes a problem and returns false. */
export function step(
  problems: ProblemList,
  role: string,
  file: string,
  fn: () => unknown,
): boolean {
  try {
    fn();
    return true;
  } catch (err) {
    // Anything thrown while verifying attacker-controlled bytes refuses the build, never crashes it.
    problems.addError(role, file, err);
    return false;
  }
}

/** TUF 5.3.4-5.3.5: the verified chain, or undefined (with problems) when it is broken. */
export async function verifyRootChain(
  reader: GitReader,
  source: RepoSource,
  options: { readonly rootBytes?: Uint8Array; readonly referenceTimeMs: number },
  problems: ProblemList,
): Promise<RootChain | undefined> {
  const history = source.rootHistory;
  const first = history[0];
  const last = history[history.length - 1];
  if (!first || !last) {
    problems.add(
      'root',
      'metadata/root_history/',
      'missing-meta',
      'at least one <N>.root.json',
      'none',
    );
    return undefined;
  }
  let pin: { version: number; bytes: Uint8Array } | undefined;
  if (options.rootBytes) {
    try {
      pin = {
        version: parseRoot(options.rootBytes, '--root').signed.version,
        bytes: options.rootBytes,
      };
    } catch (err) {
      problems.addError('root', '--root', err);
      return undefined;
    }
    if (pin.version > last.version) {
      problems.add(
        'root',
        '--root',
        'rollback',
        `a pinned root at most version ${last.version} (newest in history)`,
        `version ${pin.version}`,
      );
      return undefined;
    }
  }
  // Trust starts at the pin: history before it is neither verified nor published.
  const from = pin?.version ?? first.version;
  const used = history.filter((h) => h.version >= from);
  const read = await Promise.all(
    used.map((h) => readCapped(reader, h.blob, 'root', 'root', problems)),
  );
  let ok = true;
  const roots: { version: number; bytes: Uint8Array; path: string }[] = [];
  used.forEach((h, i) => {
    const bytes = read[i];
    if (bytes === undefined) ok = false;
    else roots.push({ version: h.version, bytes, path: h.blob.path });
  });
  for (let i = 1; i < used.length; i++) {
    const prev = used[i - 1]?.version ?? 0;
    const cur = used[i];
    if (cur && cur.version !== prev + 1) {
      problems.add(
        'root',
        cur.blob.path,
        'missing-meta',
        `root_history/${prev + 1}.root.json after version ${prev}`,
        `version ${cur.version} next`,
      );
      ok = false;
    }
  }
  const same = pin && roots.find((r) => r.version === pin.version);
  if (pin && same && !Buffer.from(same.bytes).equals(pin.bytes)) {
    // The pin is the trust anchor: a history file at its version with other bytes is a rewrite.
    problems.add(
      'root',
      same.path,
      'hash-mismatch',
      'the exact bytes of --root',
      'different bytes',
    );
    return undefined;
  }
  if (!ok) return undefined;
  const start = same ?? (pin ? { ...pin, path: '--root' } : roots[0]);
  if (!start) return undefined; // unreachable: without a pin, `used` is the whole history
  let trusted: TrustedMetadataSet;
  try {
    trusted = new TrustedMetadataSet(start.bytes, options.referenceTimeMs);
  } catch (err) {
    problems.addError('root', start.path, err);
    return undefined;
  }
  for (const r of roots) {
    if (r.version <= start.version) continue;
    if (!step(problems, 'root', r.path, () => trusted.updateRoot(r.bytes))) return undefined;
  }
  if (trusted.root.signed.version !== last.version) {
    problems.add(
      'root',
      '--root',
      'missing-meta',
      `root_history to continue at version ${trusted.root.signed.version + 1}`,
      `first history version ${used[0]?.version ?? first.version}`,
    );
    return undefined;
  }
  return {
    trusted,
    roots: roots.map(({ version, bytes }) => ({ version, bytes })),
    older: history.filter((h) => h.version < from).map((h) => h.blob.path),
  };
}

// root.json is what humans and bootstrapping tools read: it must be the newest history root.
export function checkRootJson(source: RepoSource, problems: ProblemList): void {
  const rootJson = source.metadata.get('root.json');
  const newest = source.rootHistory[source.rootHistory.length - 1];
  if (!rootJson) {
    problems.add('root', 'metadata/root.json', 'missing-meta', 'a file', 'none');
    return;
  }
  // Git blob ids are content addresses: equal bytes if and only if equal oids.
  if (newest && rootJson.oid !== newest.blob.oid) {
    problems.add(
      'root',
      'metadata/root.json',
      'version-mismatch',
      `the bytes of ${newest.blob.path} (newest root)`,
      'different bytes',
    );
  }
}
