// Default caps on downloaded documents (bytes). A response longer than its cap is aborted
// (TUF 5.2 "endless data"); every cap is configurable by the caller.
export interface Limits {
  readonly root: number;
  readonly timestamp: number;
  readonly snapshot: number;
  readonly targets: number;
}

export const DEFAULT_LIMITS: Limits = {
  root: 512_000,
  timestamp: 16_384,
  snapshot: 2_000_000,
  targets: 5_000_000,
};

/** Most root versions one refresh may walk through (TUF 5.3.3). */
export const DEFAULT_MAX_ROOT_ROTATIONS = 256;
/** Most delegated roles one target lookup may visit (TUF 5.6.7). */
export const DEFAULT_MAX_DELEGATIONS = 32;
