// `pg-mirror build`: reads one commit from the git object store, verifies it as a fresh client
// would, and only then publishes it into a static tree, incrementally and in an order that
// keeps every moment of the tree a consistent repository (see plan.ts). Any problem: nothing
// is written, and the report names each one.
import { GitReader } from './git-reader.js';
import { TrustError, UsageError } from '../core/index.js';
import { acquireBuildLock } from './build-lock.js';
import { renderIndexHtml } from './index-html.js';
import { planSite } from './plan.js';
import { ProblemList, type Problem } from './problems.js';
import { pruneVersions } from './prune.js';
import { checkAgainstPublished } from './published.js';
import { displayName } from './display.js';
import { listArtifacts, readSource } from './source.js';
import { discardState, loadState, saveState } from './state.js';
import { compareWithTree, publish } from './publish.js';
import { type ArtifactResult, verifyArtifacts } from './verify-artifacts.js';
import { startDiff, verifyArtifactsIncremental } from './verify-incremental.js';
import { verifyMetadata } from './verify-metadata.js';

export interface BuildOptions {
  /** The git repository (work tree or bare). */
  readonly gitPath: string;
  /** Default `HEAD`. */
  readonly ref?: string;
  readonly outDir: string;
  /** A pinned trusted root (`--root`); default: the first root in history. */
  readonly rootBytes?: Uint8Array;
  /** Reference time for every expiry check; default now. */
  readonly referenceTime?: Date;
  /** Versions of snapshot and each role kept in the tree (default 3, at least 1). */
  readonly keepVersions?: number;
  /** Files or blobs in flight at once (default 16). */
  readonly concurrency?: number;
  /**
   * Stat (and, where it differs from the state, re-hash) every published file instead of
   * trusting the build state for artifacts: finds files changed or deleted outside pg-mirror.
   */
  readonly checkTree?: boolean;
  /** How long to wait for another build of the same tree (default 0: fail at once). */
  readonly lockWaitMs?: number;
  /** An open reader to reuse (sync); otherwise one is opened and closed. */
  readonly reader?: GitReader;
}

export interface BuildReport {
  readonly ok: boolean;
  readonly ref: string;
  readonly commit: string;
  readonly commitDate: string;
  readonly referenceTime: string;
  readonly versions: { root: number; timestamp: number; snapshot: number; targets: number } | null;
  /** Targets roles published (`targets` included). */
  readonly roles: number;
  /** Target entries over all roles. */
  readonly targets: number;
  /** Artifact files (one per listed hash) in the tree. */
  readonly artifactFiles: number;
  /** Artifacts read and hashed in this build (the others came from the digest cache). */
  readonly hashedArtifacts: number;
  /**
   * `incremental`: metadata verified in full, target entries re-checked only where a role or an
   * artifact changed since the last published commit; `full`: every entry and artifact checked.
   */
  readonly mode: 'full' | 'incremental' | null;
  /** Target entries checked against their artifact in this build. */
  readonly checkedEntries: number;
  readonly written: readonly string[];
  readonly unchanged: number;
  readonly pruned: readonly string[];
  readonly problems: readonly Problem[];
  /** Problems beyond the report's limit, counted only. */
  readonly omittedProblems: number;
  readonly warnings: readonly string[];
  readonly durationMs: number;
}

interface Counters {
  mode: BuildReport['mode'];
  checked: number;
  written: string[];
  unchanged: number;
  pruned: string[];
  roles: number;
  targets: number;
  artifactFiles: number;
  hashed: number;
  versions: BuildReport['versions'];
}

/** Verifies `ref` and publishes it into `outDir`; never throws for a bad repository (see `ok`). */
export async function buildSite(options: BuildOptions): Promise<BuildReport> {
  const started = Date.now();
  const keep = options.keepVersions ?? 3;
  if (!Number.isInteger(keep) || keep < 1)
    throw new UsageError(
      'invalid-argument',
      `--keep-versions: expected an integer >= 1, got ${keep}`,
    );
  const referenceTime = options.referenceTime ?? new Date();
  if (Number.isNaN(referenceTime.getTime()))
    throw new UsageError(
      'invalid-argument',
      '--time: expected an ISO 8601 date, got an invalid date',
    );
  const ref = options.ref ?? 'HEAD';
  const lock = await acquireBuildLock(options.outDir, options.lockWaitMs ?? 0);
  const reader =
    options.reader ??
    (await GitReader.open(options.gitPath).catch(async (err: unknown) => {
      await lock.release();
      throw err;
    }));
  try {
    const commit = await reader.commitInfo(await reader.resolveCommit(ref));
    const problems = new ProblemList();
    const warnings: string[] = [];
    const counters: Counters = {
      written: [],
      unchanged: 0,
      pruned: [],
      roles: 0,
      targets: 0,
      artifactFiles: 0,
      hashed: 0,
      versions: null,
      mode: null,
      checked: 0,
    };
    await verifyAndPublish(
      reader,
      options,
      { commit, ref, referenceTime, keep },
      problems,
      warnings,
      counters,
    );
    return {
      ok: problems.empty,
      ref,
      commit: commit.oid,
      commitDate: commit.date,
      referenceTime: referenceTime.toISOString(),
      versions: counters.versions,
      roles: counters.roles,
      targets: counters.targets,
      artifactFiles: counters.artifactFiles,
      hashedArtifacts: counters.hashed,
      mode: counters.mode,
      checkedEntries: counters.checked,
      written: counters.written,
      unchanged: counters.unchanged,
      pruned: counters.pruned,
      problems: problems.items,
      omittedProblems: problems.omitted,
      warnings,
      durationMs: Date.now() - started,
    };
  } finally {
    if (!options.reader) await reader.close();
    await lock.release();
  }
}

async function verifyAndPublish(
  reader: GitReader,
  options: BuildOptions,
  ctx: {
    commit: Awaited<ReturnType<GitReader['commitInfo']>>;
    ref: string;
    referenceTime: Date;
    keep: number;
  },
  problems: ProblemList,
  warnings: string[],
  counters: Counters,
): Promise<void> {
  const concurrency = options.concurrency ?? 16;
  const outDir = options.outDir;
  let state = await loadState(outDir, { artifacts: false });
  // The state is a cache, not a source of trust: its commit must still name a commit of this
  // repository (history rewritten, gc, planted state), else every artifact is checked.
  const previous =
    options.checkTree === true || state.commit === undefined
      ? undefined
      : await reader.resolveCommit(state.commit).catch(() => undefined);
  const incremental = previous !== undefined;
  // The diff runs while the metadata is verified.
  const changes = incremental ? startDiff(reader, previous, ctx.commit.oid) : undefined;
  const source = await readSource(reader, ctx.commit.oid, problems);
  const verifyOptions = options.rootBytes
    ? { rootBytes: options.rootBytes, referenceTimeMs: ctx.referenceTime.getTime() }
    : { referenceTimeMs: ctx.referenceTime.getTime() };
  const verified = await verifyMetadata(reader, source, verifyOptions, problems);
  if (!verified) {
    if (problems.empty)
      problems.add(null, 'metadata/', 'missing-meta', 'verifiable metadata', 'none');
    return;
  }
  for (const file of verified.unused)
    warnings.push(`${displayName(file)}: not referenced by any verified role; not published`);
  for (const file of verified.olderRoots)
    warnings.push(`${file}: older than the pinned --root; not verified, not published`);
  let artifacts: ArtifactResult | undefined;
  if (changes && previous !== undefined && problems.empty) {
    artifacts = await verifyArtifactsIncremental(reader, verified, state.blobs, problems, {
      changes,
      previous,
      commit: ctx.commit.oid,
      concurrency: concurrency * 2,
    });
    counters.mode = 'incremental';
  }
  if (!artifacts) {
    // Full check: every artifact listed and checked; the digest cache makes unchanged blobs cheap.
    state = await loadState(outDir, { artifacts: true });
    const listing = await listArtifacts(reader, ctx.commit.oid, problems);
    artifacts = await verifyArtifacts(reader, listing, verified, state.blobs, problems, {
      concurrency: concurrency * 2,
    });
    counters.mode = 'full';
  }
  counters.checked = artifacts.checked;
  for (const [role, count] of artifacts.skipped) {
    warnings.push(
      `${count} artifact(s) not looked up: their search passes through ${displayName(role)}, which failed verification`,
    );
  }
  await checkAgainstPublished(outDir, verified, problems, warnings);
  counters.versions = {
    root: verified.trusted.root.signed.version,
    timestamp: verified.timestamp.signed.version,
    snapshot: verified.snapshot.signed.version,
    targets: verified.roles.get('targets')?.env.signed.version ?? 0,
  };
  counters.roles = verified.roles.size;
  counters.targets = artifacts.entries;
  counters.artifactFiles =
    counters.mode === 'full' ? artifacts.outputs.length : state.artifactFiles;
  counters.hashed = artifacts.hashed;
  if (!problems.empty) return;
  const html = renderIndexHtml({ verified, commit: ctx.commit, ref: ctx.ref });
  const extras = [
    { path: 'index.html', bytes: Buffer.from(html, 'utf8') },
    { path: '.nojekyll', bytes: new Uint8Array(0) },
  ];
  const plan = planSite(verified, artifacts.outputs, extras, problems);
  if (!problems.empty) return;
  const trustState = options.checkTree !== true;
  const toWrite = await compareWithTree(
    outDir,
    plan.phases,
    state,
    problems,
    concurrency * 4,
    trustState,
  );
  if (!problems.empty) return;
  counters.unchanged =
    plan.phases.reduce((n, p) => n + p.length, 0) - toWrite.reduce((n, p) => n + p.length, 0);
  try {
    await publish(outDir, reader, toWrite, state, concurrency);
  } catch (err) {
    // Only a stale digest cache can make a blob differ from its verified hash while writing:
    // forget every cached digest so the next build re-hashes, and report the file.
    if (!(err instanceof TrustError)) throw err;
    await discardState(outDir);
    problems.addError(null, 'targets/', err);
    return;
  }
  for (const phase of toWrite) for (const f of phase) counters.written.push(f.path);
  if (counters.mode === 'incremental') {
    // Artifacts are immutable and never pruned: every one written here is a new file.
    counters.artifactFiles += counters.written.filter((p) => p.startsWith('targets/')).length;
  }
  if (state.artifactFiles !== counters.artifactFiles) {
    state.artifactFiles = counters.artifactFiles;
    state.dirty = true;
  }
  counters.pruned = await pruneVersions(outDir, plan.referenced, ctx.keep, state);
  if (state.dirty || artifacts.hashed > 0 || state.commit !== ctx.commit.oid) {
    state.commit = ctx.commit.oid;
    await saveState(outDir, state);
  }
}
