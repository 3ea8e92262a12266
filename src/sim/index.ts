// Public surface of src/sim: repository simulator, loopback server, generators, git layouts.
export { RepositorySimulator } from './simulator.js';
export type {
  SimulatorOptions,
  SignOptions,
  PublishOptions,
  EnvelopeTransform,
  SerializeStyle,
} from './simulator.js';
export { RoleView } from './role-view.js';
export type { DelegationSpec } from './delegations.js';
export { roleFileName, artifactFileNames } from './files.js';
export { toTufDate, SPEC_VERSION } from './json.js';
export { startSimulatorServer } from './server.js';
export type {
  FileSource,
  StreamBody,
  RecordedRequest,
  ServerOptions,
  SimulatorServer,
} from './server.js';
export { FaultSet } from './faults.js';
export type { Fault, FaultMatch } from './faults.js';
export { generateHashBinRepository, HashBinRepository } from './generate.js';
export type { HashBinOptions } from './generate.js';
export { writeStaticTree, safeJoin } from './static-tree.js';
export {
  writeGitRepository,
  commitTree,
  initGitRepository,
  createTufOnCiSimulator,
  runGit,
} from './git-repo.js';
export type { GitIdentity, CommitOptions, WriteGitRepositoryOptions } from './git-repo.js';
