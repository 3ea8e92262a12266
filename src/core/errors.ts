// One error hierarchy for the whole toolkit: every failure carries a stable `code` and keeps
// its `cause`. Subclasses say which domain failed; the CLI maps the domain to an exit code.

/** Codes for metadata that is malformed or violates the TUF format (attacker-controlled input). */
export type FormatErrorCode =
  | 'invalid-json'
  | 'invalid-type'
  | 'missing-field'
  | 'invalid-value'
  | 'invalid-number'
  | 'invalid-date'
  | 'duplicate-signature'
  | 'unsupported-canonical-value';

/** Codes for metadata that parsed but must not be trusted (TUF 5.3–5.6). */
export type TrustErrorCode =
  | 'untrusted-root'
  | 'threshold-not-met'
  | 'wrong-type'
  | 'expired'
  | 'rollback'
  | 'version-mismatch'
  | 'hash-mismatch'
  | 'length-mismatch'
  | 'missing-meta'
  | 'ordering'
  | 'root-rotation-limit'
  | 'delegation-limit'
  | 'inconsistent-role'
  | 'target-not-found'
  | 'offline-unavailable';

/** Codes for network and transfer failures. */
export type DownloadErrorCode =
  'http-status' | 'not-found' | 'too-large' | 'timeout' | 'stalled' | 'network' | 'aborted';

/** Codes for local storage failures (cache and output directories). */
export type StorageErrorCode = 'io' | 'unsafe-path' | 'corrupt-cache';

/** Codes for mistakes in how a program or library was called. */
export type UsageErrorCode =
  'invalid-argument' | 'unknown-repository' | 'exists' | 'unsafe-refused';

/** Codes for git-backed repository problems found by pg-mirror. */
export type GitErrorCode = 'git-failed' | 'git-missing-object' | 'git-bad-ref';

export type ErrorCode =
  | FormatErrorCode
  | TrustErrorCode
  | DownloadErrorCode
  | StorageErrorCode
  | UsageErrorCode
  | GitErrorCode;

/** Base class: `code` is stable and machine-readable, `message` reads `<subject>: expected X, got Y`. */
export class PgError<C extends ErrorCode = ErrorCode> extends Error {
  readonly code: C;
  override readonly cause?: unknown;

  constructor(code: C, message: string, options?: { cause?: unknown }) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

/** Metadata bytes that are not valid TUF metadata. Always an attacker-visible failure. */
export class FormatError extends PgError<FormatErrorCode> {}

/** Metadata that parsed but fails a TUF trust check (signature, version, expiry, hashes). */
export class TrustError extends PgError<TrustErrorCode> {}

/** A transfer failed (network, HTTP status, length cap, timeouts). */
export class DownloadError extends PgError<DownloadErrorCode> {
  /** The HTTP status, when the failure is a response with an unexpected status. */
  readonly status?: number;

  constructor(
    code: DownloadErrorCode,
    message: string,
    options?: { cause?: unknown; status?: number },
  ) {
    super(code, message, options);
    if (options?.status !== undefined) this.status = options.status;
  }
}

/** The local file system failed or a path would escape its directory. */
export class StorageError extends PgError<StorageErrorCode> {}

/** The caller asked for something invalid; exit code 2 in the CLIs. */
export class UsageError extends PgError<UsageErrorCode> {}

/** Reading the git object store failed. */
export class GitError extends PgError<GitErrorCode> {}

/** True for failures that mean "do not trust this", as opposed to operational failures. */
export function isVerificationFailure(err: unknown): boolean {
  if (err instanceof FormatError || err instanceof TrustError) return true;
  // A response over its length cap is an endless-data attack, not a flaky network.
  return err instanceof DownloadError && err.code === 'too-large';
}

/** The string `code` of an errno-style error (e.g. `ENOENT`), or undefined when there is none. */
export function errnoCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string')
    return err.code;
  return undefined;
}

/** Renders any thrown value as one line, keeping the code when there is one. */
export function describeError(err: unknown): string {
  if (err instanceof PgError) return `${err.message} [${err.code}]`;
  if (err instanceof Error) return err.message;
  return String(err);
}
