// Public option and result types of the Updater.

import type { Limits, TargetFile } from '../core/index.js';
import type { Fetcher } from './fetcher.js';

export interface UpdaterOptions {
  /** Directory of trusted metadata; must contain a trusted `root.json`. */
  readonly metadataDir: string;
  /** Where metadata is served; a trailing slash is added if missing. */
  readonly metadataBaseUrl: string;
  /** Where artifacts are served; default: the `targets/` sibling of the metadata URL. */
  readonly targetBaseUrl?: string;
  /** Target store directory (flat, encoded names); default `<metadataDir>/../targets`. */
  readonly targetDir?: string;
  /** Transport; default a new HttpFetcher, closed by `close()`. */
  readonly fetcher?: Fetcher;
  /** Length caps per role document; a response over its cap is aborted. */
  readonly limits?: Partial<Limits>;
  /** Most root versions one refresh may walk (TUF 5.3.3); default 256. */
  readonly maxRootRotations?: number;
  /** Most delegated roles one lookup may visit (TUF 5.6.7); default 32. */
  readonly maxDelegations?: number;
  /** Use the trusted cache only: no network; anything missing or expired fails. */
  readonly offline?: boolean;
  /** Source of the reference time; called once per refresh. */
  readonly clock?: () => Date;
  /** Progress and diagnostics: fetches, verified roles, delegation visits, download progress. */
  readonly onEvent?: (event: UpdaterEvent) => void;
}

export type UpdaterEvent =
  | { readonly kind: 'fetch'; readonly url: string; readonly role: string }
  | { readonly kind: 'verified'; readonly role: string; readonly version: number }
  /** A delegation search consults `role` (from the cache or the network). */
  | { readonly kind: 'visit'; readonly role: string; readonly delegator: string }
  | {
      readonly kind: 'download-progress';
      readonly targetPath: string;
      readonly received: number;
      readonly total: number;
    };

export interface TrustedVersions {
  readonly root: number;
  readonly timestamp: number;
  readonly snapshot: number;
  readonly targets: number;
}

export interface RefreshResult {
  readonly referenceTime: Date;
  readonly versions: TrustedVersions;
}

/** One role on the delegation path that vouches for a target (`delegator` null for top-level targets). */
export interface ChainLink {
  readonly role: string;
  readonly version: number;
  readonly delegator: string | null;
}

export interface TargetLookup {
  readonly path: string;
  readonly target: TargetFile;
  /** From `targets` down to the role that lists the target. */
  readonly chain: readonly ChainLink[];
}

export interface ListedTarget {
  readonly path: string;
  readonly target: TargetFile;
  readonly role: string;
}
