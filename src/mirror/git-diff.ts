// Git plumbing for incremental builds: what changed between two commits (with the new blob
// ids), and the blobs at a set of paths, each in one git process. No shell, argument arrays,
// literal pathspecs (gitEnv), commits already resolved to full oids by the GitReader.
import { GitError } from '../core/index.js';
import type { GitReader } from './git-reader.js';
import {
  type TreeEntry,
  checkOid,
  decodeGitPath,
  gitEnv,
  nulRecords,
  parseLsTreeRecord,
  runGit,
} from './git-run.js';

export interface TreeChange {
  readonly path: string;
  /** A added, M modified, D deleted, T type changed. */
  readonly status: string;
  readonly newMode: string;
  readonly newOid: string;
}

const MAX_ARGS_BYTES = 64 * 1024;

// Commits come from the build state, a cache others may write: full oids only, and after
// --end-of-options, so "--output=<file>" can never become an option of git.
function checkCommits(...oids: string[]): void {
  for (const oid of oids) checkOid(oid);
}

function globalArgs(reader: GitReader): string[] {
  return ['-c', 'core.quotepath=off', '--no-replace-objects', `--git-dir=${reader.gitDir}`];
}

/** `git diff-tree -r --raw` between two commits (no rename detection: both names are reported). */
export async function diffCommits(
  reader: GitReader,
  from: string,
  to: string,
): Promise<TreeChange[]> {
  checkCommits(from, to);
  const changes: TreeChange[] = [];
  let header: string[] | undefined;
  const onStdout = nulRecords((rec) => {
    if (header === undefined) {
      // ":<old mode> <new mode> <old oid> <new oid> <status>"
      const fields = rec.toString('latin1').split(' ');
      if (fields.length !== 5 || !fields[0]?.startsWith(':')) {
        throw new GitError(
          'git-failed',
          `git diff-tree: expected ":<mode> <mode> <oid> <oid> <status>", got ${JSON.stringify(rec.toString('utf8').slice(0, 200))}`,
        );
      }
      header = fields;
      return;
    }
    const [, newMode, , newOid, status] = header;
    header = undefined;
    changes.push({
      path: decodeGitPath(rec),
      status: (status ?? '?').charAt(0),
      newMode: newMode ?? '',
      newOid: newOid ?? '',
    });
  });
  const args = [
    'diff-tree',
    '-r',
    '-z',
    '--raw',
    '--no-renames',
    '--no-ext-diff',
    '--no-textconv',
    '--no-abbrev',
    '--end-of-options',
    from,
    to,
  ];
  await runGit([...globalArgs(reader), ...args], {
    name: 'diff-tree',
    cwd: reader.gitDir,
    env: gitEnv({}),
    onStdout,
  });
  return changes;
}

/** The tree entries at exactly these paths in `commit` (absent paths are simply not returned). */
export async function entriesAt(
  reader: GitReader,
  commit: string,
  paths: readonly string[],
): Promise<Map<string, TreeEntry>> {
  checkCommits(commit);
  const found = new Map<string, TreeEntry>();
  let i = 0;
  while (i < paths.length) {
    const chunk: string[] = [];
    let bytes = 0;
    while (i < paths.length && (chunk.length === 0 || bytes < MAX_ARGS_BYTES)) {
      const p = paths[i++] as string;
      chunk.push(p);
      bytes += Buffer.byteLength(p) + 1;
    }
    // Only the (UTF-8) paths asked for can match; anything else is ignored.
    const onStdout = nulRecords((rec) => {
      const entry = parseLsTreeRecord(rec, () => undefined);
      if (entry) found.set(entry.path, entry);
    });
    const args = ['ls-tree', '-l', '-z', '--full-tree', '--end-of-options', commit, '--', ...chunk];
    await runGit([...globalArgs(reader), ...args], {
      name: 'ls-tree',
      cwd: reader.gitDir,
      env: gitEnv({}),
      onStdout,
    });
  }
  return found;
}
