// The Updater does the I/O around the trusted metadata set: it reads the trusted cache, fetches
// what is missing or newer, hands bytes to the state machine, and persists exactly the bytes that
// were verified, as soon as they are verified (TUF 5.3–5.7). It never decides trust itself.

import { dirname, join } from 'node:path';
import {
  DEFAULT_LIMITS,
  DEFAULT_MAX_DELEGATIONS,
  DEFAULT_MAX_ROOT_ROTATIONS,
  DownloadError,
  type Envelope,
  type Limits,
  type RoleKeys,
  type Root,
  type Snapshot,
  type Targets,
  type Timestamp,
  TrustError,
  UsageError,
} from '../core/index.js';
import { HttpFetcher, type Fetcher } from './fetcher.js';
import { MetadataStore } from './metadata-store.js';
import { TargetStore, type StoredTarget } from './target-store.js';
import { TrustedMetadataSet } from './trusted-set.js';
import { metadataUrl, targetUrl, withTrailingSlash } from './urls.js';
import { searchTarget, listAllTargets, type RoleLoader } from './target-search.js';
import type {
  ListedTarget,
  RefreshResult,
  TargetLookup,
  UpdaterEvent,
  UpdaterOptions,
} from './updater-types.js';

export class Updater {
  private readonly metadataBase: string;
  private readonly targetBase: string;
  private readonly limits: Limits;
  private readonly fetcher: Fetcher;
  private readonly ownsFetcher: boolean;
  private readonly store: MetadataStore;
  private readonly targetStore: TargetStore;
  private readonly emit: (event: UpdaterEvent) => void;
  private trusted: TrustedMetadataSet | undefined;
  private refreshing: Promise<RefreshResult> | undefined;
  // Role loads in progress, per trusted set and role name: a refresh never sees the previous set's loads.
  private readonly loads = new WeakMap<
    TrustedMetadataSet,
    Map<string, Promise<Envelope<Targets>>>
  >();

  constructor(private readonly options: UpdaterOptions) {
    this.metadataBase = withTrailingSlash(checkUrl('metadataBaseUrl', options.metadataBaseUrl));
    this.targetBase = withTrailingSlash(
      checkUrl(
        'targetBaseUrl',
        options.targetBaseUrl ?? new URL('../targets/', this.metadataBase).href,
      ),
    );
    checkCount('maxRootRotations', options.maxRootRotations);
    checkCount('maxDelegations', options.maxDelegations);
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.ownsFetcher = options.fetcher === undefined;
    this.fetcher = options.fetcher ?? new HttpFetcher();
    this.store = new MetadataStore(options.metadataDir);
    this.targetStore = new TargetStore(
      options.targetDir ?? join(dirname(options.metadataDir), 'targets'),
    );
    this.emit = options.onEvent ?? (() => undefined);
  }

  /** TUF 5.3–5.6 (top level): updates root, timestamp, snapshot and targets, persisting each once verified. */
  refresh(): Promise<RefreshResult> {
    // Concurrent callers share one refresh: two writers could otherwise store an older timestamp last.
    this.refreshing ??= this.doRefresh().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async doRefresh(): Promise<RefreshResult> {
    const referenceTime = (this.options.clock ?? (() => new Date()))();
    const rootBytes = await this.store.read('root');
    if (!rootBytes)
      throw new TrustError(
        'untrusted-root',
        `${this.store.pathFor('root')}: expected a trusted root, got no file`,
      );
    // An invalid trusted root fails here, before any request is made.
    const trusted = new TrustedMetadataSet(rootBytes, referenceTime.getTime());
    this.trusted = undefined;
    if (!this.options.offline) {
      const before = trusted.root.signed.roles;
      await this.updateRoot(trusted);
      // TUF 5.3.11 (fast-forward recovery): new timestamp or snapshot keys void the cached copies.
      const after = trusted.root.signed.roles;
      if (
        !sameKeys(before.timestamp, after.timestamp) ||
        !sameKeys(before.snapshot, after.snapshot)
      ) {
        await this.store.remove('timestamp');
        await this.store.remove('snapshot');
      }
    }
    await this.updateTimestamp(trusted);
    await this.updateSnapshot(trusted);
    await this.loadRole(trusted, 'targets', 'root');
    this.trusted = trusted;
    return { referenceTime, versions: versionsOf(trusted) };
  }

  /** TUF 5.6.7: finds the target through the delegation tree; undefined if no role lists it. */
  async getTargetInfo(targetPath: string): Promise<TargetLookup | undefined> {
    const trusted = await this.ready();
    return searchTarget(
      targetPath,
      this.loaderFor(trusted),
      this.options.maxDelegations ?? DEFAULT_MAX_DELEGATIONS,
    );
  }

  /** Every target of a repository small enough to walk, with the role that vouches for it. */
  async listTargets(options: { maxRoles?: number } = {}): Promise<ListedTarget[]> {
    const trusted = await this.ready();
    return listAllTargets(
      this.loaderFor(trusted),
      options.maxRoles ?? 1_000,
      this.options.maxDelegations ?? DEFAULT_MAX_DELEGATIONS,
    );
  }

  /** A stored file that still matches the target's length and hashes, if there is one. */
  findCachedTarget(lookup: TargetLookup, destPath?: string): Promise<string | undefined> {
    return this.targetStore.findCached(lookup.target, destPath);
  }

  /** TUF 5.7: downloads the artifact, verifying length and hashes while streaming; only verified bytes are stored. */
  async downloadTarget(
    lookup: TargetLookup,
    destPath?: string,
    options: { onProgress?: (received: number, total: number) => void } = {},
  ): Promise<StoredTarget> {
    const trusted = await this.ready();
    if (this.options.offline)
      throw new TrustError(
        'offline-unavailable',
        `${lookup.path}: expected a cached copy in offline mode, got none`,
      );
    const url = targetUrl(this.targetBase, lookup.target, trusted.root.signed.consistentSnapshot);
    this.emit({
      kind: 'fetch',
      url,
      role: lookup.chain[lookup.chain.length - 1]?.role ?? 'targets',
    });
    const onProgress = (received: number, total: number): void => {
      options.onProgress?.(received, total);
      this.emit({ kind: 'download-progress', targetPath: lookup.path, received, total });
    };
    return this.targetStore.download(this.fetcher, url, lookup.target, {
      ...(destPath ? { destPath } : {}),
      onProgress,
    });
  }

  /** The verified top-level metadata of the last refresh. */
  trustedState(): {
    root: Envelope<Root>;
    timestamp?: Envelope<Timestamp>;
    snapshot?: Envelope<Snapshot>;
    targets?: Envelope<Targets>;
  } {
    const trusted = this.trusted;
    if (!trusted)
      throw new TrustError(
        'ordering',
        'updater: expected refresh() before trustedState(), got none',
      );
    return {
      root: trusted.root,
      ...(trusted.timestamp ? { timestamp: trusted.timestamp } : {}),
      ...(trusted.snapshot ? { snapshot: trusted.snapshot } : {}),
      ...(trusted.targets ? { targets: trusted.targets } : {}),
    };
  }

  /** HTTP requests and bytes so far (for `--json` output and benchmarks). */
  get stats(): { requests: number; bytes: number } {
    return this.fetcher.stats;
  }

  async close(): Promise<void> {
    if (this.ownsFetcher) await this.fetcher.close();
  }

  private async ready(): Promise<TrustedMetadataSet> {
    if (this.refreshing) await this.refreshing;
    if (!this.trusted) await this.refresh();
    const trusted = this.trusted;
    if (!trusted)
      throw new TrustError('ordering', 'updater: expected a trusted state after refresh, got none');
    return trusted;
  }

  // TUF 5.3.3: fetch root N+1, N+2, … until the repository has no newer one (404).
  private async updateRoot(trusted: TrustedMetadataSet): Promise<void> {
    const maxRotations = this.options.maxRootRotations ?? DEFAULT_MAX_ROOT_ROTATIONS;
    const first = trusted.root.signed.version + 1;
    for (let version = first; version < first + maxRotations; version++) {
      let bytes: Uint8Array;
      try {
        bytes = await this.fetch(
          metadataUrl(this.metadataBase, 'root', version),
          'root',
          this.limits.root,
        );
      } catch (err) {
        // 403 as well: object stores answer it for a missing object (python-tuf does the same).
        if (err instanceof DownloadError && (err.code === 'not-found' || err.status === 403))
          return;
        throw err;
      }
      const root = trusted.updateRoot(bytes);
      // TUF 5.3.8: persist each verified root at once; an expired final root is still stored (5.3.10).
      await this.store.write('root', root.raw);
      this.emit({ kind: 'verified', role: 'root', version: root.signed.version });
    }
  }

  // TUF 5.4: the trusted cache's timestamp is the rollback reference; a newer remote one replaces it.
  private async updateTimestamp(trusted: TrustedMetadataSet): Promise<void> {
    const local = await this.store.read('timestamp');
    if (this.options.offline) {
      if (!local) throw offlineMissing('timestamp');
      trusted.updateTimestamp(local);
      return;
    }
    if (local) ignoreFailure(() => trusted.updateTimestamp(local));
    const bytes = await this.fetch(
      metadataUrl(this.metadataBase, 'timestamp', undefined),
      'timestamp',
      this.limits.timestamp,
    );
    const next = trusted.updateTimestamp(bytes);
    // An unchanged version keeps the stored bytes (python-tuf behaviour).
    if (!next) return;
    await this.store.write('timestamp', next.raw);
    this.emit({ kind: 'verified', role: 'timestamp', version: next.signed.version });
  }

  // TUF 5.5: a cached snapshot that is still the one the timestamp names is not fetched again.
  private async updateSnapshot(trusted: TrustedMetadataSet): Promise<void> {
    const local = await this.store.read('snapshot');
    if (this.options.offline) {
      if (!local) throw offlineMissing('snapshot');
      trusted.updateSnapshot(local, true);
      return;
    }
    if (local && ignoreFailure(() => trusted.updateSnapshot(local, true))) return;
    const meta = trusted.timestamp?.signed.snapshotMeta;
    if (!meta) throw new TrustError('ordering', 'snapshot: expected a trusted timestamp, got none');
    const version = trusted.root.signed.consistentSnapshot ? meta.version : undefined;
    const bytes = await this.fetch(
      metadataUrl(this.metadataBase, 'snapshot', version),
      'snapshot',
      capFor('snapshot', meta.length, this.limits.snapshot),
    );
    const next = trusted.updateSnapshot(bytes);
    await this.store.write('snapshot', next.raw);
    this.emit({ kind: 'verified', role: 'snapshot', version: next.signed.version });
  }

  private loaderFor(trusted: TrustedMetadataSet): RoleLoader {
    return (role, delegator) => {
      this.emit({ kind: 'visit', role, delegator });
      return this.loadRole(trusted, role, delegator);
    };
  }

  // TUF 5.6: a role is trusted on this path only once verified against this delegator.
  private loadRole(
    trusted: TrustedMetadataSet,
    role: string,
    delegator: string,
  ): Promise<Envelope<Targets>> {
    const known = trusted.trustedDelegation(role, delegator);
    if (known) return Promise.resolve(known);
    let loads = this.loads.get(trusted);
    if (!loads) this.loads.set(trusted, (loads = new Map<string, Promise<Envelope<Targets>>>()));
    const roleLoads = loads;
    // Loads of one role name run one after another: a second path waits, then re-verifies the
    // bytes the first one fetched against its own delegator (one fetch, one document per role).
    const previous = roleLoads.get(role);
    const next = (previous ?? Promise.resolve(undefined))
      .catch(() => undefined)
      .then(
        () =>
          trusted.trustedDelegation(role, delegator) ??
          this.loadRoleUncached(trusted, role, delegator),
      );
    roleLoads.set(role, next);
    const forget = (): void => {
      if (roleLoads.get(role) === next) roleLoads.delete(role);
    };
    next.then(forget, forget);
    return next;
  }

  private async loadRoleUncached(
    trusted: TrustedMetadataSet,
    role: string,
    delegator: string,
  ): Promise<Envelope<Targets>> {
    // Bytes already verified on another path are re-verified against this delegator, never reused blindly.
    const seen = trusted.reverifyForDelegator(role, delegator);
    if (seen) return seen;
    const local = await this.store.read(role);
    if (this.options.offline) {
      if (!local) throw offlineMissing(role);
      return trusted.updateDelegatedTargets(local, role, delegator);
    }
    if (local) {
      const cached = ignoreFailure(() => trusted.updateDelegatedTargets(local, role, delegator));
      if (cached) return cached;
    }
    const meta = trusted.snapshotMetaFor(role);
    // TUF 5.6.1: a role missing from snapshot is neither fetched nor trusted.
    if (!meta)
      throw new TrustError(
        'missing-meta',
        `snapshot: expected an entry for ${role}.json, got none`,
      );
    const version = trusted.root.signed.consistentSnapshot ? meta.version : undefined;
    const bytes = await this.fetch(
      metadataUrl(this.metadataBase, role, version),
      role,
      capFor(role, meta.length, this.limits.targets),
    );
    const next = trusted.updateDelegatedTargets(bytes, role, delegator);
    await this.store.write(role, next.raw);
    this.emit({ kind: 'verified', role, version: next.signed.version });
    return next;
  }

  private fetch(url: string, role: string, maxLength: number): Promise<Uint8Array> {
    this.emit({ kind: 'fetch', url, role });
    return this.fetcher.fetchBytes(url, { maxLength });
  }
}

function versionsOf(trusted: TrustedMetadataSet): RefreshResult['versions'] {
  return {
    root: trusted.root.signed.version,
    timestamp: trusted.timestamp?.signed.version ?? 0,
    snapshot: trusted.snapshot?.signed.version ?? 0,
    targets: trusted.targets?.signed.version ?? 0,
  };
}

/** The length cap for a document: signed meta may lower the configured cap, never raise it. */
function capFor(role: string, metaLength: number | undefined, cap: number): number {
  if (metaLength !== undefined && metaLength > cap) {
    // A compromised online key must not make clients buffer gigabytes (TUF 5.2 endless data).
    throw new DownloadError(
      'too-large',
      `${role}: expected a length of at most ${cap} bytes (the configured limit), got ${metaLength} in signed meta`,
    );
  }
  return metaLength ?? cap;
}

function checkUrl(name: string, url: string): string {
  // File names are appended to the base: a query or fragment would swallow them.
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  if (!parsed || parsed.search !== '' || parsed.hash !== '') {
    throw new UsageError(
      'invalid-argument',
      `${name}: expected an absolute URL without query or fragment, got "${url}"`,
    );
  }
  return url;
}

function checkCount(name: string, value: number | undefined): void {
  if (value !== undefined && !(Number.isSafeInteger(value) && value >= 1)) {
    throw new UsageError(
      'invalid-argument',
      `${name}: expected an integer >= 1, got ${String(value)}`,
    );
  }
}

function sameKeys(a: RoleKeys, b: RoleKeys): boolean {
  return (
    a.threshold === b.threshold &&
    a.keyids.length === b.keyids.length &&
    a.keyids.every((k) => b.keyids.includes(k))
  );
}

function offlineMissing(role: string): TrustError {
  return new TrustError(
    'offline-unavailable',
    `${role}: expected trusted metadata in the cache (offline mode), got none`,
  );
}

// Cached metadata that fails verification is simply not used: the remote copy decides.
function ignoreFailure<T>(step: () => T): T | undefined {
  try {
    return step();
  } catch {
    return undefined;
  }
}
