// One mapping from failures to exit codes, shared by every command (documented in the README):
// 0 success, 1 verification or trust failure, 2 usage error, 3 operational failure.
import {
  DownloadError,
  GitError,
  StorageError,
  UsageError,
  isVerificationFailure,
} from '../core/index.js';

export const EXIT_OK = 0;
export const EXIT_VERIFICATION = 1;
export const EXIT_USAGE = 2;
export const EXIT_OPERATIONAL = 3;
export type ExitCode = 0 | 1 | 2 | 3;

/** Maps any thrown value to an exit code; anything unrecognized fails closed as "do not trust". */
export function exitCodeFor(err: unknown): ExitCode {
  if (isVerificationFailure(err)) return EXIT_VERIFICATION;
  if (err instanceof UsageError) return EXIT_USAGE;
  if (err instanceof DownloadError || err instanceof StorageError || err instanceof GitError)
    return EXIT_OPERATIONAL;
  if (isSystemError(err)) return EXIT_OPERATIONAL;
  // An untyped error is a bug somewhere on the verification path: never report it as
  // something a retry could fix, and never as success.
  return EXIT_VERIFICATION;
}

/** Node's own I/O errors (ENOENT, EACCES, EPIPE...) carry a string `code` and a `syscall`. */
function isSystemError(err: unknown): boolean {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).syscall === 'string';
}
