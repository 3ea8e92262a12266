// Public surface of src/core: the TUF metadata model, canonical JSON, keys and signatures.
export * from './errors.js';
export * from './model.js';
export * from './hashes.js';
export * from './limits.js';
export { canonicalize, canonicalBytes } from './canonical.js';
export { parseKey, isSupportedKey, verifySignature, computeKeyId, keyFingerprint } from './keys.js';
export { generateSigner, signerFromPem, signMetadata, serializeMetadata } from './signer.js';
export type { KeyAlgorithm, Signer, GenerateOptions } from './signer.js';
export { parseTufDate } from './dates.js';
export {
  matchesPathPattern,
  targetPathHash,
  hashPrefixedPath,
  succinctBinIndex,
  succinctBinName,
  succinctBinNameForHash,
} from './path-match.js';
export { signatureStatus, countValid, verifyThreshold } from './signatures.js';
export type { KeyStatus, KeyStatusKind } from './signatures.js';
export { parseMetadata } from './parse-metadata.js';
export { parseRoot, parseTimestamp, parseSnapshot } from './parse-roles.js';
export { parseTargets } from './parse-targets.js';
export { decodeJson } from './parse-envelope.js';
