// Public surface of src/mirror: read a git-backed repository, verify it as a client, publish
// and serve the static tree.
export { GitReader, type TreeEntry, type CommitInfo } from './git-reader.js';
export {
  startStaticServer,
  type StaticServerOptions,
  type RunningServer,
} from './static-server.js';
export { buildSite, type BuildOptions, type BuildReport } from './build.js';
export type { Problem } from './problems.js';
export { inertJson, inertText } from './display.js';
export { syncOnce, runSync, type SyncOptions, type SyncIteration } from './sync.js';
