// What each pg-download command returns. Handlers build these; output.ts renders them as
// text or as one JSON document. Plain data only, so `--json` is a faithful serialization.
import type { Json } from '../core/index.js';

export interface ChainEntry {
  readonly role: string;
  readonly version: number;
  readonly delegator: string | null;
}

export interface InitResult {
  readonly kind: 'init';
  readonly name: string;
  readonly metadataUrl: string;
  readonly targetsUrl: string;
  readonly rootVersion: number;
  readonly rootExpires: string;
  readonly rootSha256: string;
  readonly repositoryDir: string;
  readonly isDefault: boolean;
  readonly replaced: boolean;
  readonly warnings: readonly string[];
}

export interface GetEntry {
  readonly target: string;
  /** Where the verified file is: the -o destination, the cache file, or "-" for stdout. */
  readonly path: string;
  readonly length: number;
  readonly hashes: Readonly<Record<string, string>>;
  /** True when no artifact was downloaded: the verified cache copy was reused. */
  readonly cached: boolean;
  readonly chain: readonly ChainEntry[];
}

export interface GetResult {
  readonly kind: 'get';
  readonly entries: readonly GetEntry[];
  /** True when artifact bytes went to stdout (`-o -`): the summary then goes to stderr. */
  readonly toStdout: boolean;
}

export interface InfoEntry {
  readonly target: string;
  readonly length: number;
  readonly hashes: Readonly<Record<string, string>>;
  readonly custom: Json | null;
  readonly chain: readonly ChainEntry[];
}

export interface InfoResult {
  readonly kind: 'info';
  readonly entries: readonly InfoEntry[];
}

export interface RefreshOutput {
  readonly kind: 'refresh';
  readonly repo: string;
  readonly referenceTime: string;
  readonly versions: {
    readonly root: number;
    readonly timestamp: number;
    readonly snapshot: number;
    readonly targets: number;
  };
}

export interface RoleStatus {
  readonly role: string;
  readonly version?: number;
  readonly expires?: string;
  readonly expired?: boolean;
  /** Why the local file could not be shown (absent files have neither version nor error). */
  readonly error?: string;
}

export interface RepoStatus {
  readonly name: string;
  readonly isDefault: boolean;
  readonly metadataUrl: string;
  readonly targetsUrl: string;
  readonly metadataDir: string;
  readonly targetsDir: string;
  readonly roles: readonly RoleStatus[];
  readonly cachedTargets: number;
}

export interface StatusResult {
  readonly kind: 'status';
  readonly cacheDir: string;
  readonly checkedAt: string;
  readonly repos: readonly RepoStatus[];
}

export interface ListEntry {
  readonly path: string;
  readonly length: number;
  readonly role: string;
}

export interface ListResult {
  readonly kind: 'list';
  readonly repo: string;
  readonly targets: readonly ListEntry[];
}

export type CommandResult =
  InitResult | GetResult | InfoResult | RefreshOutput | StatusResult | ListResult;
