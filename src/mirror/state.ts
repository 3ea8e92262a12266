// The build state under `<out>/.pg-mirror/`, a cache that is never a source of trust for
// metadata (metadata is re-verified on every build):
//   state      the last successful commit and what each metadata/page file was when written;
//              rewritten every build, with a checksum (a damaged file is ignored).
//   artifacts  verified digests by git blob id and the artifact files written, as a log: full
//              builds read and rewrite it; incremental builds only append what they add, so
//              their cost does not grow with the number of artifacts.
// Lines:  commit <oid> | count <artifact files>
//         B <oid> <length> <sha256> <sha384 or -> <sha512 or ->
//         F <size> <mtimeMs> <ino> <sha256> <JSON string of the path>
import { appendFile, open, readFile, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../client/index.js';
import { hashHex } from '../core/index.js';
import type { BlobDigest, DigestCache } from './blob-digests.js';
import { OID_PATTERN } from './git-run.js';

export const STATE_DIR = '.pg-mirror';
const STATE_FILE = 'state';
const LOG_FILE = 'artifacts';
const MAGIC = 'pg-mirror-state 3 ';
const LOG_MAGIC = 'pg-mirror-artifacts 1';
const HEX = /^[0-9a-f]+$/;

/** A published file as last written or checked: stat identity plus content sha256. */
export interface FileRecord {
  readonly size: number;
  readonly mtimeMs: number;
  readonly ino: number;
  readonly sha256: string;
}

export interface BuildState {
  /** The commit of the last successful build. */
  commit: string | undefined;
  /** Set whenever a record changes; an unchanged state is not rewritten. */
  dirty: boolean;
  /** Artifact files in the tree after the last successful build. */
  artifactFiles: number;
  /** Whether the artifact log was read (full build): saving then rewrites it instead of appending. */
  readonly artifactsLoaded: boolean;
  readonly blobs: DigestCache;
  readonly files: Map<string, FileRecord>;
}

/** An empty state (fresh tree, or an unreadable state file). */
function emptyState(artifactsLoaded = true): BuildState {
  return {
    commit: undefined,
    dirty: false,
    artifactFiles: 0,
    artifactsLoaded,
    blobs: new Map(),
    files: new Map(),
  };
}

function isArtifactPath(path: string): boolean {
  return path.startsWith('targets/');
}

/** Reads the state of `outDir` (with the artifact log when `artifacts`); damage yields an empty state. */
export async function loadState(
  outDir: string,
  options: { artifacts: boolean },
): Promise<BuildState> {
  const dir = join(outDir, STATE_DIR);
  const text = await readFile(join(dir, STATE_FILE), 'utf8').catch(() => '');
  const nl = text.indexOf('\n');
  const body = text.slice(nl + 1);
  // One checksum over the body replaces per-field validation: a damaged cache costs a re-hash.
  if (nl === -1 || text.slice(0, nl) !== `${MAGIC}${hashHex('sha256', body)}`) return emptyState();
  const state = emptyState(options.artifacts);
  parseLines(body, state, false);
  if (options.artifacts) {
    const log = await readFile(join(dir, LOG_FILE), 'utf8').catch(() => '');
    // The log is appended to without a checksum: every line is validated (a torn last line
    // after a crash is skipped).
    if (log.startsWith(`${LOG_MAGIC}\n`)) parseLines(log.slice(LOG_MAGIC.length + 1), state, true);
  }
  return state;
}

/** Writes the state atomically; the artifact log is rewritten (full build) or appended to. */
export async function saveState(outDir: string, state: BuildState): Promise<void> {
  const dir = join(outDir, STATE_DIR);
  const art: string[] = [];
  for (const [oid, d] of state.blobs)
    art.push(`B ${oid} ${d.length} ${d.sha256} ${d.sha384 ?? '-'} ${d.sha512 ?? '-'}`);
  const small: string[] = [`commit ${state.commit ?? '-'}`, `count ${state.artifactFiles}`];
  for (const [path, f] of state.files) {
    (isArtifactPath(path) ? art : small).push(
      `F ${f.size} ${f.mtimeMs} ${f.ino} ${f.sha256} ${JSON.stringify(path)}`,
    );
  }
  // The log first: a state that names a commit never refers to digests that were not saved.
  if (state.artifactsLoaded) {
    await writeFileAtomic(
      dir,
      LOG_FILE,
      Buffer.from(`${LOG_MAGIC}\n${art.map((l) => `${l}\n`).join('')}`, 'utf8'),
    );
  } else if (art.length > 0) {
    const existing = await hasLogHeader(join(dir, LOG_FILE));
    const text = `${existing ? '' : `${LOG_MAGIC}\n`}${art.map((l) => `${l}\n`).join('')}`;
    if (existing) await appendFile(join(dir, LOG_FILE), text);
    else await writeFileAtomic(dir, LOG_FILE, Buffer.from(text, 'utf8'));
  }
  const body = `${small.join('\n')}\n`;
  await writeFileAtomic(
    dir,
    STATE_FILE,
    Buffer.from(`${MAGIC}${hashHex('sha256', body)}\n${body}`, 'utf8'),
  );
}

/** Forgets everything cached: the next build checks every artifact again. */
export async function discardState(outDir: string): Promise<void> {
  const dir = join(outDir, STATE_DIR);
  await rm(join(dir, STATE_FILE), { force: true });
  await rm(join(dir, LOG_FILE), { force: true });
}

// Reads only the first line: the log may hold hundreds of thousands of records.
async function hasLogHeader(path: string): Promise<boolean> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(path, 'r');
    const head = Buffer.alloc(LOG_MAGIC.length + 1);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return head.subarray(0, bytesRead).toString('utf8') === `${LOG_MAGIC}\n`;
  } catch {
    return false;
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

function parseLines(body: string, state: BuildState, validate: boolean): void {
  for (const line of body.split('\n')) {
    if (line.startsWith('B ')) {
      const [, oid, length, sha256, sha384, sha512, extra] = line.split(' ');
      if (oid === undefined || sha256 === undefined || sha512 === undefined || extra !== undefined)
        continue;
      if (
        validate &&
        !(
          validHex(oid, 40, 64) &&
          validHex(sha256, 64) &&
          /^\d+$/.test(length ?? '') &&
          optionalHex(sha384, 96) &&
          optionalHex(sha512, 128)
        )
      )
        continue;
      const digest: BlobDigest = {
        length: Number(length),
        sha256,
        ...(sha384 === undefined || sha384 === '-' ? {} : { sha384 }),
        ...(sha512 === '-' ? {} : { sha512 }),
      };
      state.blobs.set(oid, digest);
    } else if (line.startsWith('F ')) {
      const cut = nthSpace(line, 5);
      const [, size, mtimeMs, ino, sha256] = line.slice(0, cut).split(' ');
      if (cut === -1 || sha256 === undefined || (validate && !validHex(sha256, 64))) continue;
      let path: unknown;
      try {
        path = JSON.parse(line.slice(cut + 1));
      } catch {
        continue;
      }
      const record = { size: Number(size), mtimeMs: Number(mtimeMs), ino: Number(ino), sha256 };
      if (typeof path !== 'string' || Number.isNaN(record.size + record.mtimeMs + record.ino))
        continue;
      state.files.set(path, record);
    } else if (line.startsWith('commit ')) {
      // The state may be planted (a CI cache others can write), and this value reaches git:
      // a full oid or nothing, whatever the checksum says.
      const commit = line.slice(7);
      state.commit = OID_PATTERN.test(commit) ? commit : undefined;
    } else if (line.startsWith('count ')) {
      state.artifactFiles = Number(line.slice(6)) || 0;
    }
  }
}

function validHex(value: string, ...lengths: number[]): boolean {
  return lengths.includes(value.length) && HEX.test(value);
}

function optionalHex(value: string | undefined, length: number): boolean {
  return value === '-' || (value !== undefined && validHex(value, length));
}

function nthSpace(line: string, n: number): number {
  let at = -1;
  for (let i = 0; i < n && (i === 0 || at !== -1); i++) at = line.indexOf(' ', at + 1);
  return at;
}
