export { Updater } from './updater.js';
export type {
  UpdaterOptions,
  UpdaterEvent,
  RefreshResult,
  TrustedVersions,
  ChainLink,
  TargetLookup,
  ListedTarget,
} from './updater-types.js';
export { TrustedMetadataSet, type Authorization } from './trusted-set.js';
export {
  HttpFetcher,
  FileFetcher,
  type Fetcher,
  type FetchOptions,
  type HttpFetcherOptions,
} from './fetcher.js';
export { MetadataStore } from './metadata-store.js';
export { TargetStore, type StoredTarget } from './target-store.js';
export { writeFileAtomic, toStorageError } from './fs-atomic.js';
export { roleFileName, targetFileName } from './role-file-name.js';
export { mapConcurrent } from './concurrency.js';
export { metadataUrl, targetUrl, quoteSegment } from './urls.js';
export { searchTarget, listAllTargets, type RoleLoader } from './target-search.js';
